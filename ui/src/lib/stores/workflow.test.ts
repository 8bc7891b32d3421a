import { describe, expect, it, vi } from "vitest";
import { appCommands, commandForKey, keyName } from "../commands";
import { fuzzyMatch, fuzzyRank, highlight } from "../fuzzy";
import type { ThreadSummary, ThreadView } from "../ipc/bindings";
import type { MockBackend } from "../ipc/mock";
import { placeChanged } from "../views";
import { AppState } from "./app.svelte";
import { COUNTS_DEBOUNCE_MS } from "./counts.svelte";
import { ThreadsStore } from "./threads.svelte";
import { UNDO_MS } from "./workflow.svelte";
import { mockPerTest, settle } from "./test-support";

const NOW = new Date(2024, 2, 14, 15, 30).getTime();
const HOUR = 3_600_000;

/** The first `n` rows of a view as a fresh read gives them (what the list must equal). */
async function truth(mock: MockBackend, view: ThreadView, n: number): Promise<number[]> {
  const page = await mock.listView(view, null, n);
  mock.calls.pop();
  return page.threads.map((t) => t.id);
}

const ids = (rows: readonly ThreadSummary[]) => rows.map((t) => t.id);
const calls = (mock: MockBackend, name: string) => mock.calls.filter(([c]) => c === name);

let mock: MockBackend;
mockPerTest({ now: () => NOW, threadCount: 45 }, (m) => (mock = m));

describe("placing changed conversations", () => {
  it("drops one that left the view, inserts one that entered at its place, moves and updates others", async () => {
    const store = new ThreadsStore(mock, 20);
    await store.loadFirst();
    await store.loadMore();
    expect(store.threads).toHaveLength(40);
    const shown = ids(store.threads);
    const [leaving, moving, updated] = [shown[3], shown[30], shown[10]];
    // One that entered: resolved earlier (not listed), reopened now; it sorts among the loaded rows.
    const entering = shown[12];
    await mock.changeThreads([entering], { kind: "resolve", sendQueued: true });
    await store.applyChanged([entering]);
    expect(ids(store.threads)).not.toContain(entering);

    await mock.changeThreads([leaving], { kind: "resolve", sendQueued: true });
    await mock.changeThreads([entering], { kind: "reopen" });
    await mock.changeThreads([updated], { kind: "setPriority", priority: 4 });
    mock.receive(moving, "Any news?", NOW + 60_000);
    const listed = mock.calls.length;
    await store.applyChanged([leaving, entering, updated, moving]);

    // One read of the four named conversations; no page was asked for again.
    expect(mock.calls.slice(listed)).toEqual([
      ["thread_summaries", { threadIds: [leaving, entering, updated, moving] }],
    ]);
    // Two left, one came back: the rows before the next page's cursor, as a fresh read has them.
    expect(store.threads).toHaveLength(39);
    expect(ids(store.threads)).toEqual(await truth(mock, { kind: "open" }, 39));
    expect(store.threads[0].id).toBe(moving);
    expect(store.threads.find((t) => t.id === updated)?.priority).toBe(4);
    expect(ids(store.threads)).not.toContain(leaving);
    expect(ids(store.threads)).toContain(entering);
  });

  it("leaves one whose place is past the loaded rows to the page that follows", async () => {
    const store = new ThreadsStore(mock, 20);
    await store.loadFirst();
    const beyond = (await mock.listView({ kind: "open" }, store.next, 5)).threads[2].id;
    await mock.changeThreads([beyond], { kind: "resolve", sendQueued: true });
    await mock.changeThreads([beyond], { kind: "reopen" });
    await store.applyChanged([beyond]);
    expect(ids(store.threads)).not.toContain(beyond);
    await store.loadMore();
    expect(ids(store.threads)).toEqual(await truth(mock, { kind: "open" }, 40));
    expect(ids(store.threads).filter((id) => id === beyond)).toHaveLength(1);
  });

  it("keeps a view's own order: Snoozed by wake-up, Waiting longest by the oldest wait", async () => {
    const store = new ThreadsStore(mock, 20);
    await store.setView({ kind: "snoozed" });
    expect(store.threads).toEqual([]);
    await mock.changeThreads([5], { kind: "snooze", until: NOW + 3 * HOUR });
    await mock.changeThreads([9], { kind: "snooze", until: NOW + HOUR });
    await store.applyChanged([5, 9]);
    expect(ids(store.threads)).toEqual([9, 5]);
    await mock.changeThreads([7], { kind: "snooze", until: NOW + 2 * HOUR });
    await store.applyChanged([7]);
    expect(ids(store.threads)).toEqual([9, 7, 5]);

    const rows = [
      { id: 1, waitingSince: 100, lastActivityAt: 500 },
      { id: 2, waitingSince: 300, lastActivityAt: 300 },
    ].map((r) => ({ ...mock.threads.get(r.id)!.summary, ...r }));
    const fresh = { ...mock.threads.get(3)!.summary, id: 3, waitingSince: 200, status: "open" as const };
    expect(ids(placeChanged({ kind: "waiting" }, rows, null, [3], [fresh]))).toEqual([1, 3, 2]);
    // Its answer came: it waits no longer and leaves.
    expect(ids(placeChanged({ kind: "waiting" }, rows, null, [2], [{ ...rows[1], waitingSince: null }]))).toEqual([1]);
  });

  it("moves the selection on when the selected row leaves, and unchecks rows that left", async () => {
    const store = new ThreadsStore(mock, 20);
    await store.loadFirst();
    const [a, b, c] = ids(store.threads);
    store.select(a);
    store.toggleChecked(c);
    await mock.changeThreads([a, c], { kind: "pending" });
    await store.applyChanged([a, c]);
    expect(store.selectedId).toBe(b);
    expect(store.checked).toEqual([]);
  });
});

