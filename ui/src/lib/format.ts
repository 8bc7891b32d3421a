// Pure formatting helpers. Everything here returns plain strings or plain data;
// nothing produces markup, so customer text always goes through Svelte text interpolation.
import type {
  AccountSummary,
  ThreadMood,
  AttachmentKind,
  AutomatedBy,
  ChannelKind,
  ComposerWindow,
  DeliveryState,
  DraftView,
  MergeReason,
  MessageView,
  OptOutRecord,
  SyncState,
  ThreadEvent,
  ThreadOwner,
  ThreadStatus,
} from "./ipc/bindings";
import { CHANNEL_NAMES } from "./ipc/bindings";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTHS_LONG = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const WEEKDAYS_LONG = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Local midnight of the day containing `ms`. */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Whole local calendar days between two instants (DST-safe). */
export function daysBetween(earlier: number, later: number): number {
  const a = new Date(startOfDay(earlier));
  const b = new Date(startOfDay(later));
  const utcA = Date.UTC(a.getFullYear(), a.getMonth(), a.getDate());
  const utcB = Date.UTC(b.getFullYear(), b.getMonth(), b.getDate());
  return Math.round((utcB - utcA) / 86_400_000);
}

/** "14:05" in local time. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** "12 Mar 2024". */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/** "12 Mar 2024, 14:05". */
export function formatDateTime(ms: number): string {
  return `${formatDate(ms)}, ${formatTime(ms)}`;
}

/**
 * Compact time for list rows: "now", "5m", "3h" (same day), "Yesterday",
 * a weekday within the last week, "12 Mar" this year, "12 Mar 2023" before.
 */
