import type { Backend } from "../../ipc/backend";
import { toIpcError } from "../../ipc/backend";
import type { FilledReply, IpcError, SavedReplyId } from "../../ipc/bindings";
import type { Attachments } from "./attachments.svelte";
import type { Composer } from "./composer.svelte";
import type { OpenThread } from "./thread.svelte";

/**
 * The composer's saved replies: every reply filled for the open conversation (the picker and its
 * preview, filled in Rust), and inserting one where the agent was typing — its text for editing,
 * its files staged like picked ones.
 */
export class SavedReplies {
  /** The replies filled for the open thread; null until loaded. */
  replies = $state<FilledReply[] | null>(null);
  error = $state<IpcError | null>(null);
  /** After an insert: what the agent should check (variables left empty, files refused). */
  notice = $state<string | null>(null);

  #backend: Backend;
  #thread: OpenThread;
  #attachments: Attachments;
  #composer: Composer;

  constructor(backend: Backend, thread: OpenThread, attachments: Attachments, composer: Composer) {
    this.#backend = backend;
    this.#thread = thread;
    this.#attachments = attachments;
    this.#composer = composer;
  }

  /** Loads the replies filled for the open thread (each time the picker opens: data may have changed). */
  async load(): Promise<void> {
    const threadId = this.#thread.threadId;
    if (threadId === null) return;
    this.error = null;
    try {
      const replies = await this.#backend.savedRepliesForThread(threadId);
      if (this.#thread.threadId === threadId) this.replies = replies;
    } catch (e) {
      if (this.#thread.threadId === threadId) this.error = toIpcError(e);
    }
  }

  /** A thread opened or closed. */
  reset(): void {
    this.replies = null;
    this.error = null;
    this.notice = null;
  }

  /**
   * Inserts a saved reply into the draft in place of `[start, end)`; answers where the caret goes
   * (after the inserted text), or null when nothing was inserted.
   */
  async insert(id: SavedReplyId, start: number, end: number): Promise<number | null> {
    const threadId = this.#thread.threadId;
    if (threadId === null) return null;
    this.error = null;
    this.notice = null;
    try {
      const inserted = await this.#backend.insertSavedReply(id, threadId);
      if (this.#thread.threadId !== threadId) return null;
      const draft = this.#composer.draft;
      const from = Math.min(start, draft.length);
      const to = Math.min(Math.max(end, from), draft.length);
      const text = inserted.filled.text;
      this.#composer.setDraft(draft.slice(0, from) + text + draft.slice(to));
      this.#attachments.addStaged(inserted.staged);
      const notes = [...inserted.filled.notes.filter((n) => inserted.filled.missing.length > 0 && n.startsWith("No value")), ...inserted.refused];
      this.notice = notes.length > 0 ? notes.join(" ") : null;
      // The picker's order follows usage.
      if (this.replies)
        this.replies = this.replies.map((r) => (r.savedReplyId === id ? { ...r, uses: inserted.filled.uses, lastUsedAt: inserted.filled.lastUsedAt } : r));
      return from + text.length;
    } catch (e) {
      if (this.#thread.threadId === threadId) this.error = toIpcError(e);
      return null;
    }
  }
}
