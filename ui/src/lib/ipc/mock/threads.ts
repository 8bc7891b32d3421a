// Threads and their messages: the list, opening a thread, older pages, the draft's text, the
// contact; and the test helpers that make messages arrive or change.
import type {
  ComposerWindow,
  ContactAttribute,
  ContactContext,
  ContactNote,
  DeliveryState,
  IdentityView,
  MessagePage,
  MessageView,
  PageCursor,
  ThreadDetail,
  ThreadPage,
  ThreadSummary,
  WorkspaceInfo,
} from "../bindings";
import type { MockBackend } from "./index";
import { newMessage, refreshWaiting } from "./records";
import { before, clone, err, type MockContact, type MockThread } from "./state";
import { reopenByCustomer } from "./workflow";
import { localTimeOf } from "./customer";

function sorted(mock: MockBackend): ThreadSummary[] {
  return [...mock.threads.values()]
    .map((t) => t.summary)
    .sort((a, b) => b.lastActivityAt - a.lastActivityAt || b.id - a.id);
}

/** The newest `limit` of `messages`, and the cursor of what precedes them. */
function page(messages: MessageView[], limit: number): MessagePage {
  const slice = messages.slice(Math.max(0, messages.length - limit));
  const first = slice[0];
  const hasOlder = messages.length > slice.length;
  return {
    messages: clone(slice),
    older: hasOlder && first ? { at: first.sentAt, id: first.id } : null,
  };
}

export async function workspaceInfo(mock: MockBackend): Promise<WorkspaceInfo> {
  mock.record("workspace_info", {});
  return { isDemo: mock.isDemo, dataDir: "/home/demo/.local/share/parley" };
}

export async function listThreads(mock: MockBackend, cursor: PageCursor | null, limit: number): Promise<ThreadPage> {
  mock.record("list_threads", { cursor, limit });
  const all = sorted(mock);
  const rest = cursor ? all.filter((t) => before({ at: t.lastActivityAt, id: t.id }, cursor)) : all;
  const threads = rest.slice(0, Math.max(0, limit));
  const last = threads[threads.length - 1];
  const next = rest.length > threads.length && last ? { at: last.lastActivityAt, id: last.id } : null;
  return { threads: clone(threads), next };
}

/** The composer's window of a thread: 24 hours from the customer's last message, except Telegram. */
export function replyWindowOf(t: MockThread): ComposerWindow {
  const lastInbound = t.messages.filter((m) => m.direction === "inbound").at(-1)?.sentAt ?? null;
  if (t.summary.channel === "telegram") return { state: "always" };
  return lastInbound === null ? { state: "closed", closedAt: null } : { state: "open", closesAt: lastInbound + 24 * 3_600_000 };
}

export async function openThread(mock: MockBackend, threadId: number): Promise<ThreadDetail> {
  mock.record("open_thread", { threadId });
  const t = mock.mustThread(threadId);
  const wasUnread = t.summary.unreadCount > 0;
  t.summary.unreadCount = 0;
  if (wasUnread) queueMicrotask(() => mock.emit({ kind: "threadsChanged", threadIds: [threadId] }));
  const replyWindow = replyWindowOf(t);
  const historyNote =
    t.summary.channel === "instagram" ? "Instagram only shares the newest 20 messages of a conversation." : null;
  return {
    thread: clone(t.summary),
    messages: page(t.messages, 30),
    draft: t.draft,
    replyWindow,
    historyNote,
    events: t.events.map(({ at, event }) => ({ at, event })),
  };
}

export async function olderMessages(
  mock: MockBackend,
  threadId: number,
  beforeCursor: PageCursor,
  limit: number,
): Promise<MessagePage> {
  mock.record("older_messages", { threadId, before: beforeCursor, limit });
  const t = mock.mustThread(threadId);
  const older = t.messages.filter((m) => before({ at: m.sentAt, id: m.id }, beforeCursor));
  return page(older, limit);
}

export async function saveDraft(mock: MockBackend, threadId: number, text: string): Promise<void> {
  mock.record("save_draft", { threadId, text });
  mock.mustThread(threadId).draft = text === "" ? null : text;
}

