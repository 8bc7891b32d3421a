// The manager's review (issue 16), as crates/parley-store/src/review.rs, metrics.rs and
// annotations.rs answer it, over the mock's conversations: measures derived from the messages,
// the filter, keyset pages, annotations, the checklist, metrics (in UTC) and exports (recorded).
import type {
  Annotation,
  AnnotationFilter,
  AnnotationInput,
  ChannelKind,
  ChecklistItem,
  ChecklistKind,
  ChecklistScore,
  DayVolume,
  DurationStats,
  ExportOutcome,
  ExportRequest,
  Metrics,
  MetricsQuery,
  PageCursor,
  ResponseTarget,
  ReviewCursor,
  ReviewFilter,
  ReviewPage,
  ReviewRow,
  ThreadId,
  Transcript,
  TranscriptMessage,
  TranscriptPage,
} from "../bindings";
import { CHANNEL_NAMES } from "../bindings";
import type { MockBackend } from "./index";
import { clone, err, type MockThread } from "./state";

const PAGE = 200;
const DAY = 86_400_000;

export type ReviewState = {
  targets: Record<string, number>;
  annotations: Annotation[];
  checklist: ChecklistItem[];
  scores: Map<number, ChecklistScore[]>;
  nextId: number;
};

export function reviewState(mock: MockBackend): ReviewState {
  const m = mock as MockBackend & { review?: ReviewState };
  m.review ??= { targets: {}, annotations: [], checklist: [], scores: new Map(), nextId: 1 };
  return m.review;
}

function targetMinutes(mock: MockBackend, channel: ChannelKind): number {
  return reviewState(mock).targets[channel] ?? (channel === "email" ? 240 : 30);
}

function rowOf(mock: MockBackend, t: MockThread): ReviewRow {
  const s = t.summary;
  const msgs = [...t.messages].sort((a, b) => a.sentAt - b.sentAt || a.id - b.id);
  const firstIn = msgs.find((m) => m.direction === "inbound");
  const answer = firstIn ? msgs.find((m) => m.direction === "outbound" && m.sentAt >= firstIn.sentAt) : undefined;
  const firstResponseMs = firstIn && answer ? answer.sentAt - firstIn.sentAt : null;
  const wait = firstIn ? (firstResponseMs ?? mock.now() - firstIn.sentAt) : null;
  const st = reviewState(mock);
  const resolved = [...t.events].reverse().find((e) => e.event.kind === "resolved");
  return {
    threadId: s.id,
    channel: s.channel,
    accountId: s.accountId,
    accountName: mock.accounts.find((a) => a.id === s.accountId)?.name ?? "",
    contactId: s.contactId,
    contactName: s.contactName,
    status: s.status,
    priority: s.priority,
    vip: s.vip,
    labels: s.labels,
    snippet: s.snippet,
    startedAt: msgs[0]?.sentAt ?? null,
    lastActivityAt: s.lastActivityAt,
    firstResponseMs,
    firstResponder: answer?.authorName ?? null,
    waitingSince: s.waitingSince,
    resolvedAt: s.status === "resolved" ? (resolved?.at ?? s.lastActivityAt) : null,
    messageCount: msgs.length,
    slow: wait !== null && wait > targetMinutes(mock, s.channel) * 60_000,
    annotations: st.annotations.filter((a) => a.threadId === s.id).length + (st.scores.get(s.id)?.length ?? 0),
  };
}

function keyOf(f: ReviewFilter, r: ReviewRow): number | null {
  switch (f.sort) {
    case "date":
      return r.startedAt;
    case "wait":
      return r.waitingSince;
    case "firstResponse":
      return r.firstResponseMs;
    case "length":
      return r.messageCount;
  }
}

function matches(mock: MockBackend, f: ReviewFilter, t: MockThread, r: ReviewRow): boolean {
  if (r.startedAt === null) return false;
  if (f.from !== null && r.startedAt < f.from) return false;
  if (f.to !== null && r.startedAt >= f.to) return false;
  if (f.channels.length && !f.channels.includes(r.channel)) return false;
  if (f.accounts.length && !f.accounts.includes(r.accountId)) return false;
  if (f.statuses.length && !f.statuses.includes(r.status)) return false;
  if (f.labels.length && !r.labels.some((l) => f.labels.includes(l))) return false;
  if (f.minPriority !== null && r.priority < f.minPriority) return false;
  if (f.vipOnly && !r.vip) return false;
  if (f.contact !== null && r.contactId !== f.contact) return false;
  const words = (f.text ?? "").trim().toLowerCase();
  if (words && !t.messages.some((m) => m.text.toLowerCase().includes(words))) return false;
  if (f.slowOnly && !r.slow) return false;
  if (f.unansweredOnly && !(r.firstResponseMs === null && t.messages.some((m) => m.direction === "inbound"))) return false;
  if (f.responder && r.firstResponder !== f.responder) return false;
  if (f.annotatedOnly && r.annotations === 0) return false;
  void mock;
  return true;
}

