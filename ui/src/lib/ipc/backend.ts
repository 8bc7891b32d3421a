// The one place that talks to Rust. Command names and argument keys must match
// the Tauri commands in src-tauri exactly.
import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import type {
  OutboundSettings,
  AccountId,
  BackupOutcome,
  BackupScheduleInput,
  BackupSettings,
  CustomerExportOutcome,
  RestorePreview,
  RetentionPreview,
  RetentionSettings,
  RestoreState,
  AutomationSettings,
  BusinessHours,
  HoursPreview,
  BotSettings,
  BotTrial,
  FaqRule,
  FaqRuleId,
  FaqRuleInput,
  Command,
  SpikeSettings,
  SpikeStatus,
  AccountSummary,
  EmailServer,
  ContactAttribute,
  ContactChange,
  ContactChangeId,
  ContactContext,
  IdentityId,
  MergeChoice,
  MergePreview,
  MergeSuggestion,
  ContactCursor,
  ContactId,
  ContactMarks,
  ContactMarksChange,
  ContactPage,
  ContactSort,
  ContactNote,
  ContactTimelinePage,
  NoteId,
  CoreEvent,
  DraftAttachments,
  DraftView,
  DroppedFiles,
  HandoverAction,
  ImportPreview,
  ImportReport,
  ImportRequest,
  ChangeOutcome,
  ErrorCode,
  Label,
  LabelId,
  SnoozeChoice,
  ThreadChange,
  ThreadState,
  ThreadView,
  ViewCounts,
  IpcError,
  MessageHtml,
  MessageId,
  MessagePage,
  MessageTemplate,
  MessageView,
  NotificationPrefs,
  OutboxStatus,
  PageCursor,
  SearchHit,
  StagedAttachment,
  ThreadControl,
  ThreadDetail,
  ThreadId,
  ThreadPage,
  ThreadSummary,
  TemplateVariable,
  WorkspaceInfo,
  FilledReply,
  InsertedReply,
  SavedReply,
  SavedReplyFile,
  SavedReplyId,
  SavedReplyInput,
  SavedRepliesExport,
  SavedRepliesImport,
  Annotation,
  AnnotationFilter,
  AnnotationInput,
  ChecklistItem,
  ChecklistKind,
  ChecklistScore,
  ExportOutcome,
  ExportRequest,
  Metrics,
  MetricsQuery,
  ResponseTarget,
  ReviewCursor,
  ReviewFilter,
  ReviewPage,
  Transcript,
  TranscriptPage,
} from "./bindings";

/** A file picked in the composer, as it is uploaded. */
export interface FileUpload {
  name: string;
  /** The browser's MIME type; empty when it does not know (Rust guesses from the name). */
  type: string;
  bytes: Uint8Array;
}

/** The URI scheme Rust serves attachment images on (src-tauri/src/media.rs). */
export const MEDIA_SCHEME = "parley-media";

/** The Tauri event that carries every `CoreEvent`. */
export const CORE_EVENT = "parley://event";

export type Unlisten = () => void;

/** Files dragged over the window from the operating system (no paths: the window never reads them). */
export type FileDrag = "enter" | "over" | "drop" | "leave";