describe("bulk selection", () => {
  it("checks with x, shift-click ranges and shift+j/k, and resolves the batch in one call that Undo undoes", async () => {
    vi.useFakeTimers({ now: NOW, toFake: ["setTimeout", "clearTimeout"] });
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    const t = app.threads;
    const row = (i: number) => t.threads[i].id;
    const [r0, r1, r2, r3, r4, r5] = [0, 1, 2, 3, 4, 5].map(row);

    // x on the focused row, again to uncheck it, then on another.
    t.select(r0);
    t.toggleChecked();
    expect(t.checked).toEqual([r0]);
    t.toggleChecked();
    expect(t.checked).toEqual([]);
    t.toggleChecked(r2);
    expect(t.checked).toEqual([r2]);
    // Shift-click from the last one checked.
    t.checkRange(r4);
    expect([...t.checked].sort()).toEqual([r2, r3, r4].sort());
    expect(t.selectedId).toBe(r4);
    t.clearChecked();

    // Shift+j twice from r1, then shift+k: the extension shrinks back.
    t.select(r1);
    t.extend(1);
    t.extend(1);
    expect([...t.checked].sort()).toEqual([r1, r2, r3].sort());
    t.extend(-1);
    expect([...t.checked].sort()).toEqual([r1, r2].sort());
    expect(t.selectedId).toBe(r2);
    // The keys reach the same actions.
    const cmds = appCommands(app);
    commandForKey(cmds, "Shift+J")!.run();
    commandForKey(cmds, "Shift+ArrowDown")!.run();
    expect([...t.checked].sort()).toEqual([r1, r2, r3, r4].sort());
    t.move(1); // a plain move ends the extension, keeping what is checked
    commandForKey(cmds, "x")!.run();
    expect([...t.checked].sort()).toEqual([r1, r2, r3, r4, r5].sort());
    t.toggleChecked(r4);
    t.toggleChecked(r5);

    // e resolves the three checked rows in one call.
    const before = mock.calls.length;
    commandForKey(cmds, "e")!.run();
    await settle(10);
    await t.applyChanged([]);
    const changes = calls(mock, "change_threads").filter((_, i, all) => mock.calls.indexOf(all[i]) >= before);
    expect(changes).toEqual([["change_threads", { threadIds: [r1, r2, r3], change: { kind: "resolve", sendQueued: null } }]]);
    for (const id of [r1, r2, r3]) expect(mock.threads.get(id)!.summary.status).toBe("resolved");
    expect(ids(t.threads)).not.toContain(r1);
    expect(t.checked).toEqual([]);
    expect(app.workflow.toast?.text).toBe("Resolved 3 conversations");

    // Undo puts the three back, in one call, and the rows return to their places.
    commandForKey(cmds, "z")!.run();
    await settle(10);
    await t.applyChanged([]);
    expect(calls(mock, "undo_change")).toHaveLength(1);
    for (const id of [r1, r2, r3]) expect(mock.threads.get(id)!.summary.status).toBe("open");
    expect(ids(t.threads)).toEqual(await truth(mock, { kind: "open" }, t.threads.length));
    expect(app.workflow.toast).toBeNull();
    app.stop();
  });

  it("applies snooze, label and mark read to every checked row in one call each", async () => {
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    const [a, b] = ids(app.threads.threads);
    app.threads.toggleChecked(a);
    app.threads.toggleChecked(b);
    const label = app.labels.labels[0].id;
    await app.workflow.toggleLabel(app.workflow.targets(), label);
    expect(calls(mock, "change_threads").at(-1)).toEqual(["change_threads", { threadIds: [a, b], change: { kind: "addLabel", label } }]);
    // The batch was cleared; check them again for the next action.
    app.threads.toggleChecked(a);
    app.threads.toggleChecked(b);
    await app.workflow.markRead(app.workflow.targets());
    expect(calls(mock, "change_threads").at(-1)?.[1]).toEqual({ threadIds: [a, b], change: { kind: "markRead" } });
    expect(mock.threads.get(a)!.summary.unreadCount).toBe(0);
    app.threads.toggleChecked(a);
    app.threads.toggleChecked(b);
    await app.workflow.snooze(app.workflow.targets(), NOW + HOUR);
    expect(calls(mock, "change_threads").at(-1)?.[1]).toEqual({ threadIds: [a, b], change: { kind: "snooze", until: NOW + HOUR } });
    expect(ids(app.threads.threads)).not.toContain(a);
    app.stop();
  });
});

