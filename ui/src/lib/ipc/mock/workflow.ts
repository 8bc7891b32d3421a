// The workflow as the store keeps it (crates/parley-store/src/workflow.rs, views.rs): status
// changes with the states before for Undo, the views and their counts, labels, snooze choices.
import type {
  ChangeOutcome,
  ChannelKind,
  Label,
  PageCursor,
  SnoozeChoice,
  ThreadChange,
  ThreadEventKind,
  ThreadPage,
  ThreadState,
  ThreadStatus,
  ThreadSummary,
  ThreadView,
  ViewCounts,
} from "../bindings";
import { CHANNEL_NAMES } from "../bindings";
import type { MockBackend } from "./index";
import { type MockThread, clone, err } from "./state";
import { moodKey } from "../../views";

const HOUR = 3_600_000;

export function recordEvent(mock: MockBackend, t: MockThread, at: number, event: ThreadEventKind): void {
  t.events.push({ id: mock.nextEventId++, at, event });
}

/** As Rust's `threads_changed`: each conversation's window shows its status history, and the lists move. */
function threadsChanged(mock: MockBackend, ids: number[]): void {
  for (const threadId of ids) mock.emit({ kind: "messagesChanged", threadId });
  mock.emit({ kind: "threadsChanged", threadIds: [...ids] });
}

/** A customer wrote: a resolved, pending or snoozed conversation opens again and says so. */
export function reopenByCustomer(mock: MockBackend, t: MockThread, at: number): void {
  const from = t.summary.status;
  if (from === "open") return;
  t.summary.status = "open";
  t.summary.snoozedUntil = null;
  recordEvent(mock, t, at, { kind: "reopenedByCustomer", from });
}

/** How a view filters and orders: its test, its sort key and direction. */
function walk(view: ThreadView) {
  const open = (s: ThreadSummary) => s.status === "open";
  const newest = (test: (s: ThreadSummary) => boolean) => ({ test, key: (s: ThreadSummary) => s.lastActivityAt, asc: false });
  switch (view.kind) {
    case "open":
      return newest(open);
    case "pending":
      return newest((s) => s.status === "pending");
    case "resolved":
      return newest((s) => s.status === "resolved");
    case "unread":
      return newest((s) => s.unreadCount > 0);
    case "waiting":
      return { test: (s: ThreadSummary) => open(s) && s.waitingSince !== null, key: (s: ThreadSummary) => s.waitingSince ?? 0, asc: true };
    case "snoozed":
      return { test: (s: ThreadSummary) => s.status === "snoozed", key: (s: ThreadSummary) => s.snoozedUntil ?? 0, asc: true };
    case "mood":
      return { test: open, key: moodKey, asc: false };
    case "channel":
      return newest((s) => open(s) && s.channel === view.channel);
    case "account":
      return newest((s) => open(s) && s.accountId === view.account);
    case "label":
      return newest((s) => open(s) && s.labels.includes(view.label));
  }
}

export async function listView(
  mock: MockBackend,
  view: ThreadView,
  cursor: PageCursor | null,
  limit: number,
): Promise<ThreadPage> {
  mock.record("list_view", { view, cursor, limit });
  const w = walk(view);
  const sign = w.asc ? 1 : -1;
  const all = [...mock.threads.values()]
    .map((t) => t.summary)
    // A blocked customer's conversations are in no view.
    .filter((s) => !s.blocked && w.test(s))
    .sort((a, b) => sign * (w.key(a) - w.key(b)) || sign * (a.id - b.id));
  const after = (s: ThreadSummary, c: PageCursor) =>
    w.asc ? w.key(s) > c.at || (w.key(s) === c.at && s.id > c.id) : w.key(s) < c.at || (w.key(s) === c.at && s.id < c.id);
  const rest = cursor ? all.filter((s) => after(s, cursor)) : all;
  const threads = rest.slice(0, Math.max(0, limit));
  const last = threads[threads.length - 1];
  const next = rest.length > threads.length && last ? { at: w.key(last), id: last.id } : null;
  return { threads: clone(threads), next };
}

export async function threadSummaries(mock: MockBackend, threadIds: number[]): Promise<ThreadSummary[]> {
  mock.record("thread_summaries", { threadIds });
  const ids = [...new Set(threadIds)];
  return clone(ids.flatMap((id) => mock.threads.get(id)?.summary ?? []));
}

