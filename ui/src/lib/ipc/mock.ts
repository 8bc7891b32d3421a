// An in-memory, deterministic backend. Used by the unit tests and by `npm run dev`
// in a plain browser (where no Tauri runtime exists).
import type { Backend, FileDrag, FileUpload } from "./backend";
import type {
  AccountSummary,
  EmailServer,
  Attachment,
  ChannelKind,
  ContactContext,
  CoreEvent,
  DeliveryState,
  DraftAttachments,
  DraftView,
  DroppedFiles,
  IdentityView,
  IpcError,
  MessagePage,
  MessageTemplate,
  MessageView,
  NotificationPrefs,
  OutboxStatus,
  PageCursor,
  SearchHit,
  StagedAttachment,
  TextSegment,
  ThreadDetail,
  ComposerWindow,
  HandoverAction,
  TemplateVariable,
  ThreadControl,
  ThreadOwner,
  ThreadSummary,
} from "./bindings";

export type MockOptions = {
  /** Clock used for timestamps; defaults to Date.now. */
  now?: () => number;
  /** Number of sample threads (default 40). */
  threadCount?: number;
  /** Messages per sample thread (default 6; thread 1 gets 4x as many to exercise paging). */
  messagesPerThread?: number;
  /** Simulate delivery progress, sync states and occasional inbound messages with timers. */
  simulate?: boolean;
  isDemo?: boolean;
};

type MockContact = { id: number; name: string; handle: string | null; remoteId: string; firstSeenAt: number };
type MockThread = { summary: ThreadSummary; messages: MessageView[]; draft: string | null };

const NAMES = [
  "Amelia Hart", "Noah Fischer", "Sofia Marquez", "Liam O'Connor", "Yuki Tanaka", "Oliver Brandt",
  "Chloe Dubois", "Mateo Rossi", "Ava Lindqvist", "Ethan Novak", "Maya Patel", "Lucas Moreau",
  "Isla McKenzie", "Leo Kowalski", "Zara Ahmed", "Finn Jensen", "Mila Petrova", "Hugo Silva",
  "Nora Berg", "Arjun Mehta", "Elena Costa", "Jonas Weber", "Lea Horvat", "Samuel Okafor",
  "Ines Duarte", "Felix Wagner", "Hana Kim", "Oscar Nilsson", "Clara Romero", "Daniel Levi",
];

const INBOUND = [
  "Hi! My order hasn't arrived yet, can you check?",
  "Is the blue version back in stock?",
  "Thanks, that worked perfectly.",
  "Can I change the delivery address to my office?",
  "The tracking link says 'label created' for three days now.",
  "Do you ship to Norway?",
  "I was charged twice for the same order 😕",
  "Here is the photo of the damaged box.",
  "Could you send me an invoice with my company details?",
  "Great, see you then!",
  "What are your opening hours on Saturday?",
  "The size guide at https://example.com/sizes is confusing, is M closer to 38 or 40?",
];

const OUTBOUND = [
  "Hi! Let me look into that for you.",
  "I've checked with the warehouse — it ships tomorrow morning.",
  "Sorry about that! I've refunded the duplicate charge.",
  "Yes, we ship to all EU countries and Norway.",
  "Done — the address is updated.",
  "You're welcome, have a great day!",
];