describe("resolving and undoing", () => {
  it("e resolves the open conversation, moves on to the next, and Undo brings it back", async () => {
    vi.useFakeTimers({ now: NOW, toFake: ["setTimeout", "clearTimeout"] });
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    const [first, second] = ids(app.threads.threads);
    await app.openThread(first);
    const open = app.counts.counts!.open;

    commandForKey(appCommands(app), "e")!.run();
    await settle(10);
    await app.threads.applyChanged([]);
    await settle(10);
    expect(mock.threads.get(first)!.summary.status).toBe("resolved");
    expect(app.threads.selectedId).toBe(second);
    expect(app.conversation.threadId).toBe(second);
    expect(ids(app.threads.threads)).not.toContain(first);
    await vi.advanceTimersByTimeAsync(COUNTS_DEBOUNCE_MS + 1);
    expect(app.counts.counts!.open).toBe(open - 1);
    expect(app.workflow.toast?.text).toMatch(/^Resolved /);

    expect(await app.workflow.undo()).toBe(true);
    await settle(10);
    expect(mock.threads.get(first)!.summary.status).toBe("open");
    expect(ids(app.threads.threads)[0]).toBe(first);
    expect(app.threads.selectedId).toBe(first);
    expect(app.conversation.threadId).toBe(first);
    // The status history lost the resolve too.
    expect(mock.threads.get(first)!.events).toEqual([]);
    app.stop();
  });

  it("the toast goes after a while, and Undo does nothing then", async () => {
    vi.useFakeTimers({ now: NOW, toFake: ["setTimeout", "clearTimeout"] });
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    const id = app.threads.threads[0].id;
    await app.workflow.setPriority([id], 3);
    expect(app.workflow.toast?.text).toBe(`High priority on ${mock.threads.get(id)!.summary.contactName}`);
    await vi.advanceTimersByTimeAsync(UNDO_MS + 1);
    expect(app.workflow.toast).toBeNull();
    expect(await app.workflow.undo()).toBe(false);
    expect(calls(mock, "undo_change")).toHaveLength(0);
    expect(mock.threads.get(id)!.summary.priority).toBe(3);
    app.stop();
  });
});

