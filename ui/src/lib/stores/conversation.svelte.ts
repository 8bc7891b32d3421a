import type { Backend, FileDrag } from "../ipc/backend";
import { messagesChangedThread } from "../ipc/backend";
import type { CoreEvent, HandoverAction, SavedReplyId, StagedAttachment, ThreadId } from "../ipc/bindings";
import { Attachments } from "./conversation/attachments.svelte";
import { Composer } from "./conversation/composer.svelte";
import { Handover } from "./conversation/handover.svelte";
import { MediaLinks } from "./conversation/media-links.svelte";
import { SavedReplies } from "./conversation/saved-replies.svelte";
import { OpenThread } from "./conversation/thread.svelte";

export { DRAFT_DEBOUNCE_MS } from "./conversation/composer.svelte";
export { MAX_MEDIA_LINKS } from "./conversation/media-links.svelte";
export { OLDER_PAGE_SIZE, type ChangeKind } from "./conversation/thread.svelte";

/**
 * The open conversation, its messages and the composer's draft: one store for the components,
 * made of one part per concern (conversation/): the thread and its messages, the composer's
 * text and sending, the staged files, the media links, and Meta's handover. This facade keeps
 * them in step when a thread opens, reloads or closes.
 */
export class ConversationStore {
  #thread: OpenThread;
  #attachments: Attachments;
  #links: MediaLinks;
  #composer: Composer;
  #handover: Handover;
  #savedReplies: SavedReplies;

  constructor(backend: Backend) {
    this.#thread = new OpenThread(backend);
    this.#attachments = new Attachments(backend, this.#thread);
    this.#links = new MediaLinks(backend, this.#thread, this.#attachments);
    this.#composer = new Composer(backend, this.#thread, this.#attachments, this.#links);
    this.#handover = new Handover(backend, this.#thread);
    this.#savedReplies = new SavedReplies(backend, this.#thread, this.#attachments, this.#composer);
  }

  // ---- the thread and its messages ----------------------------------------

  get threadId() {
    return this.#thread.threadId;
  }
  get thread() {
    return this.#thread.thread;
  }
  get messages() {
    return this.#thread.messages;
  }
  get older() {
    return this.#thread.older;
  }
  get loading() {
    return this.#thread.loading;
  }
  get loadingOlder() {
    return this.#thread.loadingOlder;
  }
  get error() {
    return this.#thread.error;
  }
  /** Bumped on every change of `messages`, with `lastChange` saying why. */
  get version() {
    return this.#thread.version;
  }
  get lastChange() {
    return this.#thread.lastChange;
  }
  /** When a reply can go out (Messenger/Instagram's 24 h and HUMAN_AGENT rules). */
  get replyWindow() {
    return this.#thread.replyWindow;
  }
  /** Said at the top when the provider hides older history (Instagram). */
  get historyNote() {
    return this.#thread.historyNote;
  }
  /** Status changes, oldest first, shown between the messages of their time. */
  get events() {
    return this.#thread.events;
  }

  // ---- the composer ---------------------------------------------------------

  get draft() {
    return this.#composer.draft;
  }
  get sending() {
    return this.#composer.sending;
  }
  get sendError() {
    return this.#composer.sendError;
  }
  /** Whether there is something to send: text, staged files or media links. */
  get canSend(): boolean {
    return this.#composer.canSend;
  }

  // ---- staged files and media links -----------------------------------------

  /** Files staged in the composer and what the channel allows; null until loaded. */
  get attachments() {
    return this.#attachments.attachments;
  }
  /** Files being uploaded into the composer right now. */
  get attaching() {
    return this.#attachments.attaching;
  }
  get attachError() {
    return this.#attachments.attachError;
  }
  /** Files from the operating system are being dragged over the window (the drop highlight). */
  get dragging() {
    return this.#attachments.dragging;
  }
  /** Public media links for the next SMS/WhatsApp reply (Twilio fetches them; `MediaUrl`). */
  get mediaLinks() {
    return this.#links.mediaLinks;
  }

  // ---- handover (Messenger, Instagram) --------------------------------------

  /** Who controls a Messenger/Instagram thread (handover); null until known or elsewhere. */
  get control() {
    return this.#handover.control;
  }
  get controlBusy() {
    return this.#handover.controlBusy;
  }
  get controlError() {
    return this.#handover.controlError;
  }

  // ---- opening, reloading and closing the thread ----------------------------

