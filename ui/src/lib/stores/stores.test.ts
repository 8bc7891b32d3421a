import { describe, expect, it, vi } from "vitest";
import type { Backend } from "../ipc/backend";
import { createMockBackend, type MockBackend } from "../ipc/mock";
import { AccountsStore } from "./accounts.svelte";
import { AppState } from "./app.svelte";
import { ConversationStore, DRAFT_DEBOUNCE_MS } from "./conversation.svelte";
import { SearchStore, SEARCH_DEBOUNCE_MS } from "./search.svelte";
import { HOLD_MS, ThreadsStore } from "./threads.svelte";
import { mockPerTest, settle } from "./test-support";

const NOW = new Date(2024, 2, 14, 15, 30).getTime();

let mock: MockBackend;
mockPerTest({ now: () => NOW, threadCount: 45 }, (m) => (mock = m));

describe("mockBackend", () => {
  it("pages threads newest first without overlap", async () => {
    const first = await mock.listThreads(null, 20);
    expect(first.threads).toHaveLength(20);
    const second = await mock.listThreads(first.next, 20);
    const third = await mock.listThreads(second.next, 20);
    expect(third.threads).toHaveLength(5);
    expect(third.next).toBeNull();
    const all = [...first.threads, ...second.threads, ...third.threads];
    expect(new Set(all.map((t) => t.id)).size).toBe(45);
    for (let i = 1; i < all.length; i++) expect(all[i - 1].lastActivityAt).toBeGreaterThanOrEqual(all[i].lastActivityAt);
  });

  it("rejects with IpcError objects", async () => {
    await expect(mock.openThread(9999)).rejects.toMatchObject({ code: "notFound" });
    await expect(mock.addTelegramAccount("nope")).rejects.toMatchObject({ code: "invalidInput" });
  });
});