describe("marking the open conversation unread", () => {
  it("closes it, so that showing it does not read it again", async () => {
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    const id = app.threads.threads[4].id;
    await app.openThread(id);
    expect(mock.threads.get(id)!.summary.unreadCount).toBe(0);
    commandForKey(appCommands(app), "Shift+U")!.run();
    await settle(10);
    await app.threads.applyChanged([]);
    await settle(10);
    expect(app.conversation.threadId).toBeNull();
    expect(mock.threads.get(id)!.summary.unreadCount).toBe(1);
    expect(app.threads.threads.find((t) => t.id === id)?.unreadCount).toBe(1);
    app.stop();
  });
});

describe("resolving with a reply still queued", () => {
  async function withQueued() {
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    const id = app.threads.threads[0].id;
    mock.setOnline(false);
    await mock.sendReply(id, "On its way!");
    return { app, id };
  }

  it("asks, and holds the reply when told to", async () => {
    const { app, id } = await withQueued();
    const done = app.workflow.resolve([id]);
    await settle(10);
    expect(app.workflow.question).toEqual({ queued: 1, conversations: 1 });
    expect(mock.threads.get(id)!.summary.status).toBe("open");
    app.workflow.answer(false);
    expect(await done).toBe(true);
    expect(calls(mock, "change_threads").map(([, a]) => a)).toEqual([
      { threadIds: [id], change: { kind: "resolve", sendQueued: null } },
      { threadIds: [id], change: { kind: "resolve", sendQueued: false } },
    ]);
    expect(mock.threads.get(id)!.summary.status).toBe("resolved");
    expect(mock.threads.get(id)!.messages.at(-1)?.delivery).toBe("held");
    expect(app.workflow.question).toBeNull();
    app.stop();
  });

  it("sends it when told to, and changes nothing when cancelled", async () => {
    const { app, id } = await withQueued();
    let done = app.workflow.resolve([id]);
    await settle(10);
    app.workflow.answer(null);
    expect(await done).toBe(false);
    expect(mock.threads.get(id)!.summary.status).toBe("open");
    expect(app.workflow.toast).toBeNull();
    done = app.workflow.resolve([id]);
    await settle(10);
    app.workflow.answer(true);
    expect(await done).toBe(true);
    expect(calls(mock, "change_threads").at(-1)?.[1]).toEqual({ threadIds: [id], change: { kind: "resolve", sendQueued: true } });
    expect(mock.threads.get(id)!.messages.at(-1)?.delivery).toBe("queued");
    expect(mock.threads.get(id)!.summary.status).toBe("resolved");
    app.stop();
  });
});

