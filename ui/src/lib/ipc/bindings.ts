// Generated from crates/parley-domain by `bindings::typescript()`. Do not edit by hand:
// run `PARLEY_UPDATE_BINDINGS=1 cargo test -p parley-domain bindings` instead.

export type AccountId = number;

export type ContactId = number;

export type IdentityId = number;

export type ThreadId = number;

export type MessageId = number;

export type OutboxId = number;

export type LabelId = number;

export type NoteId = number;

export type ContactChangeId = number;

export type SavedReplyId = number;

export type ChannelKind = "telegram" | "messenger" | "instagram" | "whatsapp" | "sms" | "email";

export type ThreadStatus = "open" | "pending" | "snoozed" | "resolved";

export type Direction = "inbound" | "outbound";

export type DeliveryState = "received" | "queued" | "sending" | "retrying" | "sent" | "delivered" | "read" | "failed" | "uncertain" | "held";

export type HoldReason = "customerWrote" | "threadResolved" | "optedOut" | "windowClosed" | "quietHours" | "frequencyCap" | "agentAnswered";

export type OutboundSettings = { 
/**
 * Hold messages while it is night for the customer (their local time).
 */
quietHoursEnabled: boolean, 
/**
 * When quiet hours start and end, in minutes after local midnight (21:00 = 1260). The
 * window may cross midnight (21:00–08:00).
 */
quietStartMinute: number, quietEndMinute: number, 
/**
 * Automated messages (greeting, away, busy acknowledgement) to one customer, at most.
 */
automatedPerDay: number, automatedPerWeek: number, 
/**
 * Agents' proactive messages (the customer has not written for 24 h) to one customer.
 */
proactivePerDay: number, proactivePerWeek: number, };

export type OptOutSource = "keyword" | "agent" | "import" | "provider";

export type OptOutRecord = { 
/**
 * True: opted out; false: opted back in.
 */
optedOut: boolean, source: OptOutSource, 
/**
 * The customer's word (“STOP”) or the agent's name.
 */
detail: string | null, at: number, };

export type AutomationKind = "greeting" | "away" | "faqBot" | "spikeAck";

export type AutomatedBy = { kind: AutomationKind, rule: string, };

export type OpenSpan = { 
/**
 * 1 = Monday … 7 = Sunday.
 */
weekday: number, startMinute: number, endMinute: number, };

export type Holiday = { 
/**
 * `YYYY-MM-DD`, in the schedule's zone.
 */
date: string, 
/**
 * "Christmas Day"; may be empty.
 */
name: string, };

export type BusinessHours = { 
/**
 * An IANA zone such as `Europe/Berlin`.
 */
timeZone: string, spans: Array<OpenSpan>, holidays: Array<Holiday>, };

export type RuleSettings = { enabled: boolean, 
/**
 * The message, in the saved replies' grammar (`{{first_name|there}}`,
 * `{{next_opening}}` for the away message).
 */
text: string, 
/**
 * At most once per customer within this many hours.
 */
periodHours: number, };

export type AccountAutomation = { accountId: AccountId, 
/**
 * This account's own business hours; `null`: the workspace's.
 */
hours: BusinessHours | null, greeting: RuleSettings, away: RuleSettings, };

export type AutomationSettings = { 
/**
 * The workspace's business hours (accounts without their own use these).
 */
hours: BusinessHours, 
/**
 * Per account; an account missing here has every rule off.
 */
accounts: Array<AccountAutomation>, };

export type HoursPreview = { openNow: boolean, 
/**
 * When it next opens (now, when open); `null` when the schedule has no open time.
 */
nextOpening: number | null, 
/**
 * "We're open now." / "We're closed now — we'll answer from Monday 09:00 (Europe/Berlin)."
 */
words: string, 
/**
 * What `{{next_opening}}` becomes: "Monday 09:00 (Europe/Berlin)".
 */
nextOpeningWords: string, };

export type AttachmentKind = "photo" | "document" | "voice" | "audio" | "video" | "sticker" | "location" | "contact" | "other";

export type Attachment = { kind: AttachmentKind, 
/**
 * The channel's handle for downloading it (Telegram `file_id`); absent for locations/contacts.
 */
remoteRef: string | null, fileName: string | null, mimeType: string | null, size: number | null, 
/**
 * A plain-text description for attachments that carry no file (location, shared contact, sticker emoji).
 */
description: string | null, };

export type SyncProgress = { 
/**
 * What is being read, in the provider's words (email: the mailbox's name).
 */
scope: string, 
/**
 * Items read so far, of `total`.
 */
done: number, total: number, };

export type SyncState = { "state": "connecting" } | { "state": "catchingUp", progress: SyncProgress | null, } | { "state": "live" } | { "state": "backoff", reason: string, retryAt: number, } | { "state": "authFailed", reason: string, } | { "state": "conflict", reason: string, } | { "state": "stopped" };

export type AccountSummary = { id: AccountId, channel: ChannelKind, 
/**
 * Shown to agents: the bot's or page's name.
 */
name: string, 
/**
 * The provider's handle (bot username, address, number), if any.
 */
handle: string | null, isDemo: boolean, sync: SyncState, 
/**
 * Grows with every sync state change in this process: keep the summary with the highest.
 */
syncRevision: number, 
/**
 * The last error the sync task met, kept until the next success.
 */
lastError: string | null, lastSyncAt: number | null, 
/**
 * Messenger/Instagram: whether Meta approved the Page for the HUMAN_AGENT tag (replies up
 * to 7 days after the customer's last message); `null` for other channels.
 */
humanAgentApproved: boolean | null, 
/**
 * Removed with its conversations kept (read-only, searchable): it does not sync or send.
 */
removedAt: number | null, };

export type EmailSecurity = "tls" | "startTls" | "none";

export type EmailServer = { host: string, port: number, security: EmailSecurity, };

export type PageCursor = { at: number, id: number, };

