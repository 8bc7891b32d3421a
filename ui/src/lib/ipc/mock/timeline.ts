// The whole dialogue with a customer: every message of every thread of a contact, paged back
// as Rust pages it (sent time, then id), and the channels a reply can go out on.
import type { ChannelKind, ContactTimelinePage, MessageView, ReplyChannel, TimelineMessage } from "../bindings";
import type { MockBackend } from "./index";
import { newMessage, refreshWaiting } from "./records";
import { before, clone, err, type MockThread } from "./state";
import { identitiesOf, identityKey, replyWindowOf } from "./threads";

function threadsOf(mock: MockBackend, contactId: number): MockThread[] {
  return [...mock.threads.values()].filter((t) => t.summary.contactId === contactId);
}

function accountName(mock: MockBackend, accountId: number): string {
  return mock.accounts.find((a) => a.id === accountId)?.name ?? "Unknown account";
}

export async function contactTimeline(
  mock: MockBackend,
  contactId: number,
  beforeCursor: { at: number; id: number } | null,
  limit: number,
): Promise<ContactTimelinePage> {
  mock.record("contact_timeline", { contactId, before: beforeCursor, limit });
  if (!mock.contacts.has(contactId)) throw err("notFound", "This customer no longer exists.");
  const threads = threadsOf(mock, contactId);
  const all: TimelineMessage[] = threads
    .flatMap((t) =>
      t.messages.map((message) => ({
        message,
        channel: t.summary.channel,
        accountId: t.summary.accountId,
        accountName: accountName(mock, t.summary.accountId),
      })),
    )
    .filter((i) => beforeCursor === null || before({ at: i.message.sentAt, id: i.message.id }, beforeCursor))
    .sort((a, b) => a.message.sentAt - b.message.sentAt || a.message.id - b.message.id);
  const size = Math.max(1, Math.min(200, limit));
  const items = all.slice(Math.max(0, all.length - size));
  const first = items[0];
  const older = all.length > items.length && first ? { at: first.message.sentAt, id: first.message.id } : null;

  // One channel per identity: its most recently active thread, and the customer's last message on it.
  const identities = identitiesOf(mock, threads);
  const byKey = new Map<string, { reply: MockThread; lastInbound: MessageView | null }>();
  const newer = (a: { sentAt: number; id: number }, b: { sentAt: number; id: number }) =>
    a.sentAt > b.sentAt || (a.sentAt === b.sentAt && a.id > b.id);
  for (const t of threads) {
    const key = identityKey(t);
    const inbound = t.messages.filter((m) => m.direction === "inbound").at(-1) ?? null;
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { reply: t, lastInbound: inbound });
      continue;
    }
    const s = seen.reply.summary;
    if (t.summary.lastActivityAt > s.lastActivityAt || (t.summary.lastActivityAt === s.lastActivityAt && t.summary.id > s.id))
      seen.reply = t;
    if (inbound && (!seen.lastInbound || newer(inbound, seen.lastInbound))) seen.lastInbound = inbound;
  }
  const channels: Array<ReplyChannel & { order: [number, number, number, number] }> = [...byKey].map(([key, c]) => ({
    identityId: identities.get(key)?.id ?? 0,
    channel: c.reply.summary.channel,
    accountId: c.reply.summary.accountId,
    accountName: accountName(mock, c.reply.summary.accountId),
    threadId: c.reply.summary.id,
    lastInboundAt: c.lastInbound?.sentAt ?? null,
    replyWindow: replyWindowOf(c.reply),
    order: [c.lastInbound?.sentAt ?? -Infinity, c.lastInbound?.id ?? -Infinity, c.reply.summary.lastActivityAt, c.reply.summary.id],
  }));
  channels.sort((a, b) => {
    for (let i = 0; i < 4; i++) if (a.order[i] !== b.order[i]) return b.order[i] - a.order[i];
    return 0;
  });
  const replyChannels: ReplyChannel[] = channels.map(({ order: _order, ...c }) => c);
  return {
    contactId,
    items: clone(items),
    older,
    channels: replyChannels,
    defaultThread: replyChannels[0]?.threadId ?? null,
  };
}

/**
 * Test helper: a new conversation with an existing customer on another channel (what a merge
 * of contacts leaves), its messages `[direction, text, at]` oldest first. Answers its id.
 */
export function addThread(
  mock: MockBackend,
  contactId: number,
  channel: ChannelKind,
  messages: Array<["inbound" | "outbound", string, number]>,
): number {
  const c = mock.contacts.get(contactId);
  if (!c) throw err("notFound", "This customer no longer exists.");
  const id = Math.max(0, ...mock.threads.keys()) + 1;
  // The identity on that channel: a contact of its own merged into this one.
  const identity = Math.max(0, ...mock.contacts.keys()) + 1;
  mock.contacts.set(identity, {
    id: identity,
    name: c.name,
    handle: null,
    remoteId: channel === "email" ? `${c.name.split(" ")[0].toLowerCase()}@example.com` : `+1555${String(identity).padStart(7, "0")}`,
    firstSeenAt: messages[0]?.[2] ?? mock.now(),
    vip: false,
    blocked: false,
    mergedInto: contactId,
  });
  const stored = messages.map(([direction, text, sentAt]) =>
    newMessage(mock, {
      threadId: id,
      direction,
      authorName: direction === "inbound" ? c.name : "Alex (you)",
      text,
      attachments: [],
      sentAt,
      delivery: direction === "inbound" ? "received" : "read",
    }),
  );
  const last = stored.at(-1);
  const thread: MockThread = {
    summary: {
      id,
      accountId: mock.accounts[0]?.id ?? 1,
      channel,
      contactId,
      contactName: c.name,
      snippet: last?.text.slice(0, 120) ?? "",
      snippetDirection: last?.direction ?? "inbound",
      lastActivityAt: last?.sentAt ?? mock.now(),
      unreadCount: 0,
      status: "open",
      priority: 0,
      owner: null,
      snoozedUntil: null,
      waitingSince: null,
      labels: [],
      vip: c.vip,
      blocked: c.blocked,
      mood: null,
    },
    messages: stored,
    draft: null,
    events: [],
    identity,
  };
  mock.threads.set(id, thread);
  refreshWaiting(thread);
  return id;
}

/** The browser demo's customer on several channels: Amelia (thread 1, Telegram) also wrote on WhatsApp and by email. */
export function seedOtherChannels(mock: MockBackend): void {
  const c = mock.contacts.get(1);
  if (!c) return;
  const now = mock.now();
  const hour = 3_600_000;
  addThread(mock, 1, "email", [
    ["inbound", "Hello, I sent the return form by post last week. Did it arrive?", now - 50 * hour],
    ["outbound", "Hi Amelia, yes: it arrived this morning. The refund follows in 3 days.", now - 49 * hour],
  ]);
  addThread(mock, 1, "whatsapp", [
    ["inbound", "Hi, it's Amelia again, writing from my phone.", now - 26 * hour],
    ["outbound", "Hi Amelia! How can I help?", now - 25 * hour],
    ["inbound", "Has the refund gone out yet?", now - 2 * hour],
  ]);
}
