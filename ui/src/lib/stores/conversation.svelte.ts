import type { Backend } from "../ipc/backend";
import { messagesChangedThread, toIpcError, type FileDrag } from "../ipc/backend";
import type {
  ComposerWindow,
  CoreEvent,
  DraftAttachments,
  HandoverAction,
  IpcError,
  MessageView,
  PageCursor,
  StagedAttachment,
  ThreadControl,
  ThreadId,
  ThreadSummary,
} from "../ipc/bindings";

export const DRAFT_DEBOUNCE_MS = 300;
export const OLDER_PAGE_SIZE = 30;
/** Twilio's `MediaUrl` limit for one message. */
export const MAX_MEDIA_LINKS = 10;

/** What the last change to `messages` was; the view uses it to decide how to scroll. */
export type ChangeKind = "open" | "refresh" | "older" | "send";

/** The open conversation, its messages and the composer's draft. */
export class ConversationStore {
  threadId = $state<ThreadId | null>(null);
  thread = $state<ThreadSummary | null>(null);
  messages = $state<MessageView[]>([]);
  older = $state<PageCursor | null>(null);
  loading = $state(false);
  loadingOlder = $state(false);
  error = $state<IpcError | null>(null);
  draft = $state("");
  sending = $state(false);
  sendError = $state<IpcError | null>(null);
  /** Bumped on every change of `messages`, with `lastChange` saying why. */
  version = $state(0);
  lastChange = $state<ChangeKind>("open");
  /** When a reply can go out (Messenger/Instagram's 24 h and HUMAN_AGENT rules). */
  replyWindow = $state<ComposerWindow>({ state: "always" });
  /** Said at the top when the provider hides older history (Instagram). */
  historyNote = $state<string | null>(null);
  /** Who controls a Messenger/Instagram thread (handover); null until known or elsewhere. */
  control = $state<ThreadControl | null>(null);
  controlBusy = $state(false);
  controlError = $state<IpcError | null>(null);
  /** Files staged in the composer and what the channel allows; null until loaded. */
  attachments = $state<DraftAttachments | null>(null);
  /** Public media links for the next SMS/WhatsApp reply (Twilio fetches them; `MediaUrl`). */
  mediaLinks = $state<string[]>([]);
  /** Files being uploaded into the composer right now. */
  attaching = $state(0);
  attachError = $state<IpcError | null>(null);
  /** Files from the operating system are being dragged over the window (the drop highlight). */
  dragging = $state(false);

