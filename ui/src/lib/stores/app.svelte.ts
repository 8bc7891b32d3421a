import type { Backend, Unlisten } from "../ipc/backend";
import { messagesChangedThread, toIpcError } from "../ipc/backend";
import type {
  ContactId,
  ContactMarksChange,
  CoreEvent,
  IpcError,
  MessageId,
  NotificationPrefs,
  ThreadId,
  ThreadSummary,
  ThreadView,
  WorkspaceInfo,
} from "../ipc/bindings";
import { focusComposer, focusContactSearch, focusLabelSettings, focusSavedReplySettings } from "../focus";
import { OPEN_VIEW } from "../views";
import { AccountsStore } from "./accounts.svelte";
import { Clock } from "./clock.svelte";
import { ContactStore } from "./contact.svelte";
import { ContactsStore } from "./contacts.svelte";
import { ReviewStore } from "./review.svelte";
import { ConversationStore } from "./conversation.svelte";
import { CountsStore } from "./counts.svelte";
import { DialogueStore } from "./dialogue.svelte";
import { SavedRepliesStore } from "./saved-replies.svelte";
import { BotStore } from "./bot.svelte";
import { LabelsStore } from "./labels.svelte";
import { MergeStore } from "./merge.svelte";
import { ImportWizard } from "./import.svelte";
import { OutboxStore } from "./outbox.svelte";
import { SearchStore } from "./search.svelte";
import { SpikeStore } from "./spike.svelte";
import { ThreadsStore } from "./threads.svelte";
import { Workflow } from "./workflow.svelte";

export type View = "inbox" | "accounts" | "drafts" | "contacts" | "review";

/** What shows over the window and takes the keyboard while it does. */
export type Overlay =
  | { kind: "palette" }
  | { kind: "keys" }
  | { kind: "merges" }
  | { kind: "snooze"; ids: ThreadId[] }
  | { kind: "priority"; ids: ThreadId[] }
  | { kind: "labels"; ids: ThreadId[] };

/** Wires the stores together and routes core events to them. */
export class AppState {
  readonly backend: Backend;
  readonly threads: ThreadsStore;
  readonly conversation: ConversationStore;
  readonly contact: ContactStore;
  readonly contacts: ContactsStore;
  /** The manager's Review screen (conversations, metrics, annotations, exports). */
  readonly review: ReviewStore;
  readonly accounts: AccountsStore;
  readonly search: SearchStore;
  readonly outbox: OutboxStore;
  readonly labels: LabelsStore;
  readonly savedReplies: SavedRepliesStore;
  /** Settings → Bot (the FAQ rules, where the bot answers, the test console). */
  readonly bot: BotStore;
  readonly counts: CountsStore;
  /** The queue and spike mode. */
  readonly spike: SpikeStore;
  readonly workflow: Workflow;
  readonly merge: MergeStore;
  /** The customer import wizard (Contacts → Import, or the palette). */
  readonly imports: ImportWizard;
  /** The whole dialogue with the open conversation's customer, when the agent opened it. */
  readonly dialogue: DialogueStore;
  readonly clock = new Clock();
  /** The palette, the keyboard map or a workflow menu, when one is open. */
  overlay = $state<Overlay | null>(null);
  /** The customer pane shown as a drawer over the conversation (windows under 980 px wide hide
   * it otherwise; wider ones always show it and ignore this). */
  detailsOpen = $state(false);

  /** Shows or hides the customer pane's drawer (narrow windows). */
  toggleDetails(open = !this.detailsOpen): void {
    this.detailsOpen = open;
  }

  workspace = $state<WorkspaceInfo | null>(null);
  #view = $state<View>("inbox");
  /** Notification preferences, once loaded (the settings screen edits them; the tray pauses). */
  notificationPrefs = $state<NotificationPrefs | null>(null);
  /** Threads whose notifications the agent muted (the header's toggle, the rows' icon). */
  readonly mutedThreads = $derived(new Set<ThreadId>(this.notificationPrefs?.mutedThreads ?? []));

  get view(): View {
    return this.#view;
  }

  set view(v: View) {
    this.#view = v;
    this.reportOpenThread();
  }

