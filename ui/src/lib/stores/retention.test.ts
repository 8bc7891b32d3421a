import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatDate } from "../format";
import { createMockBackend, type MockBackend } from "../ipc/mock";
import { monthsBefore } from "../ipc/mock/retention";
import type { RetentionPreview } from "../ipc/bindings";
import { RetentionStore, monthsText, previewText, runText } from "./retention.svelte";

// 31 March, local time: a month before is the last day of February (29th in 2024).
const NOW = new Date(2024, 2, 31, 10, 0).getTime();
const CUTOFF = new Date(2024, 1, 29, 10, 0).getTime();

let mock: MockBackend;
beforeEach(() => {
  mock = createMockBackend({ now: () => NOW, threadCount: 6 });
});
afterEach(() => mock.dispose());

function resolve(id: number, at: number) {
  const t = mock.threads.get(id)!;
  t.summary.status = "resolved";
  t.events.push({ id: 1000 + id, at, event: { kind: "resolved" } });
}

describe("retention", () => {
  it("counts calendar months back in local time, a missing day being the month's last", () => {
    expect(monthsBefore(NOW, 1)).toBe(CUTOFF);
    expect(monthsBefore(new Date(2023, 2, 31, 10).getTime(), 1)).toBe(new Date(2023, 1, 28, 10).getTime());
    expect(monthsBefore(new Date(2024, 0, 15, 8).getTime(), 13)).toBe(new Date(2022, 11, 15, 8).getTime());
    expect(monthsText(1)).toBe("1 month");
    expect(monthsText(6)).toBe("6 months");
    expect(monthsText(24)).toBe("2 years");
  });

  it("says exactly what will be deleted before anything is, and deletes only that once confirmed", async () => {
    const account = mock.accounts[0]!.id;
    resolve(1, CUTOFF - 60_000);
    resolve(2, CUTOFF); // resolved exactly a month ago: not more than a month, it stays
    resolve(3, new Date(2024, 0, 5).getTime());
    const messages = mock.threads.get(1)!.messages.length + mock.threads.get(3)!.messages.length;
    const store = new RetentionStore(mock);
    await store.load();
    expect(store.row(account)).toMatchObject({ months: null, lastRun: null, nextAt: null });
    expect(store.chosen[account]).toBe(0);

    // Off: no preview, nothing to confirm.
    expect(await store.preview(account)).toBeNull();
    expect(await store.confirm(account)).toBe(false);

    store.choose(account, 1);
    const p = (await store.preview(account))!;
    expect(p).toMatchObject({ conversations: 2, messages, cutoff: CUTOFF });
    expect(previewText(p)).toBe(
      `2 conversations, ${messages} messages will be deleted (resolved between ${formatDate(new Date(2024, 0, 5).getTime())} and ${formatDate(CUTOFF - 60_000)}).`,
    );
    // Nothing went yet.
    expect(mock.threads.has(1) && mock.threads.has(3)).toBe(true);
    expect(mock.calls.some(([c]) => c === "set_retention")).toBe(false);

    expect(await store.confirm(account)).toBe(true);
    expect(mock.threads.has(1) || mock.threads.has(3)).toBe(false);
    expect(mock.threads.has(2)).toBe(true);
    const row = store.row(account)!;
    expect(row.months).toBe(1);
    expect(row.lastRun).toMatchObject({ conversations: 2, messages, cutoff: CUTOFF, finishedAt: NOW });
    expect(runText(row.lastRun!)).toContain(`deleted 2 conversations and ${messages} messages`);
    expect(store.previews[account]).toBeUndefined();
    // The confirmation sent the preview's cut-off, so exactly the counted went.
    expect(mock.calls.find(([c]) => c === "set_retention")?.[1]).toEqual({ accountId: account, months: 1, cutoff: CUTOFF });

    store.choose(account, 0);
    expect(await store.turnOff(account)).toBe(true);
    expect(store.row(account)).toMatchObject({ months: null, nextAt: null });
  });

  it("shows the core's refusal and keeps the words of a single item right", async () => {
    const account = mock.accounts[0]!.id;
    const store = new RetentionStore(mock);
    await store.load();
    store.choose(account, 3);
    const p = (await store.preview(account))!;
    expect(previewText(p)).toBe("No conversation was resolved more than 3 months ago: nothing will be deleted now.");
    // A preview whose cut-off reaches newer conversations than the months allow is refused.
    store.previews = { ...store.previews, [account]: { ...p, cutoff: NOW } };
    expect(await store.confirm(account)).toBe(false);
    expect(store.error?.code).toBe("invalidInput");
    const one: RetentionPreview = { ...p, conversations: 1, messages: 1, oldestResolvedAt: null, newestResolvedAt: null };
    expect(previewText(one)).toBe("1 conversation, 1 message will be deleted.");
    expect(
      runText({ startedAt: NOW, finishedAt: null, cutoff: CUTOFF, conversations: 3, messages: 9, error: null }),
    ).toMatch(/has deleted 3 conversations and 9 messages so far/);
  });
});