export function relativeTime(ms: number, now: number): string {
  const diff = now - ms;
  if (diff < MINUTE) return "now";
  const days = daysBetween(ms, now);
  if (days <= 0) {
    if (diff < HOUR) return `${Math.floor(diff / MINUTE)}m`;
    return `${Math.floor(diff / HOUR)}h`;
  }
  if (days === 1) return "Yesterday";
  const d = new Date(ms);
  if (days < 7) return WEEKDAYS[d.getDay()];
  if (d.getFullYear() === new Date(now).getFullYear()) return `${d.getDate()} ${MONTHS[d.getMonth()]}`;
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/** Day separator label: "Today", "Yesterday", "Monday, 4 March", "4 March 2023". */
export function dayLabel(ms: number, now: number): string {
  const days = daysBetween(ms, now);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  const d = new Date(ms);
  if (d.getFullYear() === new Date(now).getFullYear()) {
    return `${WEEKDAYS_LONG[d.getDay()]}, ${d.getDate()} ${MONTHS_LONG[d.getMonth()]}`;
  }
  return `${d.getDate()} ${MONTHS_LONG[d.getMonth()]} ${d.getFullYear()}`;
}

/** Local calendar-day key, e.g. "2024-03-04". */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

export type DayGroup<T> = { key: string; label: string; items: T[] };

/** Groups items (already oldest first) by the local calendar day of `at(item)`. */
export function groupByDay<T>(items: readonly T[], at: (item: T) => number, now: number): DayGroup<T>[] {
  const groups: DayGroup<T>[] = [];
  for (const item of items) {
    const ms = at(item);
    const key = dayKey(ms);
    const last = groups[groups.length - 1];
    if (last && last.key === key) last.items.push(item);
    else groups.push({ key, label: dayLabel(ms, now), items: [item] });
  }
  return groups;
}

/** One line of a conversation: a message, or a status change between messages. */
export type TimelineItem =
  | { kind: "message"; key: string; at: number; message: MessageView }
  | { kind: "event"; key: string; at: number; event: ThreadEvent };

/**
 * The messages with the status events of their time between them, oldest first, by day. With
 * older messages not loaded (`complete` false), events before the first loaded message wait
 * until those messages are.
 */
export function timeline(
  messages: readonly MessageView[],
  events: readonly ThreadEvent[],
  complete: boolean,
  now: number,
): DayGroup<TimelineItem>[] {
  const from = complete ? -Infinity : (messages[0]?.sentAt ?? Infinity);
  const items: TimelineItem[] = messages.map((m) => ({ kind: "message", key: `m${m.id}`, at: m.sentAt, message: m }));
  events.forEach((event, i) => {
    if (event.at >= from) items.push({ kind: "event", key: `e${i}-${event.at}`, at: event.at, event });
  });
  // Stable: at the same instant, the message comes first (the customer wrote, then it reopened).
  items.sort((a, b) => a.at - b.at || (a.kind === b.kind ? 0 : a.kind === "message" ? -1 : 1));
  return groupByDay(items, (i) => i.at, now);
}

/** "Tue 09:00" within the coming week, "Today 18:00"/"Tomorrow 09:00" when that close, else "12 Mar 09:00". */
export function formatWake(ms: number, now: number): string {
  const days = daysBetween(now, ms);
  const d = new Date(ms);
  if (days === 0) return `today ${formatTime(ms)}`;
  if (days === 1) return `tomorrow ${formatTime(ms)}`;
  if (days > 1 && days < 7) return `${WEEKDAYS[d.getDay()]} ${formatTime(ms)}`;
  const year = d.getFullYear() === new Date(now).getFullYear() ? "" : ` ${d.getFullYear()}`;
  return `${d.getDate()} ${MONTHS[d.getMonth()]}${year} ${formatTime(ms)}`;
}

/** How long a customer has waited: "12 min", "3 h 5 min", "2 d 4 h". */
export function formatWaited(ms: number): string {
  if (ms < MINUTE) return "under a minute";
  const days = Math.floor(ms / (24 * HOUR));
  if (days === 0) return formatLeft(ms);
  const hours = Math.floor((ms % (24 * HOUR)) / HOUR);
  return hours === 0 ? `${days} d` : `${days} d ${hours} h`;
}

const STATUS_FROM: Record<ThreadStatus, string> = {
  open: "open",
  pending: "pending",
  snoozed: "snoozed",
  resolved: "resolved",
};

/** A status event as the conversation shows it: "Resolved by you · 14:02". */
export function eventText(e: ThreadEvent, now: number): string {
  const time = formatTime(e.at);
  const ev = e.event;
  switch (ev.kind) {
    case "resolved":
      return `Resolved by you · ${time}`;
    case "pending":
      return `Marked pending by you · ${time}`;
    case "snoozed":
      return `Snoozed until ${formatWake(ev.until, now)} · ${time}`;
    case "reopened":
      return `Reopened by you · ${time}`;
    case "reopenedByCustomer":
      return `Reopened — the customer wrote while it was ${STATUS_FROM[ev.from]} · ${time}`;
    case "woke":
      return `Woke from snooze · ${time}`;
  }
}

/** Priorities as the agent picks them, lowest first (0 none … 4 urgent). */
export const PRIORITIES: ReadonlyArray<{ value: number; name: string }> = [
  { value: 0, name: "No priority" },
  { value: 1, name: "Low" },
  { value: 2, name: "Normal" },
  { value: 3, name: "High" },
  { value: 4, name: "Urgent" },
];

export function priorityName(p: number): string {
  return PRIORITIES.find((x) => x.value === p)?.name ?? "No priority";
}

export const STATUS_NAMES: Record<ThreadStatus, string> = {
  open: "Open",
  pending: "Pending",
  snoozed: "Snoozed",
  resolved: "Resolved",
};

/** A label's colour when it is `#rrggbb` (Rust checks it; this keeps anything else out of CSS). */
export function labelColor(color: string): string {
  return /^#[0-9a-fA-F]{6}$/.test(color) ? color : "#7a8292";
}

/** "512 B", "1.2 KB", "3.4 MB", "1.1 GB". */
/** What a composer holds besides text: "2 files", "1 media link", "1 file, 2 media links"; "" when nothing. */
export function draftExtras(draft: Pick<DraftView, "files" | "mediaLinks">): string {
  const parts: string[] = [];
  if (draft.files > 0) parts.push(draft.files === 1 ? "1 file" : `${draft.files} files`);
  if (draft.mediaLinks > 0) parts.push(draft.mediaLinks === 1 ? "1 media link" : `${draft.mediaLinks} media links`);
  return parts.join(", ");
}

/** The Drafts view's text of a draft: its text, or what it holds when it has no text ("2 files"). */
export function draftText(draft: Pick<DraftView, "text" | "files" | "mediaLinks">): string {
  return draft.text.trim() !== "" ? draft.text : draftExtras(draft);
}

export function formatSize(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return "";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  const text = value < 10 ? value.toFixed(1) : String(Math.round(value));
  return `${text.replace(/\.0$/, "")} ${units[i]}`;
}

const CHANNEL_SHORT: Record<ChannelKind, string> = {
  telegram: "TG",
  messenger: "FB",
  instagram: "IG",
  whatsapp: "WA",
  sms: "SMS",
  email: "@",
};

export function channelLabel(kind: ChannelKind): string {
  return CHANNEL_NAMES[kind] ?? String(kind);
}

export function channelShort(kind: ChannelKind): string {
  return CHANNEL_SHORT[kind] ?? "?";
}

const ATTACHMENT_LABELS: Record<AttachmentKind, string> = {
  photo: "Photo",
  document: "File",
  voice: "Voice",
  audio: "Audio",
  video: "Video",
  sticker: "Sticker",
  location: "Location",
  contact: "Contact",
  other: "Attachment",
};

export function attachmentLabel(kind: AttachmentKind): string {
  return ATTACHMENT_LABELS[kind] ?? "Attachment";
}

/** Words for an outbound message's delivery state; empty for inbound ("received"). */
export function deliveryLabel(state: DeliveryState, note?: string | null): string {
  const withNote = (base: string) => (note ? `${base}: ${note}` : base);
  switch (state) {
    case "received":
      return "";
    case "queued":
      return "Queued";
    case "sending":
      return "Sending…";
    case "retrying":
      return withNote("Retrying");
    case "sent":
      return "Sent ✓";
    case "delivered":
      return "Delivered ✓✓";
    case "read":
      return "Read ✓✓";
    case "failed":
      return withNote("Failed");
    case "uncertain":
      return withNote("Not confirmed");
    case "held":
      return withNote("Held");
    default:
      return String(state);
  }
}

/** The mark of a message a rule sent: "Sent automatically · Greeting". */
export function automatedLabel(by: AutomatedBy): string {
  return `Sent automatically · ${by.rule}`;
}

/**
 * Words for an automated message's delivery: a held one is no warning for the agent, just a
 * message that did not go ("Not sent: an agent answered first").
 */
export function automatedDeliveryLabel(message: Pick<MessageView, "delivery" | "holdReason" | "deliveryNote">): string {
  if (message.delivery !== "held") return deliveryLabel(message.delivery, message.deliveryNote);
  switch (message.holdReason) {
    case "agentAnswered":
      return "Not sent: an agent answered first";
    case "optedOut":
      return "Not sent: the customer opted out";
    case "windowClosed":
      return "Not sent: the reply window closed";
    case "threadResolved":
      return "Not sent: the conversation was resolved";
    case "quietHours":
      return "Waiting for the customer's morning (quiet hours)";
    default:
      return deliveryLabel(message.delivery, message.deliveryNote);
  }
}

/**
 * How an identity's opt-out was recorded, in words: "Opted out by message “STOP” on 3 Dec, 14:02",
 * "Opted back in by Ana on …". `null` when nothing is recorded (an opt-out from before issue 18).
 */
export function optOutText(record: OptOutRecord | null): string | null {
  if (!record) return null;
  const what = record.optedOut ? "Opted out" : "Opted back in";
  const when = formatDateTime(record.at);
  switch (record.source) {
    case "keyword":
      return `${what} by message “${record.detail ?? ""}” on ${when}`;
    case "agent":
      return `${what} by ${record.detail ?? "an agent"} on ${when}`;
    case "import":
      return `${what} by an import on ${when}`;
    case "provider":
      return `${what}: the provider refused a reply (the customer opted out there) on ${when}`;
    default:
      return null;
  }
}

/** Tone used to colour delivery/sync states. */
export type Tone = "ok" | "busy" | "warn" | "error" | "idle";

export function deliveryTone(state: DeliveryState): Tone {
  switch (state) {
    case "failed":
      return "error";
    case "uncertain":
    case "retrying":
    case "held":
      return "warn";
    case "queued":
    case "sending":
      return "busy";
    default:
      return "ok";
  }
}

/** A count with thousands separators ("12,400"), the same whatever the system locale. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Sync state in words, e.g. "Live", "Syncing INBOX — 12,400 of 50,000", "Retrying in 12 s: timeout". */
export function syncLabel(sync: SyncState, now: number): string {
  switch (sync.state) {
    case "connecting":
      return "Connecting…";
    case "catchingUp": {
      const p = sync.progress;
      if (!p) return "Catching up…";
      return `Syncing ${p.scope} — ${formatCount(Math.min(p.done, p.total))} of ${formatCount(p.total)}`;
    }
    case "live":
      return "Live";
    case "backoff": {
      const secs = Math.max(0, Math.ceil((sync.retryAt - now) / 1000));
      return secs > 0 ? `Retrying in ${secs} s: ${sync.reason}` : `Retrying now: ${sync.reason}`;
    }
    case "authFailed":
      return "Bot token rejected";
    case "conflict":
      return `Conflict: ${sync.reason}`;
    case "stopped":
      return "Stopped";
    default:
      return "Unknown";
  }
}

export function syncTone(sync: SyncState): Tone {
  switch (sync.state) {
    case "live":
      return "ok";
    case "connecting":
    case "catchingUp":
      return "busy";
    case "backoff":
      return "warn";
    case "authFailed":
    case "conflict":
      return "error";
    default:
      return "idle";
  }
}

const TONE_RANK: Record<Tone, number> = { error: 4, warn: 3, busy: 2, idle: 1, ok: 0 };

/** One line summarising all accounts for the sync indicator: the worst state wins. */
export function syncSummary(accounts: readonly AccountSummary[], now: number): { text: string; tone: Tone } {
  if (accounts.length === 0) return { text: "No accounts", tone: "idle" };
  let worst = accounts[0];
  for (const a of accounts) {
    if (TONE_RANK[syncTone(a.sync)] > TONE_RANK[syncTone(worst.sync)]) worst = a;
  }
  const tone = syncTone(worst.sync);
  let text = syncLabel(worst.sync, now);
  if (tone !== "ok" && accounts.length > 1) text = `${worst.name}: ${text}`;
  return { text, tone };
}

export type TextPart = { text: string; url?: string };

const LINK_CANDIDATE = /\b(?:https?:\/\/|mailto:)[^\s<>"'`]+/gi;
const ALLOWED_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** True for absolute http/https/mailto URLs only. */
export function isSafeUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return ALLOWED_PROTOCOLS.has(u.protocol);
  } catch {
    return false;
  }
}