export type ThreadSummary = { id: ThreadId, accountId: AccountId, channel: ChannelKind, contactId: ContactId, contactName: string, 
/**
 * The newest message's text, as plain text, shortened.
 */
snippet: string, snippetDirection: Direction, lastActivityAt: number, unreadCount: number, status: ThreadStatus, priority: number, 
/**
 * Who controls a Messenger/Instagram conversation, as last learnt (the sync's conversation
 * list, opening the thread, a handover action); `null` elsewhere or before anything is known.
 */
owner: ThreadOwner | null, 
/**
 * When a snoozed conversation wakes.
 */
snoozedUntil: number | null, 
/**
 * Since when the customer waits for an answer (their oldest message after the last reply);
 * `null` when the last word was the business's.
 */
waitingSince: number | null, labels: Array<LabelId>, 
/**
 * The customer is marked VIP (a mark in the row).
 */
vip: boolean, 
/**
 * The customer is blocked: the conversation is in no inbox view (it is seen only when
 * opened from the Contacts screen, search or Drafts).
 */
blocked: boolean, 
/**
 * Flagged: the customer is upset or pressing and no agent has answered since
 * (`mood.rs`); `null` otherwise.
 */
mood: ThreadMood | null, };

export type ThreadPage = { threads: Array<ThreadSummary>, 
/**
 * Pass back to get the next (older) page; `null` on the last page.
 */
next: PageCursor | null, };

export type MessageView = { id: MessageId, threadId: ThreadId, direction: Direction, authorName: string, text: string, attachments: Array<Attachment>, sentAt: number, editedAt: number | null, delivery: DeliveryState, 
/**
 * Why a send failed or waits, in words for the agent.
 */
deliveryNote: string | null, 
/**
 * Set while the reply is held: why, so the UI can offer the matching actions.
 */
holdReason: HoldReason | null, 
/**
 * The email's subject; `null` for other channels.
 */
subject: string | null, 
/**
 * Quoted history folded away from `text` (email), shown on request as plain text.
 */
quotedText: string | null, 
/**
 * An email whose sanitised HTML Parley kept: `message_html` renders it.
 */
hasHtml: boolean, 
/**
 * How many remote images its HTML had (blocked until the agent loads them).
 */
remoteImages: number, 
/**
 * An email expunged from the server's mailbox (by another client) after Parley read it:
 * kept here, shown as "Deleted from the mailbox".
 */
deletedOnServer: boolean, 
/**
 * Sent by a rule (greeting, away message, bot), not by an agent: the thread marks it
 * "Sent automatically · Greeting". `null` for everything else.
 */
automated: AutomatedBy | null, };

export type MessageHtml = { 
/**
 * The frame's `srcdoc`: the sanitised HTML under its own Content-Security-Policy.
 */
document: string, 
/**
 * Remote images the mail has (blocked unless loaded).
 */
remoteImages: number, 
/**
 * How many of them were loaded (when asked to).
 */
loadedImages: number, 
/**
 * Attachment indexes shown inside the HTML (`cid:` images), which need no thumbnail again.
 */
inlineParts: Array<number>, };

export type MessagePage = { messages: Array<MessageView>, 
/**
 * Pass back to load older messages; `null` when the start of the thread is reached.
 */
older: PageCursor | null, };

export type ThreadDetail = { thread: ThreadSummary, messages: MessagePage, draft: string | null, 
/**
 * When a reply can go out (the composer's countdown).
 */
replyWindow: ComposerWindow, 
/**
 * Said at the top of the thread when the provider does not expose older history
 * (Instagram: the newest 20 messages only); `None` otherwise.
 */
historyNote: string | null, 
/**
 * Status changes (resolved, snoozed, reopened by the customer...), oldest first; the window
 * shows each between the messages of its time.
 */
events: Array<ThreadEvent>, };

export type ThreadView = { "kind": "open" } | { "kind": "waiting" } | { "kind": "unread" } | { "kind": "pending" } | { "kind": "snoozed" } | { "kind": "resolved" } | { "kind": "mood" } | { "kind": "channel", channel: ChannelKind, } | { "kind": "account", account: AccountId, } | { "kind": "label", label: LabelId, };

export type ChannelCount = { channel: ChannelKind, count: number, };

export type AccountCount = { account: AccountId, count: number, };

export type LabelCount = { label: LabelId, count: number, };

export type ViewCounts = { open: number, waiting: number, unread: number, pending: number, snoozed: number, resolved: number, channels: Array<ChannelCount>, accounts: Array<AccountCount>, labels: Array<LabelCount>, };

export type Label = { id: LabelId, name: string, 
/**
 * A CSS hex colour, `#rrggbb`.
 */
color: string, threadCount: number, };

export type ThreadChange = { "kind": "resolve", sendQueued: boolean | null, } | { "kind": "reopen" } | { "kind": "pending" } | { "kind": "snooze", until: number, } | { "kind": "setPriority", priority: number, } | { "kind": "addLabel", label: LabelId, } | { "kind": "removeLabel", label: LabelId, } | { "kind": "markRead" } | { "kind": "markUnread" };

export type ThreadState = { threadId: ThreadId, status: ThreadStatus, snoozedUntil: number | null, priority: number, labels: Array<LabelId>, unreadCount: number, 
/**
 * The newest status event the conversation had (Undo removes the ones the change added).
 */
eventsUpto: number, };

export type ChangeOutcome = { applied: boolean, before: Array<ThreadState>, 
/**
 * Replies still waiting in the outbox in these conversations (asked about when resolving).
 */
queuedReplies: number, };

export type ThreadEventKind = { "kind": "resolved" } | { "kind": "pending" } | { "kind": "snoozed", until: number, } | { "kind": "reopened" } | { "kind": "reopenedByCustomer", from: ThreadStatus, } | { "kind": "woke" };

export type ThreadEvent = { at: number, event: ThreadEventKind, };

export type SnoozeChoice = { 
/**
 * "In 1 hour", "This evening", "Tomorrow", "Next Monday".
 */
label: string, 
/**
 * The wake time as the agent reads it ("18:00", "Tue 09:00").
 */
when: string, until: number, };

export type ComposerWindow = { "state": "always" } | { "state": "open", closesAt: number, } | { "state": "humanAgentOnly", closesAt: number, } | { "state": "humanAgentNotApproved", closedAt: number, } | { "state": "closed", closedAt: number | null, } | { "state": "templatesOnly", closedAt: number | null, };