  /** The core skips notifications for the thread on screen, so tell it which one that is. */
  reportOpenThread(): void {
    const open = this.#view === "inbox" ? this.conversation.threadId : null;
    this.backend.setOpenThread(open).catch(() => undefined);
  }
  /** A transient error for actions without their own place (open link, open attachment). */
  notice = $state<IpcError | null>(null);
  /** Settings opened from the demo's "Restore from a backup…": the Backup section scrolls into view. */
  backupFocus = $state(false);
  /** Why the core did not start (another Parley has the workspace, the disk failed...): the
   * window shows this instead of an empty inbox, for as long as it is open. */
  startError = $state<IpcError | null>(null);

  #unlisten: Unlisten | null = null;
  #unlistenDrag: Unlisten | null = null;
  #noticeTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(backend: Backend, opts: { pageSize?: number } = {}) {
    this.backend = backend;
    this.threads = new ThreadsStore(backend, opts.pageSize);
    this.conversation = new ConversationStore(backend);
    this.contact = new ContactStore(backend);
    this.contacts = new ContactsStore(backend);
    this.review = new ReviewStore(backend);
    this.accounts = new AccountsStore(backend);
    this.search = new SearchStore(backend);
    this.outbox = new OutboxStore(backend);
    this.labels = new LabelsStore(backend);
    this.savedReplies = new SavedRepliesStore(backend);
    this.bot = new BotStore(backend);
    this.counts = new CountsStore(backend);
    // Spike mode on: the list shows the flagged and the longest waiting first.
    this.spike = new SpikeStore(backend, () => void this.showView({ kind: "mood" }));
    this.dialogue = new DialogueStore(backend, (id) => this.summary(id)?.contactId);
    this.workflow = new Workflow(backend, {
      threads: this.threads,
      labels: this.labels,
      openConversation: () => (this.#view === "inbox" ? this.conversation.threadId : null),
      summary: (id) => this.summary(id),
      openThread: (id) => this.openThread(id),
      closeConversation: () => this.closeConversation(),
      showNotice: (e) => this.showNotice(e),
      now: () => this.clock.now,
    });
    this.merge = new MergeStore(backend, {
      contactsChanged: async () => {
        const open = this.contact.threadId;
        if (open !== null) await this.contact.load(open, true);
      },
      offerUndo: (text, run) => this.workflow.offerUndo(text, run),
      showNotice: (e) => this.showNotice(e),
    });
    this.imports = new ImportWizard(backend, () => {
      if (this.#view === "contacts") void this.contacts.reload();
    });
  }

  /** A conversation as the list or the open conversation shows it. */
  summary(id: ThreadId): ThreadSummary | undefined {
    const row = this.threads.threads.find((t) => t.id === id);
    if (row) return row;
    const open = this.conversation.thread;
    return open?.id === id ? open : undefined;
  }

  /** No conversation on screen any more (the last one of the view was resolved, say). */
  closeConversation(): void {
    if (this.dialogue.isOpen) void this.dialogue.close();
    this.conversation.close();
    this.threads.openId = null;
    this.contact.clear();
    this.reportOpenThread();
  }

  /** Shows a view of the inbox in the thread list (the inbox itself, if settings showed). */
  async showView(view: ThreadView): Promise<void> {
    if (this.view !== "inbox") this.view = "inbox";
    if (this.search.active) this.search.clear();
    await this.threads.setView(view);
  }

  /** Puts the keyboard in the open conversation's composer. */
  startReply(): void {
    if (this.conversation.threadId === null && !this.dialogue.isOpen) return;
    if (this.view !== "inbox") this.view = "inbox";
    requestAnimationFrame(focusComposer);
  }

  /** The settings screen, at its labels manager. */
  showSavedReplySettings(): void {
    this.view = "accounts";
    void this.savedReplies.load();
    requestAnimationFrame(focusSavedReplySettings);
  }

  showLabelSettings(): void {
    this.view = "accounts";
    void this.labels.load();
    requestAnimationFrame(focusLabelSettings);
  }

  /** Opens a workflow menu for what the keyboard targets (nothing without a conversation). */
  openMenu(kind: "snooze" | "priority" | "labels", ids = this.workflow.targets()): void {
    if (ids.length === 0) return;
    this.overlay = { kind, ids };
  }

  /** Subscribes to events and loads the initial data. */
  async start(): Promise<void> {
    this.#unlisten ??= this.backend.onEvent((e) => this.handleEvent(e));
    // Files dropped on the window go to the open conversation (only the inbox shows one).
    this.#unlistenDrag ??= this.backend.onFileDrag((d) => {
      const inbox = this.view === "inbox";
      this.conversation.handleFileDrag(inbox && !this.dialogue.isOpen ? d : "leave");
      this.dialogue.reply.handleFileDrag(inbox && this.dialogue.isOpen ? d : "leave");
    });
    const info = this.backend
      .workspaceInfo()
      .then((w) => (this.workspace = w))
      // `workspace_info` fails only when the core itself could not start.
      .catch((e) => (this.startError = toIpcError(e)));
    await Promise.all([
      info,
      this.threads.loadFirst(),
      this.counts.load(),
      this.spike.load(),
      this.labels.load(),
      this.accounts.load(),
      this.outbox.load(),
      this.loadNotificationPrefs(),
    ]);
  }

  stop(): void {
    this.#unlisten?.();
    this.#unlisten = null;
    this.#unlistenDrag?.();
    this.#unlistenDrag = null;
    this.counts.stop();
    this.spike.stop();
    this.contacts.stop();
    this.workflow.dismiss();
    void this.conversation.flushDraft();
    void this.dialogue.reply.flushDraft();
  }

  handleEvent(event: CoreEvent): void {
    this.threads.handleEvent(event);
    this.counts.handleEvent(event);
    this.spike.handleEvent(event);
    this.contacts.handleEvent(event);
    this.imports.handleEvent(event);
    this.review.handleEvent(event);
    if (event.kind === "labelsChanged") void this.#labelsChanged();
    this.conversation.handleEvent(event);
    this.dialogue.handleEvent(event);
    this.accounts.handleEvent(event);
    this.outbox.handleEvent(event);
    const changed = messagesChangedThread(event);
    if (changed !== null && changed === this.contact.threadId) void this.contact.load(changed, true);
    if (event.kind === "notificationPrefsChanged") this.notificationPrefs = event.prefs;
    if (event.kind === "threadMerged") this.#threadMerged(event.from, event.into);
    if (event.kind === "openThread") {
      const compose = event.compose;
      void this.openThread(event.threadId).then(() => {
        if (compose) requestAnimationFrame(focusComposer);
      });
    }
    if (event.kind === "accountsChanged") {
      this.backend
        .workspaceInfo()
        .then((w) => (this.workspace = w))
        .catch(() => undefined);
    }
  }

  /** Labels were added, renamed or deleted: a deleted one's view is gone, so Open shows instead. */
  async #labelsChanged(): Promise<void> {
    await this.labels.load();
    const v = this.threads.view;
    if (v.kind === "label" && this.labels.loaded && !this.labels.byId.has(v.label)) await this.threads.setView(OPEN_VIEW);
  }

  /** A split email conversation was joined: whatever showed `from` shows `into` now. */
  #threadMerged(from: ThreadId, into: ThreadId): void {
    if (this.threads.selectedId === from) this.threads.select(into);
    if (!this.conversation.threadMerged(from)) return;
    this.backend.setOpenThread(into).catch(() => undefined);
    void this.contact.load(into);
    void this.conversation.open(into);
  }

  /**
   * Discards a reply that has not left. Its text goes back into the thread's stored draft,
   * before the draft there: the composer's unsaved text is saved first so it is part of that
   * draft, and the open composer then shows the result (`messagesChanged` → refresh) and the
   * reply's media links again.
   */
  async discardReply(id: MessageId): Promise<boolean> {
    await this.conversation.flushDraft();
    await this.dialogue.reply.flushDraft();
    const ok = await this.outbox.discard(id);
    if (ok) await this.conversation.reloadMediaLinks();
    if (ok && this.dialogue.isOpen) await this.dialogue.reply.reloadMediaLinks();
    return ok;
  }

  /**
   * Shows the whole dialogue with the open conversation's customer in place of the conversation
   * (its composer's text is saved first: the dialogue's reply bar may open the same thread).
   */
  async openDialogue(): Promise<void> {
    const contactId = this.contact.context?.contactId;
    if (contactId === undefined) return;
    if (this.view !== "inbox") this.view = "inbox";
    await this.conversation.flushDraft();
    await this.dialogue.open(contactId, this.conversation.threadId);
  }

  /** Back from the whole dialogue to the conversation, with what the reply bar saved in its draft. */
  async closeDialogue(): Promise<void> {
    if (!this.dialogue.isOpen) return;
    const from = this.dialogue.fromThread;
    await this.dialogue.close();
    if (from !== null && this.conversation.threadId === from) await this.conversation.open(from);
  }

  async openThread(id: ThreadId): Promise<void> {
    if (this.dialogue.isOpen) await this.dialogue.close();
    this.view = "inbox";
    this.threads.select(id);
    this.threads.openId = id;
    this.threads.markRead(id);
    const contact = this.contact.load(id);
    this.backend.setOpenThread(id).catch(() => undefined);
    await Promise.all([this.conversation.open(id), contact]);
  }

  async loadNotificationPrefs(): Promise<void> {
    try {
      this.notificationPrefs = await this.backend.notificationPrefs();
    } catch (e) {
      this.showNotice(e);
    }
  }

  async saveNotificationPrefs(prefs: NotificationPrefs): Promise<void> {
    try {
      this.notificationPrefs = await this.backend.setNotificationPrefs(prefs);
    } catch (e) {
      this.showNotice(e);
    }
  }

  async setThreadMuted(id: ThreadId, muted: boolean): Promise<void> {
    try {
      this.notificationPrefs = await this.backend.setThreadMuted(id, muted);
    } catch (e) {
      this.showNotice(e);
    }
  }

  async pauseNotifications(minutes: number): Promise<void> {
    try {
      this.notificationPrefs = await this.backend.pauseNotifications(minutes);
    } catch (e) {
      this.showNotice(e);
    }
  }

  /** Shows the manager's Review screen (its list read again). */
  async showReview(): Promise<void> {
    await this.conversation.flushDraft();
    this.view = "review";
    await this.review.open();
  }

  /** Shows the Contacts screen (its list read again); `find` puts the keyboard in its search. */
  async showContacts(find = false): Promise<void> {
    await this.conversation.flushDraft();
    this.view = "contacts";
    if (find) requestAnimationFrame(focusContactSearch);
    await this.contacts.reload();
  }

  /**
   * Sets or clears a customer's VIP / Blocked marks (the Contacts screen, the context pane).
   * Both show the result; their conversations follow through the `threadsChanged` the core sends.
   */
  async setContactMarks(contactId: ContactId, change: ContactMarksChange): Promise<boolean> {
    try {
      const marks = await this.backend.setContactMarks(contactId, change);
      this.contacts.applyMarks(contactId, marks);
      const pane = this.contact.context;
      if (pane?.contactId === contactId) this.contact.context = { ...pane, vip: marks.vip, blocked: marks.blocked };
      return true;
    } catch (e) {
      this.showNotice(e);
      return false;
    }
  }

  /**
   * Erases everything Parley holds about a customer (a data-subject request; cannot be undone).
   * Their conversations leave the list; an open one closes.
   */
  async eraseCustomer(contactId: ContactId): Promise<boolean> {
    try {
      await this.backend.eraseCustomer(contactId);
      if (this.contact.context?.contactId === contactId) {
        this.contact.context = null;
        this.conversation.close();
      }
      await this.threads.reload();
      return true;
    } catch (e) {
      this.showNotice(e);
      return false;
    }
  }

  /** Shows the Drafts view (and reloads it). */
  async showDrafts(): Promise<void> {
    await this.conversation.flushDraft();
    this.view = "drafts";
    await this.outbox.loadDrafts();
  }

  openSelected(): Promise<void> | undefined {
    const id = this.threads.selectedId;
    return id === null ? undefined : this.openThread(id);
  }

  async openLink(url: string): Promise<void> {
    try {
      await this.backend.openLink(url);
    } catch (e) {
      this.showNotice(e);
    }
  }

  async openAttachment(messageId: number, index: number): Promise<void> {
    try {
      await this.backend.openAttachment(messageId, index);
    } catch (e) {
      this.showNotice(e);
    }
  }

  showNotice(e: unknown): void {
    this.notice = toIpcError(e);
    if (this.#noticeTimer !== null) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.notice = null), 6000);
  }
}