function trimTrailing(candidate: string): string {
  let url = candidate;
  for (;;) {
    const last = url[url.length - 1];
    if (!last) return url;
    if (".,;:!?'\"".includes(last)) {
      url = url.slice(0, -1);
      continue;
    }
    const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
    const open = pairs[last];
    if (open) {
      const opens = url.split(open).length - 1;
      const closes = url.split(last).length - 1;
      if (closes > opens) {
        url = url.slice(0, -1);
        continue;
      }
    }
    return url;
  }
}

/**
 * Splits text into plain parts and link parts. Only http, https and mailto URLs become
 * links; anything else (javascript:, data:, file:) stays plain text.
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  const push = (t: string) => {
    if (!t) return;
    const prev = parts[parts.length - 1];
    if (prev && prev.url === undefined) prev.text += t;
    else parts.push({ text: t });
  };
  for (const match of text.matchAll(LINK_CANDIDATE)) {
    const start = match.index ?? 0;
    const url = trimTrailing(match[0]);
    if (url.length <= "mailto:".length || !isSafeUrl(url)) continue;
    push(text.slice(last, start));
    parts.push({ text: url, url });
    last = start + url.length;
  }
  push(text.slice(last));
  return parts;
}

/**
 * Initials for an avatar, from a display name: the first letter of the first and last words
 * (punctuation and symbols skipped). A customer known only by a phone number gets its last two
 * digits, which tell two such customers apart better than a "+".
 */