export type TemplateVariable = { key: string, value: string, };

export type MessageTemplate = { contentSid: string, name: string, language: string | null, 
/**
 * The text with `{{1}}`-style placeholders, when the template has one.
 */
body: string | null, variables: Array<TemplateVariable>, };

export type ThreadOwner = { "owner": "parley" } | { "owner": "idle" } | { "owner": "metaInbox" } | { "owner": "otherApp", appId: string, } | { "owner": "elsewhere" };

export type ThreadControl = { owner: ThreadOwner, 
/**
 * The bot Parley would pass the thread back to, when it has seen one own this Page's
 * threads.
 */
botAppId: string | null, };

export type HandoverAction = "take" | "request" | "passBack" | "release";

export type IdentityView = { id: IdentityId, channel: ChannelKind, accountName: string, 
/**
 * The provider's id of the person (Telegram user id, address, number).
 */
remoteId: string, 
/**
 * A handle such as @username, when the provider gives one.
 */
handle: string | null, displayName: string, 
/**
 * The customer asked not to be messaged on this identity (STOP, or the provider refused
 * a reply for it); the outbox holds replies to it.
 */
optedOut: boolean, 
/**
 * How and when it was last recorded (opted out or back in), when known.
 */
optOut: OptOutRecord | null, };

export type ContactNote = { id: NoteId, body: string, 
/**
 * Who wrote it (the agent's name on this computer).
 */
author: string, createdAt: number, 
/**
 * When it was last edited, if ever.
 */
updatedAt: number | null, };

export type AttributeKind = "text" | "number" | "date" | "link";

export type ContactAttribute = { key: string, kind: AttributeKind, value: string, };

export type ContactConversation = { threadId: ThreadId, channel: ChannelKind, accountName: string, status: ThreadStatus, snippet: string, snippetDirection: Direction, lastActivityAt: number, };

export type ContactContext = { contactId: ContactId, displayName: string, identities: Array<IdentityView>, firstSeenAt: number, threadCount: number, messageCount: number, 
/**
 * Private notes, newest first (never sent to the customer).
 */
notes: Array<ContactNote>, 
/**
 * What the business knows about the customer, by key.
 */
attributes: Array<ContactAttribute>, 
/**
 * Every conversation with the customer on every channel, newest first (at most
 * [`CONTACT_CONVERSATIONS_MAX`]).
 */
conversations: Array<ContactConversation>, 
/**
 * The agents' marks (`contacts.rs`).
 */
vip: boolean, blocked: boolean, 
/**
 * The identity whose profile picture the pane shows (the channel gave one; the most
 * recently active such identity), loaded from `parley-media` `avatar/{id}`; `None`:
 * initials.
 */
avatar: IdentityId | null, 
/**
 * The agents' tags on the customer, A to Z (`customer.rs`).
 */
tags: Array<string>, 
/**
 * The customer's local time where it can be known (`customer.rs`); filled by the core.
 */
localTime: CustomerTime | null, 
/**
 * Where Parley first learnt of this customer when it was a file the business imported.
 */
imported: ImportedFrom | null, };

export type ImportedFrom = { fileName: string, at: number, };

export type MergeChoice = { survivor: ContactId, absorbed: ContactId, 
/**
 * `survivor` or `absorbed`.
 */
nameFrom: ContactId, 
/**
 * `survivor` or `absorbed`.
 */
attributesFrom: ContactId, };

export type MergeSide = { contactId: ContactId, displayName: string, 
/**
 * Each identity's channel, in the order they were first seen.
 */
channels: Array<ChannelKind>, identityCount: number, conversationCount: number, noteCount: number, attributes: Array<ContactAttribute>, lastActivityAt: number | null, };

export type MergePreview = { a: MergeSide, b: MergeSide, conflictingKeys: Array<string>, };

export type ContactChangeKind = "merge" | "split";

export type ContactChange = { id: ContactChangeId, kind: ContactChangeKind, 
/**
 * The contact that stayed (merge) or the one the identity left (split).
 */
contactId: ContactId, 
/**
 * The contact merged away, or the one the split created.
 */
otherId: ContactId, 
/**
 * The identity a split moved.
 */
identityId: IdentityId | null, 
/**
 * What happened, for the agent ("Merged Ana García into Ana Garcia").
 */
summary: string, undone: boolean, };

export type MergeReason = { "kind": "sameUser", channel: ChannelKind, id: string, } | { "kind": "sameEmail", email: string, } | { "kind": "samePhone", phone: string, } | { "kind": "sameHandle", channel: ChannelKind, handle: string, } | { "kind": "similarName", a: string, b: string, };

export type MergeSuggestion = { 
/**
 * The lower contact id of the pair (`a < b`); a dismissed pair is stored as `(a, b)`.
 */
a: ContactId, b: ContactId, aName: string, bName: string, 
/**
 * The channels each contact is reachable on, in `ChannelKind::ALL` order.
 */
aChannels: Array<ChannelKind>, bChannels: Array<ChannelKind>, 
/**
 * Why, strongest first; never empty.
 */
reasons: Array<MergeReason>, 
/**
 * How sure Parley is, in percent (1..=100); the list is sorted by it.
 */
score: number, };

export type ContactSort = "lastContact" | "name";

export type ContactCursor = { lastContactAt: number, name: string, id: ContactId, };

export type ContactRow = { id: ContactId, displayName: string, 
/**
 * The channels they write from, each once, in the usual channel order.
 */
channels: Array<ChannelKind>, 
/**
 * What tells two people of the same name apart: their first identity's handle, else its
 * remote id (an address, a number).
 */
handle: string | null, 
/**
 * Their newest conversation activity (their first sighting when they have none).
 */
lastContactAt: number, vip: boolean, blocked: boolean, };

export type ContactPage = { contacts: Array<ContactRow>, 
/**
 * Pass back for the next page; `null` on the last.
 */
next: ContactCursor | null, };

export type ContactMarks = { vip: boolean, blocked: boolean, };