  #backend: Backend;
  #draftTimer: ReturnType<typeof setTimeout> | null = null;
  #draftPending: { threadId: ThreadId; text: string } | null = null;
  #openSeq = 0;
  /** The draft text the store holds for the open thread, as far as the window knows. */
  #storedDraft = "";
  /** Bumped whenever the window starts saving the draft; saves still under way. */
  #draftEpoch = 0;
  #saving = 0;
  /** Bumped whenever the window saves the media links. */
  #linksEpoch = 0;
  /** The media-link saves, one after the other (each sends the whole list, so order matters). */
  #linkSaves: Promise<void> = Promise.resolve();

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  #changed(kind: ChangeKind) {
    this.lastChange = kind;
    this.version += 1;
  }

  /** Opens a thread: saves the previous draft first, then loads messages and the stored draft. */
  async open(threadId: ThreadId): Promise<void> {
    await this.flushDraft();
    const seq = ++this.#openSeq;
    const switching = this.threadId !== threadId;
    this.threadId = threadId;
    if (switching) {
      this.thread = null;
      this.messages = [];
      this.older = null;
      this.draft = "";
      this.sendError = null;
      this.replyWindow = { state: "always" };
      this.historyNote = null;
      this.control = null;
      this.controlError = null;
      this.attachments = null;
      this.attachError = null;
      this.mediaLinks = [];
    }
    this.loading = true;
    this.error = null;
    try {
      const detail = await this.#backend.openThread(threadId);
      if (seq !== this.#openSeq) return;
      this.thread = detail.thread;
      this.messages = detail.messages.messages;
      this.older = detail.messages.older;
      this.draft = detail.draft ?? "";
      this.#storedDraft = this.draft;
      this.replyWindow = detail.replyWindow;
      this.historyNote = detail.historyNote;
      this.#changed("open");
      void this.loadAttachments(true);
      if (detail.thread.channel === "messenger" || detail.thread.channel === "instagram") void this.loadControl();
    } catch (e) {
      if (seq === this.#openSeq) this.error = toIpcError(e);
    } finally {
      if (seq === this.#openSeq) this.loading = false;
    }
  }

  /** Reloads the open thread after `messagesChanged`; keeps older pages and the composer text. */
  async refresh(): Promise<void> {
    const threadId = this.threadId;
    if (threadId === null) return;
    const seq = this.#openSeq;
    const epoch = this.#draftEpoch;
    try {
      const detail = await this.#backend.openThread(threadId);
      if (seq !== this.#openSeq || this.threadId !== threadId) return;
      // Only when no save of the window's own crossed this read is the stored draft current.
      if (epoch === this.#draftEpoch && this.#saving === 0) this.#adoptStoredDraft(detail.draft ?? "");
      const fresh = detail.messages.messages;
      const first = fresh[0];
      const freshIds = new Set(fresh.map((m) => m.id));
      // Keep the older messages already loaded that precede the fresh page.
      const kept =
        detail.messages.older === null || !first
          ? []
          : this.messages.filter(
              (m) => !freshIds.has(m.id) && (m.sentAt < first.sentAt || (m.sentAt === first.sentAt && m.id < first.id)),
            );
      const ownerBefore = JSON.stringify(this.thread?.owner ?? null);
      this.thread = detail.thread;
      this.replyWindow = detail.replyWindow;
      this.historyNote = detail.historyNote;
      this.messages = [...kept, ...fresh];
      // A poll found that control moved (a bot took the thread): ask Meta who holds it now, so
      // the header's handover controls agree with the thread list.
      if (ownerBefore !== JSON.stringify(detail.thread.owner ?? null) && !this.#ownerMatchesControl(detail.thread))
        void this.loadControl();
      if (kept.length === 0) this.older = detail.messages.older;
      this.#changed("refresh");
    } catch (e) {
      if (seq === this.#openSeq) this.error = toIpcError(e);
    }
  }

  /**
   * The stored draft changed behind the composer (a discarded reply's text went back into it,
   * before the draft that was there). With nothing unsaved, the composer shows the stored draft
   * as it is; while the agent is typing, their text stays and the text that arrived goes before
   * it, in the same order as the store, and the result is saved.
   */
  #adoptStoredDraft(stored: string): void {
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

  /** Whether the header already shows what the thread list says about control. */
  #ownerMatchesControl(thread: ThreadSummary): boolean {
    const listed = thread.owner;
    const shown = this.control?.owner;
    if (!listed) return true;
    if (!shown) return false;
    if (listed.owner === "elsewhere") return shown.owner === "otherApp" || shown.owner === "metaInbox";
    if (listed.owner === "parley") return shown.owner === "parley" || shown.owner === "idle";
    return JSON.stringify(listed) === JSON.stringify(shown);
  }

  /** Asks Meta who controls the open thread (a bot, Meta's inbox, Parley, nobody). */
  async loadControl(): Promise<void> {
    const threadId = this.threadId;
    if (threadId === null) return;
    try {
      const control = await this.#backend.threadControl(threadId);
      if (this.threadId === threadId) {
        this.control = control;
        this.controlError = null;
      }
    } catch (e) {
      if (this.threadId === threadId) this.controlError = toIpcError(e);
    }
  }

  /** Take, request, pass back or release control of the open thread. */
  async handover(action: HandoverAction): Promise<void> {
    const threadId = this.threadId;
    if (threadId === null || this.controlBusy) return;
    this.controlBusy = true;
    this.controlError = null;
    try {
      const control = await this.#backend.handover(threadId, action);
      if (this.threadId === threadId) this.control = control;
    } catch (e) {
      if (this.threadId === threadId) this.controlError = toIpcError(e);
    } finally {
      this.controlBusy = false;
    }
  }

  async loadOlder(): Promise<void> {
    const threadId = this.threadId;
    const cursor = this.older;
    if (threadId === null || cursor === null || this.loadingOlder) return;
    const seq = this.#openSeq;
    this.loadingOlder = true;
    try {
      const page = await this.#backend.olderMessages(threadId, cursor, OLDER_PAGE_SIZE);
      if (seq !== this.#openSeq) return;
      const ids = new Set(this.messages.map((m) => m.id));
      this.messages = [...page.messages.filter((m) => !ids.has(m.id)), ...this.messages];
      this.older = page.older;
      this.#changed("older");
    } catch (e) {
      if (seq === this.#openSeq) this.error = toIpcError(e);
    } finally {
      if (seq === this.#openSeq) this.loadingOlder = false;
    }
  }

  /** The composer's staged files and the channel's rule for files; `withLinks`: also the stored
   * media links (on opening a thread, after a discard), unless the agent changed them meanwhile. */
  async loadAttachments(withLinks = false): Promise<void> {
    const threadId = this.threadId;
    if (threadId === null) return;
    const epoch = this.#linksEpoch;
    try {
      const attachments = await this.#backend.draftAttachments(threadId);
      if (this.threadId !== threadId) return;
      this.attachments = attachments;
      if (withLinks && epoch === this.#linksEpoch) this.mediaLinks = attachments.mediaLinks;
    } catch (e) {
      if (this.threadId === threadId) this.attachError = toIpcError(e);
    }
  }

  /** Why `file` cannot go with a reply here (checked before uploading), or null. */
  refuseFile(file: { name: string; size: number }, alsoStaged = 0): string | null {
    const rules = this.attachments;
    if (!rules) return null;
    if (!rules.allowed) return rules.note;
    const mb = (n: number) => `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
    if (rules.maxFileBytes !== null && file.size > rules.maxFileBytes)
      return `"${file.name}" is ${mb(file.size)}; this channel accepts up to ${mb(rules.maxFileBytes)} per file.`;
    if (rules.maxTotalBytes !== null) {
      const total = rules.staged.reduce((n, f) => n + f.size, 0) + alsoStaged + file.size;
      if (total > rules.maxTotalBytes)
        return `With "${file.name}" the files would add up to ${mb(total)}; one message carries up to ${mb(rules.maxTotalBytes)}.`;
    }
    return null;
  }

  /** Uploads picked files into the composer, one by one, refusing what the channel cannot carry. */
  async attachFiles(files: File[]): Promise<void> {
    const threadId = this.threadId;
    if (threadId === null || files.length === 0) return;
    this.attachError = null;
    let pending = 0;
    for (const file of files) {
      const refusal = this.refuseFile(file, pending);
      if (refusal) {
        this.attachError = { code: "invalidInput", message: refusal };
        continue;
      }
      pending += file.size;
      this.attaching += 1;
      try {
        const bytes = new Uint8Array(await file.arrayBuffer());
        const staged = await this.#backend.stageAttachment(threadId, { name: file.name, type: file.type, bytes });
        if (this.threadId === threadId && this.attachments)
          this.attachments = { ...this.attachments, staged: [...this.attachments.staged, staged] };
      } catch (e) {
        if (this.threadId === threadId) this.attachError = toIpcError(e);
      } finally {
        this.attaching -= 1;
      }
    }
    if (this.threadId === threadId) void this.loadAttachments();
  }

  /** Takes a staged file off the composer. */
  async removeAttachment(file: StagedAttachment): Promise<void> {
    const threadId = this.threadId;
    if (threadId === null) return;
    try {
      await this.#backend.removeStagedAttachment(file.id);
      if (this.threadId === threadId && this.attachments)
        this.attachments = { ...this.attachments, staged: this.attachments.staged.filter((f) => f.id !== file.id) };
    } catch (e) {
      if (this.threadId === threadId) this.attachError = toIpcError(e);
    }
  }

  /** Whether there is something to send: text or staged files. */
  /** Adds a media link for the next reply; Rust checks it again when the reply is queued. */
  addMediaLink(raw: string): boolean {
    const link = raw.trim();
    if (!/^https?:\/\/[^\s/]+/i.test(link)) {
      this.attachError = { code: "invalidInput", message: "A media link starts with https:// and names a public address." };
      return false;
    }
    if (this.mediaLinks.length >= MAX_MEDIA_LINKS) {
      this.attachError = { code: "invalidInput", message: `Twilio sends at most ${MAX_MEDIA_LINKS} media with one message.` };
      return false;
    }
    this.attachError = null;
    if (!this.mediaLinks.includes(link)) {
      this.mediaLinks = [...this.mediaLinks, link];
      void this.#saveMediaLinks(link);
    }
    return true;
  }

  removeMediaLink(link: string): void {
    this.mediaLinks = this.mediaLinks.filter((l) => l !== link);
    void this.#saveMediaLinks();
  }

  /** Keeps the links with the draft in Rust; a link Rust refuses (`added`) leaves the composer. */
  async #saveMediaLinks(added?: string): Promise<void> {
    const threadId = this.threadId;
    if (threadId === null) return;
    this.#linksEpoch += 1;
    const links = this.mediaLinks;
    const save = this.#linkSaves.then(() => this.#backend.saveDraftMediaLinks(threadId, links));
    this.#linkSaves = save.catch(() => undefined);
    try {
      await save;
    } catch (e) {
      if (this.threadId !== threadId) return;
      this.attachError = toIpcError(e);
      if (added !== undefined && this.mediaLinks.includes(added)) {
        this.mediaLinks = this.mediaLinks.filter((l) => l !== added);
        void this.#saveMediaLinks();
      }
    }
  }

  /** The stored media links again (a discarded reply's links went back to the draft). */
  reloadMediaLinks(): Promise<void> {
    return this.loadAttachments(true);
  }

  /** Files dragged over the window: the highlight follows them; a drop is staged in the open thread. */
  handleFileDrag(drag: FileDrag): void {
    if (drag === "enter" || drag === "over") {
      this.dragging = this.threadId !== null;
      return;
    }
    this.dragging = false;
    if (drag === "drop") void this.attachDropped();
  }

  /**
   * Stages the files just dropped on the window in the open thread. Rust reads only the paths of
   * that drop from the operating system, with the Attach button's rules; what it refuses (a
   * folder, an unreadable or too large file) is said by name. A channel without files (SMS,
   * WhatsApp) says why, and what to do instead.
   */
  async attachDropped(): Promise<void> {
    const threadId = this.threadId;
    if (threadId === null) return;
    this.attachError = null;
    const rules = this.attachments;
    if (rules && !rules.allowed) {
      const twilio = this.thread?.channel === "sms" || this.thread?.channel === "whatsapp";
      this.attachError = {
        code: "invalidInput",
        message: twilio ? `${rules.note} Use “Media link” to send a public link to the file instead.` : rules.note,
      };
      return;
    }
    this.attaching += 1;
    try {
      const dropped = await this.#backend.stageDroppedFiles(threadId);
      if (this.threadId !== threadId) return;
      if (this.attachments) this.attachments = { ...this.attachments, staged: [...this.attachments.staged, ...dropped.staged] };
      if (dropped.refused.length > 0) this.attachError = { code: "invalidInput", message: dropped.refused.join(" ") };
    } catch (e) {
      if (this.threadId === threadId) this.attachError = toIpcError(e);
    } finally {
      this.attaching -= 1;
    }
    if (this.threadId === threadId) void this.loadAttachments();
  }

  get canSend(): boolean {
    return (
      (this.draft.trim() !== "" || (this.attachments?.staged.length ?? 0) > 0 || this.mediaLinks.length > 0) &&
      this.attaching === 0
    );
  }

  /** Composer input: updates the text and saves it debounced. */
  setDraft(text: string): void {
    this.draft = text;
    if (this.threadId === null) return;
    this.#draftPending = { threadId: this.threadId, text };
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
      await this.#linkSaves;
      return;
    }
    if (pending.threadId === this.threadId) this.#storedDraft = pending.text;
    this.#draftEpoch += 1;
    this.#saving += 1;
    try {
      await this.#linkSaves;
      await this.#backend.saveDraft(pending.threadId, pending.text);
    } catch (e) {
      console.warn("parley: draft not saved", toIpcError(e).message);
    } finally {
      this.#saving -= 1;
    }
  }


  /**
   * The sync joined thread `from` into another (a split email conversation): a save still
   * pending for `from` is dropped, since the thread is gone and its saved draft is already part
   * of the surviving thread's. True when `from` is the open thread, so the caller opens the other.
   */
  threadMerged(from: ThreadId): boolean {
    if (this.#draftPending?.threadId === from) this.#cancelDraft();
    return this.threadId === from;
  }

  #cancelDraft(): void {
    if (this.#draftTimer !== null) clearTimeout(this.#draftTimer);
    this.#draftTimer = null;
    this.#draftPending = null;
  }

  /** Sends the composer text; clears the composer at once and shows the queued echo. */
  async send(): Promise<boolean> {
    const threadId = this.threadId;
    const text = this.draft;
    const links = this.mediaLinks;
    if (threadId === null || !this.canSend || this.sending) return false;
    this.#cancelDraft();
    this.sending = true;
    this.sendError = null;
    this.draft = "";
    this.mediaLinks = [];
    try {
      const echo =
        links.length > 0
          ? await this.#backend.sendReplyWithMedia(threadId, text, links)
          : await this.#backend.sendReply(threadId, text);
      if (this.threadId === threadId && !this.messages.some((m) => m.id === echo.id)) {
        this.messages = [...this.messages, echo];
        this.#changed("send");
      }
      // The staged files went with the reply, and the stored draft and links were cleared.
      if (this.threadId === threadId && this.attachments) this.attachments = { ...this.attachments, staged: [] };
      if (this.threadId === threadId && this.#draftPending === null) this.#storedDraft = "";
      // The stored draft is now stale; clear it unless the agent already typed something new.
      if (this.#draftPending === null) {
        this.#backend.saveDraft(threadId, "").catch(() => undefined);
      }
      return true;
    } catch (e) {
      const error = toIpcError(e);
      if (this.threadId === threadId) {
        this.sendError = error;
        if (this.draft === "") this.draft = text;
        if (this.mediaLinks.length === 0) this.mediaLinks = links;
        void this.loadAttachments();
      }
      return false;
    } finally {
      this.sending = false;
    }
  }

  close(): void {
    void this.flushDraft();
    this.#openSeq++;
    this.threadId = null;
    this.thread = null;
    this.messages = [];
    this.older = null;
    this.draft = "";
    this.loading = false;
    this.error = null;
    this.attachments = null;
    this.attachError = null;
    this.mediaLinks = [];
  }

  handleEvent(event: CoreEvent): void {
    const id = messagesChangedThread(event);
    if (id !== null && id === this.threadId) void this.refresh();
  }
}