export async function contactContext(mock: MockBackend, threadId: number): Promise<ContactContext> {
  mock.record("contact_context", { threadId });
  const t = mock.mustThread(threadId);
  const c = mock.contacts.get(t.summary.contactId);
  if (!c) throw err("notFound", "Contact not found.");
  return contextOf(mock, c);
}

/** A customer as the pane shows them. */
export function contextOf(mock: MockBackend, c: MockContact): ContactContext {
  const threads = [...mock.threads.values()].filter((x) => x.summary.contactId === c.id);
  return {
    vip: c.vip,
    blocked: c.blocked,
    avatar: null,
    imported: null,
    contactId: c.id,
    displayName: c.name,
    identities: [...identitiesOf(mock, threads).values()],
    firstSeenAt: c.firstSeenAt,
    threadCount: threads.length,
    messageCount: threads.reduce((n, x) => n + x.messages.length, 0),
    notes: clone(c.notes ?? []),
    attributes: clone(c.attributes ?? []),
    tags: [...(c.tags ?? [])],
    localTime: localTimeOf(mock, c),
    conversations: threads
      .map((x) => x.summary)
      .sort((a, b) => b.lastActivityAt - a.lastActivityAt || b.id - a.id)
      .slice(0, 50)
      .map((s) => ({
        threadId: s.id,
        channel: s.channel,
        accountName: mock.accounts.find((a) => a.id === s.accountId)?.name ?? "Unknown account",
        status: s.status,
        snippet: s.snippet,
        snippetDirection: s.snippetDirection,
        lastActivityAt: s.lastActivityAt,
      })),
  };
}

/**
 * The identities of a customer's conversations: each mock contact starts as one identity of its
 * own id; a merge (or `addThread`) leaves conversations whose `identity` is another, hidden one.
 */
export function identitiesOf(mock: MockBackend, threads: MockThread[]): Map<string, IdentityView> {
  const seen = new Map<string, IdentityView>();
  for (const t of [...threads].sort((a, b) => identityOf(a) - identityOf(b) || a.summary.id - b.summary.id)) {
    const key = identityKey(t);
    if (seen.has(key)) continue;
    const who = mock.contacts.get(identityOf(t));
    if (!who) continue;
    seen.set(key, {
      id: identityOf(t),
      channel: t.summary.channel,
      accountName: mock.accounts.find((a) => a.id === t.summary.accountId)?.name ?? "Unknown account",
      remoteId: who.remoteId,
      handle: who.handle,
      displayName: who.name,
      optedOut: who.optOut?.optedOut ?? false,
      optOut: who.optOut ? { ...who.optOut } : null,
    });
  }
  return seen;
}

function identityOf(t: MockThread): number {
  return t.identity ?? t.summary.contactId;
}

/** The mock's identity of a thread, as a key. */
export function identityKey(t: MockThread): string {
  return String(identityOf(t));
}

/** Test helper: adds an inbound message to a thread and emits the events Rust would emit. */
export function receive(mock: MockBackend, threadId: number, text: string, at = mock.now()): MessageView {
  const t = mock.mustThread(threadId);
  const msg = newMessage(mock, {
    threadId,
    direction: "inbound",
    authorName: t.summary.contactName,
    text,
    attachments: [],
    sentAt: at,
    delivery: "received",
  });
  t.messages.push(msg);
  t.summary.snippet = text.slice(0, 120);
  t.summary.snippetDirection = "inbound";
  t.summary.lastActivityAt = at;
  t.summary.unreadCount += 1;
  reopenByCustomer(mock, t, at);
  refreshWaiting(t);
  mock.emit({ kind: "messagesChanged", threadId: threadId });
  mock.emit({ kind: "threadsChanged", threadIds: [threadId] });
  return clone(msg);
}

/** Test helper: a message's delivery moves on. */
export function setDelivery(
  mock: MockBackend,
  messageId: number,
  delivery: DeliveryState,
  note: string | null = null,
): void {
  for (const t of mock.threads.values()) {
    const m = t.messages.find((x) => x.id === messageId);
    if (m) {
      m.delivery = delivery;
      m.deliveryNote = note;
      mock.emit({ kind: "messagesChanged", threadId: t.summary.id });
      return;
    }
  }
}

