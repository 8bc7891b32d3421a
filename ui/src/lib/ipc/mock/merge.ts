// Merging customers, separating an identity, Undo — as the store does it, in the mock's terms:
// each mock contact starts as one identity (of its own id); a merge moves the absorbed one's
// conversations (and notes) to the survivor and hides it; Undo puts back a snapshot of both.
import type {
  ContactAttribute,
  ContactChange,
  ContactNote,
  MergeChoice,
  MergePreview,
  MergeReason,
  MergeSide,
  MergeSuggestion,
} from "../bindings";
import type { MockBackend } from "./index";
import { clone, err, type MockContact } from "./state";
import { sortTags } from "./customer";

type Snapshot = {
  contacts: MockContact[];
  threads: Array<{ id: number; contactId: number; contactName: string; identity: number | undefined }>;
};

type MockChange = ContactChange & { choice: MergeChoice | null; before: Snapshot };

const changes = new WeakMap<MockBackend, MockChange[]>();
const dismissed = new WeakMap<MockBackend, Set<string>>();

function changesOf(mock: MockBackend): MockChange[] {
  let list = changes.get(mock);
  if (!list) changes.set(mock, (list = []));
  return list;
}

function live(mock: MockBackend, id: number): MockContact {
  const c = mock.contacts.get(id);
  if (!c) throw err("notFound", "Nothing changed: that contact is no longer there (reload and try again).");
  if (c.mergedInto !== undefined)
    throw err("invalidInput", "Nothing changed: this customer was merged into another one; open that one instead.");
  return c;
}

function threadsOf(mock: MockBackend, contactId: number) {
  return [...mock.threads.values()].filter((t) => t.summary.contactId === contactId);
}

function snapshot(mock: MockBackend, ids: number[]): Snapshot {
  const contacts = ids.map((id) => mock.contacts.get(id)).filter((c): c is MockContact => !!c);
  return {
    contacts: clone(contacts),
    threads: [...mock.threads.values()]
      .filter((t) => ids.includes(t.summary.contactId))
      .map((t) => ({ id: t.summary.id, contactId: t.summary.contactId, contactName: t.summary.contactName, identity: t.identity })),
  };
}

function restore(mock: MockBackend, s: Snapshot): void {
  for (const c of s.contacts) mock.contacts.set(c.id, clone(c));
  for (const t of s.threads) {
    const thread = mock.threads.get(t.id);
    if (!thread) continue;
    thread.summary.contactId = t.contactId;
    thread.summary.contactName = t.contactName;
    thread.identity = t.identity;
  }
}

function rename(mock: MockBackend, contactId: number): void {
  const c = mock.contacts.get(contactId);
  if (!c) return;
  for (const t of threadsOf(mock, contactId)) t.summary.contactName = c.name;
}

function emitChanged(mock: MockBackend, ids: number[]): void {
  const threadIds = [...mock.threads.values()].filter((t) => ids.includes(t.summary.contactId)).map((t) => t.summary.id);
  mock.emit({ kind: "threadsChanged", threadIds });
}

function side(mock: MockBackend, id: number): MergeSide {
  const c = live(mock, id);
  const threads = threadsOf(mock, id);
  const identities = new Map<number, string>();
  for (const t of threads) identities.set(t.identity ?? t.summary.contactId, t.summary.channel);
  return {
    contactId: id,
    displayName: c.name,
    channels: [...identities.values()] as MergeSide["channels"],
    identityCount: identities.size,
    conversationCount: threads.length,
    noteCount: c.notes?.length ?? 0,
    attributes: clone(c.attributes ?? []),
    lastActivityAt: threads.length ? Math.max(...threads.map((t) => t.summary.lastActivityAt)) : null,
  };
}

export async function mergePreview(mock: MockBackend, a: number, b: number): Promise<MergePreview> {
  mock.record("merge_preview", { a, b });
  const sa = side(mock, a);
  const sb = side(mock, b);
  const conflictingKeys = sa.attributes
    .filter((x) => sb.attributes.some((y) => y.key.toLowerCase() === x.key.toLowerCase() && (y.value !== x.value || y.kind !== x.kind)))
    .map((x) => x.key);
  return { a: sa, b: sb, conflictingKeys };
}