export type ContactMarksChange = { vip: boolean | null, blocked: boolean | null, };

export type TimeSource = "setByHand" | "phone" | "email";

export type CustomerTime = { 
/**
 * An IANA zone ("Europe/Berlin"), when one is known.
 */
zone: string | null, 
/**
 * The offset from UTC in minutes (east positive) now, or as the email said; `null` when
 * `ambiguous`.
 */
offsetMinutes: number | null, source: TimeSource, 
/**
 * The phone number's calling code (49 for "+49"), with [`TimeSource::Phone`].
 */
callingCode: number | null, 
/**
 * When the email the offset comes from was sent, with [`TimeSource::Email`].
 */
observedAt: number | null, 
/**
 * The phone's country spans several time zones and nothing tells which: no time is shown.
 */
ambiguous: boolean, };

export type TimelineMessage = { 
/**
 * The message as the conversation view shows it (`message.threadId` is its thread).
 */
message: MessageView, channel: ChannelKind, accountId: AccountId, 
/**
 * The account's name (a Page, a mailbox, a bot), shown beside the channel.
 */
accountName: string, };

export type ReplyChannel = { identityId: IdentityId, channel: ChannelKind, accountId: AccountId, accountName: string, 
/**
 * The identity's most recently active conversation: where a reply on this channel goes.
 */
threadId: ThreadId, 
/**
 * When the customer last wrote on this identity (any of its conversations); `null` if never.
 */
lastInboundAt: number | null, 
/**
 * The reply window of `thread_id`, as its composer shows it.
 */
replyWindow: ComposerWindow, };

export type ContactTimelinePage = { contactId: ContactId, 
/**
 * Oldest first.
 */
items: Array<TimelineMessage>, 
/**
 * Pass back to load older messages; `null` when the start of the dialogue is reached.
 */
older: PageCursor | null, 
/**
 * Every channel the customer can be answered on, the one they last wrote on first, then by
 * their last message there (newest first), then by the thread's activity.
 */
channels: Array<ReplyChannel>, 
/**
 * The thread a reply goes into unless the agent chooses another channel: that of the
 * channel the customer last wrote on (with no message from them at all, the most recently
 * active one); `null` when the contact has no conversation.
 */
defaultThread: ThreadId | null, };

export type TextSegment = { text: string, hit: boolean, };

export type SearchHit = { threadId: ThreadId, messageId: MessageId, channel: ChannelKind, contactName: string, direction: Direction, snippet: Array<TextSegment>, sentAt: number, };

export type WorkspaceInfo = { 
/**
 * True when no real account is set up and the simulated demo workspace runs.
 */
isDemo: boolean, dataDir: string, };

export type NotifyScope = "all" | "assignedOrUnassigned";

export type WorkingSpan = { 
/**
 * ISO weekday: 1 = Monday … 7 = Sunday.
 */
weekday: number, startMinute: number, endMinute: number, };

export type WorkingHours = { enabled: boolean, 
/**
 * An IANA zone such as `Europe/Berlin`; empty means the computer's own zone.
 */
timeZone: string, spans: Array<WorkingSpan>, };

export type NotificationPrefs = { 
/**
 * The master switch.
 */
enabled: boolean, sound: boolean, 
/**
 * Show the first line of the customer's message; off, a notification says only "New
 * message" (for screens others can see).
 */
showMessageText: boolean, scope: NotifyScope, mutedChannels: Array<ChannelKind>, mutedAccounts: Array<AccountId>, 
/**
 * Threads the agent muted: they never notify and their text is never shown.
 */
mutedThreads: Array<ThreadId>, 
/**
 * Do not disturb until this time (ms since the epoch); `null` when off.
 */
dndUntil: number | null, workingHours: WorkingHours, 
/**
 * Notify once more when a customer has waited this long without a reply; 0 turns it off.
 */
realertMinutes: number, };

export type NotificationAction = "open" | "reply" | "markRead";

export type OutboxStatus = { 
/**
 * False once a running account's poll failed for lack of network and has not yet succeeded
 * again (detected, not guessed).
 */
online: boolean, 
/**
 * Since when the first offline account has been offline.
 */
offlineSince: number | null, 
/**
 * Replies queued, sending or waiting to be retried.
 */
waiting: number, 
/**
 * Replies held for the agent's decision.
 */
held: number, 
/**
 * Replies whose fate is unknown, waiting for the agent.
 */
uncertain: number, };

export type DraftView = { threadId: ThreadId, channel: ChannelKind, contactName: string, 
/**
 * The draft's text; empty when the composer holds only files or media links.
 */
text: string, updatedAt: number, 
/**
 * Files staged in the composer.
 */
files: number, 
/**
 * Media links (SMS, WhatsApp) kept with the draft.
 */
mediaLinks: number, };

export type StagedAttachment = { id: number, fileName: string, mimeType: string, size: number, };

export type DraftAttachments = { staged: Array<StagedAttachment>, 
/**
 * False where files cannot be sent from this computer (Twilio: SMS, WhatsApp).
 */
allowed: boolean, 
/**
 * The channel's limits (or why files are not allowed), in words for the agent.
 */
note: string, 
/**
 * Largest single file, in bytes; `null` when only the total counts.
 */
maxFileBytes: number | null, 
/**
 * Largest total of all files of one reply, in bytes; `null` when only each file counts.
 */
maxTotalBytes: number | null, 
/**
 * Media links (SMS, WhatsApp) kept with the draft, in the order the agent added them.
 */
mediaLinks: Array<string>, };

export type DroppedFiles = { staged: Array<StagedAttachment>, refused: Array<string>, };

export type SavedReplyVariant = { channel: ChannelKind, body: string, };

export type SavedReplyFile = { id: number, fileName: string, mimeType: string, size: number, };

export type SavedReply = { id: SavedReplyId, 
/**
 * "" when it is in no folder.
 */
folder: string, title: string, 
/**
 * The default body, with `{{variables}}`.
 */
body: string, 
/**
 * Bodies for particular channels, in the usual channel order.
 */
variants: Array<SavedReplyVariant>, files: Array<SavedReplyFile>, 
/**
 * How many times agents inserted it (the picker ranks the most used first).
 */
uses: number, lastUsedAt: number | null, updatedAt: number, };