export interface Backend {
  workspaceInfo(): Promise<WorkspaceInfo>;
  listThreads(cursor: PageCursor | null, limit: number): Promise<ThreadPage>;
  /** One page of an inbox view (Open, Waiting longest, a label...), keyset-paged by `next`. */
  listView(view: ThreadView, cursor: PageCursor | null, limit: number): Promise<ThreadPage>;
  /**
   * These conversations as they are now, in the order asked (each once; gone ones left out):
   * the list re-reads what `threadsChanged` names instead of refetching its pages.
   */
  threadSummaries(threadIds: ThreadId[]): Promise<ThreadSummary[]>;
  /** How many conversations each view holds (the sidebar's counts). */
  viewCounts(): Promise<ViewCounts>;
  /**
   * Resolves, snoozes, labels... one or many conversations in one step. `applied: false` (a
   * resolve with replies still queued) asks the agent whether to send or hold them.
   */
  changeThreads(threadIds: ThreadId[], change: ThreadChange): Promise<ChangeOutcome>;
  /** Undo: puts conversations back as a change's `before` recorded them. */
  undoChange(before: ThreadState[]): Promise<void>;
  listLabels(): Promise<Label[]>;
  createLabel(name: string, color: string): Promise<Label>;
  updateLabel(labelId: LabelId, name: string, color: string): Promise<Label>;
  /** Deletes a label and takes it off every conversation. */
  deleteLabel(labelId: LabelId): Promise<void>;
  /** The snooze menu's quick choices, computed in the agent's time zone. */
  snoozeChoices(): Promise<SnoozeChoice[]>;
  openThread(threadId: ThreadId): Promise<ThreadDetail>;
  olderMessages(threadId: ThreadId, before: PageCursor, limit: number): Promise<MessagePage>;
  saveDraft(threadId: ThreadId, text: string): Promise<void>;
  sendReply(threadId: ThreadId, text: string): Promise<MessageView>;
  /** SMS/WhatsApp: a reply with media Twilio fetches from public links. */
  sendReplyWithMedia(threadId: ThreadId, text: string, mediaUrls: string[]): Promise<MessageView>;
  /** The files staged in a thread's composer and what its channel allows (limits in words). */
  draftAttachments(threadId: ThreadId): Promise<DraftAttachments>;
  /** Uploads one file into the thread's composer (raw bytes, not a JSON array). */
  stageAttachment(threadId: ThreadId, file: FileUpload): Promise<StagedAttachment>;
  /** Takes a staged file off the composer (and deletes Parley's copy). */
  removeStagedAttachment(id: number): Promise<void>;
  /** Stages the files of the last drop from the operating system (Rust kept their paths). */
  stageDroppedFiles(threadId: ThreadId): Promise<DroppedFiles>;
  /** Keeps the composer's media links (SMS, WhatsApp) with the thread's draft. */
  saveDraftMediaLinks(threadId: ThreadId, mediaUrls: string[]): Promise<void>;
  /** Follows files dragged over the window; the returned function stops (safe at any time). */
  onFileDrag(cb: (drag: FileDrag) => void): Unlisten;
  /** How many replies wait, and whether Parley reaches the providers (the offline banner). */
  outboxStatus(): Promise<OutboxStatus>;
  listDrafts(): Promise<DraftView[]>;
  /** A held or failed reply: send it as it is. */
  sendAnyway(messageId: MessageId): Promise<void>;
  /** Changes the text of a reply that has not left (queued, retrying, held, failed). */
  editReply(messageId: MessageId, text: string): Promise<void>;
  /** Cancels a reply that has not (knowingly) left. */
  discardReply(messageId: MessageId): Promise<void>;
  /** An uncertain reply: the agent checked and it arrived. */
  markReplySent(messageId: MessageId): Promise<void>;
  /** An uncertain reply: the agent chooses to send it again. */
  sendReplyAgain(messageId: MessageId): Promise<void>;
  contactContext(threadId: ThreadId): Promise<ContactContext>;
  /**
   * One page of the customer's whole dialogue: every message of every conversation with them,
   * on every channel, newest `limit` before `before` (null: the newest), oldest first; with the
   * channels a reply can go out on, the one they last wrote on first.
   */
  contactTimeline(contactId: ContactId, before: PageCursor | null, limit: number): Promise<ContactTimelinePage>;
  /** A private note on the customer (never sent); its author is the agent on this computer. */
  /** Erases everything Parley holds about a customer (cannot be undone). */
  eraseCustomer(contactId: ContactId): Promise<void>;
  addNote(contactId: ContactId, body: string): Promise<ContactNote>;
  updateNote(noteId: NoteId, body: string): Promise<ContactNote>;
  deleteNote(noteId: NoteId): Promise<void>;
  /** Adds or replaces one attribute (checked against its kind); answers them all. */
  setContactAttribute(contactId: ContactId, attribute: ContactAttribute): Promise<ContactAttribute[]>;
  removeContactAttribute(contactId: ContactId, key: string): Promise<ContactAttribute[]>;
  /** Tags a customer (a tag they have in any case stays as it is); answers all their tags, A to Z. */
  addContactTag(contactId: ContactId, tag: string): Promise<string[]>;
  /** Takes a tag off a customer; answers the tags left. */
  removeContactTag(contactId: ContactId, tag: string): Promise<string[]>;
  /** Sets the customer's time zone by hand (an IANA name), or clears it (`null`); answers the customer. */
  setContactTimeZone(contactId: ContactId, zone: string | null): Promise<ContactContext>;
  /** Every zone the pane's picker offers, A to Z. */
  timeZoneChoices(): Promise<string[]>;
  /** An agent marks the customer opted out on one identity (or back in); the pane as it now is. */
  setIdentityOptOut(identityId: IdentityId, optedOut: boolean): Promise<ContactContext>;
  /** Both customers as the merge dialog shows them, with the attributes they disagree on. */
  mergePreview(a: ContactId, b: ContactId): Promise<MergePreview>;
  /** Merges `choice.absorbed` into `choice.survivor`; the answer names the change for Undo. */
  mergeContacts(choice: MergeChoice): Promise<ContactChange>;
  /** Moves one identity (and its conversations) out of its customer. */
  splitIdentity(identityId: IdentityId): Promise<ContactChange>;
  /** Undoes a merge or split (an undone merge is applied again). */
  undoContactChange(changeId: ContactChangeId): Promise<ContactChange>;
  /** Who might be the same person: those naming `contactId`, or all (null), strongest first. */
  mergeSuggestions(contactId: ContactId | null, limit: number): Promise<MergeSuggestion[]>;
  /** These two are not the same person: never suggest them again. */
  dismissMergeSuggestion(a: ContactId, b: ContactId): Promise<void>;
  /**
   * Hands the import wizard's file to Rust (raw bytes; the window never names a path) and answers
   * its preview: encoding, separator, header, first rows, a suggested mapping.
   */
  stageImportFile(file: { name: string; bytes: Uint8Array }): Promise<ImportPreview>;
  /** The staged file read again in another encoding (null: as detected). */
  previewImport(encoding: string | null): Promise<ImportPreview>;
  /**
   * Imports the staged file in one transaction (all or nothing), with `importProgress` events;
   * answers the exact report (`cancelled`: nothing was written).
   */
  runImport(request: ImportRequest): Promise<ImportReport>;
  /** Stops the running import before it commits; answers whether one was running. */
  cancelImport(): Promise<boolean>;
  /** One page of the Contacts screen: who `query` finds (blank: everyone), in `sort`'s order. */
  listContacts(query: string, sort: ContactSort, cursor: ContactCursor | null, limit: number): Promise<ContactPage>;
  /** A customer as the context pane shows them, by id. */
  contactById(contactId: ContactId): Promise<ContactContext>;
  /** Sets or clears VIP / Blocked (`null` leaves one as it is); answers both as they now stand. */
  setContactMarks(contactId: ContactId, change: ContactMarksChange): Promise<ContactMarks>;
  search(query: string, limit: number): Promise<SearchHit[]>;
  listAccounts(): Promise<AccountSummary[]>;
  addTelegramAccount(token: string): Promise<AccountSummary>;
  /** Validates a Page token with Meta and adds the Page's Messenger (and linked Instagram) accounts. */
  addFacebookPage(
    pageId: string,
    token: string,
    includeInstagram: boolean,
    humanAgentApproved: boolean,
  ): Promise<AccountSummary[]>;
  /** Logs in to the IMAP and SMTP servers, keeps the password in the keychain, adds the mailbox. */
  addEmailAccount(
    address: string,
    displayName: string | null,
    username: string,
    password: string,
    imap: EmailServer,
    smtp: EmailServer,
  ): Promise<AccountSummary>;
  /** Validates a Twilio account and adds its SMS numbers and/or WhatsApp senders. */
  addTwilioAccount(accountSid: string, authToken: string, numbers: string[]): Promise<AccountSummary[]>;
  /** The approved templates of the thread's Twilio account (WhatsApp past the 24-hour window). */
  messageTemplates(threadId: ThreadId): Promise<MessageTemplate[]>;
  /** Sends an approved template at once; answers the stored message. */
  sendTemplate(threadId: ThreadId, contentSid: string, variables: TemplateVariable[]): Promise<MessageView>;
  /** Who controls a Messenger/Instagram conversation (Meta's handover protocol). */
  threadControl(threadId: ThreadId): Promise<ThreadControl>;
  /** Take, request, pass back or release control; answers who controls it afterwards. */
  handover(threadId: ThreadId, action: HandoverAction): Promise<ThreadControl>;
  /** Whether Meta approved the account's Page for the HUMAN_AGENT tag; answers every account of the Page. */
  setHumanAgentApproved(accountId: AccountId, approved: boolean): Promise<AccountSummary[]>;
  /** Removes an account; its conversations stay read-only (`keepConversations`) or are deleted. */
  removeAccount(accountId: AccountId, keepConversations: boolean): Promise<void>;
  openLink(url: string): Promise<void>;
  openAttachment(messageId: MessageId, index: number): Promise<void>;
  /** An email's sanitised HTML as the sandboxed frame's document; remote images only if asked. */
  messageHtml(messageId: MessageId, loadRemote: boolean): Promise<MessageHtml>;
  /** Where the window loads an image attachment from (the `parley-media` scheme). */
  mediaUrl(messageId: MessageId, index: number): string;
  /** Where the window loads a customer's profile picture from (`ContactContext.avatar`). */
  avatarUrl(identityId: IdentityId): string;
  /** Asks the channels for the customer's profile pictures that are due; true when one came. */
  refreshAvatars(contactId: ContactId): Promise<boolean>;
  notificationPrefs(): Promise<NotificationPrefs>;
  setNotificationPrefs(prefs: NotificationPrefs): Promise<NotificationPrefs>;
  /** Do not disturb for `minutes`; 0 switches it off. */
  pauseNotifications(minutes: number): Promise<NotificationPrefs>;
  /** Mutes or unmutes one conversation's notifications. */
  setThreadMuted(threadId: ThreadId, muted: boolean): Promise<NotificationPrefs>;
  /** Tells the core which thread the window shows (null: none), so it does not notify. */
  setOpenThread(threadId: ThreadId | null): Promise<void>;
  /** Every saved reply, the most used first. */
  listSavedReplies(): Promise<SavedReply[]>;
  createSavedReply(input: SavedReplyInput): Promise<SavedReply>;
  updateSavedReply(savedReplyId: SavedReplyId, input: SavedReplyInput): Promise<SavedReply>;
  /** Deletes a saved reply and its files. */
  deleteSavedReply(savedReplyId: SavedReplyId): Promise<void>;
  /** Keeps a file with a saved reply (the bytes travel as the raw IPC body). */
  addSavedReplyFile(savedReplyId: SavedReplyId, file: FileUpload): Promise<SavedReplyFile>;
  removeSavedReplyFile(fileId: number): Promise<void>;
  /** Every saved reply filled for this conversation (the composer's picker and its preview). */
  savedRepliesForThread(threadId: ThreadId): Promise<FilledReply[]>;
  /** The filled text for the composer; stages the reply's files there and counts the use. */
  insertSavedReply(savedReplyId: SavedReplyId, threadId: ThreadId): Promise<InsertedReply>;
  /** Writes every saved reply into a JSON file in the data folder. */
  exportSavedReplies(): Promise<SavedRepliesExport>;
  /** Imports a JSON export: all or nothing; replies already there are skipped and listed. */
  importSavedReplies(json: string): Promise<SavedRepliesImport>;
  /** The text `{{business_hours}}` reads ("" when not set). */
  businessHours(): Promise<string>;
  setBusinessHours(text: string): Promise<void>;
  /** The queue, the longest wait, the expected wait and spike mode's state (issue 15). */
  spikeStatus(): Promise<SpikeStatus>;
  /** Turns spike mode on or off by hand. */
  setSpikeMode(on: boolean): Promise<SpikeStatus>;
  /** "Not now": no offer until the queue is back to normal. */
  dismissSpikeOffer(): Promise<SpikeStatus>;
  setSpikeSettings(settings: SpikeSettings): Promise<SpikeStatus>;
  /** Settings → Automation: business hours, greeting and away message per account. */
  automationSettings(): Promise<AutomationSettings>;
  /** Saves them (checked in Rust first: zones, intervals, dates, texts, periods). */
  setAutomationSettings(settings: AutomationSettings): Promise<AutomationSettings>;
  /** Settings → Outbound: quiet hours (customer's local time) and frequency caps. */
  outboundSettings(): Promise<OutboundSettings>;
  /** Saves them (checked in Rust first). */
  setOutboundSettings(settings: OutboundSettings): Promise<OutboundSettings>;
  /** What a schedule means now: open, or when it next opens, in words. */
  previewBusinessHours(hours: BusinessHours): Promise<HoursPreview>;
  /** Every FAQ rule of the bot, in the order they are tried. */
  faqRules(): Promise<FaqRule[]>;
  createFaqRule(input: FaqRuleInput): Promise<FaqRule>;
  updateFaqRule(ruleId: FaqRuleId, input: FaqRuleInput): Promise<FaqRule>;
  deleteFaqRule(ruleId: FaqRuleId): Promise<void>;
  /** Moves a rule one place earlier (-1) or later (1); answers every rule. */
  moveFaqRule(ruleId: FaqRuleId, by: number): Promise<FaqRule[]>;
  /** Where and when the bot answers (accounts, quiet time, rate limit, handoff phrases). */
  botSettings(): Promise<BotSettings>;
  setBotSettings(settings: BotSettings): Promise<BotSettings>;
  /** The test console: what the bot would do with this message (nothing is sent). */
  tryBot(text: string): Promise<BotTrial>;
  // ---- the manager's review (issue 16) ----
  /** Every channel's first-response target, in minutes. */
  reviewTargets(): Promise<ResponseTarget[]>;
  setReviewTargets(targets: ResponseTarget[]): Promise<ResponseTarget[]>;
  /** One page of the review list, keyset-paged by `next`. */
  reviewPage(filter: ReviewFilter, cursor: ReviewCursor | null, limit: number): Promise<ReviewPage>;
  /** The names that answered conversations first. */
  reviewResponders(): Promise<string[]>;
  /** A conversation made for reading (or the whole dialogue with its customer). */
  reviewTranscript(threadId: ThreadId, wholeDialogue: boolean): Promise<Transcript>;
  /** The transcript's following messages. */
  transcriptPage(threadIds: ThreadId[], cursor: PageCursor): Promise<TranscriptPage>;
  addAnnotation(input: AnnotationInput): Promise<Annotation>;
  updateAnnotation(id: number, body: string): Promise<Annotation>;
  deleteAnnotation(id: number): Promise<void>;
  listAnnotations(filter: AnnotationFilter): Promise<Annotation[]>;
  reviewChecklist(): Promise<ChecklistItem[]>;
  addChecklistItem(label: string, kind: ChecklistKind): Promise<ChecklistItem>;
  removeChecklistItem(id: number): Promise<void>;
  /** Scores a conversation on one item (`null` clears it); answers its scores. */
  setChecklistScore(threadId: ThreadId, itemId: number, score: number | null): Promise<ChecklistScore[]>;
  reviewMetrics(query: MetricsQuery): Promise<Metrics>;
  /** Exports to a file chosen in the system's save dialog; progress comes as `exportProgress`. */
  exportReview(request: ExportRequest): Promise<ExportOutcome>;
  cancelExport(): Promise<void>;
  /** Saves a chart's numbers (CSV made here) where the user chooses; the path, or `null` if cancelled. */
  saveNumbersCsv(name: string, csv: string): Promise<string | null>;
  /** Settings → Backup: the schedule and the last result. */
  backupSettings(): Promise<BackupSettings>;
  setBackupSchedule(input: BackupScheduleInput): Promise<BackupSettings>;
  /** The system's folder dialog; `null` when cancelled. */
  pickBackupFolder(): Promise<string | null>;
  /** A backup now to a file chosen in the save dialog; progress comes as `backupProgress`. */
  backupNow(passphrase: string): Promise<BackupOutcome>;
  restoreState(): Promise<RestoreState>;
  /** Opens a backup (the open dialog) with its passphrase and checks it; `null` when cancelled. */
  checkRestore(passphrase: string): Promise<RestorePreview | null>;
  confirmRestore(): Promise<RestoreState>;
  cancelRestore(): Promise<RestoreState>;
  quitApp(): Promise<void>;
  /** Everything about a customer as a zip chosen in the save dialog. */
  exportCustomer(contactId: ContactId): Promise<CustomerExportOutcome>;
  /** Settings → Retention: every account's policy and last run. */
  retentionSettings(): Promise<RetentionSettings[]>;
  /** Exactly what deleting conversations resolved more than `months` months ago would delete now. */
  previewRetention(accountId: AccountId, months: number): Promise<RetentionPreview>;
  /** Sets an account's retention: off (`null`), or on, deleting now what the confirmed preview showed. */
  setRetention(accountId: AccountId, months: number | null, cutoff: number | null): Promise<RetentionSettings>;
  /** Subscribes to core events; the returned function unsubscribes (safe to call at any time). */
  onEvent(cb: (event: CoreEvent) => void): Unlisten;
}

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  "notFound",
  "invalidInput",
  "authFailed",
  "network",
  "badResponse",
  "duplicate",
  "keychain",
  "storage",
  "unsafeLink",
  "alreadyRunning",
  "internal",
]);

