import type { Backend } from "../ipc/backend";
import type { LabelId, ThreadChange, ThreadId, ThreadState, ThreadSummary } from "../ipc/bindings";
import { formatWake, priorityName } from "../format";
import type { LabelsStore } from "./labels.svelte";
import type { ThreadsStore } from "./threads.svelte";

/** How long the Undo toast stays. */
export const UNDO_MS = 8000;

/** What the workflow needs of the rest of the window. */
export interface WorkflowHost {
  readonly threads: ThreadsStore;
  readonly labels: LabelsStore;
  /** The conversation shown, if any. */
  openConversation(): ThreadId | null;
  /** A conversation as the list or the open conversation last showed it. */
  summary(id: ThreadId): ThreadSummary | undefined;
  openThread(id: ThreadId): Promise<void>;
  closeConversation(): void;
  showNotice(e: unknown): void;
  /** The clock the toast's words are written with. */
  now(): number;
}

/** The Undo toast: what was done, and what Undo puts back. */
export type UndoToast = {
  text: string;
  before: ThreadState[];
  /** The row selected and the conversation open before the change moved on from them. */
  selected: ThreadId | null;
  open: ThreadId | null;
  seq: number;
  /** Undo of something other than conversation states (a merge of customers, say). */
  run?: () => Promise<void>;
};

/** The question a resolve asks when replies still wait in the outbox. */
export type QueuedQuestion = { queued: number; conversations: number };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The agent's changes to conversations: statuses, snooze, priority, labels, read state — on the
 * focused one or on every checked one in one call — each followed by an Undo toast. A resolve
 * finding replies still queued asks whether to send or hold them first.
 */
export class Workflow {
  toast = $state<UndoToast | null>(null);
  question = $state<QueuedQuestion | null>(null);
  busy = $state(false);

  #backend: Backend;
  #host: WorkflowHost;
  #toastTimer: ReturnType<typeof setTimeout> | null = null;
  #toastSeq = 0;
  #answer: ((send: boolean | null) => void) | null = null;

  constructor(backend: Backend, host: WorkflowHost) {
    this.#backend = backend;
    this.#host = host;
  }

  /** What an action applies to: the checked rows, else the selected row, else the open conversation. */
  targets(): ThreadId[] {
    const t = this.#host.threads;
    if (t.checked.length > 0) return [...t.checked];
    const one = t.selectedId ?? this.#host.openConversation();
    return one === null ? [] : [one];
  }

  resolve(ids: ThreadId[]): Promise<boolean> {
    return this.apply(ids, { kind: "resolve", sendQueued: null }, (n) => `Resolved ${n}`, true);
  }

  reopen(ids: ThreadId[]): Promise<boolean> {
    return this.apply(ids, { kind: "reopen" }, (n) => `Reopened ${n}`, true);
  }

  pending(ids: ThreadId[]): Promise<boolean> {
    return this.apply(ids, { kind: "pending" }, (n) => `Marked ${n} pending`, true);
  }

