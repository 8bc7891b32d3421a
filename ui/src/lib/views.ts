// The inbox's views as the window sees them: which conversations each holds and in which order
// (as crates/parley-store/src/views.rs lists them), their names and counts. Pure functions, so
// the thread list can place a changed conversation without asking for its pages again.
import type { AccountSummary, ChannelKind, Label, PageCursor, ThreadSummary, ThreadView, ViewCounts } from "./ipc/bindings";
import { CHANNEL_NAMES } from "./ipc/bindings";

export const OPEN_VIEW: ThreadView = { kind: "open" };

/** The status views, in the sidebar's order, with the letter that follows `g` to show each. */
export const STATUS_VIEWS: ReadonlyArray<{ view: ThreadView; title: string; key: string }> = [
  { view: { kind: "open" }, title: "Open", key: "o" },
  { view: { kind: "waiting" }, title: "Waiting longest", key: "w" },
  { view: { kind: "mood" }, title: "Upset first", key: "m" },
  { view: { kind: "unread" }, title: "Unread", key: "u" },
  { view: { kind: "pending" }, title: "Pending", key: "p" },
  { view: { kind: "snoozed" }, title: "Snoozed", key: "s" },
  { view: { kind: "resolved" }, title: "Resolved", key: "r" },
];

/** A string naming the view, for maps and test ids: "open", "channel:sms", "label:3". */
export function viewKey(view: ThreadView): string {
  switch (view.kind) {
    case "channel":
      return `channel:${view.channel}`;
    case "account":
      return `account:${view.account}`;
    case "label":
      return `label:${view.label}`;
    default:
      return view.kind;
  }
}

export function sameView(a: ThreadView, b: ThreadView): boolean {
  return viewKey(a) === viewKey(b);
}

/** Whether the view lists this conversation (the store's filter of the view). */
export function inView(view: ThreadView, t: ThreadSummary): boolean {
  // A blocked customer's conversations are in no view (they open from Contacts or search).
  if (t.blocked) return false;
  const open = t.status === "open";
  switch (view.kind) {
    case "open":
    case "mood":
      return open;
    case "waiting":
      return open && t.waitingSince !== null;
    case "unread":
      return t.unreadCount > 0;
    case "pending":
      return t.status === "pending";
    case "snoozed":
      return t.status === "snoozed" && t.snoozedUntil !== null;
    case "resolved":
      return t.status === "resolved";
    case "channel":
      return open && t.channel === view.channel;
    case "account":
      return open && t.accountId === view.account;
    case "label":
      return open && t.labels.includes(view.label);
  }
}

/** Waiting longest and Snoozed list the oldest wait and the soonest wake first; the others the newest activity. */
export function ascending(view: ThreadView): boolean {
  return view.kind === "waiting" || view.kind === "snoozed";
}

/** 2^42 ms: the Mood view's key puts the level above any time (`mood_key` in Rust). */
const LEVEL_STEP = 2 ** 42;

/**
 * The Mood view's sort key, descending (as crates/parley-domain/src/mood.rs computes it):
 * angry and pressing first, then flagged, then the rest; the longest wait first within each.
 */
export function moodKey(t: ThreadSummary): number {
  const level = t.mood === null ? 0 : t.mood.angryAndUrgent ? 2 : 1;
  return level * LEVEL_STEP + (LEVEL_STEP - 1) - (t.waitingSince ?? t.lastActivityAt);
}

/** The value the view sorts by (what its page cursors hold). */
export function sortKey(view: ThreadView, t: ThreadSummary): number {
  if (view.kind === "mood") return moodKey(t);
  if (view.kind === "waiting") return t.waitingSince ?? t.lastActivityAt;
  if (view.kind === "snoozed") return t.snoozedUntil ?? t.lastActivityAt;
  return t.lastActivityAt;
}

/** Negative when `a` comes before `b` in the view: by its key, then by id, both in the view's direction. */
export function compareInView(view: ThreadView, a: ThreadSummary, b: ThreadSummary): number {
  const sign = ascending(view) ? 1 : -1;
  return sign * (sortKey(view, a) - sortKey(view, b)) || sign * (a.id - b.id);
}

/** Whether `t` comes before the cursor, that is within the rows already loaded. */
export function beforeCursor(view: ThreadView, t: ThreadSummary, cursor: PageCursor): boolean {
  const key = sortKey(view, t);
  return ascending(view)
    ? key < cursor.at || (key === cursor.at && t.id < cursor.id)
    : key > cursor.at || (key === cursor.at && t.id > cursor.id);
}

/**
 * The loaded rows of `view` once the conversations `changed` are as `fresh` says (`fresh` holds
 * those that still exist): each changed one leaves its place; it comes back at its sorted place
 * if the view still lists it and that place is within the loaded rows (before `next`, the cursor
 * of the following page; past it, that page brings it). Every other row stays as it is.
 */
export function placeChanged(
  view: ThreadView,
  rows: readonly ThreadSummary[],
  next: PageCursor | null,
  changed: Iterable<number>,
  fresh: readonly ThreadSummary[],
  keep: number | null = null,
): ThreadSummary[] {
  const ids = new Set(changed);
  const out = rows.filter((t) => !ids.has(t.id));
  const shown = new Set(rows.map((t) => t.id));
  for (const t of fresh) {
    // `keep`: a row listed stays listed though the view no longer has it (the conversation open in
    // Unread, read by opening it, stays where the agent found it).
    const kept = t.id === keep && shown.has(t.id);
    if (!ids.has(t.id) || (!kept && !inView(view, t)) || (next !== null && !beforeCursor(view, t, next))) continue;
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareInView(view, out[mid], t) < 0) lo = mid + 1;
      else hi = mid;
    }
    out.splice(lo, 0, t);
  }
  return out;
}

/** The view's name as the sidebar and the palette show it. */
export function viewTitle(view: ThreadView, labels: readonly Label[], accounts: readonly AccountSummary[]): string {
  switch (view.kind) {
    case "channel":
      return CHANNEL_NAMES[view.channel];
    case "account":
      return accounts.find((a) => a.id === view.account)?.name ?? "Account";
    case "label":
      return labels.find((l) => l.id === view.label)?.name ?? "Label";
    default:
      return STATUS_VIEWS.find((s) => s.view.kind === view.kind)?.title ?? view.kind;
  }
}

/** How many conversations the view holds, as far as the counts say. */
export function viewCount(view: ThreadView, counts: ViewCounts | null): number | null {
  if (counts === null) return null;
  switch (view.kind) {
    case "channel":
      return counts.channels.find((c) => c.channel === view.channel)?.count ?? 0;
    case "account":
      return counts.accounts.find((c) => c.account === view.account)?.count ?? 0;
    case "label":
      return counts.labels.find((c) => c.label === view.label)?.count ?? 0;
    case "mood":
      return counts.open;
    default:
      return counts[view.kind];
  }
}

/** The channels with a view: those of the accounts, and any the counts name, in the usual order. */
export function channelsShown(counts: ViewCounts | null, accounts: readonly AccountSummary[]): ChannelKind[] {
  const have = new Set<ChannelKind>([...accounts.map((a) => a.channel), ...(counts?.channels.map((c) => c.channel) ?? [])]);
  return (Object.keys(CHANNEL_NAMES) as ChannelKind[]).filter((c) => have.has(c));
}