export function filterRows(mock: MockBackend, f: ReviewFilter): ReviewRow[] {
  const down = f.descending !== (f.sort === "wait");
  return [...mock.threads.values()]
    .map((t) => [t, rowOf(mock, t)] as const)
    .filter(([t, r]) => matches(mock, f, t, r) && keyOf(f, r) !== null)
    .map(([, r]) => r)
    .sort((a, b) => {
      const d = (keyOf(f, a) ?? 0) - (keyOf(f, b) ?? 0) || a.threadId - b.threadId;
      return down ? -d : d;
    });
}

export async function reviewPage(mock: MockBackend, filter: ReviewFilter, cursor: ReviewCursor | null, limit: number): Promise<ReviewPage> {
  mock.record("review_page", { filter, cursor, limit });
  const n = Math.min(Math.max(limit, 1), PAGE);
  const down = filter.descending !== (filter.sort === "wait");
  let rows = filterRows(mock, filter);
  if (cursor) {
    rows = rows.filter((r) => {
      const k = keyOf(filter, r) ?? 0;
      const after = k > cursor.key || (k === cursor.key && r.threadId > cursor.id);
      const beforeIt = k < cursor.key || (k === cursor.key && r.threadId < cursor.id);
      return down ? beforeIt : after;
    });
  }
  const page = rows.slice(0, n);
  const last = page[page.length - 1];
  return { rows: clone(page), next: rows.length > n && last ? { key: keyOf(filter, last) ?? 0, id: last.threadId } : null };
}

export async function reviewResponders(mock: MockBackend): Promise<string[]> {
  mock.record("review_responders", null);
  const names = new Set<string>();
  for (const t of mock.threads.values()) {
    const r = rowOf(mock, t);
    if (r.firstResponder) names.add(r.firstResponder);
  }
  return [...names].sort();
}

function transcriptMessages(mock: MockBackend, ids: ThreadId[]): TranscriptMessage[] {
  const out: TranscriptMessage[] = [];
  for (const id of ids) {
    const t = mock.mustThread(id);
    for (const m of t.messages) {
      out.push({
        message: clone(m),
        channel: t.summary.channel,
        accountName: mock.accounts.find((a) => a.id === t.summary.accountId)?.name ?? "",
        authorKind: m.direction === "inbound" ? "customer" : "agent",
      });
    }
  }
  return out.sort((a, b) => a.message.sentAt - b.message.sentAt || a.message.id - b.message.id);
}

function pageOf(all: TranscriptMessage[], cursor: PageCursor | null): TranscriptPage {
  const rest = cursor
    ? all.filter((m) => m.message.sentAt > cursor.at || (m.message.sentAt === cursor.at && m.message.id > cursor.id))
    : all;
  const messages = rest.slice(0, PAGE);
  const last = messages[messages.length - 1];
  return { messages, next: rest.length > PAGE && last ? { at: last.message.sentAt, id: last.message.id } : null };
}

export async function reviewTranscript(mock: MockBackend, threadId: ThreadId, wholeDialogue: boolean): Promise<Transcript> {
  mock.record("review_transcript", { threadId, wholeDialogue });
  const t = mock.mustThread(threadId);
  const row = rowOf(mock, t);
  const ids = wholeDialogue
    ? [...mock.threads.values()].filter((x) => x.summary.contactId === row.contactId).map((x) => x.summary.id)
    : [threadId];
  const st = reviewState(mock);
  return {
    row,
    wholeDialogue,
    threadIds: ids,
    firstPage: pageOf(transcriptMessages(mock, ids), null),
    events: ids.flatMap((id) => mock.mustThread(id).events.map(({ at, event }) => ({ at, event }))).sort((a, b) => a.at - b.at),
    notes: clone(mock.contacts.get(row.contactId)?.notes ?? []),
    annotations: clone(st.annotations.filter((a) => a.threadId === threadId)),
    checklist: clone(st.checklist),
    scores: clone(st.scores.get(threadId) ?? []),
  };
}