const CHANNELS: ChannelKind[] = ["telegram", "telegram", "whatsapp", "instagram", "messenger", "email", "sms"];

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function err(code: IpcError["code"], message: string): IpcError {
  return { code, message };
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function before(a: { at: number; id: number }, c: PageCursor): boolean {
  return a.at < c.at || (a.at === c.at && a.id < c.id);
}

export class MockBackend implements Backend {
  readonly now: () => number;
  readonly simulate: boolean;
  isDemo: boolean;
  accounts: AccountSummary[] = [];
  contacts = new Map<number, MockContact>();
  threads = new Map<number, MockThread>();
  /** Calls recorded for tests: [command, args]. */
  calls: Array<[string, unknown]> = [];
  openedLinks: string[] = [];
  openedAttachments: Array<[number, number]> = [];
  /** What the window last reported as open (notifications skip it). */
  openThreadReported: number | null = null;
  owners = new Map<number, ThreadOwner>();
  notificationPrefsValue: NotificationPrefs = {
    enabled: true,
    sound: true,
    showMessageText: true,
    scope: "all",
    mutedChannels: [],
    mutedAccounts: [],
    mutedThreads: [],
    dndUntil: null,
    workingHours: {
      enabled: false,
      timeZone: "",
      spans: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, startMinute: 540, endMinute: 1020 })),
    },
    realertMinutes: 5,
  };
  private listeners = new Set<(e: CoreEvent) => void>();
  private nextMessageId = 1;
  private nextAccountId = 1;
  private nextRevision = 1;
  private tokens = new Map<number, string>();
  private timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(opts: MockOptions = {}) {
    this.now = opts.now ?? (() => Date.now());
    this.simulate = opts.simulate ?? false;
    this.isDemo = opts.isDemo ?? true;
    this.seed(opts.threadCount ?? 40, opts.messagesPerThread ?? 6);
  }

  private seed(threadCount: number, perThread: number) {
    const rand = rng(7);
    const now = this.now();
    const demo: AccountSummary = {
      id: this.nextAccountId++,
      channel: "telegram",
      name: "Parley Demo",
      handle: "@parley_demo_bot",
      isDemo: true,
      sync: { state: "live" },
      syncRevision: this.nextRevision++,
      lastError: null,
      lastSyncAt: now,
      humanAgentApproved: null,
    };
    this.accounts.push(demo);
    for (let i = 0; i < threadCount; i++) {
      const id = i + 1;
      const name = NAMES[i % NAMES.length] + (i >= NAMES.length ? ` ${Math.floor(i / NAMES.length) + 1}` : "");
      const channel = CHANNELS[i % CHANNELS.length];
      const lastAt = now - i * 47 * 60_000 - Math.floor(rand() * 20) * 60_000;
      const contact: MockContact = {
        id,
        name,
        handle: channel === "telegram" || channel === "instagram" ? `@${name.split(" ")[0].toLowerCase()}${id}` : null,
        remoteId: channel === "email" ? `${name.split(" ")[0].toLowerCase()}@example.com` : String(100000 + id * 7919),
        firstSeenAt: lastAt - (30 + i) * 86_400_000,
      };
      this.contacts.set(id, contact);
      const count = i === 0 ? perThread * 4 : perThread;
      const messages: MessageView[] = [];
      for (let m = 0; m < count; m++) {
        const sentAt = lastAt - (count - 1 - m) * (i === 0 ? 5 * 3_600_000 : 9 * 60_000);
        const inbound = m === count - 1 ? i % 3 !== 2 : m % 2 === 0;
        const text = inbound ? INBOUND[(i + m) % INBOUND.length] : OUTBOUND[(i + m) % OUTBOUND.length];
        const attachments: Attachment[] = [];
        if (inbound && text.startsWith("Here is the photo")) {
          attachments.push({ kind: "photo", remoteRef: `file-${id}-${m}`, fileName: "box.jpg", mimeType: "image/jpeg", size: 248_320, description: null });
        }
        messages.push({
          id: this.nextMessageId++,
          threadId: id,
          direction: inbound ? "inbound" : "outbound",
          authorName: inbound ? name : "Alex (you)",
          text,
          attachments,
          sentAt,
          editedAt: null,
          delivery: inbound ? "received" : m === count - 1 ? "delivered" : "read",
          deliveryNote: null,
          holdReason: null,
          subject: null,
          quotedText: null,
          hasHtml: false,
          remoteImages: 0,
          deletedOnServer: false,
        });
      }
      const last = messages[messages.length - 1];
      const unread = last.direction === "inbound" && i < 6 ? 1 + (i % 3) : 0;
      this.threads.set(id, {
        summary: {
          id,
          accountId: demo.id,
          channel,
          contactId: id,
          contactName: name,
          snippet: last.text.slice(0, 120),
          snippetDirection: last.direction,
          lastActivityAt: last.sentAt,
          unreadCount: unread,
          status: "open",
          priority: 0,
          owner: null,
        },
        messages,
        draft: null,
      });
    }
  }

  // ---- test helpers -------------------------------------------------------

  emit(event: CoreEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  /** Adds an inbound message to a thread and emits the events Rust would emit. */
  receive(threadId: number, text: string, at = this.now()): MessageView {
    const t = this.mustThread(threadId);
    const msg: MessageView = {
      id: this.nextMessageId++,
      threadId,
      direction: "inbound",
      authorName: t.summary.contactName,
      text,
      attachments: [],
      sentAt: at,
      editedAt: null,
      delivery: "received",
      deliveryNote: null,
      holdReason: null,
      subject: null,
      quotedText: null,
      hasHtml: false,
      remoteImages: 0,
      deletedOnServer: false,
    };
    t.messages.push(msg);
    t.summary.snippet = text.slice(0, 120);
    t.summary.snippetDirection = "inbound";
    t.summary.lastActivityAt = at;
    t.summary.unreadCount += 1;
    this.emit({ kind: "messagesChanged", threadId: threadId });
    this.emit({ kind: "threadsChanged", threadIds: [threadId] });
    return clone(msg);
  }

  setDelivery(messageId: number, delivery: DeliveryState, note: string | null = null): void {
    for (const t of this.threads.values()) {
      const m = t.messages.find((x) => x.id === messageId);
      if (m) {
        m.delivery = delivery;
        m.deliveryNote = note;
        this.emit({ kind: "messagesChanged", threadId: t.summary.id });
        return;
      }
    }
  }

  setSync(accountId: number, sync: AccountSummary["sync"], lastError: string | null = null): void {
    const a = this.accounts.find((x) => x.id === accountId);
    if (!a) return;
    a.sync = sync;
    a.syncRevision = this.nextRevision++;
    a.lastError = lastError;
    if (sync.state === "live") a.lastSyncAt = this.now();
    this.emit({ kind: "accountChanged", account: clone(a) });
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.listeners.clear();
  }

  private later(ms: number, fn: () => void) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private mustThread(id: number): MockThread {
    const t = this.threads.get(id);
    if (!t) throw err("notFound", "This conversation no longer exists.");
    return t;
  }

  private record(cmd: string, args: unknown) {
    this.calls.push([cmd, clone(args ?? null)]);
  }

  private sorted(): ThreadSummary[] {
    return [...this.threads.values()]
      .map((t) => t.summary)
      .sort((a, b) => b.lastActivityAt - a.lastActivityAt || b.id - a.id);
  }

  private page(messages: MessageView[], limit: number): MessagePage {
    const slice = messages.slice(Math.max(0, messages.length - limit));
    const first = slice[0];
    const hasOlder = messages.length > slice.length;
    return {
      messages: clone(slice),
      older: hasOlder && first ? { at: first.sentAt, id: first.id } : null,
    };
  }

  // ---- Backend ------------------------------------------------------------

  async workspaceInfo() {
    this.record("workspace_info", {});
    return { isDemo: this.isDemo, dataDir: "/home/demo/.local/share/parley" };
  }

  async listThreads(cursor: PageCursor | null, limit: number) {
    this.record("list_threads", { cursor, limit });
    const all = this.sorted();
    const rest = cursor ? all.filter((t) => before({ at: t.lastActivityAt, id: t.id }, cursor)) : all;
    const threads = rest.slice(0, Math.max(0, limit));
    const last = threads[threads.length - 1];
    const next = rest.length > threads.length && last ? { at: last.lastActivityAt, id: last.id } : null;
    return { threads: clone(threads), next };
  }

  async openThread(threadId: number): Promise<ThreadDetail> {
    this.record("open_thread", { threadId });
    const t = this.mustThread(threadId);
    const wasUnread = t.summary.unreadCount > 0;
    t.summary.unreadCount = 0;
    if (wasUnread) queueMicrotask(() => this.emit({ kind: "threadsChanged", threadIds: [threadId] }));
    const lastInbound = t.messages.filter((m) => m.direction === "inbound").at(-1)?.sentAt ?? null;
    const replyWindow: ComposerWindow =
      t.summary.channel === "telegram"
        ? { state: "always" }
        : lastInbound === null
          ? { state: "closed", closedAt: null }
          : { state: "open", closesAt: lastInbound + 24 * 3_600_000 };
    const historyNote =
      t.summary.channel === "instagram" ? "Instagram only shares the newest 20 messages of a conversation." : null;
    return {
      thread: clone(t.summary),
      messages: this.page(t.messages, 30),
      draft: t.draft,
      replyWindow,
      historyNote,
    };
  }

  async olderMessages(threadId: number, beforeCursor: PageCursor, limit: number) {
    this.record("older_messages", { threadId, before: beforeCursor, limit });
    const t = this.mustThread(threadId);
    const older = t.messages.filter((m) => before({ at: m.sentAt, id: m.id }, beforeCursor));
    return this.page(older, limit);
  }

  async saveDraft(threadId: number, text: string) {
    this.record("save_draft", { threadId, text });
    this.mustThread(threadId).draft = text === "" ? null : text;
  }

  // ---- composer files ------------------------------------------------------

  /** Files staged per thread (the mock keeps names and sizes, not bytes). */
  stagedFiles = new Map<number, StagedAttachment[]>();
  #nextStagedId = 1;

  async draftAttachments(threadId: number): Promise<DraftAttachments> {
    this.record("draft_attachments", { threadId });
    const t = this.mustThread(threadId);
    const staged = clone(this.stagedFiles.get(threadId) ?? []);
    const mediaLinks = [...(this.draftLinks.get(threadId) ?? [])];
    switch (t.summary.channel) {
      case "sms":
      case "whatsapp":
        return {
          staged,
          allowed: false,
          note: "Twilio fetches media from a public https address, so files cannot be sent from this computer yet.",
          maxFileBytes: null,
          maxTotalBytes: null,
          mediaLinks,
        };
      case "email":
        return { staged, allowed: true, note: "Email: up to 25 MB for all files together.", maxFileBytes: null, maxTotalBytes: 25 * 1024 * 1024, mediaLinks };
      case "telegram":
        return { staged, allowed: true, note: "Telegram: up to 50 MB per file.", maxFileBytes: 50 * 1024 * 1024, maxTotalBytes: null, mediaLinks };
      default:
        return { staged, allowed: true, note: "Messenger: up to 25 MB per file.", maxFileBytes: 25 * 1024 * 1024, maxTotalBytes: null, mediaLinks };
    }
  }

  async stageAttachment(threadId: number, file: FileUpload): Promise<StagedAttachment> {
    this.record("stage_attachment", { threadId, name: file.name, type: file.type, size: file.bytes.length });
    const rules = await this.draftAttachments(threadId);
    if (!rules.allowed) throw err("invalidInput", rules.note);
    if (rules.maxFileBytes !== null && file.bytes.length > rules.maxFileBytes) throw err("invalidInput", `"${file.name}" is too large.`);
    const staged: StagedAttachment = {
      id: this.#nextStagedId++,
      fileName: file.name,
      mimeType: file.type || "application/octet-stream",
      size: file.bytes.length,
    };
    this.stagedFiles.set(threadId, [...(this.stagedFiles.get(threadId) ?? []), staged]);
    return clone(staged);
  }

  /** Media links kept with each thread's draft. */
  draftLinks = new Map<number, string[]>();
  /** The last drop from the operating system (file names; a trailing "/" marks a folder). */
  #dropped: string[] | null = null;
  #dragListeners = new Set<(drag: FileDrag) => void>();

  /** Test helper: the operating system drops these files on the window. */
  dropFiles(names: string[]): void {
    for (const l of [...this.#dragListeners]) l("enter");
    this.#dropped = names;
    for (const l of [...this.#dragListeners]) l("drop");
  }

  /** Test helper: files dragged over the window (then left or dropped). */
  drag(kind: FileDrag): void {
    for (const l of [...this.#dragListeners]) l(kind);
  }

  onFileDrag(cb: (drag: FileDrag) => void) {
    this.#dragListeners.add(cb);
    return () => {
      this.#dragListeners.delete(cb);
    };
  }

  async stageDroppedFiles(threadId: number): Promise<DroppedFiles> {
    this.record("stage_dropped_files", { threadId });
    const names = this.#dropped;
    this.#dropped = null;
    if (!names) throw err("invalidInput", "No files were dropped on the window in the last 30 seconds. Drop them on the conversation again.");
    const rules = await this.draftAttachments(threadId);
    if (!rules.allowed) throw err("invalidInput", rules.note);
    const out: DroppedFiles = { staged: [], refused: [] };
    for (const name of names) {
      if (name.endsWith("/")) {
        out.refused.push(`"${name.slice(0, -1)}" is a folder; Parley attaches files. Drop the files inside it, or a zip of the folder.`);
        continue;
      }
      out.staged.push(await this.stageAttachment(threadId, { name, type: "", bytes: new Uint8Array(8) }));
    }
    return out;
  }

  async saveDraftMediaLinks(threadId: number, mediaUrls: string[]): Promise<void> {
    this.record("save_draft_media_links", { threadId, mediaUrls });
    this.mustThread(threadId);
    const bad = mediaUrls.find((u) => !/^https?:\/\/[^\s/]+\.[^\s/]+/i.test(u));
    if (bad) throw err("invalidInput", `“${bad}” cannot be sent as media: it is not a public web address.`);
    if (mediaUrls.length === 0) this.draftLinks.delete(threadId);
    else this.draftLinks.set(threadId, [...mediaUrls]);
  }

  async removeStagedAttachment(id: number): Promise<void> {
    this.record("remove_staged_attachment", { id });
    for (const [thread, files] of this.stagedFiles) {
      if (files.some((f) => f.id === id)) this.stagedFiles.set(thread, files.filter((f) => f.id !== id));
    }
  }

  /** An outbound message the agent just sent: queued, at the end of `t`, its draft gone. */
  private queueOutbound(t: MockThread, text: string, attachments: MessageView["attachments"]): MessageView {
    const msg: MessageView = {
      id: this.nextMessageId++,
      threadId: t.summary.id,
      direction: "outbound",
      authorName: "Alex (you)",
      text,
      attachments,
      sentAt: this.now(),
      editedAt: null,
      delivery: "queued",
      deliveryNote: null,
      holdReason: null,
      subject: null,
      quotedText: null,
      hasHtml: false,
      remoteImages: 0,
      deletedOnServer: false,
    };
    t.messages.push(msg);
    t.draft = null;
    return msg;
  }

  async sendReply(threadId: number, text: string) {
    this.record("send_reply", { threadId, text });
    const t = this.mustThread(threadId);
    const files = this.stagedFiles.get(threadId) ?? [];
    if (!text.trim() && files.length === 0) throw err("invalidInput", "Type a message before sending.");
    this.stagedFiles.delete(threadId);
    this.draftLinks.delete(threadId);
    const msg = this.queueOutbound(t, text, files.map((f) => ({
      kind: f.mimeType.startsWith("image/") ? "photo" : "document",
      remoteRef: `local:${f.id}`,
      fileName: f.fileName,
      mimeType: f.mimeType,
      size: f.size,
      description: null,
    })));
    t.summary.snippet = text.slice(0, 120);
    t.summary.snippetDirection = "outbound";
    t.summary.lastActivityAt = msg.sentAt;
    queueMicrotask(() => this.emit({ kind: "threadsChanged", threadIds: [threadId] }));
    queueMicrotask(() => this.emitOutbox());
    if (this.simulate && this.online) {
      this.later(400, () => this.setDelivery(msg.id, "sending"));
      this.later(1200, () => this.setDelivery(msg.id, "sent"));
      this.later(2600, () => this.setDelivery(msg.id, "delivered"));
      if (/\?$/.test(text.trim())) this.later(6000, () => this.receive(threadId, "Sure, one moment 🙂"));
    }
    return clone(msg);
  }

  async sendReplyWithMedia(threadId: number, text: string, mediaUrls: string[]): Promise<MessageView> {
    this.record("send_reply_with_media", { threadId, text, mediaUrls });
    const t = this.mustThread(threadId);
    if (t.summary.channel !== "sms" && t.summary.channel !== "whatsapp")
      throw err("invalidInput", "Media links are for SMS and WhatsApp conversations; attach files on this channel instead.");
    const msg = this.queueOutbound(t, text, mediaUrls.map((url) => ({
      kind: "other",
      remoteRef: null,
      fileName: url.split("/").pop() ?? null,
      mimeType: null,
      size: null,
      description: url,
    })));
    this.draftLinks.delete(threadId);
    queueMicrotask(() => this.emit({ kind: "threadsChanged", threadIds: [threadId] }));
    return clone(msg);
  }

  // ---- outbox -------------------------------------------------------------

  /** False simulates a lost network: replies stay queued. */
  online = true;

  #outboxStatus(): OutboxStatus {
    const all = [...this.threads.values()].flatMap((t) => t.messages);
    const count = (states: DeliveryState[]) => all.filter((m) => states.includes(m.delivery)).length;
    return {
      online: this.online,
      offlineSince: this.online ? null : this.now(),
      waiting: count(["queued", "sending", "retrying"]),
      held: count(["held"]),
      uncertain: count(["uncertain"]),
    };
  }

  emitOutbox(): void {
    this.emit({ kind: "outboxChanged", status: this.#outboxStatus() });
  }

  /** Test helper: lose or regain the network. Back online, queued replies are sent. */
  setOnline(online: boolean): void {
    this.online = online;
    if (online) {
      for (const t of this.threads.values()) {
        for (const m of t.messages) if (m.delivery === "queued") m.delivery = "sent";
        this.emit({ kind: "messagesChanged", threadId: t.summary.id });
      }
    }
    this.emitOutbox();
  }

  async outboxStatus() {
    this.record("outbox_status", {});
    return this.#outboxStatus();
  }

  async listDrafts(): Promise<DraftView[]> {
    this.record("list_drafts", {});
    const files = (id: number) => this.stagedFiles.get(id)?.length ?? 0;
    const links = (id: number) => this.draftLinks.get(id)?.length ?? 0;
    return [...this.threads.values()]
      .filter((t) => t.draft !== null || files(t.summary.id) > 0 || links(t.summary.id) > 0)
      .map((t) => ({
        threadId: t.summary.id,
        channel: t.summary.channel,
        contactName: t.summary.contactName,
        text: t.draft ?? "",
        updatedAt: t.summary.lastActivityAt,
        files: files(t.summary.id),
        mediaLinks: links(t.summary.id),
      }));
  }

  #reply(messageId: number, allowed: DeliveryState[]): [MockThread, MessageView] {
    for (const t of this.threads.values()) {
      const m = t.messages.find((x) => x.id === messageId);
      if (m) {
        if (!allowed.includes(m.delivery)) {
          throw err("invalidInput", "This reply has moved on (it is being sent or was sent) and can no longer be changed.");
        }
        return [t, m];
      }
    }
    throw err("notFound", "That reply waiting to be sent no longer exists (it may have been removed).");
  }

  #decided(t: MockThread): void {
    queueMicrotask(() => {
      this.emit({ kind: "messagesChanged", threadId: t.summary.id });
      this.emitOutbox();
    });
  }

  async sendAnyway(messageId: number) {
    this.record("send_anyway", { messageId });
    const [t, m] = this.#reply(messageId, ["held", "failed"]);
    m.delivery = "queued";
    m.deliveryNote = null;
    m.holdReason = null;
    this.#decided(t);
  }

  async editReply(messageId: number, text: string) {
    this.record("edit_reply", { messageId, text });
    if (!text.trim()) throw err("invalidInput", "The reply is empty. Discard it instead.");
    const [t, m] = this.#reply(messageId, ["queued", "retrying", "held", "failed"]);
    m.text = text;
    if (m.delivery === "held" || m.delivery === "failed") {
      m.delivery = "queued";
      m.deliveryNote = null;
      m.holdReason = null;
    }
    this.#decided(t);
  }

  async discardReply(messageId: number) {
    this.record("discard_reply", { messageId });
    const [t, m] = this.#reply(messageId, ["queued", "retrying", "held", "failed", "uncertain"]);
    t.messages = t.messages.filter((x) => x.id !== messageId);
    // As Rust does: the text goes back into the draft (before any draft there), and so do
    // its media links (after the composer's).
    if (m.text.trim()) t.draft = t.draft?.trim() ? `${m.text}\n\n${t.draft}` : m.text;
    const links = m.attachments.filter((a) => a.kind === "other" && a.remoteRef === null && a.description).map((a) => a.description ?? "");
    if (links.length > 0) {
      const kept = this.draftLinks.get(t.summary.id) ?? [];
      this.draftLinks.set(t.summary.id, [...kept, ...links.filter((l) => !kept.includes(l))]);
    }
    this.#decided(t);
  }

  async markReplySent(messageId: number) {
    this.record("mark_reply_sent", { messageId });
    const [t, m] = this.#reply(messageId, ["uncertain"]);
    m.delivery = "sent";
    m.deliveryNote = "You marked this reply as sent after checking the conversation.";
    this.#decided(t);
  }

  async sendReplyAgain(messageId: number) {
    this.record("send_reply_again", { messageId });
    const [t, m] = this.#reply(messageId, ["uncertain"]);
    m.delivery = "queued";
    m.deliveryNote = null;
    this.#decided(t);
  }

  async contactContext(threadId: number): Promise<ContactContext> {
    this.record("contact_context", { threadId });
    const t = this.mustThread(threadId);
    const c = this.contacts.get(t.summary.contactId);
    if (!c) throw err("notFound", "Contact not found.");
    const account = this.accounts.find((a) => a.id === t.summary.accountId);
    const identity: IdentityView = {
      id: c.id,
      channel: t.summary.channel,
      accountName: account?.name ?? "Unknown account",
      remoteId: c.remoteId,
      handle: c.handle,
      displayName: c.name,
    };
    const threads = [...this.threads.values()].filter((x) => x.summary.contactId === c.id);
    return {
      contactId: c.id,
      displayName: c.name,
      identities: [identity],
      firstSeenAt: c.firstSeenAt,
      threadCount: threads.length,
      messageCount: threads.reduce((n, x) => n + x.messages.length, 0),
    };
  }

  async search(query: string, limit: number): Promise<SearchHit[]> {
    this.record("search", { query, limit });
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const hits: SearchHit[] = [];
    for (const t of this.threads.values()) {
      for (const m of t.messages) {
        const lower = m.text.toLowerCase();
        if (!lower.includes(q)) continue;
        const segments: TextSegment[] = [];
        let pos = 0;
        for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, pos)) {
          if (i > pos) segments.push({ text: m.text.slice(pos, i), hit: false });
          segments.push({ text: m.text.slice(i, i + q.length), hit: true });
          pos = i + q.length;
        }
        if (pos < m.text.length) segments.push({ text: m.text.slice(pos), hit: false });
        hits.push({
          threadId: t.summary.id,
          messageId: m.id,
          channel: t.summary.channel,
          contactName: t.summary.contactName,
          direction: m.direction,
          snippet: segments,
          sentAt: m.sentAt,
        });
      }
    }
    hits.sort((a, b) => b.sentAt - a.sentAt || b.messageId - a.messageId);
    return hits.slice(0, limit);
  }

  async listAccounts() {
    this.record("list_accounts", {});
    return clone(this.accounts);
  }

  async addFacebookPage(pageId: string, token: string, includeInstagram: boolean, humanAgentApproved: boolean) {
    this.record("add_facebook_page", { pageId, token: "***", includeInstagram, humanAgentApproved });
    if (!/^\d+$/.test(pageId.trim())) throw err("invalidInput", "A Page id is a number.");
    if (token.trim().length < 20) throw err("invalidInput", "That does not look like a Page access token.");
    const added: AccountSummary[] = [];
    for (const channel of includeInstagram ? (["messenger", "instagram"] as const) : (["messenger"] as const)) {
      const id = this.nextAccountId++;
      const acc: AccountSummary = {
        id,
        channel,
        name: channel === "messenger" ? `Page ${pageId.trim()}` : "page.on.instagram",
        handle: channel === "instagram" ? "page.on.instagram" : null,
        isDemo: false,
        sync: { state: "connecting" },
        syncRevision: this.nextRevision++,
        lastError: null,
        lastSyncAt: null,
        humanAgentApproved,
      };
      this.accounts.push(acc);
      added.push(clone(acc));
    }
    queueMicrotask(() => this.emit({ kind: "accountsChanged" }));
    return added;
  }

  async addEmailAccount(
    address: string,
    displayName: string | null,
    username: string,
    password: string,
    imap: EmailServer,
    smtp: EmailServer,
  ) {
    this.record("add_email_account", { address, displayName, username, password: "***", imap, smtp });
    if (!/^[^@\s]+@[^@\s]+$/.test(address.trim())) throw err("invalidInput", "Enter the full email address.");
    if (password !== "secret") throw err("authFailed", "The IMAP server refused the password.");
    const acc: AccountSummary = {
      id: this.nextAccountId++,
      channel: "email",
      name: displayName?.trim() || address.trim(),
      handle: address.trim(),
      isDemo: false,
      sync: { state: "connecting" },
      syncRevision: this.nextRevision++,
      lastError: null,
      lastSyncAt: null,
      humanAgentApproved: null,
    };
    this.accounts.push(acc);
    queueMicrotask(() => this.emit({ kind: "accountsChanged" }));
    return clone(acc);
  }

  async addTwilioAccount(accountSid: string, authToken: string, numbers: string[]) {
    this.record("add_twilio_account", { accountSid, authToken: "***", numbers });
    if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid.trim())) throw err("invalidInput", "An Account SID starts with AC.");
    if (authToken.trim().length < 16) throw err("invalidInput", "That does not look like an Auth Token.");
    const list = numbers.map((n) => n.trim()).filter((n) => n);
    if (list.length === 0) throw err("invalidInput", "Add at least one number for Parley to watch.");
    const added: AccountSummary[] = [];
    for (const channel of ["sms", "whatsapp"] as const) {
      const mine = list.filter((n) => n.startsWith("whatsapp:") === (channel === "whatsapp"));
      if (mine.length === 0) continue;
      const acc: AccountSummary = {
        id: this.nextAccountId++,
        channel,
        name: "Twilio",
        handle: mine.join(", "),
        isDemo: false,
        sync: { state: "connecting" },
        syncRevision: this.nextRevision++,
        lastError: null,
        lastSyncAt: null,
        humanAgentApproved: null,
      };
      this.accounts.push(acc);
      added.push(clone(acc));
    }
    queueMicrotask(() => this.emit({ kind: "accountsChanged" }));
    return added;
  }

  async messageTemplates(threadId: number): Promise<MessageTemplate[]> {
    this.record("message_templates", { threadId });
    return [
      {
        contentSid: "HXb5b62575e6e4ff6129ad7c8efe1f983e",
        name: "order_follow_up",
        language: "en",
        body: "Hi {{1}}, this is about order {{2}}. Reply to continue.",
        variables: [
          { key: "1", value: "first_name" },
          { key: "2", value: "order_number" },
        ],
      },
    ];
  }

  async sendTemplate(threadId: number, contentSid: string, variables: TemplateVariable[]): Promise<MessageView> {
    this.record("send_template", { threadId, contentSid, variables });
    throw err("invalidInput", "The mock backend does not send templates.");
  }

  async threadControl(threadId: number): Promise<ThreadControl> {
    this.record("thread_control", { threadId });
    const owner = this.owners.get(threadId) ?? { owner: "idle" };
    this.markOwner(threadId, owner);
    return { owner, botAppId: "1790024451123456" };
  }

  async handover(threadId: number, action: HandoverAction): Promise<ThreadControl> {
    this.record("handover", { threadId, action });
    const owner: ThreadOwner =
      action === "take"
        ? { owner: "parley" }
        : action === "passBack"
          ? { owner: "otherApp", appId: "1790024451123456" }
          : action === "release"
            ? { owner: "idle" }
            : (this.owners.get(threadId) ?? { owner: "idle" });
    this.owners.set(threadId, owner);
    this.markOwner(threadId, owner);
    return { owner, botAppId: "1790024451123456" };
  }

  /** Keeps the thread list's owner in step with the header, as the core does. */
  private markOwner(threadId: number, owner: ThreadOwner) {
    const t = this.threads.get(threadId);
    if (!t || JSON.stringify(t.summary.owner) === JSON.stringify(owner)) return;
    t.summary.owner = owner;
    queueMicrotask(() => this.emit({ kind: "threadsChanged", threadIds: [threadId] }));
  }

  /** A bot takes a thread at Meta; the next poll finds "another app" (`is_owner: false`). */
  botTakes(threadId: number) {
    this.owners.set(threadId, { owner: "otherApp", appId: "1790024451123456" });
    const t = this.threads.get(threadId);
    if (!t) return;
    t.summary.owner = { owner: "elsewhere" };
    queueMicrotask(() => {
      this.emit({ kind: "messagesChanged", threadId });
      this.emit({ kind: "threadsChanged", threadIds: [threadId] });
    });
  }

  async setHumanAgentApproved(accountId: number, approved: boolean): Promise<AccountSummary[]> {
    this.record("set_human_agent_approved", { accountId, approved });
    const account = this.accounts.find((a) => a.id === accountId);
    if (!account) throw err("notFound", "This account was removed.");
    if (account.channel !== "messenger" && account.channel !== "instagram") {
      throw err("invalidInput", "Only Facebook Page accounts (Messenger, Instagram) have the HUMAN_AGENT approval.");
    }
    const changed: AccountSummary[] = [];
    for (const a of this.accounts) {
      if (a.channel !== "messenger" && a.channel !== "instagram") continue;
      a.humanAgentApproved = approved;
      a.syncRevision = this.nextRevision++;
      changed.push(clone(a));
    }
    for (const a of changed) queueMicrotask(() => this.emit({ kind: "accountChanged", account: a }));
    return changed;
  }

  async addTelegramAccount(token: string) {
    this.record("add_telegram_account", { token: "***" });
    const t = token.trim();
    if (!/^\d{5,}:[A-Za-z0-9_-]{20,}$/.test(t)) {
      throw err("invalidInput", "That doesn't look like a bot token. Copy it from @BotFather: digits, a colon, then letters.");
    }
    if (t.includes("rejected")) throw err("authFailed", "Telegram rejected this token. Check it in @BotFather and try again.");
    if ([...this.tokens.values()].includes(t)) throw err("duplicate", "This bot is already connected.");
    const id = this.nextAccountId++;
    const acc: AccountSummary = {
      id,
      channel: "telegram",
      name: `Support Bot ${id}`,
      handle: `@support_${id}_bot`,
      isDemo: false,
      sync: { state: "connecting" },
      syncRevision: this.nextRevision++,
      lastError: null,
      lastSyncAt: null,
      humanAgentApproved: null,
    };
    this.tokens.set(id, t);
    this.accounts.push(acc);
    queueMicrotask(() => this.emit({ kind: "accountsChanged" }));
    if (this.simulate) this.later(1500, () => this.setSync(id, { state: "live" }));
    return clone(acc);
  }

  async removeAccount(accountId: number) {
    this.record("remove_account", { accountId });
    const i = this.accounts.findIndex((a) => a.id === accountId);
    if (i < 0) throw err("notFound", "This account was already removed.");
    this.accounts.splice(i, 1);
    this.tokens.delete(accountId);
    queueMicrotask(() => this.emit({ kind: "accountsChanged" }));
  }

  async openLink(url: string) {
    this.record("open_link", { url });
    if (!/^(https?:|mailto:)/i.test(url)) throw err("unsafeLink", "Parley only opens web and email links.");
    this.openedLinks.push(url);
  }

  async notificationPrefs() {
    this.record("notification_prefs", {});
    return clone(this.notificationPrefsValue);
  }

  async setNotificationPrefs(prefs: NotificationPrefs) {
    this.record("set_notification_prefs", { prefs });
    this.notificationPrefsValue = clone(prefs);
    queueMicrotask(() => this.emit({ kind: "notificationPrefsChanged", prefs: clone(prefs) }));
    return clone(prefs);
  }

  async pauseNotifications(minutes: number) {
    this.record("pause_notifications", { minutes });
    const prefs = { ...this.notificationPrefsValue, dndUntil: minutes > 0 ? this.now() + minutes * 60_000 : null };
    return this.setNotificationPrefs(prefs);
  }

  async setThreadMuted(threadId: number, muted: boolean) {
    this.record("set_thread_muted", { threadId, muted });
    if (!this.threads.has(threadId)) throw err("notFound", "This conversation no longer exists.");
    const others = this.notificationPrefsValue.mutedThreads.filter((t) => t !== threadId);
    const mutedThreads = muted ? [...others, threadId].sort((a, b) => a - b) : others;
    const prefs = { ...this.notificationPrefsValue, mutedThreads };
    this.notificationPrefsValue = clone(prefs);
    queueMicrotask(() => this.emit({ kind: "notificationPrefsChanged", prefs: clone(prefs) }));
    return clone(prefs);
  }

  async setOpenThread(threadId: number | null) {
    this.record("set_open_thread", { threadId });
    this.openThreadReported = threadId;
  }

  async openAttachment(messageId: number, index: number) {
    this.record("open_attachment", { messageId, index });
    this.openedAttachments.push([messageId, index]);
  }

  /** HTML of mock emails by message id (tests put some here). */
  htmlBodies = new Map<number, { html: string; remoteImages: number }>();

  async messageHtml(messageId: number, loadRemote: boolean) {
    this.record("message_html", { messageId, loadRemote });
    const body = this.htmlBodies.get(messageId);
    if (!body) throw err("notFound", "That email's HTML no longer exists (it may have been removed).");
    return {
      document: `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body>${body.html}</body></html>`,
      remoteImages: body.remoteImages,
      loadedImages: loadRemote ? body.remoteImages : 0,
      inlineParts: [],
    };
  }

  mediaUrl(messageId: number, index: number) {
    return `mock-media://localhost/${messageId}%2F${index}`;
  }

  onEvent(cb: (event: CoreEvent) => void) {
    this.listeners.add(cb);
    return () => {
      this.listeners.delete(cb);
    };
  }
}

export function createMockBackend(opts: MockOptions = {}): MockBackend {
  return new MockBackend(opts);
}
