import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { CoreEvent, IpcError, PageCursor, ThreadId, ThreadSummary, ThreadView } from "../ipc/bindings";
import { OPEN_VIEW, placeChanged, sameView, viewKey } from "../views";

/**
 * How long the list holds still after the pointer last moved over it: the time between aiming
 * at a row and clicking it. A pointer at rest for longer lets the list move again, so new
 * conversations still show while the pointer merely rests there.
 */
export const HOLD_MS = 1000;

/** The most rows one list request asks for (Rust answers at most 200). */
const MAX_REQUEST = 200;

/** What a view keeps while the agent looks at another: where it was and what was selected. */
type ViewMemory = { selectedId: ThreadId | null; scrollTop: number; rows: number };

/**
 * The thread list of one view of the inbox (Open by default): keyset-paged, kept current by
 * re-reading only the conversations a change names (`threadsChanged`) and placing each where
 * the view now puts it — gone when it left the view, at its sorted place when it entered or
 * moved, updated where it stands otherwise. Only an event that names no conversation (an account
 * added or removed, events lost) reloads the rows loaded.
 *
 * While the agent aims at a row (the pointer moved over the list within `HOLD_MS`) or presses
 * one, changes do not reorder or insert rows, so the row under the pointer stays the one
 * clicked: the rows shown take their new content in place and the new order waits until the
 * hold ends, as mail clients do. Changes the agent makes from the keyboard show at once.
 *
 * Rows can be checked for bulk actions: `x` toggles one, shift-click checks a range, shift+j/k
 * extend from where the extension started.
 */
export class ThreadsStore {
  threads = $state<ThreadSummary[]>([]);
  next = $state<PageCursor | null>(null);
  /** True once the first page arrived. */
  loaded = $state(false);
  loading = $state(false);
  error = $state<IpcError | null>(null);
  selectedId = $state<ThreadId | null>(null);
  /** The view listed. */
  view = $state<ThreadView>(OPEN_VIEW);
  /** Rows checked for a bulk action, in the order they were checked. */
  checked = $state<ThreadId[]>([]);
  readonly checkedSet = $derived(new Set(this.checked));
  /**
   * The conversation open beside the list: in Unread it stays listed once read (opening it reads
   * it), so the agent's place in the list does not jump.
   */
  openId: ThreadId | null = null;
  /** Where the list should scroll to after a view came back (the list component applies it). */
  scrollRestore = $state<{ top: number; seq: number } | null>(null);

  readonly pageSize: number;
  #backend: Backend;
  #generation = 0;
  #holdUntil = 0;
  #pressed = false;
  #holdTimer: ReturnType<typeof setTimeout> | null = null;
  /** The rows as they now are, kept back while the list holds still. */
  #pending: { threads: ThreadSummary[]; next: PageCursor | null } | null = null;
  /** One list operation at a time (pages, changes, reloads), so none applies stale rows. */
  #serial: Promise<void> = Promise.resolve();
  /** Conversations named by changes not yet re-read. */
  #changed = new Set<ThreadId>();
  #applying: Promise<void> | null = null;
  #reloadWanted = false;
  #memory = new Map<string, ViewMemory>();
  #scrollTop = 0;
  #restoreSeq = 0;
  /** Where a shift+j/k extension started, and what was checked before it. */
  #extension: { anchor: ThreadId; base: ThreadId[] } | null = null;
  /** The row a shift-click range starts from. */
  #anchor: ThreadId | null = null;

  constructor(backend: Backend, pageSize = 50) {
    this.#backend = backend;
    this.pageSize = pageSize;
  }

  get hasMore(): boolean {
    return this.loaded && this.next !== null;
  }

  get selectedIndex(): number {
    return this.selectedId === null ? -1 : this.threads.findIndex((t) => t.id === this.selectedId);
  }

