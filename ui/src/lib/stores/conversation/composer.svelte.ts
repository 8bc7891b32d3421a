import type { Backend } from "../../ipc/backend";
import { toIpcError } from "../../ipc/backend";
import type { IpcError, ThreadId } from "../../ipc/bindings";
import type { Attachments } from "./attachments.svelte";
import type { MediaLinks } from "./media-links.svelte";
import type { OpenThread } from "./thread.svelte";

export const DRAFT_DEBOUNCE_MS = 300;

/** The composer's text, saved as the thread's draft, and the reply it sends with the staged files and media links. */
export class Composer {
  draft = $state("");
  sending = $state(false);
  sendError = $state<IpcError | null>(null);

  #backend: Backend;
  #thread: OpenThread;
  #attachments: Attachments;
  #links: MediaLinks;
  #draftTimer: ReturnType<typeof setTimeout> | null = null;
  #draftPending: { threadId: ThreadId; text: string } | null = null;
  /** The draft text the store holds for the open thread, as far as the window knows. */
  #storedDraft = "";
  /** Bumped whenever the window starts saving the draft; saves still under way. */
  #draftEpoch = 0;
  #saving = 0;

  constructor(backend: Backend, thread: OpenThread, attachments: Attachments, links: MediaLinks) {
    this.#backend = backend;
    this.#thread = thread;
    this.#attachments = attachments;
    this.#links = links;
  }

  /** Whether there is something to send: text, staged files or media links (and no upload under way). */
  get canSend(): boolean {
    return (
      (this.draft.trim() !== "" ||
        (this.#attachments.attachments?.staged.length ?? 0) > 0 ||
        this.#links.mediaLinks.length > 0) &&
      this.#attachments.attaching === 0
    );
  }

  /** The draft stored for the thread just opened. */
  showStored(draft: string): void {
    this.draft = draft;
    this.#storedDraft = draft;
  }

  /** Marks the start of a read of the stored draft, for `adoptStoredDraft`. */
  draftMark(): number {
    return this.#draftEpoch;
  }

  /**
   * The stored draft changed behind the composer (a discarded reply's text went back into it,
   * before the draft that was there). With nothing unsaved, the composer shows the stored draft
   * as it is; while the agent is typing, their text stays and the text that arrived goes before
   * it, in the same order as the store, and the result is saved. Only when no save of the
   * window's own crossed the read that began at `mark` is the stored draft current.
   */
  adoptStoredDraft(stored: string, mark: number): void {
    if (mark !== this.#draftEpoch || this.#saving !== 0) return;
    const known = this.#storedDraft;
    if (stored === known) return;
    this.#storedDraft = stored;
    if (this.#draftPending === null) {
      this.draft = stored;
      return;
    }
    const suffix = `\n\n${known}`;
    const added = known.trim() !== "" && stored.endsWith(suffix) ? stored.slice(0, -suffix.length) : stored;
    if (added.trim() === "" || this.draft.startsWith(added)) return;
    this.setDraft(this.draft.trim() === "" ? added : `${added}\n\n${this.draft}`);
  }

  /** Composer input: updates the text and saves it debounced. */
  setDraft(text: string): void {
    this.draft = text;
    const threadId = this.#thread.threadId;
    if (threadId === null) return;
    this.#draftPending = { threadId, text };
    if (this.#draftTimer !== null) clearTimeout(this.#draftTimer);
    this.#draftTimer = setTimeout(() => {
      this.#draftTimer = null;
      void this.flushDraft();
    }, DRAFT_DEBOUNCE_MS);
  }

  /** Saves a pending draft now (thread switch, blur, shutdown), after the media links being saved. */
  async flushDraft(): Promise<void> {
    if (this.#draftTimer !== null) {
      clearTimeout(this.#draftTimer);
      this.#draftTimer = null;
    }
    const pending = this.#draftPending;
    this.#draftPending = null;
    if (!pending) {
      await this.#links.saving;
      return;
    }
    if (pending.threadId === this.#thread.threadId) this.#storedDraft = pending.text;
    this.#draftEpoch += 1;
    this.#saving += 1;
    try {
      await this.#links.saving;
      await this.#backend.saveDraft(pending.threadId, pending.text);
    } catch (e) {
      console.warn("parley: draft not saved", toIpcError(e).message);
    } finally {
      this.#saving -= 1;
    }
  }

  /**
   * Thread `from` was joined into another: a save still pending for it is dropped, since the
   * thread is gone and its saved draft is already part of the surviving thread's.
   */
  dropPendingFor(from: ThreadId): void {
    if (this.#draftPending?.threadId === from) this.#cancelDraft();
  }

  #cancelDraft(): void {
    if (this.#draftTimer !== null) clearTimeout(this.#draftTimer);
    this.#draftTimer = null;
    this.#draftPending = null;
  }

  /** Sends the composer text; clears the composer at once and shows the queued echo. */
  async send(): Promise<boolean> {
    const threadId = this.#thread.threadId;
    const text = this.draft;
    if (threadId === null || !this.canSend || this.sending) return false;
    this.#cancelDraft();
    this.sending = true;
    this.sendError = null;
    this.draft = "";
    const links = this.#links.take();
    try {
      const echo =
        links.length > 0
          ? await this.#backend.sendReplyWithMedia(threadId, text, links)
          : await this.#backend.sendReply(threadId, text);
      if (this.#thread.threadId === threadId) this.#thread.addSent(echo);
      // The staged files went with the reply, and the stored draft and links were cleared.
      if (this.#thread.threadId === threadId) this.#attachments.sent();
      if (this.#thread.threadId === threadId && this.#draftPending === null) this.#storedDraft = "";
      // The stored draft is now stale; clear it unless the agent already typed something new.
      if (this.#draftPending === null) {
        this.#backend.saveDraft(threadId, "").catch(() => undefined);
      }
      return true;
    } catch (e) {
      const error = toIpcError(e);
      if (this.#thread.threadId === threadId) {
        this.sendError = error;
        if (this.draft === "") this.draft = text;
        this.#links.restore(links);
        void this.#attachments.load();
      }
      return false;
    } finally {
      this.sending = false;
    }
  }

  /** Another thread opens: its draft replaces the text (the previous one was saved first). */
  clear(): void {
    this.draft = "";
    this.sendError = null;
  }

  /** The thread closes: the text is saved, and the composer empties. */
  close(): void {
    void this.flushDraft();
    this.draft = "";
  }
}