export type SavedReplyInput = { folder: string, title: string, body: string, variants: Array<SavedReplyVariant>, };

export type FilledPart = { text: string, 
/**
 * The variable this piece came from (`None`: the reply's own text).
 */
variable: string | null, 
/**
 * The variable had no value here and no fallback: the piece is empty.
 */
missing: boolean, 
/**
 * The variable had no value here and its fallback was used.
 */
fallback: boolean, };

export type FilledReply = { savedReplyId: SavedReplyId, folder: string, title: string, 
/**
 * The conversation's channel, whose body was used.
 */
channel: ChannelKind, 
/**
 * Whether the body was the channel's own variant (else the default).
 */
variant: boolean, 
/**
 * The filled text, as plain text.
 */
text: string, 
/**
 * The same text in pieces, so the preview can mark what the variables became.
 */
parts: Array<FilledPart>, 
/**
 * Variables that had no value here and no fallback (left empty), each once.
 */
missing: Array<string>, files: Array<SavedReplyFile>, 
/**
 * What the agent should know before inserting (files this channel cannot carry…).
 */
notes: Array<string>, uses: number, lastUsedAt: number | null, };

export type InsertedReply = { filled: FilledReply, staged: Array<StagedAttachment>, 
/**
 * Files that could not be staged here, each with why.
 */
refused: Array<string>, };

export type SavedRepliesExport = { 
/**
 * Where the file was written (in Parley's data folder, `exports/`).
 */
path: string, count: number, };

export type ImportSkip = { 
/**
 * Its place in the file, from 1.
 */
position: number, title: string, reason: string, };

export type SavedRepliesImport = { imported: number, skipped: Array<ImportSkip>, };

export type ImportTarget = { "target": "ignore" } | { "target": "name" } | { "target": "firstName" } | { "target": "lastName" } | { "target": "email" } | { "target": "phone" } | { "target": "attribute", key: string, attributeKind: AttributeKind, };

export type ImportMode = "overwrite" | "fillBlanks";

export type ImportPreviewRow = { 
/**
 * The file's line where the row starts (a quoted line break makes a row longer than one).
 */
line: number, cells: Array<string>, 
/**
 * Why the row cannot be imported, if it cannot.
 */
problem: string | null, };

export type ImportPreview = { 
/**
 * The file's name as picked (shown as text).
 */
fileName: string, byteCount: number, 
/**
 * The encoding the file was read in (a WHATWG name: "UTF-8", "windows-1252", …).
 */
encoding: string, 
/**
 * Whether the encoding is certain (a byte-order mark, valid UTF-8, or a detected encoding
 * that reads every byte); otherwise the agent should check the preview.
 */
encodingCertain: boolean, 
/**
 * Encodings the agent can choose instead.
 */
encodingChoices: Array<string>, 
/**
 * The separator found: ",", ";", "\t" or "|".
 */
delimiter: string, 
/**
 * The first row, taken as the columns' names.
 */
headers: Array<string>, 
/**
 * The first rows after the header, as read (at most [`IMPORT_PREVIEW_ROWS`]).
 */
rows: Array<ImportPreviewRow>, 
/**
 * Rows after the header, broken ones included.
 */
rowCount: number, 
/**
 * Rows that cannot be imported as they are (wrong number of columns, unreadable bytes, a
 * cell too long).
 */
brokenCount: number, 
/**
 * A mapping for each header, guessed from its name.
 */
suggested: Array<ImportTarget>, };

export type ImportRequest = { 
/**
 * The encoding to read the file in (one of the preview's).
 */
encoding: string, 
/**
 * One target per column, in the file's order.
 */
mapping: Array<ImportTarget>, mode: ImportMode, 
/**
 * Where numbers written without a country code are from (ISO 3166 alpha-2, "DE"); `null`:
 * only international numbers (+49…, 0049…) are read.
 */
phoneRegion: string | null, };

export type ImportOutcome = "created" | "updated" | "unchanged" | "skipped";

export type ImportRowReport = { 
/**
 * The file's line where the row starts.
 */
line: number, outcome: ImportOutcome, 
/**
 * The customer's name as the row gives it (or as Parley knows them), shown as text.
 */
name: string, contactId: ContactId | null, 
/**
 * Why a row was skipped, or what of it was left out ("Order total: "twelve" is not a
 * number").
 */
notes: Array<string>, };

export type ImportReport = { cancelled: boolean, created: number, updated: number, unchanged: number, skipped: number, 
/**
 * Every row's outcome by line: skipped ones first, then updated, unchanged and created;
 * at most [`IMPORT_REPORT_ROWS_MAX`] (the counts above are always whole).
 */
rows: Array<ImportRowReport>, 
/**
 * Rows left out of `rows` for its size.
 */
rowsOmitted: number, importedAt: number, };

export type MoodKind = "angry" | "urgent";

export type ThreadMood = { kind: MoodKind, 
/**
 * 0 ..= 100: how negative or pressing (the larger of the two).
 */
severity: number, 
/**
 * Angry and pressing at once ("refund me now or I call my lawyer").
 */
angryAndUrgent: boolean, 
/**
 * When the newest flagged message arrived.
 */
since: number, };

export type SpikeSettings = { 
/**
 * New waits in the last 15 minutes that make a spike.
 */
arrivalsThreshold: number, 
/**
 * Conversations waiting for an answer that make a spike.
 */
queueThreshold: number, 
/**
 * Minutes under both thresholds after which spike mode ends by itself.
 */
calmMinutes: number, 
/**
 * The acknowledgement; `{{wait}}` becomes the expected wait ("about 20 minutes").
 */
ackText: string, };

