import { describe, expect, it } from "vitest";
import type { MockBackend } from "../ipc/mock";
import { REVIEW_PAGE, ReviewStore } from "./review.svelte";
import { mockPerTest } from "./test-support";

const NOW = new Date(2024, 2, 14, 15, 30).getTime();

let mock: MockBackend;
mockPerTest({ now: () => NOW, threadCount: 120 }, (m) => (mock = m));

describe("the Review screen", () => {
  it("pages the filtered list without gaps or repeats, in the chosen order", async () => {
    const store = new ReviewStore(mock);
    await store.open();
    expect(store.rows).toHaveLength(REVIEW_PAGE);
    while (store.next !== null) await store.loadMore();
    expect(store.rows).toHaveLength(120);
    expect(new Set(store.rows.map((r) => r.threadId)).size).toBe(120);
    const starts = store.rows.map((r) => r.startedAt ?? 0);
    expect(starts).toEqual([...starts].sort((a, b) => b - a));

    store.setFilter({ channels: ["email"] });
    await store.reload();
    expect(store.rows.length).toBeGreaterThan(0);
    expect(store.rows.every((r) => r.channel === "email")).toBe(true);
    expect(mock.calls.filter(([c]) => c === "review_page").at(-1)?.[1]).toMatchObject({ filter: { channels: ["email"] }, cursor: null });
  });

  it("opens a transcript, annotates a message and finds the conversation as annotated", async () => {
    const store = new ReviewStore(mock);
    await store.open();
    const first = store.rows[0];
    await store.select(first.threadId);
    expect(store.transcript?.row.threadId).toBe(first.threadId);
    const message = store.messages[0].message;
    expect(await store.annotate(message.id, "", "should have offered a refund")).toBe(true);
    expect(store.transcript?.annotations[0].body).toBe("should have offered a refund");
    expect(store.rows[0].annotations).toBe(1);
    expect(await store.annotate(message.id, "", "   ")).toBe(false);
    expect(store.transcriptError?.code).toBe("invalidInput");
    store.setFilter({ annotatedOnly: true });
    await store.reload();
    expect(store.rows.map((r) => r.threadId)).toEqual([first.threadId]);
    await store.setTab("annotations");
    expect(store.annotations.map((a) => a.body)).toEqual(["should have offered a refund"]);
  });

  it("shows the metrics and an export's progress until it is done", async () => {
    const store = new ReviewStore(mock);
    store.metricsPeriod = { from: 0, to: NOW + 1 };
    await store.setTab("metrics");
    expect(store.metrics?.started).toBe(120);
    expect(store.metrics?.heatmap).toHaveLength(7);
    const seen: number[] = [];
    const stop = mock.onEvent((e) => {
      store.handleEvent(e);
      if (e.kind === "exportProgress") seen.push(store.exporting?.done ?? -1);
    });
    const out = await store.exportAs("csv", { kind: "threads", threads: [[...mock.threads.keys()][0]] });
    stop();
    expect(out?.conversations).toBe(1);
    expect(seen).toEqual([0, 1]);
    expect(store.exporting).toBeNull();
    expect(store.lastExport?.path).toContain(".csv");
  });

  it("ticks rows one by one and by shift-click ranges, and exports just those in the list's order", async () => {
    const store = new ReviewStore(mock);
    await store.open();
    const ids = store.rows.map((r) => r.threadId);
    store.toggleChecked(ids[2]);
    store.toggleChecked(ids[6], true);
    expect(store.checked).toEqual(ids.slice(2, 7));
    // A shift-click on a ticked row unticks the range from the last one clicked.
    store.toggleChecked(ids[4], true);
    expect(store.checked).toEqual([ids[2], ids[3]]);
    // A plain click ticks one row, wherever it is, and is kept in the list's order.
    store.toggleChecked(ids[0]);
    expect(store.checked).toEqual([ids[0], ids[2], ids[3]]);
    store.toggleChecked(ids[3]);
    expect(store.checked).toEqual([ids[0], ids[2]]);

    const out = await store.exportChecked("html", true);
    expect(out?.conversations).toBe(2);
    expect(mock.calls.filter(([c]) => c === "export_review").at(-1)?.[1]).toEqual({
      request: { format: "html", scope: { kind: "threads", threads: [ids[0], ids[2]] }, attachments: true, businessHours: false },
    });
    // With the list counting business hours, the chosen conversations are measured the same way.
    store.filter = { ...store.filter, businessHours: true };
    await store.exportChecked("csv");
    expect(mock.calls.filter(([c]) => c === "export_review").at(-1)?.[1]).toMatchObject({
      request: { format: "csv", businessHours: true },
    });
    store.filter = { ...store.filter, businessHours: false };

    // Everything the list shows so far; a new filter forgets the selection.
    store.checkAllListed();
    expect(store.checked).toEqual(ids);
    store.setFilter({ channels: ["email"] });
    expect(store.checked).toEqual([]);
    expect(await store.exportChecked("csv")).toBeNull();
  });

  it("counts business hours in the metrics and the list when asked, and keeps the choice on Clear", async () => {
    const store = new ReviewStore(mock);
    store.metricsPeriod = { from: 0, to: NOW + 1 };
    await store.setTab("metrics");
    store.setBusinessHours(true);
    await store.loadMetrics();
    await store.reload();
    expect(mock.calls.filter(([c]) => c === "review_metrics").at(-1)?.[1]).toMatchObject({ query: { businessHours: true } });
    expect(mock.calls.filter(([c]) => c === "review_page").at(-1)?.[1]).toMatchObject({ filter: { businessHours: true } });
    store.resetFilter();
    expect(store.filter.businessHours).toBe(true);
  });
});
