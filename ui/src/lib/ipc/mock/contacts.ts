// The Contacts screen and the VIP / Blocked marks, as crates/parley-store/src/directory.rs
// answers them: search by name, handle, remote id (email, phone) or attribute value; a query
// that looks like a phone number matches digits alone; keyset pages by last contact or name.
import type {
  ChannelKind,
  ContactContext,
  ContactCursor,
  ContactMarks,
  ContactMarksChange,
  ContactPage,
  ContactRow,
  ContactSort,
} from "../bindings";
import type { MockBackend } from "./index";
import { clone, err, type MockContact } from "./state";
import { contextOf } from "./threads";

const PAGE_MAX = 200;

function digits(s: string): string {
  return s.replace(/[^0-9]/g, "");
}

/** Whether `c` is found by `query` (blank: everyone). */
export function matches(c: MockContact, query: string): boolean {
  const q = query.trim().replace(/^@+/, "").trim();
  if (q === "") return true;
  const fields = [c.name, c.handle ?? "", c.remoteId, ...(c.attributes ?? []).map((a) => a.value), ...(c.tags ?? [])];
  if (/^[0-9 +\-().]+$/.test(q) && digits(q).length >= 3) {
    return fields.some((f) => digits(f).includes(digits(q)));
  }
  const lower = q.toLowerCase();
  return fields.some((f) => f.toLowerCase().includes(lower));
}

function rowOf(mock: MockBackend, c: MockContact): ContactRow {
  const threads = [...mock.threads.values()].map((t) => t.summary).filter((s) => s.contactId === c.id);
  const channels: ChannelKind[] = [...new Set(threads.map((s) => s.channel))];
  const lastContactAt = Math.max(c.firstSeenAt, ...threads.map((s) => s.lastActivityAt));
  return {
    id: c.id,
    displayName: c.name,
    channels,
    handle: c.handle ?? c.remoteId,
    lastContactAt,
    vip: c.vip,
    blocked: c.blocked,
  };
}

function compare(sort: ContactSort, a: ContactRow, b: ContactRow): number {
  if (sort === "name") {
    const an = a.displayName.toLowerCase();
    const bn = b.displayName.toLowerCase();
    return an < bn ? -1 : an > bn ? 1 : a.id - b.id;
  }
  return b.lastContactAt - a.lastContactAt || b.id - a.id;
}

function cursorOf(r: ContactRow): ContactCursor {
  return { lastContactAt: r.lastContactAt, name: r.displayName, id: r.id };
}

export async function listContacts(
  mock: MockBackend,
  query: string,
  sort: ContactSort,
  cursor: ContactCursor | null,
  limit: number,
): Promise<ContactPage> {
  mock.record("list_contacts", { query, sort, cursor, limit });
  const size = Math.min(Math.max(1, limit), PAGE_MAX);
  const all = [...mock.contacts.values()]
    .filter((c) => c.mergedInto === undefined && matches(c, query))
    .map((c) => rowOf(mock, c))
    .sort((a, b) => compare(sort, a, b));
  const rest = cursor
    ? all.filter((r) => compare(sort, { ...r }, { ...r, ...cursorRow(cursor) }) > 0)
    : all;
  const contacts = rest.slice(0, size);
  const last = contacts[contacts.length - 1];
  return { contacts: clone(contacts), next: rest.length > contacts.length && last ? cursorOf(last) : null };
}

/** The cursor as a row, so rows compare with it as with each other. */
function cursorRow(c: ContactCursor): Pick<ContactRow, "id" | "displayName" | "lastContactAt"> {
  return { id: c.id, displayName: c.name, lastContactAt: c.lastContactAt };
}

export async function contactById(mock: MockBackend, contactId: number): Promise<ContactContext> {
  mock.record("contact_by_id", { contactId });
  const c = mock.contacts.get(contactId);
  if (!c) throw err("notFound", "That contact no longer exists (it may have been removed).");
  return contextOf(mock, c);
}

export async function setContactMarks(
  mock: MockBackend,
  contactId: number,
  change: ContactMarksChange,
): Promise<ContactMarks> {
  mock.record("set_contact_marks", { contactId, change });
  const c = mock.contacts.get(contactId);
  if (!c) throw err("notFound", "That contact no longer exists (it may have been removed).");
  if (change.vip !== null) c.vip = change.vip;
  if (change.blocked !== null) c.blocked = change.blocked;
  const ids: number[] = [];
  for (const t of mock.threads.values()) {
    if (t.summary.contactId !== contactId) continue;
    t.summary.vip = c.vip;
    t.summary.blocked = c.blocked;
    ids.push(t.summary.id);
  }
  if (ids.length > 0) mock.emit({ kind: "threadsChanged", threadIds: ids });
  return { vip: c.vip, blocked: c.blocked };
}