function applyMerge(mock: MockBackend, choice: MergeChoice): void {
  const { survivor, absorbed } = choice;
  if (survivor === absorbed) throw err("invalidInput", "Nothing changed: a customer cannot be merged with themselves.");
  for (const s of [choice.nameFrom, choice.attributesFrom])
    if (s !== survivor && s !== absorbed)
      throw err("invalidInput", "Nothing changed: the name and the attributes must come from one of the two customers.");
  const a = live(mock, survivor);
  const b = live(mock, absorbed);
  for (const t of threadsOf(mock, absorbed)) {
    t.identity ??= absorbed;
    t.summary.contactId = survivor;
  }
  a.notes = [...(b.notes ?? []), ...(a.notes ?? [])].sort((x: ContactNote, y: ContactNote) => y.createdAt - x.createdAt);
  b.notes = [];
  const attrs: ContactAttribute[] = clone(a.attributes ?? []);
  for (const x of b.attributes ?? []) {
    const i = attrs.findIndex((y) => y.key.toLowerCase() === x.key.toLowerCase());
    if (i < 0) attrs.push(clone(x));
    else if (choice.attributesFrom === absorbed) attrs[i] = clone(x);
  }
  a.attributes = attrs.sort((x, y) => x.key.localeCompare(y.key, undefined, { sensitivity: "base" }));
  a.tags = sortTags([...(a.tags ?? []), ...(b.tags ?? []).filter((t) => !(a.tags ?? []).some((x) => x.toLowerCase() === t.toLowerCase()))]);
  if (choice.nameFrom === absorbed) a.name = b.name;
  a.firstSeenAt = Math.min(a.firstSeenAt, b.firstSeenAt);
  b.mergedInto = survivor;
  rename(mock, survivor);
}

export async function mergeContacts(mock: MockBackend, choice: MergeChoice): Promise<ContactChange> {
  mock.record("merge_contacts", { choice });
  const before = snapshot(mock, [choice.survivor, choice.absorbed]);
  const absorbedName = live(mock, choice.absorbed).name;
  applyMerge(mock, choice);
  const change: MockChange = {
    id: changesOf(mock).length + 1,
    kind: "merge",
    contactId: choice.survivor,
    otherId: choice.absorbed,
    identityId: null,
    summary: `Merged ${absorbedName} into ${mock.contacts.get(choice.survivor)?.name ?? ""}`,
    undone: false,
    choice,
    before,
  };
  changesOf(mock).push(change);
  emitChanged(mock, [choice.survivor]);
  return publicChange(change);
}

function publicChange(c: MockChange): ContactChange {
  const { choice: _choice, before: _before, ...rest } = c;
  return clone(rest);
}

export async function splitIdentity(mock: MockBackend, identityId: number): Promise<ContactChange> {
  mock.record("split_identity", { identityId });
  const thread = [...mock.threads.values()].find((t) => (t.identity ?? t.summary.contactId) === identityId);
  if (!thread) throw err("notFound", "Nothing changed: that identity is no longer there (reload and try again).");
  const ownerId = thread.summary.contactId;
  const owner = live(mock, ownerId);
  const identities = new Set(threadsOf(mock, ownerId).map((t) => t.identity ?? t.summary.contactId));
  if (identities.size < 2)
    throw err("invalidInput", "Nothing changed: this is the customer's only identity; there is nothing to separate it from.");
  const before = snapshot(mock, [ownerId, identityId]);
  let target = mock.contacts.get(identityId);
  if (!target || identityId === ownerId) {
    const id = Math.max(...mock.contacts.keys()) + 1;
    const fresh: MockContact = {
      id,
      name: owner.name,
      handle: owner.handle,
      remoteId: owner.remoteId,
      firstSeenAt: owner.firstSeenAt,
      vip: false,
      blocked: false,
    };
    mock.contacts.set(id, fresh);
    target = fresh;
  } else {
    target.mergedInto = undefined;
  }
  for (const t of threadsOf(mock, ownerId)) if ((t.identity ?? t.summary.contactId) === identityId) t.summary.contactId = target.id;
  rename(mock, target.id);
  const change: MockChange = {
    id: changesOf(mock).length + 1,
    kind: "split",
    contactId: ownerId,
    otherId: target.id,
    identityId,
    summary: `Moved ${target.name} out of ${owner.name} as a customer of their own`,
    undone: false,
    choice: null,
    before,
  };
  changesOf(mock).push(change);
  emitChanged(mock, [ownerId, target.id]);
  return publicChange(change);
}

