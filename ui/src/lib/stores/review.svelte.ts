import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type {
  Annotation,
  ChecklistKind,
  CoreEvent,
  ExportFormat,
  ExportOutcome,
  ExportScope,
  IpcError,
  MessageId,
  Metrics,
  ResponseTarget,
  ReviewCursor,
  ReviewFilter,
  ReviewRow,
  ThreadId,
  Transcript,
  TranscriptMessage,
} from "../ipc/bindings";
import { defaultFilter, lastDays } from "../review";

/** Rows asked for at a time. */
export const REVIEW_PAGE = 50;
/** How long typing in the words filter may pause before the list follows. */
export const FILTER_DEBOUNCE_MS = 250;

export type ReviewTab = "conversations" | "metrics" | "annotations";

/**
 * The manager's Review screen (issue 16): the filtered list of conversations (keyset pages),
 * the transcript of the one chosen with its annotations and checklist, the metrics of a period,
 * the list of annotations, and exports with their progress. Answers that arrive after a newer
 * question are dropped.
 */
export class ReviewStore {
  tab = $state<ReviewTab>("conversations");
  filter = $state<ReviewFilter>(defaultFilter());
  rows = $state<ReviewRow[]>([]);
  next = $state<ReviewCursor | null>(null);
  loaded = $state(false);
  loading = $state(false);
  error = $state<IpcError | null>(null);
  responders = $state<string[]>([]);
  targets = $state<ResponseTarget[]>([]);

  selectedId = $state<ThreadId | null>(null);
  transcript = $state<Transcript | null>(null);
  /** Every message of the transcript read so far (its first page, then more). */
  messages = $state<TranscriptMessage[]>([]);
  transcriptError = $state<IpcError | null>(null);
  wholeDialogue = $state(false);

  metricsPeriod = $state(lastDays(28, Date.now()));
  metrics = $state<Metrics | null>(null);
  metricsError = $state<IpcError | null>(null);

  annotations = $state<Annotation[]>([]);
  annotationQuery = $state("");

  /** The conversations ticked in the list, in the list's order (exported together). */
  checked = $state<ThreadId[]>([]);
  /** Where a shift-click's range starts: the row ticked or unticked last. */
  #anchor: ThreadId | null = null;

  exporting = $state<{ done: number; total: number } | null>(null);
  lastExport = $state<ExportOutcome | null>(null);
  exportError = $state<IpcError | null>(null);

  #backend: Backend;
  #generation = 0;
  #transcriptSeq = 0;
  #metricsSeq = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** The screen opened: the list, the choices of its filters. */
  async open(): Promise<void> {
    const [responders, targets] = await Promise.all([
      this.#backend.reviewResponders().catch(() => []),
      this.#backend.reviewTargets().catch(() => []),
    ]);
    this.responders = responders;
    this.targets = targets;
    await this.reload();
    if (this.tab === "metrics") await this.loadMetrics();
    if (this.tab === "annotations") await this.loadAnnotations();
  }

  async setTab(tab: ReviewTab): Promise<void> {
    this.tab = tab;
    if (tab === "metrics") await this.loadMetrics();
    if (tab === "annotations") await this.loadAnnotations();
  }