describe("ThreadsStore", () => {
  it("loads pages as the user scrolls", async () => {
    const store = new ThreadsStore(mock, 20);
    await store.loadFirst();
    expect(store.threads).toHaveLength(20);
    expect(store.hasMore).toBe(true);
    await store.loadMore();
    expect(store.threads).toHaveLength(40);
    await store.loadMore();
    expect(store.threads).toHaveLength(45);
    expect(store.hasMore).toBe(false);
    await store.loadMore();
    expect(store.threads).toHaveLength(45);
  });

  it("places a conversation a change names at the top, re-reading only it", async () => {
    const store = new ThreadsStore(mock, 20);
    await store.loadFirst();
    await store.loadMore();
    expect(store.threads).toHaveLength(40);
    const quiet = store.threads[35];
    mock.receive(quiet.id, "Hello again?", NOW + 60_000);
    const before = mock.calls.length;
    store.handleEvent({ kind: "threadsChanged", threadIds: [quiet.id] });
    await store.applyChanged([]);
    expect(store.threads).toHaveLength(40);
    expect(store.threads[0].id).toBe(quiet.id);
    expect(store.threads[0].unreadCount).toBe(1);
    expect(store.threads[0].snippet).toBe("Hello again?");
    expect(new Set(store.threads.map((t) => t.id)).size).toBe(40);
    expect(mock.calls.slice(before)).toEqual([["thread_summaries", { threadIds: [quiet.id] }]]);
  });

  it("reloads the loaded range when an event names no conversation, coalescing calls", async () => {
    const store = new ThreadsStore(mock, 20);
    await store.loadFirst();
    await store.loadMore();
    const before = mock.calls.length;
    // Calls that arrive before the reload starts make one; one arriving during it, one more.
    const a = store.reload();
    const b = store.reload();
    store.handleEvent({ kind: "threadsChanged", threadIds: [] });
    await a;
    await b;
    expect(mock.calls.slice(before).map(([c]) => c)).toEqual(["list_view"]);
    expect(mock.calls[mock.calls.length - 1][1]).toMatchObject({ view: { kind: "open" }, cursor: null, limit: 40 });
    const c = store.reload();
    await Promise.resolve();
    const d = store.reload();
    await Promise.all([c, d]);
    expect(mock.calls.length - before).toBe(3);
    expect(store.threads).toHaveLength(40);
  });

  it("holds its order while the pointer aims at a row, and catches up when it rests or leaves", async () => {
    vi.useFakeTimers({ now: NOW, toFake: ["setTimeout", "clearTimeout", "Date"] });
    const store = new ThreadsStore(mock, 20);
    await store.loadFirst();
    const order = () => store.threads.map((t) => t.id);
    const before = order();
    const aimed = store.threads[3];
    const quiet = store.threads[10];

    // The agent moves towards row 3 while a customer of row 10 writes.
    store.pointerMoved();
    mock.receive(quiet.id, "Still there?", NOW + 60_000);
    await store.applyChanged([quiet.id]);
    expect(order()).toEqual(before);
    expect(store.threads[3].id).toBe(aimed.id);
    // The row itself shows the news where it stands.
    expect(store.threads[10].snippet).toBe("Still there?");
    expect(store.threads[10].unreadCount).toBe(1);

    // Pressed: held however long the press lasts.
    store.pointerPressed(true);
    vi.advanceTimersByTime(5_000);
    expect(order()).toEqual(before);
    store.pointerPressed(false);
    vi.advanceTimersByTime(500);
    expect(order()).toEqual(before);
    store.pointerMoved();
    vi.advanceTimersByTime(999);
    expect(order()).toEqual(before);
    // At rest for a moment: the new order shows.
    vi.advanceTimersByTime(2);
    expect(store.threads[0].id).toBe(quiet.id);
    expect(store.holding).toBe(false);

    // Leaving the list releases at once; not holding, a reload applies at once.
    store.pointerMoved();
    mock.receive(aimed.id, "Hello?", NOW + 120_000);
    await store.applyChanged([aimed.id]);
    expect(store.threads[0].id).toBe(quiet.id);
    store.pointerLeft();
    expect(store.threads[0].id).toBe(aimed.id);
    mock.receive(before[15], "Anyone?", NOW + 180_000);
    await store.applyChanged([before[15]]);
    expect(store.threads[0].id).toBe(before[15]);
    // A change the agent made from the keyboard shows at once, hold or not; what comes next
    // while the hold lasts still waits for its end.
    store.pointerMoved();
    mock.receive(before[16], "Hi?", NOW + 240_000);
    await store.applyChanged([before[16]], { now: true });
    expect(store.threads[0].id).toBe(before[16]);
    mock.receive(before[17], "Hello?", NOW + 300_000);
    await store.applyChanged([before[17]]);
    expect(store.threads[0].id).toBe(before[16]);
    vi.advanceTimersByTime(HOLD_MS + 1);
    expect(store.threads[0].id).toBe(before[17]);
  });

  it("keeps a thread read while held, and pages loaded while held survive the release", async () => {
    vi.useFakeTimers({ now: NOW, toFake: ["setTimeout", "clearTimeout", "Date"] });
    const store = new ThreadsStore(mock, 20);
    await store.loadFirst();
    const quiet = store.threads[10];
    store.pointerMoved();
    mock.receive(quiet.id, "Still there?", NOW + 60_000);
    await store.applyChanged([quiet.id]);
    store.markRead(quiet.id);
    await store.loadMore();
    expect(store.threads).toHaveLength(40);
    store.pointerLeft();
    expect(store.threads).toHaveLength(40);
    expect(store.threads[0].id).toBe(quiet.id);
    expect(store.threads[0].unreadCount).toBe(0);
    expect(new Set(store.threads.map((t) => t.id)).size).toBe(40);
  });

  it("moves the selection with j/k semantics", async () => {
    const store = new ThreadsStore(mock, 20);
    await store.loadFirst();
    expect(store.move(1)).toBe(store.threads[0].id);
    expect(store.move(1)).toBe(store.threads[1].id);
    expect(store.move(-1)).toBe(store.threads[0].id);
    expect(store.move(-1)).toBe(store.threads[0].id);
  });
});