  /** Runs `op` after every list operation already queued. */
  #queue(op: () => Promise<void>): Promise<void> {
    const run = this.#serial.then(op, op);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  /** Reads the first rows of the view (at least `rows` of them), replacing whatever was there. */
  loadFirst(rows = this.pageSize): Promise<void> {
    const gen = ++this.#generation;
    this.loading = true;
    return this.#queue(async () => {
      if (gen !== this.#generation) return;
      try {
        const { threads, next } = await this.#fetchTop(rows);
        if (gen !== this.#generation) return;
        this.threads = threads;
        this.next = next;
        this.#pending = null;
        this.loaded = true;
        this.error = null;
      } catch (e) {
        if (gen === this.#generation) this.error = toIpcError(e);
      } finally {
        if (gen === this.#generation) this.loading = false;
      }
    });
  }

  /** The view's first `rows` rows (at least a page), page by page. */
  async #fetchTop(rows: number): Promise<{ threads: ThreadSummary[]; next: PageCursor | null }> {
    const view = this.view;
    const target = Math.max(rows, this.pageSize);
    const threads: ThreadSummary[] = [];
    let cursor: PageCursor | null = null;
    for (;;) {
      const want = Math.min(MAX_REQUEST, target - threads.length);
      const page = await this.#backend.listView(view, cursor, want);
      threads.push(...page.threads);
      cursor = page.next;
      if (cursor === null || threads.length >= target || page.threads.length === 0) return { threads, next: cursor };
    }
  }

  /** Appends the next page of the view, if any. */
  loadMore(): Promise<void> {
    if (!this.loaded) return this.loadFirst();
    if (this.loading || this.next === null) return Promise.resolve();
    const gen = this.#generation;
    this.loading = true;
    return this.#queue(async () => {
      const cursor = this.next;
      if (gen !== this.#generation || cursor === null) return;
      try {
        const page = await this.#backend.listView(this.view, cursor, this.pageSize);
        if (gen !== this.#generation) return;
        const seen = new Set(this.threads.map((t) => t.id));
        this.threads = [...this.threads, ...page.threads.filter((t) => !seen.has(t.id))];
        this.next = page.next;
        const pending = this.#pending;
        if (pending !== null) {
          // The page continues the list shown; the held one keeps it too.
          const held = new Set(pending.threads.map((t) => t.id));
          pending.threads = [...pending.threads, ...page.threads.filter((t) => !held.has(t.id))];
          pending.next = page.next;
        }
        this.error = null;
      } catch (e) {
        if (gen === this.#generation) this.error = toIpcError(e);
      } finally {
        if (gen === this.#generation) this.loading = false;
      }
    });
  }

  /**
   * Re-reads the rows loaded from the top (as many as are loaded). For events that name no
   * conversation; concurrent calls are coalesced.
   */
  reload(): Promise<void> {
    this.#reloadWanted = true;
    return this.#drain();
  }

  /**
   * Re-reads the conversations `ids` and places each in the list as the view now has it (see
   * the class comment). Calls while one runs are gathered into the next.
   */
  applyChanged(ids: readonly ThreadId[], opts: { now?: boolean } = {}): Promise<void> {
    for (const id of ids) this.#changed.add(id);
    if (opts.now) this.#showPending();
    return this.#drain(opts.now === true);
  }

  #drain(now = false): Promise<void> {
    if (this.#applying) {
      if (now) void this.#applying.then(() => this.#showPending());
      return this.#applying;
    }
    this.#applying = this.#queue(async () => {
      try {
        while (this.#reloadWanted || this.#changed.size > 0) {
          if (this.#reloadWanted) {
            this.#reloadWanted = false;
            this.#changed.clear();
            await this.#reloadOnce();
          } else {
            const ids = [...this.#changed];
            this.#changed.clear();
            await this.#placeOnce(ids, now);
          }
        }
      } finally {
        this.#applying = null;
      }
    });
    return this.#applying;
  }

  async #placeOnce(ids: ThreadId[], now: boolean): Promise<void> {
    if (!this.loaded) return;
    const gen = this.#generation;
    try {
      const fresh = await this.#backend.threadSummaries(ids);
      if (gen !== this.#generation) return;
      const base = this.#pending ?? { threads: this.threads, next: this.next };
      const keep = this.view.kind === "unread" ? this.openId : null;
      this.#show(placeChanged(this.view, base.threads, base.next, ids, fresh, keep), base.next, fresh, now);
      this.error = null;
    } catch (e) {
      if (gen === this.#generation) this.error = toIpcError(e);
    }
  }

  async #reloadOnce(): Promise<void> {
    if (!this.loaded) return;
    const gen = this.#generation;
    try {
      const { threads, next } = await this.#fetchTop((this.#pending ?? this).threads.length);
      if (gen !== this.#generation) return;
      this.#show(threads, next, threads, false);
      this.error = null;
    } catch (e) {
      if (gen === this.#generation) this.error = toIpcError(e);
    }
  }

  /** Shows the new rows, or — while holding — keeps them back and updates the shown rows in place. */
  #show(threads: ThreadSummary[], next: PageCursor | null, fresh: readonly ThreadSummary[], now: boolean): void {
    if (this.holding && !now) {
      this.#pending = { threads, next };
      const byId = new Map(fresh.map((t) => [t.id, t]));
      this.threads = this.threads.map((t) => byId.get(t.id) ?? t);
      // What is held back shows when the hold ends (a press arms this when the button comes up).
      if (this.#holdTimer === null && !this.#pressed) this.#armRelease(Math.max(0, this.#holdUntil - Date.now()));
      return;
    }
    this.#pending = null;
    this.#replaceRows(threads, next);
  }

  /**
   * The rows change: a selected row that left moves the selection to the row that took its
   * place (the next one, or the last); checked rows that left are unchecked.
   */
  #replaceRows(threads: ThreadSummary[], next: PageCursor | null): void {
    const old = this.threads;
    this.threads = threads;
    this.next = next;
    const ids = new Set(threads.map((t) => t.id));
    if (this.selectedId !== null && !ids.has(this.selectedId)) {
      const at = old.findIndex((t) => t.id === this.selectedId);
      const after = at < 0 ? [] : old.slice(at + 1).filter((t) => ids.has(t.id));
      const before = at < 0 ? [] : old.slice(0, at).filter((t) => ids.has(t.id));
      this.selectedId = after[0]?.id ?? before[before.length - 1]?.id ?? null;
    }
    if (this.checked.some((id) => !ids.has(id))) this.checked = this.checked.filter((id) => ids.has(id));
  }

  // ---- the view and its memory ------------------------------------------------------------

  /**
   * Shows another view. The one left remembers its selection and scroll position; coming back
   * to a view loads as many rows as it had and restores both.
   */
  async setView(view: ThreadView): Promise<void> {
    if (sameView(view, this.view) && this.loaded) return;
    this.#memory.set(viewKey(this.view), {
      selectedId: this.selectedId,
      scrollTop: this.#scrollTop,
      rows: this.threads.length,
    });
    const memory = this.#memory.get(viewKey(view));
    this.view = view;
    this.checked = [];
    this.#extension = null;
    this.#anchor = null;
    this.#pending = null;
    this.#changed.clear();
    this.selectedId = null;
    this.loaded = false;
    this.threads = [];
    this.next = null;
    this.#scrollTop = 0;
    await this.loadFirst(memory?.rows ?? this.pageSize);
    if (!sameView(view, this.view)) return;
    const keep = memory?.selectedId ?? null;
    this.selectedId = keep !== null && this.threads.some((t) => t.id === keep) ? keep : null;
    this.#scrollTop = memory?.scrollTop ?? 0;
    this.scrollRestore = { top: this.#scrollTop, seq: ++this.#restoreSeq };
  }

  /** The list scrolled (the list component reports it; a view remembers it). */
  rememberScroll(top: number): void {
    this.#scrollTop = top;
  }

  // ---- holding still under the pointer ------------------------------------------------------

  /** True while the list holds its order for the pointer (see the class comment). */
  get holding(): boolean {
    return this.#pressed || Date.now() < this.#holdUntil;
  }

  /** The pointer moved over the list: hold its order for `HOLD_MS` from now. */
  pointerMoved(): void {
    this.#holdUntil = Date.now() + HOLD_MS;
    this.#armRelease(HOLD_MS);
  }

  /** A button went down (true) or up (false) on the list: held while pressed, and a while after. */
  pointerPressed(down: boolean): void {
    this.#pressed = down;
    if (!down) this.pointerMoved();
  }

  /** The pointer left the list: what was held back shows now. */
  pointerLeft(): void {
    this.#pressed = false;
    this.#holdUntil = 0;
    this.#release();
  }

  #armRelease(ms: number): void {
    if (this.#holdTimer !== null) clearTimeout(this.#holdTimer);
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = null;
      // A press holds until the button comes up, which arms the timer again.
      if (this.#pressed) return;
      const left = this.#holdUntil - Date.now();
      if (left > 0) this.#armRelease(left);
      else this.#release();
    }, ms);
  }