  /** Opens a thread: saves the previous draft first, then loads messages and the stored draft. */
  async open(threadId: ThreadId): Promise<void> {
    await this.#composer.flushDraft();
    if (this.#thread.threadId !== threadId) {
      this.#composer.clear();
      this.#handover.clear();
      this.#attachments.clear();
      this.#links.clear();
      this.#savedReplies.reset();
    }
    await this.#thread.open(threadId, (detail) => {
      this.#composer.showStored(detail.draft ?? "");
      void this.loadAttachments(true);
      if (detail.thread.channel === "messenger" || detail.thread.channel === "instagram") void this.loadControl();
    });
  }

  /** Reloads the open thread after `messagesChanged`; keeps older pages and the composer text. */
  async refresh(): Promise<void> {
    const mark = this.#composer.draftMark();
    await this.#thread.refresh((detail) => {
      this.#composer.adoptStoredDraft(detail.draft ?? "", mark);
      if (this.#handover.controlMoved(this.#thread.thread, detail.thread)) void this.loadControl();
    });
  }

  loadOlder(): Promise<void> {
    return this.#thread.loadOlder();
  }

  /**
   * The sync joined thread `from` into another (a split email conversation): a save still
   * pending for `from` is dropped, since the thread is gone and its saved draft is already part
   * of the surviving thread's. True when `from` is the open thread, so the caller opens the other.
   */
  threadMerged(from: ThreadId): boolean {
    this.#composer.dropPendingFor(from);
    return this.threadId === from;
  }

  close(): void {
    this.#composer.close();
    this.#thread.close();
    this.#attachments.clear();
    this.#links.clear();
    this.#savedReplies.reset();
  }

  handleEvent(event: CoreEvent): void {
    const id = messagesChangedThread(event);
    if (id !== null && id === this.threadId) void this.refresh();
  }

  // ---- the composer's actions -----------------------------------------------

  /** Composer input: updates the text and saves it debounced. */
  setDraft(text: string): void {
    this.#composer.setDraft(text);
  }

  /** Saves a pending draft now (thread switch, blur, shutdown), after the media links being saved. */
  flushDraft(): Promise<void> {
    return this.#composer.flushDraft();
  }

  /** Sends the composer text; clears the composer at once and shows the queued echo. */
  async send(): Promise<boolean> {
    const ok = await this.#composer.send();
    if (ok) this.#savedReplies.notice = null;
    return ok;
  }

  /** The composer's staged files and the channel's rule for files; `withLinks`: also the stored
   * media links (on opening a thread, after a discard), unless the agent changed them meanwhile. */
  loadAttachments(withLinks = false): Promise<void> {
    return withLinks ? this.#links.reload() : this.#attachments.load();
  }

  /** Why `file` cannot go with a reply here (checked before uploading), or null. */
  refuseFile(file: { name: string; size: number }, alsoStaged = 0): string | null {
    return this.#attachments.refuseFile(file, alsoStaged);
  }

  /** Uploads picked files into the composer, one by one, refusing what the channel cannot carry. */
  attachFiles(files: File[]): Promise<void> {
    return this.#attachments.attachFiles(files);
  }

  /** Takes a staged file off the composer. */
  removeAttachment(file: StagedAttachment): Promise<void> {
    return this.#attachments.removeAttachment(file);
  }

  /** Files dragged over the window: the highlight follows them; a drop is staged in the open thread. */
  handleFileDrag(drag: FileDrag): void {
    this.#attachments.handleFileDrag(drag);
  }

  /** Stages the files just dropped on the window in the open thread. */
  attachDropped(): Promise<void> {
    return this.#attachments.attachDropped();
  }

  /** Adds a media link for the next reply; Rust checks it again when the reply is queued. */
  addMediaLink(raw: string): boolean {
    return this.#links.addMediaLink(raw);
  }

  removeMediaLink(link: string): void {
    this.#links.removeMediaLink(link);
  }

  /** The stored media links again (a discarded reply's links went back to the draft). */
  reloadMediaLinks(): Promise<void> {
    return this.#links.reload();
  }

  // ---- saved replies ----------------------------------------------------------

  /** Every saved reply filled for the open thread (null until loaded). */
  get savedReplies() {
    return this.#savedReplies.replies;
  }
  get savedRepliesError() {
    return this.#savedReplies.error;
  }
  /** What the agent should check after inserting a saved reply. */
  get savedReplyNotice() {
    return this.#savedReplies.notice;
  }

  loadSavedReplies(): Promise<void> {
    return this.#savedReplies.load();
  }

  /** Inserts a saved reply in place of `[start, end)` of the draft; answers the caret after it. */
  insertSavedReply(id: SavedReplyId, start: number, end: number): Promise<number | null> {
    return this.#savedReplies.insert(id, start, end);
  }

  // ---- handover's actions ---------------------------------------------------

  /** Asks Meta who controls the open thread (a bot, Meta's inbox, Parley, nobody). */
  loadControl(): Promise<void> {
    return this.#handover.loadControl();
  }

  /** Take, request, pass back or release control of the open thread. */
  handover(action: HandoverAction): Promise<void> {
    return this.#handover.handover(action);
  }
}