export function initials(name: string): string {
  const letters = name
    .trim()
    .split(/\s+/)
    .map((word) => Array.from(word).find((c) => /\p{L}/u.test(c)))
    .filter((c): c is string => c !== undefined);
  if (letters.length > 0) {
    return (letters[0] + (letters.length > 1 ? letters[letters.length - 1] : "")).toUpperCase();
  }
  const digits = name.replace(/\D/g, "");
  return digits.length > 0 ? digits.slice(-2) : "?";
}

/** "23 h 12 min", "12 min", "less than a minute". */
export function formatLeft(ms: number): string {
  if (ms < MINUTE) return "less than a minute";
  const hours = Math.floor(ms / HOUR);
  const minutes = Math.floor((ms % HOUR) / MINUTE);
  if (hours === 0) return `${minutes} min`;
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}

/** What the composer says about the reply window; null when the channel has none. */
export function replyWindowText(
  win: ComposerWindow,
  now: number,
): { text: string; tone: Tone; canSend: boolean } | null {
  const closed = (why: string) => ({ text: `Reply window closed: ${why}`, tone: "error" as Tone, canSend: false });
  switch (win.state) {
    case "always":
      return null;
    case "open": {
      const left = win.closesAt - now;
      if (left <= 0) return closed("the 24 hours since the customer's last message are over.");
      return { text: `${formatLeft(left)} left to reply`, tone: left < HOUR ? "warn" : "idle", canSend: true };
    }
    case "humanAgentOnly": {
      const left = win.closesAt - now;
      if (left <= 0) return closed("the customer last wrote more than 7 days ago. You can reply when they write again.");
      const days = Math.floor(left / (24 * HOUR));
      const span = days >= 1 ? `${days} ${days === 1 ? "day" : "days"}` : formatLeft(left);
      return {
        text: `Human agent reply possible for ${span} (sent with Meta's HUMAN_AGENT tag; the 24-hour window is over)`,
        tone: "warn",
        canSend: true,
      };
    }
    case "humanAgentNotApproved":
      return closed(
        "the customer last wrote more than 24 hours ago and this Page is not approved for Meta's HUMAN_AGENT tag. You can reply when they write again.",
      );
    case "closed":
      return closed(
        win.closedAt === null
          ? "the customer has not written in this conversation yet."
          : "the customer last wrote more than 7 days ago. You can reply when they write again.",
      );
    case "templatesOnly":
      return closed(
        win.closedAt === null
          ? "the customer has not written on WhatsApp yet. Send an approved template below."
          : "the customer last wrote more than 24 hours ago. Send an approved template below; free text is possible again once they answer.",
      );
  }
}