export type SpikeStatus = { 
/**
 * Open conversations whose customer waits for an answer.
 */
queue: number, 
/**
 * Since when the longest of them waits; `null` when none does.
 */
longestWaitSince: number | null, 
/**
 * Waits that began in the last 15 minutes.
 */
arrivals: number, 
/**
 * The median first response of recent answered waits; `null` with too few to tell.
 */
expectedWaitMs: number | null, 
/**
 * That wait as the acknowledgement words it ("about 20 minutes"); `null` likewise.
 */
expectedWait: string | null, 
/**
 * Spike mode is on.
 */
on: boolean, 
/**
 * When it was turned on.
 */
onSince: number | null, 
/**
 * The thresholds are passed and spike mode is off and not declined: offer it.
 */
offer: boolean, settings: SpikeSettings, };

export type FaqRuleId = number;

export type AnswerCheck = { "kind": "anyText" } | { "kind": "email" } | { "kind": "number" } | { "kind": "orderNumber" } | { "kind": "pattern", pattern: string, };

export type GatherStep = { 
/**
 * What the bot asks ("What is your order number?").
 */
question: string, check: AnswerCheck, 
/**
 * The contact attribute the answer is kept under ("Order", "Email").
 */
attribute: string, 
/**
 * What the bot says when the answer does not pass the check.
 */
retryMessage: string, 
/**
 * Bad answers allowed before a person takes over (0: the first bad answer hands off).
 */
maxRetries: number, };

export type FaqRuleInput = { name: string, enabled: boolean, 
/**
 * Keywords and phrases, any language; matched on whole words, ignoring case, accents and
 * punctuation. A word ending in `*` matches any word it starts ("pedido*").
 */
phrases: Array<string>, 
/**
 * The saved reply the bot answers with (filled with the customer's details, the answers
 * gathered included).
 */
savedReplyId: SavedReplyId | null, 
/**
 * Asked in order before the answer; with any, the conversation is handed to a person
 * after the answer, with a note of what was gathered.
 */
steps: Array<GatherStep>, };

export type FaqRule = { id: FaqRuleId, 
/**
 * Rules are tried in this order when two match equally well.
 */
position: number, 
/**
 * The saved reply's title (`None`: no saved reply, or it was deleted).
 */
savedReplyTitle: string | null, updatedAt: number, name: string, enabled: boolean, 
/**
 * Keywords and phrases, any language; matched on whole words, ignoring case, accents and
 * punctuation. A word ending in `*` matches any word it starts ("pedido*").
 */
phrases: Array<string>, 
/**
 * The saved reply the bot answers with (filled with the customer's details, the answers
 * gathered included).
 */
savedReplyId: SavedReplyId | null, 
/**
 * Asked in order before the answer; with any, the conversation is handed to a person
 * after the answer, with a note of what was gathered.
 */
steps: Array<GatherStep>, };

export type BotSettings = { 
/**
 * The accounts the bot answers on (none: the bot is off).
 */
accounts: Array<AccountId>, 
/**
 * The bot stays quiet in a conversation an agent wrote in within these minutes.
 */
agentQuietMinutes: number, 
/**
 * The most messages the bot sends one customer in an hour; past it a person takes over.
 */
maxPerHour: number, 
/**
 * Phrases that hand the conversation to a person at once, beside the built-in ones
 * ("talk to a person", "agent please", "humano", "Mitarbeiter"…).
 */
handoffPhrases: Array<string>, 
/**
 * What the bot says when it hands a conversation to a person.
 */
handoffMessage: string, };

export type BotTrial = { "outcome": "noMatch" } | { "outcome": "handOff", phrase: string, 
/**
 * What the bot says before it does.
 */
message: string, } | { "outcome": "matched", ruleId: FaqRuleId, ruleName: string, 
/**
 * The phrase of the rule that matched, as the owner wrote it.
 */
phrase: string, 
/**
 * What the bot sends now: the first question, or the answer.
 */
message: string, 
/**
 * The questions that would follow, in order.
 */
questions: Array<string>, 
/**
 * The rule's saved reply is missing: the bot would hand off instead of answering.
 */
noAnswer: boolean, };

export type ReviewSort = "date" | "wait" | "firstResponse" | "length";

export type ReviewFilter = { 
/**
 * Started at or after (inclusive).
 */
from: number | null, 
/**
 * Started before (exclusive).
 */
to: number | null, channels: Array<ChannelKind>, accounts: Array<AccountId>, statuses: Array<ThreadStatus>, 
/**
 * Carries any of these labels.
 */
labels: Array<LabelId>, 
/**
 * At least this priority (1 low … 4 urgent).
 */
minPriority: number | null, 
/**
 * Only VIP customers (the flag of the customer).
 */
vipOnly: boolean, contact: ContactId | null, 
/**
 * Words in any message (full-text search, the last word a prefix).
 */
text: string | null, 
/**
 * First answer slower than the channel's target.
 */
slowOnly: boolean, 
/**
 * The customer wrote and nobody answered yet.
 */
unansweredOnly: boolean, 
/**
 * Answered first by this agent (their name as written on the reply).
 */
responder: string | null, 
/**
 * Only conversations a manager annotated or scored.
 */
annotatedOnly: boolean, sort: ReviewSort, 
/**
 * Largest first (newest, longest wait, slowest, longest).
 */
descending: boolean, 
/**
 * "Slower than the target" counts only the business hours (when a schedule is set).
 */
businessHours: boolean, };

export type ReviewCursor = { key: number, id: number, };

export type ReviewRow = { threadId: ThreadId, channel: ChannelKind, accountId: AccountId, accountName: string, contactId: ContactId, contactName: string, status: ThreadStatus, priority: number, vip: boolean, labels: Array<LabelId>, snippet: string, startedAt: number | null, lastActivityAt: number, 
/**
 * From the customer's first message to the business's first answer; `null`: not answered.
 */
firstResponseMs: number | null, 
/**
 * Who answered first (the name on the reply).
 */
firstResponder: string | null, 
/**
 * The customer waits since then for an answer.
 */
waitingSince: number | null, resolvedAt: number | null, messageCount: number, 
/**
 * The first answer came later than the channel's target.
 */
slow: boolean, 
/**
 * Annotations and checklist scores a manager left on it.
 */
annotations: number, };

export type ReviewPage = { rows: Array<ReviewRow>, 
/**
 * Pass back for the next page; `null` on the last.
 */
next: ReviewCursor | null, };