  /** Changes the filter; the list follows (at once, or once typing pauses for words). The
   * ticked conversations are forgotten: a selection is of what the list shows. */
  setFilter(change: Partial<ReviewFilter>, debounce = false): void {
    this.filter = { ...this.filter, ...change };
    this.clearChecked();
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (debounce) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        void this.reload();
      }, FILTER_DEBOUNCE_MS);
    } else {
      this.#timer = null;
      void this.reload();
    }
  }

  resetFilter(): void {
    // How times are counted is a choice of the Metrics view, not a filter to reset.
    this.filter = { ...defaultFilter(), businessHours: this.filter.businessHours };
    this.clearChecked();
    void this.reload();
  }

  /** The first page for the current filter. */
  async reload(): Promise<void> {
    const gen = ++this.#generation;
    this.loading = true;
    try {
      const page = await this.#backend.reviewPage($state.snapshot(this.filter), null, REVIEW_PAGE);
      if (gen !== this.#generation) return;
      this.rows = page.rows;
      this.next = page.next;
      this.error = null;
      this.loaded = true;
    } catch (e) {
      if (gen === this.#generation) this.error = toIpcError(e);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }

  /** The next page, appended. */
  async loadMore(): Promise<void> {
    const cursor = this.next;
    if (!cursor || this.loading) return;
    const gen = this.#generation;
    this.loading = true;
    try {
      const page = await this.#backend.reviewPage($state.snapshot(this.filter), cursor, REVIEW_PAGE);
      if (gen !== this.#generation) return;
      const seen = new Set(this.rows.map((r) => r.threadId));
      this.rows = [...this.rows, ...page.rows.filter((r) => !seen.has(r.threadId))];
      this.next = page.next;
    } catch (e) {
      if (gen === this.#generation) this.error = toIpcError(e);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }

  isChecked(threadId: ThreadId): boolean {
    return this.checked.includes(threadId);
  }

  /**
   * Ticks or unticks a row. With `range` (shift-click), every row from the last one clicked to
   * this one takes this row's new state, as in a file manager.
   */
  toggleChecked(threadId: ThreadId, range = false): void {
    const on = !this.isChecked(threadId);
    const ids = this.rows.map((r) => r.threadId);
    let affected = [threadId];
    const from = this.#anchor === null ? -1 : ids.indexOf(this.#anchor);
    const to = ids.indexOf(threadId);
    if (range && from >= 0 && to >= 0) affected = ids.slice(Math.min(from, to), Math.max(from, to) + 1);
    const set = new Set(this.checked);
    for (const id of affected) {
      if (on) set.add(id);
      else set.delete(id);
    }
    // In the list's order (rows not listed any more keep their place at the end).
    this.checked = [...ids.filter((id) => set.has(id)), ...[...set].filter((id) => !ids.includes(id))];
    this.#anchor = threadId;
  }

  /** Ticks every conversation listed so far. */
  checkAllListed(): void {
    this.checked = this.rows.map((r) => r.threadId);
  }

  clearChecked(): void {
    this.checked = [];
    this.#anchor = null;
  }

  /** Exports the ticked conversations, in the list's order. */
  async exportChecked(format: ExportFormat, attachments = false): Promise<ExportOutcome | null> {
    if (this.checked.length === 0) return null;
    return this.exportAs(format, { kind: "threads", threads: [...this.checked] }, attachments);
  }

  /** Opens a conversation's transcript. */
  async select(threadId: ThreadId, wholeDialogue = this.wholeDialogue): Promise<void> {
    const seq = ++this.#transcriptSeq;
    this.selectedId = threadId;
    this.wholeDialogue = wholeDialogue;
    try {
      const t = await this.#backend.reviewTranscript(threadId, wholeDialogue);
      if (seq !== this.#transcriptSeq) return;
      this.transcript = t;
      this.messages = t.firstPage.messages;
      this.#more = t.firstPage.next;
      this.transcriptError = null;
    } catch (e) {
      if (seq === this.#transcriptSeq) {
        this.transcript = null;
        this.transcriptError = toIpcError(e);
      }
    }
  }

  #more = $state<{ at: number; id: number } | null>(null);

  get hasMoreMessages(): boolean {
    return this.#more !== null;
  }

  /** The transcript's following messages. */
  async moreMessages(): Promise<void> {
    const t = this.transcript;
    const cursor = this.#more;
    if (!t || !cursor) return;
    const seq = this.#transcriptSeq;
    const page = await this.#backend.transcriptPage(t.threadIds, cursor);
    if (seq !== this.#transcriptSeq) return;
    this.messages = [...this.messages, ...page.messages];
    this.#more = page.next;
  }

  /** Annotates a message of the open transcript (or the whole conversation). */
  async annotate(messageId: MessageId | null, quote: string, body: string): Promise<boolean> {
    const t = this.transcript;
    if (!t) return false;
    try {
      const a = await this.#backend.addAnnotation({ threadId: t.row.threadId, messageId, quote, body });
      if (this.transcript?.row.threadId === a.threadId) {
        this.transcript = { ...this.transcript, annotations: [a, ...this.transcript.annotations] };
      }
      this.#bumpAnnotations(a.threadId, 1);
      this.transcriptError = null;
      return true;
    } catch (e) {
      this.transcriptError = toIpcError(e);
      return false;
    }
  }

  async deleteAnnotation(id: number): Promise<void> {
    try {
      await this.#backend.deleteAnnotation(id);
      const t = this.transcript;
      if (t && t.annotations.some((a) => a.id === id)) {
        this.transcript = { ...t, annotations: t.annotations.filter((a) => a.id !== id) };
        this.#bumpAnnotations(t.row.threadId, -1);
      }
      this.annotations = this.annotations.filter((a) => a.id !== id);
    } catch (e) {
      this.transcriptError = toIpcError(e);
    }
  }

  #bumpAnnotations(threadId: ThreadId, by: number): void {
    this.rows = this.rows.map((r) => (r.threadId === threadId ? { ...r, annotations: Math.max(0, r.annotations + by) } : r));
  }

  async addChecklistItem(label: string, kind: ChecklistKind): Promise<boolean> {
    try {
      const item = await this.#backend.addChecklistItem(label, kind);
      if (this.transcript) this.transcript = { ...this.transcript, checklist: [...this.transcript.checklist, item] };
      return true;
    } catch (e) {
      this.transcriptError = toIpcError(e);
      return false;
    }
  }

  async removeChecklistItem(id: number): Promise<void> {
    try {
      await this.#backend.removeChecklistItem(id);
      const t = this.transcript;
      if (t) {
        this.transcript = { ...t, checklist: t.checklist.filter((i) => i.id !== id), scores: t.scores.filter((s) => s.itemId !== id) };
      }
    } catch (e) {
      this.transcriptError = toIpcError(e);
    }
  }

  async score(itemId: number, score: number | null): Promise<void> {
    const t = this.transcript;
    if (!t) return;
    try {
      const had = t.scores.length;
      const scores = await this.#backend.setChecklistScore(t.row.threadId, itemId, score);
      if (this.transcript?.row.threadId === t.row.threadId) this.transcript = { ...this.transcript, scores };
      this.#bumpAnnotations(t.row.threadId, scores.length - had);
    } catch (e) {
      this.transcriptError = toIpcError(e);
    }
  }

  /** Counts response and resolution times (and "slower than the target") in business hours only. */
  setBusinessHours(on: boolean): void {
    this.filter = { ...this.filter, businessHours: on };
    void this.reload();
    void this.loadMetrics();
  }

  setMetricsPeriod(from: number, to: number): void {
    this.metricsPeriod = { from, to };
    void this.loadMetrics();
  }

  /** The metrics of the chosen period, for the filter's channels and accounts. */
  async loadMetrics(): Promise<void> {
    const seq = ++this.#metricsSeq;
    try {
      const m = await this.#backend.reviewMetrics({
        from: this.metricsPeriod.from,
        to: this.metricsPeriod.to,
        channels: [...this.filter.channels],
        accounts: [...this.filter.accounts],
        businessHours: this.filter.businessHours,
      });
      if (seq !== this.#metricsSeq) return;
      this.metrics = m;
      this.metricsError = null;
    } catch (e) {
      if (seq === this.#metricsSeq) this.metricsError = toIpcError(e);
    }
  }

  async saveTargets(targets: ResponseTarget[]): Promise<void> {
    try {
      this.targets = await this.#backend.setReviewTargets(targets);
      this.metricsError = null;
      await Promise.all([this.reload(), this.tab === "metrics" ? this.loadMetrics() : Promise.resolve()]);
    } catch (e) {
      this.metricsError = toIpcError(e);
    }
  }

  async loadAnnotations(): Promise<void> {
    try {
      const q = this.annotationQuery.trim();
      this.annotations = await this.#backend.listAnnotations({ threadId: null, text: q || null, from: null, to: null });
    } catch (e) {
      this.error = toIpcError(e);
    }
  }

  /** Exports one transcript, the conversations listed, or everything the filter matches. */
  async exportAs(format: ExportFormat, scope: ExportScope, attachments = false): Promise<ExportOutcome | null> {
    this.exporting = { done: 0, total: 0 };
    this.exportError = null;
    this.lastExport = null;
    try {
      const out = await this.#backend.exportReview({ format, scope, attachments, businessHours: this.filter.businessHours });
      this.lastExport = out;
      return out;
    } catch (e) {
      this.exportError = toIpcError(e);
      return null;
    } finally {
      this.exporting = null;
    }
  }

  async cancelExport(): Promise<void> {
    await this.#backend.cancelExport();
  }

  /** Saves a chart's numbers as CSV through the save dialog: where it went, `null` when the
   *  user cancelled, or the error to show. */
  async saveNumbers(file: string, csv: string): Promise<{ path: string | null } | { error: IpcError }> {
    try {
      return { path: await this.#backend.saveNumbersCsv(file, csv) };
    } catch (e) {
      return { error: toIpcError(e) };
    }
  }

  handleEvent(event: CoreEvent): void {
    if (event.kind === "exportProgress" && this.exporting) {
      this.exporting = { done: event.done, total: event.total };
    }
  }
}