export async function transcriptPage(mock: MockBackend, threadIds: ThreadId[], cursor: PageCursor): Promise<TranscriptPage> {
  mock.record("transcript_page", { threadIds, cursor });
  return pageOf(transcriptMessages(mock, threadIds), cursor);
}

export async function addAnnotation(mock: MockBackend, input: AnnotationInput): Promise<Annotation> {
  mock.record("add_annotation", { input });
  const body = input.body.trim();
  if (!body) throw err("invalidInput", "Not saved: an annotation needs some words.");
  const t = mock.mustThread(input.threadId);
  if (input.messageId !== null && !t.messages.some((m) => m.id === input.messageId)) {
    throw err("notFound", "This message is not in the conversation.");
  }
  const st = reviewState(mock);
  const now = mock.now();
  const a: Annotation = {
    id: st.nextId++,
    threadId: input.threadId,
    messageId: input.messageId,
    quote: input.quote.trim(),
    body,
    author: "You",
    createdAt: now,
    updatedAt: now,
    contactName: t.summary.contactName,
    channel: t.summary.channel,
  };
  st.annotations.push(a);
  return clone(a);
}

export async function updateAnnotation(mock: MockBackend, id: number, body: string): Promise<Annotation> {
  mock.record("update_annotation", { id, body });
  const a = reviewState(mock).annotations.find((x) => x.id === id);
  if (!a) throw err("notFound", "This annotation no longer exists.");
  if (!body.trim()) throw err("invalidInput", "Not saved: an annotation needs some words.");
  a.body = body.trim();
  a.updatedAt = mock.now();
  return clone(a);
}

export async function deleteAnnotation(mock: MockBackend, id: number): Promise<void> {
  mock.record("delete_annotation", { id });
  const st = reviewState(mock);
  st.annotations = st.annotations.filter((a) => a.id !== id);
}

export async function listAnnotations(mock: MockBackend, filter: AnnotationFilter): Promise<Annotation[]> {
  mock.record("list_annotations", { filter });
  const words = (filter.text ?? "").trim().toLowerCase();
  return clone(
    reviewState(mock)
      .annotations.filter(
        (a) =>
          (filter.threadId === null || a.threadId === filter.threadId) &&
          (!words || a.body.toLowerCase().includes(words) || a.quote.toLowerCase().includes(words)) &&
          (filter.from === null || a.createdAt >= filter.from) &&
          (filter.to === null || a.createdAt < filter.to),
      )
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id),
  );
}

export async function reviewChecklist(mock: MockBackend): Promise<ChecklistItem[]> {
  mock.record("review_checklist", null);
  return clone(reviewState(mock).checklist);
}

export async function addChecklistItem(mock: MockBackend, label: string, kind: ChecklistKind): Promise<ChecklistItem> {
  mock.record("add_checklist_item", { label, kind });
  if (!label.trim()) throw err("invalidInput", "Not saved: a checklist item is 1 to 80 characters.");
  const st = reviewState(mock);
  const item = { id: st.nextId++, label: label.trim(), kind };
  st.checklist.push(item);
  return clone(item);
}

export async function removeChecklistItem(mock: MockBackend, id: number): Promise<void> {
  mock.record("remove_checklist_item", { id });
  const st = reviewState(mock);
  st.checklist = st.checklist.filter((i) => i.id !== id);
  for (const [t, s] of st.scores) st.scores.set(t, s.filter((x) => x.itemId !== id));
}

export async function setChecklistScore(mock: MockBackend, threadId: ThreadId, itemId: number, score: number | null): Promise<ChecklistScore[]> {
  mock.record("set_checklist_score", { threadId, itemId, score });
  const st = reviewState(mock);
  const item = st.checklist.find((i) => i.id === itemId);
  if (!item) throw err("notFound", "This checklist item no longer exists.");
  if (score !== null && (item.kind === "yesNo" ? score !== 0 && score !== 1 : score < 1 || score > 5)) {
    throw err("invalidInput", "Not saved: that score does not fit the item.");
  }
  const rest = (st.scores.get(threadId) ?? []).filter((s) => s.itemId !== itemId);
  if (score !== null) rest.push({ itemId, score, author: "You", scoredAt: mock.now() });
  st.scores.set(threadId, rest);
  return clone(rest);
}