export type AuthorKind = "customer" | "agent" | "bot";

export type TranscriptMessage = { message: MessageView, channel: ChannelKind, accountName: string, authorKind: AuthorKind, };

export type TranscriptPage = { messages: Array<TranscriptMessage>, 
/**
 * Pass back for the following messages; `null` at the end.
 */
next: PageCursor | null, };

export type Transcript = { row: ReviewRow, 
/**
 * The whole dialogue: every conversation of the customer (merged identities included).
 */
wholeDialogue: boolean, 
/**
 * The conversations the transcript covers.
 */
threadIds: Array<ThreadId>, firstPage: TranscriptPage, 
/**
 * Status changes of the conversation(s), oldest first.
 */
events: Array<ThreadEvent>, 
/**
 * The customer's internal notes (for agents, never sent).
 */
notes: Array<ContactNote>, annotations: Array<Annotation>, checklist: Array<ChecklistItem>, scores: Array<ChecklistScore>, };

export type Annotation = { id: number, threadId: ThreadId, messageId: MessageId | null, 
/**
 * The highlighted words ("" for the whole message).
 */
quote: string, body: string, author: string, createdAt: number, updatedAt: number, contactName: string, channel: ChannelKind, };

export type AnnotationInput = { threadId: ThreadId, messageId: MessageId | null, quote: string, body: string, };

export type AnnotationFilter = { threadId: ThreadId | null, 
/**
 * Words in the note or the highlight.
 */
text: string | null, from: number | null, to: number | null, };

export type ChecklistKind = "yesNo" | "scale";

export type ChecklistItem = { id: number, label: string, kind: ChecklistKind, };

export type ChecklistScore = { itemId: number, score: number, author: string, scoredAt: number, };

export type ResponseTarget = { channel: ChannelKind, minutes: number, };

export type MetricsQuery = { from: number, to: number, channels: Array<ChannelKind>, accounts: Array<AccountId>, 
/**
 * Count response and resolution times in business hours only (when a schedule is set).
 */
businessHours: boolean, };

export type DurationStats = { count: number, medianMs: number | null, p90Ms: number | null, };

export type DayVolume = { 
/**
 * The local day, `YYYY-MM-DD`.
 */
day: string, channel: ChannelKind, conversations: number, };

export type TargetShare = { channel: ChannelKind, targetMinutes: number, answered: number, within: number, };

export type Metrics = { query: MetricsQuery, 
/**
 * The zone the days and hours are counted in.
 */
timeZone: string, 
/**
 * The times were counted in business hours only (asked, and a schedule is set).
 */
businessHours: boolean, 
/**
 * Conversations whose first message falls in the period.
 */
started: number, 
/**
 * Conversations (last) resolved in the period.
 */
resolved: number, 
/**
 * Of the started: the customer wrote and nobody answered.
 */
unanswered: number, firstResponse: DurationStats, 
/**
 * From the customer's first message to the (last) resolution, of those resolved.
 */
resolution: DurationStats, withinTarget: Array<TargetShare>, 
/**
 * Messages per started conversation (mean).
 */
messagesPerConversation: number, 
/**
 * Customer conversations started per weekday (Monday first) and local hour (0..24).
 */
heatmap: Array<Array<number>>, perDay: Array<DayVolume>, };

export type ExportFormat = "html" | "csv" | "json" | "pdf";

export type ExportScope = { "kind": "threads", threads: Array<ThreadId>, } | { "kind": "filter", filter: ReviewFilter, };

export type ExportRequest = { format: ExportFormat, scope: ExportScope, 
/**
 * Write a zip: the transcript file, the attachments downloaded to this computer, and a
 * list of those that were not.
 */
attachments: boolean, 
/**
 * For chosen conversations: count first response times and "slower than the target" in
 * business hours, as the review list does when its filter says so (a filter's own
 * `businessHours` decides for an export of everything it matches).
 */
businessHours: boolean, };

export type ExportOutcome = { 
/**
 * Where the file is (`null` when cancelled or when no place was chosen).
 */
path: string | null, conversations: number, messages: number, cancelled: boolean, 
/**
 * What the user should know about the file (e.g. characters no font on the machine had,
 * shown as placeholders in a PDF); empty when all went as expected.
 */
notes: Array<string>, };

export type BackupResult = { at: number, ok: boolean, 
/**
 * The file written (`null` when it failed).
 */
path: string | null, 
/**
 * What happened, in words ("Backed up 1,204 messages and 12 files." or why it failed).
 */
message: string, bytes: number, };

export type BackupSettings = { 
/**
 * A daily backup runs (it needs a folder and a key).
 */
enabled: boolean, 
/**
 * The folder the daily backups go to (a synced drive, a USB disk).
 */
folder: string | null, 
/**
 * How many of the newest scheduled backups are kept there.
 */
keep: number, 
/**
 * A key for the schedule was set up from the owner's passphrase.
 */
hasKey: boolean, 
/**
 * The last backup, scheduled or made by hand.
 */
last: BackupResult | null, 
/**
 * When the next scheduled backup is due (`null`: not scheduled).
 */
nextAt: number | null, };

export type BackupScheduleInput = { enabled: boolean, folder: string | null, keep: number, passphrase: string | null, };

export type WorkspaceCounts = { accounts: number, contacts: number, conversations: number, messages: number, notes: number, files: number, };

export type BackupOutcome = { 
/**
 * `null` when the save dialog was cancelled.
 */
path: string | null, counts: WorkspaceCounts, bytes: number, };

export type RestorePreview = { 
/**
 * The backup file.
 */
path: string, createdAt: number, 
/**
 * The Parley version that made it.
 */
appVersion: string, 
/**
 * What the backup holds (what the workspace will hold after the restore).
 */
backup: WorkspaceCounts, 
/**
 * What this workspace holds now (what the restore replaces).
 */
current: WorkspaceCounts, };

export type RestoreState = "none" | "checked" | "pending";

export type CustomerExportOutcome = { 
/**
 * `null` when the save dialog was cancelled.
 */
path: string | null, conversations: number, messages: number, files: number, };