describe("views", () => {
  it("remember their selection and scroll position when the agent switches away and back", async () => {
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    const t = app.threads;
    await t.loadMore();
    expect(t.threads).toHaveLength(40);
    const picked = t.threads[33].id;
    t.select(picked);
    t.rememberScroll(1860);
    await mock.changeThreads([t.threads[0].id, t.threads[1].id], { kind: "pending" });

    await app.showView({ kind: "pending" });
    expect(t.view).toEqual({ kind: "pending" });
    expect(t.threads).toHaveLength(2);
    expect(t.selectedId).toBeNull();
    t.select(t.threads[1].id);
    const pendingPick = t.selectedId;

    await app.showView({ kind: "open" });
    // As many rows as it had (less the two now pending), the selection and the scroll back.
    expect(t.threads.length).toBeGreaterThanOrEqual(38);
    expect(t.selectedId).toBe(picked);
    expect(t.scrollRestore?.top).toBe(1860);
    await app.showView({ kind: "pending" });
    expect(t.selectedId).toBe(pendingPick);
    expect(t.scrollRestore?.top).toBe(0);
    app.stop();
  });

  it("lists a label's open conversations, and counts refresh once per burst of changes", async () => {
    vi.useFakeTimers({ now: NOW, toFake: ["setTimeout", "clearTimeout"] });
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    const label = app.labels.labels.find((l) => l.name === "VIP")!.id;
    const [a, b, c] = ids(app.threads.threads);
    const counted = calls(mock, "view_counts").length;
    await app.workflow.toggleLabel([a], label);
    await app.workflow.toggleLabel([b, c], label);
    mock.receive(a, "Thanks!", NOW + 1000);
    await settle(10);
    expect(calls(mock, "view_counts")).toHaveLength(counted);
    await vi.advanceTimersByTimeAsync(COUNTS_DEBOUNCE_MS + 1);
    expect(calls(mock, "view_counts")).toHaveLength(counted + 1);
    expect(app.counts.counts!.labels).toEqual([{ label, count: 3 }]);

    await app.showView({ kind: "label", label });
    expect(ids(app.threads.threads)).toEqual([a, b, c]);
    await app.workflow.resolve([b]);
    expect(ids(app.threads.threads)).toEqual([a, c]);
    app.stop();
  });
});

describe("views that lose what they list", () => {
  it("Unread keeps the conversation the agent opened, though opening read it", async () => {
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    await app.showView({ kind: "unread" });
    const unread = ids(app.threads.threads);
    expect(unread.length).toBeGreaterThan(2);
    await app.openThread(unread[1]);
    await settle(10);
    await app.threads.applyChanged([]);
    expect(mock.threads.get(unread[1])!.summary.unreadCount).toBe(0);
    expect(ids(app.threads.threads)).toEqual(unread);
    expect(app.threads.selectedId).toBe(unread[1]);
    // Another one read elsewhere (not open here) leaves.
    await app.workflow.markRead([unread[2]]);
    expect(ids(app.threads.threads)).toEqual(unread.filter((id) => id !== unread[2]));
    app.stop();
  });

  it("a label deleted while its view shows gives way to Open", async () => {
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    const vip = app.labels.labels.find((l) => l.name === "VIP")!;
    await app.showView({ kind: "label", label: vip.id });
    expect(await app.labels.remove(vip.id)).toBe(true);
    await settle(10);
    await app.threads.applyChanged([]);
    await settle(10);
    expect(app.threads.view).toEqual({ kind: "open" });
    expect(app.threads.threads.length).toBeGreaterThan(0);
    app.stop();
  });
});

describe("the labels manager", () => {
  it("creates, renames, recolours and deletes labels, saying why a change was refused", async () => {
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    const labels = app.labels;
    const color = labels.nextColor();
    expect(labels.labels.map((l) => l.color)).not.toContain(color);
    const refunds = await labels.create("  Refunds ", color);
    expect(refunds).toMatchObject({ name: "Refunds", color, threadCount: 0 });
    expect(labels.labels.map((l) => l.name)).toEqual(["Billing", "Refunds", "Shipping", "VIP"]);
    expect(await labels.create("vip", "#000000")).toBeNull();
    expect(labels.error?.code).toBe("duplicate");
    expect(await labels.update(refunds!.id, "Refund", "red")).toBeNull();
    expect(labels.error?.code).toBe("invalidInput");
    expect(await labels.update(refunds!.id, "Returns", "#dc2626")).toMatchObject({ name: "Returns", color: "#dc2626" });
    expect(labels.error).toBeNull();
    const [a, b] = ids(app.threads.threads);
    await app.workflow.toggleLabel([a, b], refunds!.id);
    await labels.load();
    expect(labels.byId.get(refunds!.id)?.threadCount).toBe(2);
    // The label in the rows; deleting it takes it off them.
    expect(app.threads.threads.find((t) => t.id === a)?.labels).toContain(refunds!.id);
    expect(await labels.remove(refunds!.id)).toBe(true);
    await settle(10);
    await app.threads.applyChanged([]);
    expect(app.threads.threads.find((t) => t.id === a)?.labels).not.toContain(refunds!.id);
    expect(labels.byId.has(refunds!.id)).toBe(false);
    app.stop();
  });
});