describe("opening a thread", () => {
  it("marks it read in the list and loads messages, draft and contact", async () => {
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    const unread = app.threads.threads.find((t) => t.unreadCount > 0);
    expect(unread).toBeDefined();
    const id = unread!.id;
    await app.openThread(id);
    expect(app.threads.threads.find((t) => t.id === id)?.unreadCount).toBe(0);
    expect(mock.threads.get(id)?.summary.unreadCount).toBe(0);
    expect(app.conversation.thread?.id).toBe(id);
    expect(app.conversation.messages.length).toBeGreaterThan(0);
    expect(app.contact.context?.displayName).toBe(unread!.contactName);
    await settle();
    // After the threadsChanged the backend emitted, the list still says read.
    await app.threads.applyChanged([]);
    expect(app.threads.threads.find((t) => t.id === id)?.unreadCount).toBe(0);
    app.stop();
  });

  it("pages older messages, oldest first", async () => {
    const conv = new ConversationStore(mock);
    await conv.open(1); // thread 1 has 24 messages; the first page holds 30 at most
    const total = mock.threads.get(1)!.messages.length;
    expect(conv.messages).toHaveLength(Math.min(total, 30));
    const big = createMockBackend({ now: () => NOW, threadCount: 2, messagesPerThread: 20 }); // 80 messages in thread 1
    const c2 = new ConversationStore(big);
    await c2.open(1);
    expect(c2.messages).toHaveLength(30);
    expect(c2.older).not.toBeNull();
    await c2.loadOlder();
    expect(c2.messages).toHaveLength(60);
    await c2.loadOlder();
    expect(c2.messages).toHaveLength(80);
    expect(c2.older).toBeNull();
    const ids = c2.messages.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(c2.lastChange).toBe("older");
  });

  it("restores the stored draft", async () => {
    await mock.saveDraft(3, "half-written reply");
    const conv = new ConversationStore(mock);
    await conv.open(3);
    expect(conv.draft).toBe("half-written reply");
  });
});