/**
 * The thread list's mark for a Messenger/Instagram thread another app controls (Meta refuses
 * Parley's replies there until the agent takes control); null when Parley may answer or nobody knows.
 */
export function ownerBadge(owner: ThreadOwner | null): { label: string; title: string } | null {
  switch (owner?.owner) {
    case "otherApp":
      return { label: "Bot", title: `A bot (app ${owner.appId}) controls this conversation. Take control to reply.` };
    case "elsewhere":
      return { label: "Bot", title: "Another app, such as a bot, controls this conversation. Take control to reply." };
    case "metaInbox":
      return { label: "Inbox", title: "Meta's inbox controls this conversation. Take control to reply." };
    default:
      return null;
  }
}

/** An instant as an `<input type="datetime-local">` value, in the computer's zone ("2024-03-14T09:05"). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}T${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** The instant a `datetime-local` value names in the computer's zone; null when it is not one. */
export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  return Number.isNaN(d.getTime()) ? null : d.getTime();
}

/** Why Parley thinks two customers are one, in the agent's words ("same phone +14155550101"). */
export function mergeReasonText(r: MergeReason): string {
  switch (r.kind) {
    case "sameEmail":
      return `same email ${r.email}`;
    case "samePhone":
      return `same phone ${r.phone}`;
    case "sameUser":
      return `same ${channelLabel(r.channel)} user`;
    case "sameHandle":
      return `same ${channelLabel(r.channel)} username @${r.handle}`;
    case "similarName":
      return r.a === r.b ? `same name ${r.a}` : `similar names ${r.a} and ${r.b}`;
  }
}

/** All the reasons of a suggestion, strongest first. */
export function mergeReasonsText(reasons: readonly MergeReason[]): string {
  return reasons.map(mergeReasonText).join("; ");
}

/** Why a conversation is flagged, in words (the row's tooltip, the pane's flag). */
export function moodTitle(mood: ThreadMood): string {
  if (mood.angryAndUrgent) return "The customer is upset and presses for an answer (no answer since)";
  return mood.kind === "angry"
    ? "The customer sounds upset (no answer since)"
    : "The customer presses for an answer (no answer since)";
}

/** How long the queue's longest wait has lasted: "4 min", "1 h 20 min". */
export function formatQueueWait(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours >= 48) return `${Math.floor(hours / 24)} d`;
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}