describe("the command palette", () => {
  it("matches fuzzily, best first, with the matched letters to highlight", () => {
    expect(fuzzyMatch("rslv", "Resolve")).not.toBeNull();
    expect(fuzzyMatch("vr", "Resolve")).toBeNull();
    expect(fuzzyMatch("", "Anything")?.score).toBe(0);
    const titles = ["Mark read", "Resolve", "Reopen", "Go to Resolved", "Labels…"];
    const rank = (q: string) => fuzzyRank(titles, q, (s) => s).map((r) => r.item);
    expect(rank("res")[0]).toBe("Resolve");
    expect(rank("gres")[0]).toBe("Go to Resolved");
    expect(rank("mr")).toEqual(["Mark read"]);
    expect(rank("reo")[0]).toBe("Reopen");
    const m = fuzzyMatch("gtr", "Go to Resolved")!;
    expect(highlight("Go to Resolved", m.positions)).toEqual([
      { text: "G", hit: true },
      { text: "o ", hit: false },
      { text: "t", hit: true },
      { text: "o ", hit: false },
      { text: "R", hit: true },
      { text: "esolved", hit: false },
    ]);
  });

  it("offers every action and view by name with its shortcut, and runs the one picked", async () => {
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    const cmds = appCommands(app);
    const titles = cmds.map((c) => c.title);
    for (const t of ["Resolve", "Snooze…", "Reopen", "Set priority…", "Labels…", "Go to Open", "Go to Waiting longest", "Go to Snoozed", "Go to label VIP", "Go to Telegram", "Manage labels", "Keyboard shortcuts"])
      expect(titles).toContain(t);
    expect(cmds.find((c) => c.id === "resolve")?.keys).toEqual(["e"]);
    expect(cmds.find((c) => c.id === "view-snoozed")?.keys).toEqual(["g s"]);

    const id = app.threads.threads[2].id;
    app.threads.select(id);
    const [best] = fuzzyRank(cmds, "resol", (c) => c.title);
    expect(best.item.id).toBe("resolve");
    best.item.run();
    await settle(10);
    expect(calls(mock, "change_threads")).toEqual([["change_threads", { threadIds: [id], change: { kind: "resolve", sendQueued: null } }]]);
    expect(mock.threads.get(id)!.summary.status).toBe("resolved");

    const other = app.threads.threads[0].id;
    app.threads.select(other);
    fuzzyRank(cmds, "snooze", (c) => c.title)[0].item.run();
    expect(app.overlay).toEqual({ kind: "snooze", ids: [other] });
    app.overlay = null;
    fuzzyRank(cmds, "go snoozed", (c) => c.title)[0].item.run();
    await settle(10);
    expect(app.threads.view).toEqual({ kind: "snoozed" });
    app.stop();
  });

  it("names key presses as the shortcuts are written", () => {
    const k = (key: string, mods: Partial<Record<"ctrlKey" | "shiftKey" | "altKey" | "metaKey", boolean>> = {}) =>
      keyName({ key, ctrlKey: false, shiftKey: false, altKey: false, metaKey: false, ...mods });
    expect(k("e")).toBe("e");
    expect(k("I", { shiftKey: true })).toBe("Shift+I");
    expect(k("j", { shiftKey: true })).toBe("Shift+J");
    expect(k("J")).toBe("Shift+J");
    expect(k("k", { ctrlKey: true })).toBe("Ctrl+K");
    expect(k("!", { shiftKey: true })).toBe("!");
    expect(k("?", { shiftKey: true })).toBe("?");
    expect(k("ArrowDown", { shiftKey: true })).toBe("Shift+ArrowDown");
    expect(k("Shift", { shiftKey: true })).toBeNull();
  });
});