function mustContact(mock: MockBackend, contactId: number) {
  const c = mock.contacts.get(contactId);
  if (!c) throw err("notFound", "This customer no longer exists.");
  return c;
}

function noteBody(body: string): string {
  const b = body.trim();
  if (!b || b.length > 10_000) throw err("invalidInput", "Not saved: a note is 1 to 10000 characters.");
  return b;
}

export async function eraseCustomer(mock: MockBackend, contactId: number): Promise<void> {
  mock.record("erase_customer", { contactId });
  mustContact(mock, contactId);
  // As the store does: the person, their conversations and everything in them go.
  const gone = [...mock.threads.values()].filter((t) => t.summary.contactId === contactId).map((t) => t.summary.id);
  for (const id of gone) mock.threads.delete(id);
  mock.contacts.delete(contactId);
  queueMicrotask(() => mock.emit({ kind: "threadsChanged", threadIds: gone }));
}

export async function addNote(mock: MockBackend, contactId: number, body: string): Promise<ContactNote> {
  mock.record("add_note", { contactId, body });
  const c = mustContact(mock, contactId);
  const note: ContactNote = { id: mock.nextNoteId++, body: noteBody(body), author: "Alex", createdAt: mock.now(), updatedAt: null };
  c.notes = [note, ...(c.notes ?? [])];
  return clone(note);
}

function findNote(mock: MockBackend, noteId: number) {
  for (const c of mock.contacts.values()) {
    const note = c.notes?.find((n) => n.id === noteId);
    if (note) return { c, note };
  }
  throw err("notFound", "This note no longer exists.");
}

export async function updateNote(mock: MockBackend, noteId: number, body: string): Promise<ContactNote> {
  mock.record("update_note", { noteId, body });
  const { note } = findNote(mock, noteId);
  note.body = noteBody(body);
  note.updatedAt = mock.now();
  return clone(note);
}

export async function deleteNote(mock: MockBackend, noteId: number): Promise<void> {
  mock.record("delete_note", { noteId });
  const { c } = findNote(mock, noteId);
  c.notes = (c.notes ?? []).filter((n) => n.id !== noteId);
}

export async function setContactAttribute(
  mock: MockBackend,
  contactId: number,
  attribute: ContactAttribute,
): Promise<ContactAttribute[]> {
  mock.record("set_contact_attribute", { contactId, attribute });
  const c = mustContact(mock, contactId);
  const key = attribute.key.trim();
  const value = attribute.value.trim();
  if (!key || key.length > 40) throw err("invalidInput", "Not saved: an attribute's name is 1 to 40 characters.");
  const ok =
    value !== "" &&
    (attribute.kind !== "number" || Number.isFinite(Number(value))) &&
    (attribute.kind !== "date" || /^\d{4}-\d{2}-\d{2}$/.test(value)) &&
    (attribute.kind !== "link" || /^https?:\/\/\S+$/i.test(value));
  if (!ok) throw err("invalidInput", `Not saved: "${value}" is not a ${attribute.kind}.`);
  const rest = (c.attributes ?? []).filter((a) => a.key.toLowerCase() !== key.toLowerCase());
  c.attributes = [...rest, { key, kind: attribute.kind, value }].sort((a, b) =>
    a.key.localeCompare(b.key, undefined, { sensitivity: "base" }),
  );
  return clone(c.attributes);
}

export async function removeContactAttribute(mock: MockBackend, contactId: number, key: string): Promise<ContactAttribute[]> {
  mock.record("remove_contact_attribute", { contactId, key });
  const c = mustContact(mock, contactId);
  const before = c.attributes ?? [];
  c.attributes = before.filter((a) => a.key.toLowerCase() !== key.trim().toLowerCase());
  if (c.attributes.length === before.length) throw err("notFound", "This attribute no longer exists.");
  return clone(c.attributes);
}
