// Retention (issue 18), as crates/parley-core/src/retention.rs answers it: per account, the
// conversations resolved before the cut-off (`months` calendar months before now, in local
// time) are counted by the preview and deleted when the agent confirms it.
import type { AccountId, RetentionPreview, RetentionSettings } from "../bindings";
import type { MockBackend } from "./index";
import type { MockThread } from "./state";
import { clone, err } from "./state";

const DAY_MS = 86_400_000;
const MONTHS_MAX = 120;

const policies = new WeakMap<MockBackend, Map<AccountId, RetentionSettings>>();

function table(mock: MockBackend): Map<AccountId, RetentionSettings> {
  let t = policies.get(mock);
  if (!t) {
    t = new Map();
    policies.set(mock, t);
  }
  return t;
}

function row(mock: MockBackend, accountId: AccountId): RetentionSettings {
  return table(mock).get(accountId) ?? { accountId, months: null, lastRun: null, nextAt: null };
}

/** `months` calendar months before `now`, local time; a day the month lacks is its last. */
export function monthsBefore(now: number, months: number): number {
  const d = new Date(now);
  const day = d.getDate();
  d.setDate(1);
  d.setMonth(d.getMonth() - months);
  const last = new Date(d.getFullYear(), d.getMonth() + 1, 0).getDate();
  d.setDate(Math.min(day, last));
  return d.getTime();
}

/** When a conversation was last resolved (`null` unless it is resolved). */
function resolvedAt(t: MockThread): number | null {
  if (t.summary.status !== "resolved") return null;
  const events = t.events.filter((e) => e.event.kind === "resolved");
  return events.length ? Math.max(...events.map((e) => e.at)) : t.summary.lastActivityAt;
}

function due(mock: MockBackend, accountId: AccountId, cutoff: number): Array<[number, MockThread, number]> {
  const out: Array<[number, MockThread, number]> = [];
  for (const [id, t] of mock.threads) {
    const at = resolvedAt(t);
    if (t.summary.accountId === accountId && at !== null && at < cutoff) out.push([id, t, at]);
  }
  return out;
}

function checkMonths(months: number) {
  if (!Number.isInteger(months) || months < 1 || months > MONTHS_MAX)
    throw err("invalidInput", `Choose between 1 and ${MONTHS_MAX} months.`);
}

function mustAccount(mock: MockBackend, accountId: AccountId) {
  if (!mock.accounts.some((a) => a.id === accountId)) throw err("notFound", "This account no longer exists.");
}

export async function retentionSettings(mock: MockBackend): Promise<RetentionSettings[]> {
  mock.record("retention_settings", null);
  return mock.accounts.map((a) => clone(row(mock, a.id)));
}

export async function previewRetention(mock: MockBackend, accountId: AccountId, months: number): Promise<RetentionPreview> {
  mock.record("preview_retention", { accountId, months });
  checkMonths(months);
  mustAccount(mock, accountId);
  const cutoff = monthsBefore(mock.now(), months);
  const found = due(mock, accountId, cutoff);
  const times = found.map(([, , at]) => at);
  return {
    accountId,
    months,
    cutoff,
    conversations: found.length,
    messages: found.reduce((n, [, t]) => n + t.messages.length, 0),
    oldestResolvedAt: times.length ? Math.min(...times) : null,
    newestResolvedAt: times.length ? Math.max(...times) : null,
  };
}

export async function setRetention(
  mock: MockBackend,
  accountId: AccountId,
  months: number | null,
  cutoff: number | null,
): Promise<RetentionSettings> {
  mock.record("set_retention", { accountId, months, cutoff });
  mustAccount(mock, accountId);
  const now = mock.now();
  const r = row(mock, accountId);
  if (months === null) {
    table(mock).set(accountId, { ...r, months: null, nextAt: null });
  } else {
    checkMonths(months);
    if (cutoff === null) throw err("invalidInput", "Preview what this deletes first.");
    if (cutoff > monthsBefore(now, months))
      throw err("invalidInput", `That preview deletes conversations resolved less than ${months} months ago. Preview again.`);
    const found = due(mock, accountId, cutoff);
    for (const [id] of found) mock.threads.delete(id);
    table(mock).set(accountId, {
      accountId,
      months,
      nextAt: now + DAY_MS,
      lastRun: {
        startedAt: now,
        finishedAt: now,
        cutoff,
        conversations: found.length,
        messages: found.reduce((n, [, t]) => n + t.messages.length, 0),
        error: null,
      },
    });
    if (found.length) mock.emit({ kind: "threadsChanged", threadIds: [] });
  }
  mock.emit({ kind: "retentionChanged" });
  return clone(row(mock, accountId));
}