  /** The hold ended: what was held back shows. */
  #release(): void {
    if (this.#holdTimer !== null) {
      clearTimeout(this.#holdTimer);
      this.#holdTimer = null;
    }
    this.#showPending();
  }

  /** Shows what was held back (the hold itself goes on for what comes next). */
  #showPending(): void {
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    this.#replaceRows(pending.threads, pending.next);
  }

  /** Local, optimistic: Rust marks a thread read when it is opened. */
  markRead(id: ThreadId): void {
    for (const list of [this.threads, this.#pending?.threads ?? []]) {
      const t = list.find((x) => x.id === id);
      if (t && t.unreadCount !== 0) t.unreadCount = 0;
    }
  }

  // ---- the selection (one row) and the checked rows (several) ------------------------------

  select(id: ThreadId | null): void {
    this.selectedId = id;
    this.#extension = null;
  }

  /** Moves the selection by `delta` rows; returns the newly selected thread id. */
  move(delta: number): ThreadId | null {
    this.#extension = null;
    return this.#step(delta);
  }

  #step(delta: number): ThreadId | null {
    if (this.threads.length === 0) return null;
    const current = this.selectedIndex;
    const index =
      current < 0
        ? delta > 0 ? 0 : this.threads.length - 1
        : Math.min(this.threads.length - 1, Math.max(0, current + delta));
    this.selectedId = this.threads[index].id;
    if (delta > 0 && index >= this.threads.length - 5) void this.loadMore();
    return this.selectedId;
  }

  /**
   * The row an action on `ids` moves on to: the first after the last of them that is not one of
   * them, else the nearest before; null when no other row is left.
   */
  neighbour(ids: readonly ThreadId[]): ThreadId | null {
    const skip = new Set(ids);
    const at = this.threads.map((t, i) => (skip.has(t.id) ? i : -1)).filter((i) => i >= 0);
    if (at.length === 0) return null;
    const after = this.threads.slice(at[at.length - 1] + 1).find((t) => !skip.has(t.id));
    if (after) return after.id;
    const before = this.threads.slice(0, at[0]).filter((t) => !skip.has(t.id));
    return before[before.length - 1]?.id ?? null;
  }

  /** `x`: checks or unchecks a row (the selected one by default). */
  toggleChecked(id: ThreadId | null = this.selectedId): void {
    if (id === null) return;
    this.checked = this.checkedSet.has(id) ? this.checked.filter((x) => x !== id) : [...this.checked, id];
    this.#anchor = id;
    this.#extension = null;
  }

  /** Shift-click: checks every row from the last one checked (or the selection) to `id`. */
  checkRange(id: ThreadId): void {
    const from = this.#anchor ?? this.selectedId ?? id;
    this.checked = this.#union(this.checked, this.#between(from, id));
    this.selectedId = id;
    this.#anchor = id;
    this.#extension = null;
  }

  /**
   * Shift+j/k: moves the selection and checks every row between where the extension started and
   * the selection, so going back unchecks what the extension checked. Anything else the agent
   * does with the selection ends the extension.
   */
  extend(delta: number): void {
    if (this.selectedId === null) {
      const first = this.#step(delta);
      if (first !== null) this.checked = this.#union(this.checked, [first]);
      this.#extension = first === null ? null : { anchor: first, base: this.checked.filter((id) => id !== first) };
      return;
    }
    const anchor = this.selectedId;
    this.#extension ??= { anchor, base: this.checked.filter((id) => id !== anchor) };
    const to = this.#step(delta);
    if (to === null) return;
    this.checked = this.#union(this.#extension.base, this.#between(this.#extension.anchor, to));
    this.#anchor = to;
  }

  #between(a: ThreadId, b: ThreadId): ThreadId[] {
    const i = this.threads.findIndex((t) => t.id === a);
    const j = this.threads.findIndex((t) => t.id === b);
    if (i < 0 || j < 0) return [b];
    const [lo, hi] = i <= j ? [i, j] : [j, i];
    return this.threads.slice(lo, hi + 1).map((t) => t.id);
  }

  #union(a: readonly ThreadId[], b: readonly ThreadId[]): ThreadId[] {
    const seen = new Set(a);
    return [...a, ...b.filter((id) => !seen.has(id))];
  }

  clearChecked(): void {
    this.checked = [];
    this.#extension = null;
    this.#anchor = null;
  }

  handleEvent(event: CoreEvent): void {
    if (event.kind !== "threadsChanged") return;
    if (event.threadIds.length === 0) void this.reload();
    else void this.applyChanged(event.threadIds);
  }
}