export async function reviewTargets(mock: MockBackend): Promise<ResponseTarget[]> {
  mock.record("review_targets", null);
  return (Object.keys(CHANNEL_NAMES) as ChannelKind[]).map((channel) => ({ channel, minutes: targetMinutes(mock, channel) }));
}

export async function setReviewTargets(mock: MockBackend, targets: ResponseTarget[]): Promise<ResponseTarget[]> {
  mock.record("set_review_targets", { targets });
  for (const t of targets) reviewState(mock).targets[t.channel] = t.minutes;
  return reviewTargets(mock);
}

function stats(values: number[]): DurationStats {
  const v = [...values].sort((a, b) => a - b);
  const rank = (p: number) => (v.length ? v[Math.min(v.length, Math.max(1, Math.ceil(p * v.length))) - 1] : null);
  return { count: v.length, medianMs: rank(0.5), p90Ms: rank(0.9) };
}

export async function reviewMetrics(mock: MockBackend, query: MetricsQuery): Promise<Metrics> {
  mock.record("review_metrics", { query });
  if (query.to <= query.from) throw err("invalidInput", "The period ends before it starts: choose an end after the start.");
  const rows = [...mock.threads.values()]
    .map((t) => rowOf(mock, t))
    .filter((r) => (!query.channels.length || query.channels.includes(r.channel)) && (!query.accounts.length || query.accounts.includes(r.accountId)));
  const started = rows.filter((r) => r.startedAt !== null && r.startedAt >= query.from && r.startedAt < query.to);
  const resolved = rows.filter((r) => r.resolvedAt !== null && r.resolvedAt >= query.from && r.resolvedAt < query.to);
  const heatmap = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  const perDay = new Map<string, DayVolume>();
  for (const r of started) {
    const at = r.startedAt ?? 0;
    const d = new Date(at);
    heatmap[(d.getUTCDay() + 6) % 7][d.getUTCHours()] += 1;
    const day = new Date(Math.floor(at / DAY) * DAY).toISOString().slice(0, 10);
    const key = `${day}|${r.channel}`;
    const v = perDay.get(key) ?? { day, channel: r.channel, conversations: 0 };
    v.conversations += 1;
    perDay.set(key, v);
  }
  const channels = [...new Set(started.map((r) => r.channel))];
  return {
    query: clone(query),
    timeZone: "UTC",
    // The mock keeps no business-hours calendar: its times are wall-clock.
    businessHours: false,
    started: started.length,
    resolved: resolved.length,
    unanswered: started.filter((r) => r.firstResponseMs === null).length,
    firstResponse: stats(started.flatMap((r) => (r.firstResponseMs === null ? [] : [r.firstResponseMs]))),
    resolution: stats(resolved.map((r) => (r.resolvedAt ?? 0) - (r.startedAt ?? 0))),
    withinTarget: channels.map((channel) => {
      const answered = started.filter((r) => r.channel === channel && r.firstResponseMs !== null);
      const target = targetMinutes(mock, channel);
      return { channel, targetMinutes: target, answered: answered.length, within: answered.filter((r) => (r.firstResponseMs ?? 0) <= target * 60_000).length };
    }),
    messagesPerConversation: started.length ? started.reduce((n, r) => n + r.messageCount, 0) / started.length : 0,
    heatmap,
    perDay: [...perDay.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.channel < b.channel ? -1 : 1)),
  };
}

export async function exportReview(mock: MockBackend, request: ExportRequest): Promise<ExportOutcome> {
  mock.record("export_review", { request });
  const ids = request.scope.kind === "threads" ? request.scope.threads : filterRows(mock, request.scope.filter).map((r) => r.threadId);
  if (!ids.length) throw err("invalidInput", "No conversation to export: choose one or change the filter.");
  const total = ids.length;
  mock.emit({ kind: "exportProgress", done: 0, total });
  const messages = ids.reduce((n, id) => n + mock.mustThread(id).messages.length, 0);
  mock.emit({ kind: "exportProgress", done: total, total });
  return { path: `/tmp/parley-export.${request.format}`, conversations: total, messages, cancelled: false, notes: [] };
}

export async function cancelExport(mock: MockBackend): Promise<void> {
  mock.record("cancel_export", null);
}

export async function saveNumbersCsv(mock: MockBackend, name: string, csv: string): Promise<string | null> {
  mock.record("save_numbers_csv", { name, csv });
  return `/tmp/${name}`;
}