describe("drafts", () => {
  it("saves debounced after typing stops", async () => {
    vi.useFakeTimers();
    const conv = new ConversationStore(mock);
    await conv.open(2);
    conv.setDraft("H");
    conv.setDraft("He");
    conv.setDraft("Hello");
    expect(mock.calls.filter(([c]) => c === "save_draft")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(DRAFT_DEBOUNCE_MS - 50);
    expect(mock.calls.filter(([c]) => c === "save_draft")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    const saves = mock.calls.filter(([c]) => c === "save_draft");
    expect(saves).toEqual([["save_draft", { threadId: 2, text: "Hello" }]]);
    expect(mock.threads.get(2)?.draft).toBe("Hello");
  });

  it("saves immediately when switching threads", async () => {
    vi.useFakeTimers();
    const conv = new ConversationStore(mock);
    await conv.open(2);
    conv.setDraft("for thread two");
    await conv.open(5);
    expect(mock.threads.get(2)?.draft).toBe("for thread two");
    expect(conv.draft).toBe("");
    await vi.advanceTimersByTimeAsync(1000);
    expect(mock.calls.filter(([c]) => c === "save_draft")).toHaveLength(1);
  });

  it("saves on flush (blur)", async () => {
    const conv = new ConversationStore(mock);
    await conv.open(2);
    conv.setDraft("blurred");
    await conv.flushDraft();
    expect(mock.threads.get(2)?.draft).toBe("blurred");
  });
});

describe("sending", () => {
  it("clears the composer and shows the queued echo at once", async () => {
    const conv = new ConversationStore(mock);
    await conv.open(4);
    const count = conv.messages.length;
    conv.setDraft("We'll ship it today.");
    const sent = conv.send();
    expect(conv.draft).toBe("");
    expect(await sent).toBe(true);
    expect(conv.messages).toHaveLength(count + 1);
    const echo = conv.messages[conv.messages.length - 1];
    expect(echo).toMatchObject({ direction: "outbound", delivery: "queued", text: "We'll ship it today." });
    expect(conv.lastChange).toBe("send");
    expect(mock.threads.get(4)?.draft).toBeNull();
  });

  it("sends SMS media links with the reply and keeps them when the send fails", async () => {
    mock.threads.get(4)!.summary.channel = "sms";
    const conv = new ConversationStore(mock);
    await conv.open(4);
    expect(conv.addMediaLink("ftp://files.example.com/menu.pdf")).toBe(false);
    expect(conv.attachError?.message).toContain("https://");
    expect(conv.addMediaLink(" https://cdn.example.com/menu.jpg ")).toBe(true);
    expect(conv.attachError).toBeNull();
    expect(conv.addMediaLink("https://cdn.example.com/menu.jpg")).toBe(true);
    expect(conv.mediaLinks).toEqual(["https://cdn.example.com/menu.jpg"]);
    expect(conv.canSend).toBe(true);
    expect(await conv.send()).toBe(true);
    expect(conv.mediaLinks).toEqual([]);
    const call = mock.calls.find(([c]) => c === "send_reply_with_media");
    expect(call?.[1]).toMatchObject({ threadId: 4, text: "", mediaUrls: ["https://cdn.example.com/menu.jpg"] });
    expect(conv.messages[conv.messages.length - 1].attachments[0].description).toBe("https://cdn.example.com/menu.jpg");

    // A refused send gives the links back to the composer.
    mock.threads.get(4)!.summary.channel = "telegram";
    conv.addMediaLink("https://cdn.example.com/a.png");
    expect(await conv.send()).toBe(false);
    expect(conv.sendError?.message).toContain("SMS and WhatsApp");
    expect(conv.mediaLinks).toEqual(["https://cdn.example.com/a.png"]);
  });

  it("caps media links at Twilio's ten", async () => {
    const conv = new ConversationStore(mock);
    await conv.open(4);
    for (let i = 0; i < 10; i++) expect(conv.addMediaLink(`https://cdn.example.com/${i}.jpg`)).toBe(true);
    expect(conv.addMediaLink("https://cdn.example.com/10.jpg")).toBe(false);
    expect(conv.attachError?.message).toContain("at most 10");
  });

  it("does not send blank text", async () => {
    const conv = new ConversationStore(mock);
    await conv.open(4);
    conv.setDraft("   ");
    expect(await conv.send()).toBe(false);
    expect(mock.calls.some(([c]) => c === "send_reply")).toBe(false);
  });

  it("restores the text and shows the error when sending fails", async () => {
    const failing: Backend = Object.assign(Object.create(mock) as MockBackend, {
      sendReply: () => Promise.reject({ code: "network", message: "No connection." }),
    });
    const conv = new ConversationStore(failing);
    await conv.open(4);
    conv.setDraft("retry me");
    expect(await conv.send()).toBe(false);
    expect(conv.draft).toBe("retry me");
    expect(conv.sendError).toEqual({ code: "network", message: "No connection." });
  });

  it("refreshes the open thread on messagesChanged", async () => {
    const conv = new ConversationStore(mock);
    await conv.open(4);
    conv.setDraft("typing…");
    await conv.send();
    const echo = conv.messages[conv.messages.length - 1];
    conv.setDraft("still typing");
    mock.setDelivery(echo.id, "delivered");
    conv.handleEvent({ kind: "messagesChanged", threadId: 4 });
    await settle();
    expect(conv.messages.find((m) => m.id === echo.id)?.delivery).toBe("delivered");
    expect(conv.draft).toBe("still typing");
    expect(conv.lastChange).toBe("refresh");
    conv.handleEvent({ kind: "messagesChanged", threadId: 9 });
  });
});

describe("handover and the thread list", () => {
  it("asks Meta again when a poll finds a bot took the open thread, and Take clears the row's mark", async () => {
    const app = new AppState(mock, { pageSize: 50 });
    await app.start();
    const id = app.threads.threads.find((t) => t.channel === "messenger")!.id;
    await app.openThread(id);
    await settle(10);
    expect(app.conversation.control?.owner.owner).toBe("idle");
    mock.botTakes(id);
    await settle(10);
    await app.threads.applyChanged([]);
    // The header asked Meta, which named the bot; the row names it too.
    const bot = { owner: "otherApp", appId: "1790024451123456" };
    expect(app.conversation.control?.owner).toEqual(bot);
    expect(app.threads.threads.find((t) => t.id === id)?.owner).toEqual(bot);
    await app.conversation.handover("take");
    await settle(10);
    await app.threads.applyChanged([]);
    expect(app.conversation.control?.owner.owner).toBe("parley");
    expect(app.threads.threads.find((t) => t.id === id)?.owner).toEqual({ owner: "parley" });
    app.stop();
  });
});

describe("AppState event routing", () => {
  it("routes backend events to the stores", async () => {
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    await app.openThread(7);
    const before = app.conversation.messages.length;
    mock.receive(7, "Any news?", NOW + 1000);
    await settle(10);
    await app.threads.applyChanged([]);
    expect(app.conversation.messages.length).toBe(before + 1);
    expect(app.threads.threads[0].id).toBe(7);
    mock.setSync(1, { state: "backoff", reason: "timeout", retryAt: NOW + 12_000 }, "Telegram timed out");
    expect(app.accounts.accounts[0].sync.state).toBe("backoff");
    expect(app.accounts.accounts[0].lastError).toBe("Telegram timed out");
    app.stop();
  });
});

describe("a split email conversation joined by the sync", () => {
  it("switches the open conversation and the selection to the surviving thread", async () => {
    const app = new AppState(mock, { pageSize: 50 });
    await app.start();
    await app.openThread(7);
    app.conversation.setDraft("typed in the vanished thread");
    app.handleEvent({ kind: "threadMerged", from: 7, into: 4 });
    await settle(10);
    expect(app.conversation.threadId).toBe(4);
    expect(app.threads.selectedId).toBe(4);
    expect(app.conversation.error).toBeNull();
    // No save aimed at the thread that no longer exists.
    expect(mock.calls.some(([c, a]) => c === "save_draft" && (a as { threadId: number }).threadId === 7)).toBe(false);
    // Another thread merging away leaves the open one alone.
    app.handleEvent({ kind: "threadMerged", from: 9, into: 3 });
    await settle(10);
    expect(app.conversation.threadId).toBe(4);
    app.stop();
  });
});

describe("muting a thread", () => {
  it("loads the muted threads at start and toggles one through the backend", async () => {
    mock.notificationPrefsValue.mutedThreads = [3];
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    expect(app.mutedThreads.has(3)).toBe(true);
    await app.setThreadMuted(7, true);
    expect([...app.mutedThreads].sort()).toEqual([3, 7]);
    await app.setThreadMuted(3, false);
    await settle();
    expect([...app.mutedThreads]).toEqual([7]);
    expect(mock.calls.filter(([c]) => c === "set_thread_muted")).toEqual([
      ["set_thread_muted", { threadId: 7, muted: true }],
      ["set_thread_muted", { threadId: 3, muted: false }],
    ]);
    await app.setThreadMuted(99_999, true);
    expect(app.notice?.code).toBe("notFound");
    app.stop();
  });
});

describe("SearchStore", () => {
  it("debounces and returns highlighted hits", async () => {
    vi.useFakeTimers();
    const search = new SearchStore(mock);
    search.setQuery("inv");
    search.setQuery("invoice");
    expect(search.active).toBe(true);
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS + 10);
    expect(mock.calls.filter(([c]) => c === "search")).toEqual([["search", { query: "invoice", limit: 50 }]]);
    expect(search.results.length).toBeGreaterThan(0);
    for (const hit of search.results) {
      const hits = hit.snippet.filter((s) => s.hit);
      expect(hits.length).toBeGreaterThan(0);
      expect(hits[0].text.toLowerCase()).toBe("invoice");
    }
    search.clear();
    expect(search.active).toBe(false);
    expect(search.results).toEqual([]);
  });

  it("ignores stale responses", async () => {
    const search = new SearchStore(mock);
    search.query = "order";
    const first = search.run();
    search.query = "Norway";
    const second = search.run();
    await Promise.all([first, second]);
    expect(search.resultsFor).toBe("Norway");
  });
});

describe("AccountsStore", () => {
  it("adds a Telegram bot and reports errors", async () => {
    const accounts = new AccountsStore(mock);
    await accounts.load();
    expect(accounts.accounts).toHaveLength(1);
    expect(await accounts.addTelegram("bad")).toBe(false);
    expect(accounts.addError?.code).toBe("invalidInput");
    const token = "123456789:AAbbccddeeffgghhiijjkkllmmnnooppqq";
    const adding = accounts.addTelegram(token);
    expect(accounts.adding).toBe(true);
    expect(await adding).toBe(true);
    expect(accounts.adding).toBe(false);
    expect(accounts.addError).toBeNull();
    expect(accounts.accounts).toHaveLength(2);
    expect(await accounts.addTelegram(token)).toBe(false);
    expect(accounts.addError?.code).toBe("duplicate");
  });

  it("removes accounts and applies accountChanged", async () => {
    const accounts = new AccountsStore(mock);
    await accounts.load();
    const id = accounts.accounts[0].id;
    accounts.handleEvent({ kind: "accountChanged", account: { ...accounts.accounts[0], sync: { state: "connecting" } } });
    expect(accounts.accounts[0].sync.state).toBe("connecting");
    expect(await accounts.remove(id, false)).toBe(true);
    expect(accounts.accounts).toHaveLength(0);
    expect(await accounts.remove(id, false)).toBe(false);
    expect(accounts.removeError?.code).toBe("notFound");
  });

  it("removes an account keeping its conversations: listed as removed, out of the sync summary", async () => {
    const accounts = new AccountsStore(mock);
    await accounts.load();
    const [added] = (await accounts.addTelegram("123456789:AAkeepkeepkeepkeepkeepkeepkeepkeep")) ? accounts.accounts.slice(-1) : [];
    expect(added).toBeDefined();
    expect(await accounts.remove(added.id, true)).toBe(true);
    expect(mock.calls).toContainEqual(["remove_account", { accountId: added.id, keepConversations: true }]);
    const kept = accounts.accounts.find((a) => a.id === added.id);
    expect(kept?.removedAt).not.toBeNull();
    expect(accounts.isRemoved(added.id)).toBe(true);
    expect(accounts.active.map((a) => a.id)).not.toContain(added.id);
  });

  it("saves a Page's HUMAN_AGENT approval for all its accounts and says why a refusal happened", async () => {
    const accounts = new AccountsStore(mock);
    await accounts.load();
    const added = await accounts.addFacebookPage("104857600123456", "EAAtokentokentokentokentoken", true, false);
    expect(added).toHaveLength(2);
    const page = accounts.accounts.filter((a) => a.channel === "messenger" || a.channel === "instagram");
    expect(page.map((a) => a.humanAgentApproved)).toEqual([false, false]);
    const saving = accounts.setHumanAgentApproved(page[0].id, true);
    expect(accounts.approvalSavingId).toBe(page[0].id);
    expect(await saving).toBe(true);
    expect(accounts.approvalSavingId).toBeNull();
    expect(mock.calls).toContainEqual(["set_human_agent_approved", { accountId: page[0].id, approved: true }]);
    const after = accounts.accounts.filter((a) => a.channel === "messenger" || a.channel === "instagram");
    expect(after.map((a) => a.humanAgentApproved)).toEqual([true, true]);
    // Telegram has no such approval: refused, with the reason kept for that row.
    const telegram = accounts.accounts.find((a) => a.channel === "telegram")!;
    expect(telegram.humanAgentApproved).toBeNull();
    expect(await accounts.setHumanAgentApproved(telegram.id, true)).toBe(false);
    expect(accounts.approvalError?.accountId).toBe(telegram.id);
    expect(accounts.approvalError?.error.code).toBe("invalidInput");
  });

  it("keeps a newer sync state when an older summary arrives late", async () => {
    const accounts = new AccountsStore(mock);
    await accounts.load();
    const base = accounts.accounts[0];
    accounts.handleEvent({
      kind: "accountChanged",
      account: { ...base, sync: { state: "live" }, syncRevision: base.syncRevision + 2 },
    });
    // The answer to a command computed before that event lands afterwards.
    accounts.upsert({ ...base, sync: { state: "catchingUp", progress: null }, syncRevision: base.syncRevision + 1 });
    expect(accounts.accounts[0].sync.state).toBe("live");
  });
});

describe("a core that did not start", () => {
  it("keeps the reason on screen instead of a notice that fades", async () => {
    vi.useFakeTimers();
    const reason = { code: "alreadyRunning", message: "Parley is already open with this workspace (/w)." };
    vi.spyOn(mock, "workspaceInfo").mockRejectedValue(reason);
    vi.spyOn(mock, "listThreads").mockRejectedValue(reason);
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    expect(app.startError).toEqual(reason);
    expect(app.notice).toBeNull();
    vi.advanceTimersByTime(60_000);
    expect(app.startError).toEqual(reason);
  });

  it("is not set when the core answers", async () => {
    const app = new AppState(mock, { pageSize: 20 });
    await app.start();
    expect(app.startError).toBeNull();
    expect(app.workspace?.dataDir).toBeTruthy();
  });
});