export type RetentionRun = { startedAt: number, 
/**
 * `null`: under way, or interrupted (the next pass finishes it).
 */
finishedAt: number | null, 
/**
 * Conversations resolved before this time went.
 */
cutoff: number, conversations: number, messages: number, 
/**
 * Why the run stopped, when it failed.
 */
error: string | null, };

export type RetentionSettings = { accountId: AccountId, 
/**
 * Conversations resolved more than this many months ago are deleted; `null`: off (the
 * default), nothing is deleted.
 */
months: number | null, lastRun: RetentionRun | null, 
/**
 * When the daily pass next looks at this account (`null`: off).
 */
nextAt: number | null, };

export type RetentionPreview = { accountId: AccountId, months: number, 
/**
 * Conversations resolved before this time would go (`months` calendar months before now,
 * in the agent's time zone). Pass it to the run, so it deletes exactly what was shown.
 */
cutoff: number, conversations: number, messages: number, 
/**
 * The oldest and newest resolve time among them (`null` when none).
 */
oldestResolvedAt: number | null, newestResolvedAt: number | null, };

export type CoreEvent = { "kind": "threadsChanged", threadIds: Array<ThreadId>, } | { "kind": "messagesChanged", threadId: ThreadId, } | { "kind": "threadMerged", from: ThreadId, into: ThreadId, } | { "kind": "accountChanged", account: AccountSummary, } | { "kind": "accountsChanged" } | { "kind": "labelsChanged" } | { "kind": "outboxChanged", status: OutboxStatus, } | { "kind": "openThread", threadId: ThreadId, compose: boolean, } | { "kind": "notificationPrefsChanged", prefs: NotificationPrefs, } | { "kind": "importProgress", done: number, total: number, } | { "kind": "exportProgress", done: number, total: number, } | { "kind": "backupProgress", done: number, total: number, } | { "kind": "contactsChanged" } | { "kind": "spikeChanged", status: SpikeStatus, } | { "kind": "retentionChanged" };

export type ErrorCode = "notFound" | "invalidInput" | "authFailed" | "network" | "badResponse" | "duplicate" | "keychain" | "storage" | "unsafeLink" | "alreadyRunning" | "internal";

export type IpcError = { code: ErrorCode, 
/**
 * A sentence for the agent: what was wrong and what to do.
 */
message: string, };

/** Each channel's name as people write it (`ChannelKind::display_name`). */
export const CHANNEL_NAMES: Record<ChannelKind, string> = {
  telegram: "Telegram",
  messenger: "Messenger",
  instagram: "Instagram",
  whatsapp: "WhatsApp",
  sms: "SMS",
  email: "Email",
};

/** Every command the window may invoke (crates/parley-domain/src/commands.rs). */
export const COMMANDS = [
  "workspace_info",
  "list_threads",
  "list_view",
  "thread_summaries",
  "view_counts",
  "change_threads",
  "undo_change",
  "list_labels",
  "create_label",
  "update_label",
  "delete_label",
  "snooze_choices",
  "open_thread",
  "older_messages",
  "save_draft",
  "send_reply",
  "draft_attachments",
  "stage_attachment",
  "stage_dropped_files",
  "save_draft_media_links",
  "remove_staged_attachment",
  "outbox_status",
  "list_drafts",
  "send_anyway",
  "edit_reply",
  "discard_reply",
  "mark_reply_sent",
  "send_reply_again",
  "contact_context",
  "refresh_avatars",
  "list_contacts",
  "contact_by_id",
  "set_contact_marks",
  "contact_timeline",
  "erase_customer",
  "add_note",
  "update_note",
  "delete_note",
  "set_contact_attribute",
  "remove_contact_attribute",
  "add_contact_tag",
  "remove_contact_tag",
  "set_contact_time_zone",
  "time_zone_choices",
  "set_identity_opt_out",
  "merge_preview",
  "merge_suggestions",
  "merge_contacts",
  "split_identity",
  "undo_contact_change",
  "dismiss_merge_suggestion",
  "stage_import_file",
  "preview_import",
  "run_import",
  "cancel_import",
  "search",
  "list_accounts",
  "add_telegram_account",
  "add_facebook_page",
  "add_email_account",
  "add_twilio_account",
  "message_templates",
  "send_template",
  "send_reply_with_media",
  "thread_control",
  "handover",
  "set_human_agent_approved",
  "remove_account",
  "open_link",
  "notification_prefs",
  "set_notification_prefs",
  "pause_notifications",
  "set_thread_muted",
  "set_open_thread",
  "open_attachment",
  "message_html",
  "list_saved_replies",
  "create_saved_reply",
  "update_saved_reply",
  "delete_saved_reply",
  "add_saved_reply_file",
  "remove_saved_reply_file",
  "saved_replies_for_thread",
  "insert_saved_reply",
  "export_saved_replies",
  "import_saved_replies",
  "business_hours",
  "spike_status",
  "set_spike_mode",
  "dismiss_spike_offer",
  "set_spike_settings",
  "set_business_hours",
  "automation_settings",
  "set_automation_settings",
  "outbound_settings",
  "set_outbound_settings",
  "preview_business_hours",
  "faq_rules",
  "create_faq_rule",
  "update_faq_rule",
  "delete_faq_rule",
  "move_faq_rule",
  "bot_settings",
  "set_bot_settings",
  "try_bot",
  "review_targets",
  "set_review_targets",
  "review_page",
  "review_responders",
  "review_transcript",
  "transcript_page",
  "add_annotation",
  "update_annotation",
  "delete_annotation",
  "list_annotations",
  "review_checklist",
  "add_checklist_item",
  "remove_checklist_item",
  "set_checklist_score",
  "review_metrics",
  "export_review",
  "cancel_export",
  "save_numbers_csv",
  "backup_settings",
  "set_backup_schedule",
  "pick_backup_folder",
  "backup_now",
  "restore_state",
  "check_restore",
  "confirm_restore",
  "cancel_restore",
  "quit_app",
  "export_customer",
  "retention_settings",
  "set_retention",
  "preview_retention",
  "startup_probe",
] as const;

export type Command = (typeof COMMANDS)[number];
