import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { AccountId, IpcError, RetentionPreview, RetentionRun, RetentionSettings } from "../ipc/bindings";
import { formatDate, formatDateTime } from "../format";

/** The choices Settings offers (months); the core takes any of 1..=120. */
export const RETENTION_CHOICES = [1, 3, 6, 12, 24, 36, 60, 84, 120] as const;

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

export function monthsText(months: number): string {
  return months % 12 === 0 ? plural(months / 12, "year", "years") : plural(months, "month", "months");
}

/** "12 conversations, 340 messages will be deleted" — the exact count the agent confirms. */
export function previewText(p: RetentionPreview): string {
  if (p.conversations === 0) return `No conversation was resolved more than ${monthsText(p.months)} ago: nothing will be deleted now.`;
  const range =
    p.oldestResolvedAt !== null && p.newestResolvedAt !== null
      ? ` (resolved between ${formatDate(p.oldestResolvedAt)} and ${formatDate(p.newestResolvedAt)})`
      : "";
  return `${plural(p.conversations, "conversation", "conversations")}, ${plural(p.messages, "message", "messages")} will be deleted${range}.`;
}

/** The last run, in words. */
export function runText(run: RetentionRun): string {
  const what = `${plural(run.conversations, "conversation", "conversations")} and ${plural(run.messages, "message", "messages")}`;
  if (run.error) return `The run of ${formatDateTime(run.startedAt)} stopped after deleting ${what}: ${run.error}`;
  if (run.finishedAt === null) return `A run started ${formatDateTime(run.startedAt)} has deleted ${what} so far; it finishes on the next pass.`;
  return `Last run ${formatDateTime(run.finishedAt)}: deleted ${what} resolved before ${formatDate(run.cutoff)}.`;
}

/**
 * Settings → Retention (issue 18): per account, "Delete conversations resolved more than N
 * months ago", Off by default. Turning it on (or running it again) shows the exact count first
 * and deletes only what that preview showed, once confirmed.
 */
export class RetentionStore {
  rows = $state<RetentionSettings[]>([]);
  /** The months chosen in each account's menu (0: Off). */
  chosen = $state<Record<number, number>>({});
  /** The preview waiting for the agent's confirmation, per account. */
  previews = $state<Record<number, RetentionPreview>>({});
  error = $state<IpcError | null>(null);
  busy = $state(false);

  #backend: Backend;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async load(): Promise<void> {
    try {
      this.#fill(await this.#backend.retentionSettings());
      this.error = null;
    } catch (e) {
      this.error = toIpcError(e);
    }
  }

  #fill(rows: RetentionSettings[]): void {
    this.rows = rows;
    const chosen: Record<number, number> = {};
    for (const r of rows) chosen[r.accountId] = this.chosen[r.accountId] ?? r.months ?? 0;
    this.chosen = chosen;
  }

  row(accountId: AccountId): RetentionSettings | undefined {
    return this.rows.find((r) => r.accountId === accountId);
  }

  /** A new choice drops the preview of the old one. */
  choose(accountId: AccountId, months: number): void {
    this.chosen = { ...this.chosen, [accountId]: months };
    this.cancel(accountId);
  }

  cancel(accountId: AccountId): void {
    const { [accountId]: _, ...rest } = this.previews;
    this.previews = rest;
  }

  async #run<T>(op: () => Promise<T>): Promise<T | null> {
    this.busy = true;
    this.error = null;
    try {
      return await op();
    } catch (e) {
      this.error = toIpcError(e);
      return null;
    } finally {
      this.busy = false;
    }
  }

  /** Counts what the chosen retention would delete now (nothing is deleted yet). */
  async preview(accountId: AccountId): Promise<RetentionPreview | null> {
    const months = this.chosen[accountId] ?? 0;
    if (months === 0) return null;
    const p = await this.#run(() => this.#backend.previewRetention(accountId, months));
    if (p) this.previews = { ...this.previews, [accountId]: p };
    return p;
  }

  /** Turns the previewed retention on: deletes exactly what the preview counted, then daily. */
  async confirm(accountId: AccountId): Promise<boolean> {
    const p = this.previews[accountId];
    if (!p) return false;
    const saved = await this.#run(() => this.#backend.setRetention(accountId, p.months, p.cutoff));
    if (!saved) return false;
    this.cancel(accountId);
    this.#put(saved);
    return true;
  }

  /** Off: nothing more is deleted. */
  async turnOff(accountId: AccountId): Promise<boolean> {
    const saved = await this.#run(() => this.#backend.setRetention(accountId, null, null));
    if (!saved) return false;
    this.cancel(accountId);
    this.chosen = { ...this.chosen, [accountId]: 0 };
    this.#put(saved);
    return true;
  }

  #put(saved: RetentionSettings): void {
    this.rows = this.rows.map((r) => (r.accountId === saved.accountId ? saved : r));
  }
}