export async function viewCounts(mock: MockBackend): Promise<ViewCounts> {
  mock.record("view_counts", {});
  const all = [...mock.threads.values()].map((t) => t.summary).filter((t) => !t.blocked);
  const status = (s: ThreadStatus) => all.filter((t) => t.status === s).length;
  const open = all.filter((t) => t.status === "open");
  const channels = (Object.keys(CHANNEL_NAMES) as ChannelKind[])
    .map((channel) => ({ channel, count: open.filter((t) => t.channel === channel).length }))
    .filter((c) => c.count > 0);
  const accounts = mock.accounts
    .map((a) => ({ account: a.id, count: open.filter((t) => t.accountId === a.id).length }))
    .filter((c) => c.count > 0);
  const labels = mock.labels
    .map((l) => ({ label: l.id, count: open.filter((t) => t.labels.includes(l.id)).length }))
    .filter((c) => c.count > 0)
    .sort((a, b) => a.label - b.label);
  return {
    open: open.length,
    waiting: open.filter((t) => t.waitingSince !== null).length,
    unread: all.filter((t) => t.unreadCount > 0).length,
    pending: status("pending"),
    snoozed: status("snoozed"),
    resolved: status("resolved"),
    channels,
    accounts,
    labels,
  };
}

function stateOf(t: MockThread): ThreadState {
  const s = t.summary;
  return {
    threadId: s.id,
    status: s.status,
    snoozedUntil: s.snoozedUntil,
    priority: s.priority,
    labels: [...s.labels],
    unreadCount: s.unreadCount,
    eventsUpto: t.events.at(-1)?.id ?? 0,
  };
}

function setStatus(mock: MockBackend, t: MockThread, status: ThreadStatus, until: number | null, event: ThreadEventKind) {
  if (t.summary.status === status && t.summary.snoozedUntil === until) return;
  t.summary.status = status;
  t.summary.snoozedUntil = until;
  recordEvent(mock, t, mock.now(), event);
}

export async function changeThreads(mock: MockBackend, threadIds: number[], change: ThreadChange): Promise<ChangeOutcome> {
  mock.record("change_threads", { threadIds, change });
  const now = mock.now();
  if (change.kind === "snooze" && change.until <= now) throw err("invalidInput", "A snooze must end in the future.");
  if (change.kind === "setPriority" && (change.priority < 0 || change.priority > 4))
    throw err("invalidInput", `Priority ${change.priority} is outside 0 to 4.`);
  if (change.kind === "addLabel" && !mock.labels.some((l) => l.id === change.label))
    throw err("notFound", "This label no longer exists.");
  const threads = threadIds.map((id) => mock.mustThread(id));
  const queued = threads.reduce(
    (n, t) => n + t.messages.filter((m) => m.delivery === "queued" || m.delivery === "retrying").length,
    0,
  );
  if (change.kind === "resolve" && change.sendQueued === null && queued > 0)
    return { applied: false, before: [], queuedReplies: queued };
  const before = threads.map(stateOf);
  for (const t of threads) {
    const s = t.summary;
    switch (change.kind) {
      case "resolve":
        // Held: the outbox's re-check finds the conversation resolved (Rust: at its next attempt).
        if (change.sendQueued === false)
          for (const m of t.messages.filter((m) => m.delivery === "queued" || m.delivery === "retrying")) {
            m.delivery = "held";
            m.holdReason = "threadResolved";
            m.deliveryNote = "The conversation was resolved while this reply waited. Send it anyway, edit it, or discard it.";
          }
        setStatus(mock, t, "resolved", null, { kind: "resolved" });
        break;
      case "reopen":
        setStatus(mock, t, "open", null, { kind: "reopened" });
        break;
      case "pending":
        setStatus(mock, t, "pending", null, { kind: "pending" });
        break;
      case "snooze":
        setStatus(mock, t, "snoozed", change.until, { kind: "snoozed", until: change.until });
        break;
      case "setPriority":
        s.priority = change.priority;
        break;
      case "addLabel":
        if (!s.labels.includes(change.label)) s.labels = [...s.labels, change.label].sort((a, b) => a - b);
        break;
      case "removeLabel":
        s.labels = s.labels.filter((l) => l !== change.label);
        break;
      case "markRead":
        s.unreadCount = 0;
        break;
      case "markUnread":
        s.unreadCount = Math.max(s.unreadCount, 1);
        break;
    }
  }
  queueMicrotask(() => threadsChanged(mock, threadIds));
  return { applied: true, before, queuedReplies: queued };
}

export async function undoChange(mock: MockBackend, before: ThreadState[]): Promise<void> {
  mock.record("undo_change", { before });
  const restored: number[] = [];
  for (const b of before) {
    const t = mock.threads.get(b.threadId);
    if (!t) continue;
    Object.assign(t.summary, {
      status: b.status,
      snoozedUntil: b.snoozedUntil,
      priority: b.priority,
      unreadCount: b.unreadCount,
      labels: b.labels.filter((l) => mock.labels.some((x) => x.id === l)),
    });
    t.events = t.events.filter((e) => e.id <= b.eventsUpto);
    restored.push(b.threadId);
  }
  if (restored.length) queueMicrotask(() => threadsChanged(mock, restored));
}