export async function undoContactChange(mock: MockBackend, changeId: number): Promise<ContactChange> {
  mock.record("undo_contact_change", { changeId });
  const change = changesOf(mock).find((c) => c.id === changeId);
  if (!change) throw err("notFound", "Nothing changed: that change is no longer there (reload and try again).");
  if (!change.undone) {
    const before = snapshot(mock, [change.contactId, change.otherId]);
    restore(mock, change.before);
    change.before = before;
    change.undone = true;
  } else if (change.kind === "merge" && change.choice) {
    change.before = snapshot(mock, [change.contactId, change.otherId]);
    applyMerge(mock, change.choice);
    change.undone = false;
  } else {
    throw err("invalidInput", "Nothing changed: this separation was already undone.");
  }
  emitChanged(mock, [change.contactId, change.otherId]);
  return publicChange(change);
}

export async function dismissMergeSuggestion(mock: MockBackend, a: number, b: number): Promise<void> {
  mock.record("dismiss_merge_suggestion", { a, b });
  let set = dismissed.get(mock);
  if (!set) dismissed.set(mock, (set = new Set()));
  set.add(`${Math.min(a, b)}:${Math.max(a, b)}`);
}

/** Whether the agent said these two are not the same person. */
export function isDismissed(mock: MockBackend, a: number, b: number): boolean {
  return dismissed.get(mock)?.has(`${Math.min(a, b)}:${Math.max(a, b)}`) ?? false;
}

/** A plain form of a name or an address for comparing (case and accents aside). */
function plain(s: string): string {
  return s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}@+.]/gu, "");
}

/**
 * The mock's suggestions: two live customers on different channels with the same name (accents
 * and case aside), or one whose phone/email detail is the other's id. The real engine is
 * parley-core's `suggest`.
 */
export async function mergeSuggestions(mock: MockBackend, contactId: number | null, limit: number): Promise<MergeSuggestion[]> {
  mock.record("merge_suggestions", { contactId, limit });
  const people = [...mock.contacts.values()].filter((c) => c.mergedInto === undefined && threadsOf(mock, c.id).length > 0);
  const out: MergeSuggestion[] = [];
  for (let i = 0; i < people.length; i++) {
    for (let j = i + 1; j < people.length; j++) {
      const [p, q] = people[i].id < people[j].id ? [people[i], people[j]] : [people[j], people[i]];
      if (contactId !== null && p.id !== contactId && q.id !== contactId) continue;
      if (isDismissed(mock, p.id, q.id)) continue;
      const pc = side(mock, p.id).channels;
      const qc = side(mock, q.id).channels;
      const reasons: MergeReason[] = [];
      const detail = (a: MockContact, b: MockContact) =>
        (a.attributes ?? []).find((x) => /phone|email|e-mail/i.test(x.key) && plain(x.value) === plain(b.remoteId));
      const byDetail = detail(p, q) ?? detail(q, p);
      if (byDetail) {
        const value = plain(byDetail.value);
        reasons.push(value.includes("@") ? { kind: "sameEmail", email: value } : { kind: "samePhone", phone: value });
      }
      if (plain(p.name) === plain(q.name) && !pc.some((c) => qc.includes(c))) reasons.push({ kind: "similarName", a: p.name, b: q.name });
      if (reasons.length === 0) continue;
      out.push({ a: p.id, b: q.id, aName: p.name, bName: q.name, aChannels: pc, bChannels: qc, reasons, score: byDetail ? 95 : 70 });
    }
  }
  return out.sort((x, y) => y.score - x.score).slice(0, limit);
}