export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === "string" && ERROR_CODES.has(v.code) && typeof v.message === "string";
}

/** Turns whatever a rejected invoke produced into an `IpcError`. */
export function toIpcError(value: unknown): IpcError {
  if (isIpcError(value)) return { code: value.code, message: value.message };
  if (typeof value === "string" && value.trim()) return { code: "internal", message: value };
  if (value instanceof Error && value.message) return { code: "internal", message: value.message };
  if (typeof value === "object" && value !== null) {
    const msg = (value as Record<string, unknown>).message;
    if (typeof msg === "string" && msg.trim()) return { code: "internal", message: msg };
  }
  return { code: "internal", message: "Something went wrong. Please try again." };
}

/** Every invoke names one of the `COMMANDS` (the one list, crates/parley-domain/src/commands.rs). */
async function call<T>(command: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

export const tauriBackend: Backend = {
  workspaceInfo: () => call("workspace_info"),
  listThreads: (cursor, limit) => call("list_threads", { cursor, limit }),
  listView: (view, cursor, limit) => call("list_view", { view, cursor, limit }),
  threadSummaries: (threadIds) => call("thread_summaries", { threadIds }),
  viewCounts: () => call("view_counts"),
  changeThreads: (threadIds, change) => call("change_threads", { threadIds, change }),
  undoChange: async (before) => {
    await call<null>("undo_change", { before });
  },
  listLabels: () => call("list_labels"),
  createLabel: (name, color) => call("create_label", { name, color }),
  updateLabel: (labelId, name, color) => call("update_label", { labelId, name, color }),
  deleteLabel: async (labelId) => {
    await call<null>("delete_label", { labelId });
  },
  snoozeChoices: () => call("snooze_choices"),
  openThread: (threadId) => call("open_thread", { threadId }),
  olderMessages: (threadId, before, limit) => call("older_messages", { threadId, before, limit }),
  saveDraft: async (threadId, text) => {
    await call<null>("save_draft", { threadId, text });
  },
  sendReply: (threadId, text) => call("send_reply", { threadId, text }),
  sendReplyWithMedia: (threadId, text, mediaUrls) => call("send_reply_with_media", { threadId, text, mediaUrls }),
  draftAttachments: (threadId) => call("draft_attachments", { threadId }),
  stageAttachment: async (threadId, file) => {
    // Tauri 2's raw IPC body: the bytes travel as they are; names go percent-encoded in headers.
    try {
      return await invoke<StagedAttachment>("stage_attachment" satisfies Command, file.bytes, {
        headers: {
          "parley-thread-id": String(threadId),
          "parley-file-name": encodeURIComponent(file.name),
          "parley-file-type": encodeURIComponent(file.type),
        },
      });
    } catch (e) {
      throw toIpcError(e);
    }
  },
  listSavedReplies: () => call("list_saved_replies"),
  createSavedReply: (input) => call("create_saved_reply", { input }),
  updateSavedReply: (savedReplyId, input) => call("update_saved_reply", { savedReplyId, input }),
  deleteSavedReply: async (savedReplyId) => {
    await call<null>("delete_saved_reply", { savedReplyId });
  },
  addSavedReplyFile: async (savedReplyId, file) => {
    try {
      return await invoke<SavedReplyFile>("add_saved_reply_file" satisfies Command, file.bytes, {
        headers: {
          "parley-saved-reply-id": String(savedReplyId),
          "parley-file-name": encodeURIComponent(file.name),
          "parley-file-type": encodeURIComponent(file.type),
        },
      });
    } catch (e) {
      throw toIpcError(e);
    }
  },
  removeSavedReplyFile: async (fileId) => {
    await call<null>("remove_saved_reply_file", { fileId });
  },
  savedRepliesForThread: (threadId) => call("saved_replies_for_thread", { threadId }),
  insertSavedReply: (savedReplyId, threadId) => call("insert_saved_reply", { savedReplyId, threadId }),
  exportSavedReplies: () => call("export_saved_replies"),
  importSavedReplies: (json) => call("import_saved_replies", { json }),
  spikeStatus: () => call("spike_status"),
  setSpikeMode: (on) => call("set_spike_mode", { on }),
  dismissSpikeOffer: () => call("dismiss_spike_offer"),
  setSpikeSettings: (settings) => call("set_spike_settings", { settings }),
  businessHours: () => call("business_hours"),
  setBusinessHours: async (text) => {
    await call<null>("set_business_hours", { text });
  },
  automationSettings: () => call("automation_settings"),
  setAutomationSettings: (settings) => call("set_automation_settings", { settings }),
  outboundSettings: () => call("outbound_settings"),
  setOutboundSettings: (settings) => call("set_outbound_settings", { settings }),
  previewBusinessHours: (hours) => call("preview_business_hours", { hours }),
  faqRules: () => call("faq_rules"),
  createFaqRule: (input) => call("create_faq_rule", { input }),
  updateFaqRule: (ruleId, input) => call("update_faq_rule", { ruleId, input }),
  deleteFaqRule: async (ruleId) => {
    await call<null>("delete_faq_rule", { ruleId });
  },
  moveFaqRule: (ruleId, by) => call("move_faq_rule", { ruleId, by }),
  botSettings: () => call("bot_settings"),
  setBotSettings: (settings) => call("set_bot_settings", { settings }),
  tryBot: (text) => call("try_bot", { text }),
  reviewTargets: () => call("review_targets"),
  setReviewTargets: (targets) => call("set_review_targets", { targets }),
  reviewPage: (filter, cursor, limit) => call("review_page", { filter, cursor, limit }),
  reviewResponders: () => call("review_responders"),
  reviewTranscript: (threadId, wholeDialogue) => call("review_transcript", { threadId, wholeDialogue }),
  transcriptPage: (threadIds, cursor) => call("transcript_page", { threadIds, cursor }),
  addAnnotation: (input) => call("add_annotation", { input }),
  updateAnnotation: (id, body) => call("update_annotation", { id, body }),
  deleteAnnotation: async (id) => {
    await call<null>("delete_annotation", { id });
  },
  listAnnotations: (filter) => call("list_annotations", { filter }),
  reviewChecklist: () => call("review_checklist"),
  addChecklistItem: (label, kind) => call("add_checklist_item", { label, kind }),
  removeChecklistItem: async (id) => {
    await call<null>("remove_checklist_item", { id });
  },
  setChecklistScore: (threadId, itemId, score) => call("set_checklist_score", { threadId, itemId, score }),
  reviewMetrics: (query) => call("review_metrics", { query }),
  exportReview: (request) => call("export_review", { request }),
  cancelExport: async () => {
    await call<null>("cancel_export");
  },
  saveNumbersCsv: (name, csv) => call("save_numbers_csv", { name, csv }),
  backupSettings: () => call("backup_settings"),
  setBackupSchedule: (input) => call("set_backup_schedule", { input }),
  pickBackupFolder: () => call("pick_backup_folder"),
  backupNow: (passphrase) => call("backup_now", { passphrase }),
  restoreState: () => call("restore_state"),
  checkRestore: (passphrase) => call("check_restore", { passphrase }),
  confirmRestore: () => call("confirm_restore"),
  cancelRestore: () => call("cancel_restore"),
  quitApp: async () => {
    await call<null>("quit_app");
  },
  exportCustomer: (contactId) => call("export_customer", { contactId }),
  retentionSettings: () => call("retention_settings"),
  previewRetention: (accountId, months) => call("preview_retention", { accountId, months }),
  setRetention: (accountId, months, cutoff) => call("set_retention", { accountId, months, cutoff }),
  removeStagedAttachment: async (id) => {
    await call<null>("remove_staged_attachment", { id });
  },
  stageDroppedFiles: (threadId) => call("stage_dropped_files", { threadId }),
  saveDraftMediaLinks: async (threadId, mediaUrls) => {
    await call<null>("save_draft_media_links", { threadId, mediaUrls });
  },
  onFileDrag(cb) {
    let stopped = false;
    let unlisten: (() => void) | null = null;
    let files = false;
    // Tauri takes the OS drop (the page gets no File objects); Rust keeps the dropped paths.
    getCurrentWebview()
      .onDragDropEvent((e) => {
        if (stopped) return;
        const p = e.payload;
        // Something that is not a file (text, a link) carries no paths: nothing to attach.
        if (p.type === "enter" || p.type === "drop") files = p.paths.length > 0;
        cb(files || p.type === "leave" ? p.type : "leave");
        if (p.type === "drop" || p.type === "leave") files = false;
      })
      .then((u) => {
        if (stopped) u();
        else unlisten = u;
      })
      .catch((e) => console.error("parley: cannot follow dropped files", e));
    return () => {
      stopped = true;
      unlisten?.();
      unlisten = null;
    };
  },
  outboxStatus: () => call("outbox_status"),
  listDrafts: () => call("list_drafts"),
  sendAnyway: async (messageId) => {
    await call<null>("send_anyway", { messageId });
  },
  editReply: async (messageId, text) => {
    await call<null>("edit_reply", { messageId, text });
  },
  discardReply: async (messageId) => {
    await call<null>("discard_reply", { messageId });
  },
  markReplySent: async (messageId) => {
    await call<null>("mark_reply_sent", { messageId });
  },
  sendReplyAgain: async (messageId) => {
    await call<null>("send_reply_again", { messageId });
  },
  contactContext: (threadId) => call("contact_context", { threadId }),
  listContacts: (query, sort, cursor, limit) => call("list_contacts", { query, sort, cursor, limit }),
  contactById: (contactId) => call("contact_by_id", { contactId }),
  setContactMarks: (contactId, change) => call("set_contact_marks", { contactId, change }),
  contactTimeline: (contactId, before, limit) => call("contact_timeline", { contactId, before, limit }),
  eraseCustomer: async (contactId) => {
    await call<null>("erase_customer", { contactId });
  },
  addNote: (contactId, body) => call("add_note", { contactId, body }),
  updateNote: (noteId, body) => call("update_note", { noteId, body }),
  deleteNote: async (noteId) => {
    await call<null>("delete_note", { noteId });
  },
  setContactAttribute: (contactId, attribute) => call("set_contact_attribute", { contactId, attribute }),
  removeContactAttribute: (contactId, key) => call("remove_contact_attribute", { contactId, key }),
  addContactTag: (contactId, tag) => call("add_contact_tag", { contactId, tag }),
  removeContactTag: (contactId, tag) => call("remove_contact_tag", { contactId, tag }),
  setContactTimeZone: (contactId, zone) => call("set_contact_time_zone", { contactId, zone }),
  timeZoneChoices: () => call("time_zone_choices"),
  setIdentityOptOut: (identityId, optedOut) => call("set_identity_opt_out", { identityId, optedOut }),
  mergePreview: (a, b) => call("merge_preview", { a, b }),
  mergeSuggestions: (contactId, limit) => call("merge_suggestions", { contactId, limit }),
  mergeContacts: (choice) => call("merge_contacts", { choice }),
  splitIdentity: (identityId) => call("split_identity", { identityId }),
  undoContactChange: (changeId) => call("undo_contact_change", { changeId }),
  dismissMergeSuggestion: async (a, b) => {
    await call<null>("dismiss_merge_suggestion", { a, b });
  },
  stageImportFile: async (file) => {
    // Like a composer file: the bytes as the raw IPC body, the name percent-encoded in a header.
    try {
      return await invoke<ImportPreview>("stage_import_file" satisfies Command, file.bytes, {
        headers: { "parley-file-name": encodeURIComponent(file.name) },
      });
    } catch (e) {
      throw toIpcError(e);
    }
  },
  previewImport: (encoding) => call("preview_import", { encoding }),
  runImport: (request) => call("run_import", { request }),
  cancelImport: () => call("cancel_import"),
  search: (query, limit) => call("search", { query, limit }),
  listAccounts: () => call("list_accounts"),
  addTelegramAccount: (token) => call("add_telegram_account", { token }),
  addFacebookPage: (pageId, token, includeInstagram, humanAgentApproved) =>
    call("add_facebook_page", { pageId, token, includeInstagram, humanAgentApproved }),
  addEmailAccount: (address, displayName, username, password, imap, smtp) =>
    call("add_email_account", { address, displayName, username, password, imap, smtp }),
  addTwilioAccount: (accountSid, authToken, numbers) => call("add_twilio_account", { accountSid, authToken, numbers }),
  messageTemplates: (threadId) => call("message_templates", { threadId }),
  sendTemplate: (threadId, contentSid, variables) => call("send_template", { threadId, contentSid, variables }),
  threadControl: (threadId) => call("thread_control", { threadId }),
  handover: (threadId, action) => call("handover", { threadId, action }),
  setHumanAgentApproved: (accountId, approved) => call("set_human_agent_approved", { accountId, approved }),
  removeAccount: async (accountId, keepConversations) => {
    await call<null>("remove_account", { accountId, keepConversations });
  },
  openLink: async (url) => {
    await call<null>("open_link", { url });
  },
  openAttachment: async (messageId, index) => {
    await call<null>("open_attachment", { messageId, index });
  },
  messageHtml: (messageId, loadRemote) => call("message_html", { messageId, loadRemote }),
  mediaUrl: (messageId, index) => convertFileSrc(`${messageId}/${index}`, MEDIA_SCHEME),
  avatarUrl: (identityId) => convertFileSrc(`avatar/${identityId}`, MEDIA_SCHEME),
  refreshAvatars: (contactId) => call("refresh_avatars", { contactId }),
  notificationPrefs: () => call("notification_prefs"),
  setNotificationPrefs: (prefs) => call("set_notification_prefs", { prefs }),
  pauseNotifications: (minutes) => call("pause_notifications", { minutes }),
  setThreadMuted: (threadId, muted) => call("set_thread_muted", { threadId, muted }),
  setOpenThread: async (threadId) => {
    await call<null>("set_open_thread", { threadId });
  },
  onEvent(cb) {
    let stopped = false;
    let unlisten: (() => void) | null = null;
    listen<CoreEvent>(CORE_EVENT, (e) => {
      if (!stopped) cb(e.payload);
    })
      .then((u) => {
        if (stopped) u();
        else unlisten = u;
      })
      .catch((e) => console.error("parley: cannot listen for core events", e));
    return () => {
      stopped = true;
      unlisten?.();
      unlisten = null;
    };
  },
};

/** The thread of a `messagesChanged` event, or null for any other event. */
export function messagesChangedThread(event: CoreEvent): ThreadId | null {
  return event.kind === "messagesChanged" ? event.threadId : null;
}

/** True inside the Tauri webview. */
export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

/**
 * Bench hook (bench/startup_memory.sh, BUDGETS P3): called once the inbox's first data is on
 * screen, after the frame that shows it. Rust records the time only when PARLEY_STARTUP_PROBE is
 * set; otherwise the call does nothing.
 */
export function reportPainted(): void {
  if (!inTauri()) return;
  requestAnimationFrame(() =>
    setTimeout(() => {
      // The frame's own time: the call may wait behind the window's first loads.
      const paintedAtUs = Math.round((performance.timeOrigin + performance.now()) * 1000);
      void invoke("startup_probe", { paintedAtUs }).catch(() => undefined);
    }, 0),
  );
}