  snooze(ids: ThreadId[], until: number): Promise<boolean> {
    const when = formatWake(until, this.#host.now());
    return this.apply(ids, { kind: "snooze", until }, (n) => `Snoozed ${n} until ${when}`, true);
  }

  setPriority(ids: ThreadId[], priority: number): Promise<boolean> {
    const name = priorityName(priority);
    return this.apply(ids, { kind: "setPriority", priority }, (n) =>
      priority === 0 ? `Priority cleared on ${n}` : `${name} priority on ${n}`,
    );
  }

  /** Adds the label to all of `ids`, or takes it off when they all carry it already. */
  toggleLabel(ids: ThreadId[], label: LabelId): Promise<boolean> {
    const name = this.#host.labels.byId.get(label)?.name ?? "Label";
    const all = ids.every((id) => this.#host.summary(id)?.labels.includes(label) ?? false);
    return all
      ? this.apply(ids, { kind: "removeLabel", label }, (n) => `${name} taken off ${n}`)
      : this.apply(ids, { kind: "addLabel", label }, (n) => `${name} added to ${n}`);
  }

  markRead(ids: ThreadId[]): Promise<boolean> {
    return this.apply(ids, { kind: "markRead" }, (n) => `Marked ${n} read`);
  }

  /** Marks unread; the open conversation among them closes (showing it would read it again). */
  markUnread(ids: ThreadId[]): Promise<boolean> {
    const open = this.#host.openConversation();
    if (open !== null && ids.includes(open)) this.#host.closeConversation();
    return this.apply(ids, { kind: "markUnread" }, (n) => `Marked ${n} unread`);
  }

  /**
   * Applies `change` to `ids` in one call. `moveOn`: a status change, after which the selection
   * and the open conversation move on to the next row, as the agent works down the queue.
   */
  async apply(
    ids: ThreadId[],
    change: ThreadChange,
    describe: (what: string) => string,
    moveOn = false,
  ): Promise<boolean> {
    if (ids.length === 0) return false;
    const threads = this.#host.threads;
    const selected = threads.selectedId;
    const open = this.#host.openConversation();
    const next = threads.neighbour(ids);
    // The checked rows (not a header button's one conversation while some are checked).
    const checked = new Set(threads.checked);
    const fromChecked = checked.size === ids.length && ids.every((id) => checked.has(id));
    const single = ids.length === 1;
    const name = single ? this.#host.summary(ids[0])?.contactName : undefined;
    this.busy = true;
    try {
      let outcome = await this.#backend.changeThreads(ids, change);
      if (!outcome.applied && change.kind === "resolve") {
        const send = await this.#ask({ queued: outcome.queuedReplies, conversations: ids.length });
        if (send === null) return false;
        outcome = await this.#backend.changeThreads(ids, { kind: "resolve", sendQueued: send });
      }
      if (!outcome.applied) return false;
      if (fromChecked) threads.clearChecked();
      await threads.applyChanged(ids, { now: true });
      if (moveOn && single) {
        const id = ids[0];
        if (selected === id) threads.select(next);
        if (open === id) {
          if (next !== null) void this.#host.openThread(next);
          else this.#host.closeConversation();
        }
      }
      const what = single ? (name ?? "the conversation") : plural(ids.length, "conversation");
      this.#showToast({
        text: describe(what).replace(/^(.)/, (c) => c.toUpperCase()),
        before: outcome.before,
        selected: moveOn && single ? selected : null,
        open: moveOn && single ? open : null,
      });
      return true;
    } catch (e) {
      this.#host.showNotice(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Puts the conversations back as the toast's change found them. */
  async undo(): Promise<boolean> {
    const toast = this.toast;
    if (toast === null) return false;
    this.dismiss();
    try {
      if (toast.run) {
        await toast.run();
        return true;
      }
      await this.#backend.undoChange(toast.before);
      const ids = toast.before.map((s) => s.threadId);
      const threads = this.#host.threads;
      await threads.applyChanged(ids, { now: true });
      if (toast.selected !== null && threads.threads.some((t) => t.id === toast.selected)) threads.select(toast.selected);
      if (toast.open !== null) void this.#host.openThread(toast.open);
      return true;
    } catch (e) {
      this.#host.showNotice(e);
      return false;
    }
  }

  /** Offers Undo for a change made elsewhere (the toast, `z`); `run` undoes it. */
  offerUndo(text: string, run: () => Promise<void>): void {
    this.#showToast({ text, before: [], selected: null, open: null, run });
  }

  dismiss(): void {
    if (this.#toastTimer !== null) clearTimeout(this.#toastTimer);
    this.#toastTimer = null;
    this.toast = null;
  }

  #showToast(t: Omit<UndoToast, "seq">): void {
    if (this.#toastTimer !== null) clearTimeout(this.#toastTimer);
    this.toast = { ...t, seq: ++this.#toastSeq };
    this.#toastTimer = setTimeout(() => {
      this.#toastTimer = null;
      this.toast = null;
    }, UNDO_MS);
  }

  // ---- the queued-reply question --------------------------------------------------------------

  #ask(q: QueuedQuestion): Promise<boolean | null> {
    this.#answer?.(null);
    this.question = q;
    return new Promise((resolve) => (this.#answer = resolve));
  }

  /** The agent's answer: send the queued replies (true), hold them (false), or do not resolve (null). */
  answer(send: boolean | null): void {
    const answer = this.#answer;
    this.#answer = null;
    this.question = null;
    answer?.(send);
  }
}
