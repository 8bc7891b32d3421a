import { describe, expect, it, vi } from "vitest";
import type { MockBackend } from "../ipc/mock";
import type { CoreEvent } from "../ipc/bindings";
import { inView } from "../views";
import { AppState } from "./app.svelte";
import { CONTACTS_PAGE, ContactsStore, SEARCH_DEBOUNCE_MS } from "./contacts.svelte";
import { mockPerTest, settle } from "./test-support";

const NOW = new Date(2024, 2, 14, 15, 30).getTime();

let mock: MockBackend;
mockPerTest({ now: () => NOW, threadCount: 120 }, (m) => (mock = m));

describe("the Contacts screen", () => {
  it("pages through everyone without gaps or repeats, newest contact first or by name", async () => {
    const store = new ContactsStore(mock);
    await store.reload();
    expect(store.rows).toHaveLength(CONTACTS_PAGE);
    while (store.next !== null) await store.loadMore();
    expect(store.rows).toHaveLength(120);
    expect(new Set(store.rows.map((r) => r.id)).size).toBe(120);
    const times = store.rows.map((r) => r.lastContactAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));

    await store.setSort("name");
    expect(store.rows).toHaveLength(CONTACTS_PAGE);
    while (store.next !== null) await store.loadMore();
    const names = store.rows.map((r) => r.displayName.toLowerCase());
    expect(names).toEqual([...names].sort());
    expect(new Set(store.rows.map((r) => r.id)).size).toBe(120);
  });

  it("searches once typing pauses, by name, handle, email or phone digits", async () => {
    vi.useFakeTimers();
    const store = new ContactsStore(mock);
    store.setQuery("am");
    store.setQuery("amel");
    store.setQuery("amelia");
    expect(mock.calls.filter(([c]) => c === "list_contacts")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    expect(mock.calls.filter(([c]) => c === "list_contacts")).toHaveLength(1);
    expect(store.rows.every((r) => r.displayName.startsWith("Amelia Hart"))).toBe(true);
    expect(store.rows.length).toBeGreaterThan(0);

    // A Telegram handle, with its @.
    const withHandle = [...mock.contacts.values()].find((c) => c.handle !== null)!;
    store.setQuery(withHandle.handle!);
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    expect(store.rows.map((r) => r.id)).toEqual([withHandle.id]);

    // A number typed with spaces finds it stored without them.
    const numbered = [...mock.contacts.values()].find((c) => /^\d{6,}$/.test(c.remoteId))!;
    const spaced = `${numbered.remoteId.slice(0, 3)} ${numbered.remoteId.slice(3)}`;
    store.setQuery(spaced);
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    expect(store.rows.map((r) => r.id)).toContain(numbered.id);

    store.setQuery("nobody like this");
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    expect(store.rows).toEqual([]);
    expect(store.loaded).toBe(true);
  });

  it("keeps only the answer to the newest question", async () => {
    const store = new ContactsStore(mock);
    let release: () => void = () => undefined;
    const slow = new Promise<void>((r) => (release = r));
    const real = mock.listContacts.bind(mock);
    vi.spyOn(mock, "listContacts").mockImplementationOnce(async (...args) => {
      await slow;
      return real(...args);
    });
    store.query = "";
    const first = store.reload();
    store.query = "amelia";
    await store.reload();
    release();
    await first;
    expect(store.rows.every((r) => r.displayName.startsWith("Amelia"))).toBe(true);
  });

  it("shows a customer with their conversations, each openable", async () => {
    const app = new AppState(mock);
    await app.showContacts();
    expect(app.view).toBe("contacts");
    const row = app.contacts.rows[3];
    await app.contacts.select(row.id);
    expect(app.contacts.detail?.contactId).toBe(row.id);
    const thread = app.contacts.detail!.conversations[0].threadId;
    await app.openThread(thread);
    expect(app.view).toBe("inbox");
    expect(app.conversation.threadId).toBe(thread);
    expect(app.contact.context?.contactId).toBe(row.id);
  });
});

describe("VIP and Blocked", () => {
  it("VIP marks the customer's rows, the screen and the pane", async () => {
    const app = new AppState(mock);
    await app.start();
    const thread = app.threads.threads[2];
    await app.openThread(thread.id);
    await app.showContacts();
    await app.contacts.select(thread.contactId);
    expect(await app.setContactMarks(thread.contactId, { vip: true, blocked: null })).toBe(true);
    await settle();
    expect(app.contacts.detail?.vip).toBe(true);
    expect(app.contacts.rows.find((r) => r.id === thread.contactId)?.vip).toBe(true);
    expect(app.contact.context?.vip).toBe(true);
    expect(app.threads.threads.find((t) => t.id === thread.id)?.vip).toBe(true);
    app.stop();
  });

  it("Blocked takes the customer out of every view and count, and unblocking puts them back", async () => {
    const app = new AppState(mock);
    await app.start();
    const thread = app.threads.threads[0];
    const before = app.counts.counts!.open;
    const events: CoreEvent[] = [];
    mock.onEvent((e) => events.push(e));
    await app.setContactMarks(thread.contactId, { vip: null, blocked: true });
    await settle();
    expect(events).toContainEqual({ kind: "threadsChanged", threadIds: [thread.id] });
    expect(app.threads.threads.some((t) => t.id === thread.id)).toBe(false);
    expect((await mock.viewCounts()).open).toBe(before - 1);
    const open = await mock.listView({ kind: "open" }, null, 200);
    expect(open.threads.some((t) => t.id === thread.id)).toBe(false);
    // Still reachable: the contact, the conversation.
    const ctx = await mock.contactById(thread.contactId);
    expect(ctx.blocked).toBe(true);
    const summary = (await mock.threadSummaries([thread.id]))[0];
    expect(summary.blocked).toBe(true);
    expect(inView({ kind: "unread" }, summary)).toBe(false);

    await app.setContactMarks(thread.contactId, { vip: null, blocked: false });
    await settle();
    expect((await mock.viewCounts()).open).toBe(before);
    expect(app.threads.threads.some((t) => t.id === thread.id)).toBe(true);
    app.stop();
  });

  it("a failed change is said and changes nothing", async () => {
    const app = new AppState(mock);
    expect(await app.setContactMarks(99_999, { vip: true, blocked: null })).toBe(false);
    expect(app.notice?.code).toBe("notFound");
  });
});