function withCount(mock: MockBackend, l: Omit<Label, "threadCount">): Label {
  const threadCount = [...mock.threads.values()].filter((t) => t.summary.labels.includes(l.id)).length;
  return { ...l, threadCount };
}

function checkLabel(mock: MockBackend, name: string, color: string, except: number | null): [string, string] {
  const n = name.trim();
  const c = color.trim().toLowerCase();
  if (!n || [...n].length > 40) throw err("invalidInput", "A label's name is 1 to 40 characters.");
  if (!/^#[0-9a-f]{6}$/.test(c)) throw err("invalidInput", `"${color}" is not a colour; use #rrggbb.`);
  if (mock.labels.some((l) => l.id !== except && l.name.toLowerCase() === n.toLowerCase()))
    throw err("duplicate", `There is already a label called "${n}".`);
  return [n, c];
}

export async function listLabels(mock: MockBackend): Promise<Label[]> {
  mock.record("list_labels", {});
  return mock.labels
    .map((l) => withCount(mock, l))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" }) || a.id - b.id);
}

export async function createLabel(mock: MockBackend, name: string, color: string): Promise<Label> {
  mock.record("create_label", { name, color });
  const [n, c] = checkLabel(mock, name, color, null);
  const label = { id: mock.nextLabelId++, name: n, color: c };
  mock.labels.push(label);
  queueMicrotask(() => mock.emit({ kind: "labelsChanged" }));
  return withCount(mock, label);
}

export async function updateLabel(mock: MockBackend, labelId: number, name: string, color: string): Promise<Label> {
  mock.record("update_label", { labelId, name, color });
  const label = mock.labels.find((l) => l.id === labelId);
  if (!label) throw err("notFound", "This label no longer exists.");
  [label.name, label.color] = checkLabel(mock, name, color, labelId);
  queueMicrotask(() => mock.emit({ kind: "labelsChanged" }));
  return withCount(mock, label);
}

export async function deleteLabel(mock: MockBackend, labelId: number): Promise<void> {
  mock.record("delete_label", { labelId });
  if (!mock.labels.some((l) => l.id === labelId)) throw err("notFound", "This label no longer exists.");
  mock.labels = mock.labels.filter((l) => l.id !== labelId);
  const touched: number[] = [];
  for (const t of mock.threads.values()) {
    if (t.summary.labels.includes(labelId)) {
      t.summary.labels = t.summary.labels.filter((l) => l !== labelId);
      touched.push(t.summary.id);
    }
  }
  queueMicrotask(() => {
    mock.emit({ kind: "labelsChanged" });
    if (touched.length) mock.emit({ kind: "threadsChanged", threadIds: touched });
  });
}

/** The quick choices, in the machine's zone (as Rust computes them in the agent's). */
export async function snoozeChoices(mock: MockBackend): Promise<SnoozeChoice[]> {
  mock.record("snooze_choices", {});
  const now = new Date(mock.now());
  const at = (days: number, hour: number) => {
    const d = new Date(now);
    d.setDate(d.getDate() + days);
    d.setHours(hour, 0, 0, 0);
    return d;
  };
  const hm = (d: Date) => `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  const day = (d: Date) => d.toLocaleDateString("en-GB", { weekday: "short" });
  const out: SnoozeChoice[] = [];
  const push = (label: string, d: Date, when: string) => {
    if (d.getTime() > now.getTime()) out.push({ label, when, until: d.getTime() });
  };
  const inHour = new Date(now.getTime() + HOUR);
  push("In 1 hour", inHour, hm(inHour));
  if (now.getHours() < 17) push("This evening", at(0, 18), "18:00");
  const tomorrow = at(1, 9);
  push("Tomorrow", tomorrow, `${day(tomorrow)} 09:00`);
  const toMonday = (8 - now.getDay()) % 7 || 7;
  const monday = at(toMonday, 9);
  push("Next Monday", monday, `${day(monday)} ${monday.getDate()} ${monday.toLocaleDateString("en-GB", { month: "short" })} 09:00`);
  return out;
}

/** Test helper: time passes; snoozes that ended wake, in the order they were due. */
export function wakeSnoozed(mock: MockBackend): number[] {
  const now = mock.now();
  const due = [...mock.threads.values()]
    .filter((t) => t.summary.status === "snoozed" && (t.summary.snoozedUntil ?? Infinity) <= now)
    .sort((a, b) => (a.summary.snoozedUntil ?? 0) - (b.summary.snoozedUntil ?? 0) || a.summary.id - b.summary.id);
  for (const t of due) {
    const at = t.summary.snoozedUntil ?? now;
    t.summary.status = "open";
    t.summary.snoozedUntil = null;
    recordEvent(mock, t, at, { kind: "woke" });
  }
  const ids = due.map((t) => t.summary.id);
  if (ids.length) threadsChanged(mock, ids);
  return ids;
}
