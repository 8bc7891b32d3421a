// New messages and accounts as the core makes them: the mock's one place for their defaults.
import type { AccountSummary, MessageView } from "../bindings";
import type { MockState, MockThread } from "./state";

/** A new message with the next id; what it does not say is as for a plain text message. */
export function newMessage(
  mock: MockState,
  m: Pick<MessageView, "threadId" | "direction" | "authorName" | "text" | "attachments" | "sentAt" | "delivery">,
): MessageView {
  return {
    id: mock.nextMessageId++,
    threadId: m.threadId,
    direction: m.direction,
    authorName: m.authorName,
    text: m.text,
    attachments: m.attachments,
    sentAt: m.sentAt,
    editedAt: null,
    delivery: m.delivery,
    deliveryNote: null,
    holdReason: null,
    subject: null,
    quotedText: null,
    hasHtml: false,
    remoteImages: 0,
    deletedOnServer: false,
    automated: null,
  };
}

/** An account at its next sync revision; unless said otherwise, just added: connecting, not the demo. */
export function newAccount(
  mock: MockState,
  a: Pick<AccountSummary, "id" | "channel" | "name" | "handle"> &
    Partial<Pick<AccountSummary, "isDemo" | "sync" | "lastSyncAt" | "humanAgentApproved">>,
): AccountSummary {
  return {
    id: a.id,
    channel: a.channel,
    name: a.name,
    handle: a.handle,
    isDemo: a.isDemo ?? false,
    sync: a.sync ?? { state: "connecting" },
    syncRevision: mock.nextRevision++,
    lastError: null,
    lastSyncAt: a.lastSyncAt ?? null,
    humanAgentApproved: a.humanAgentApproved ?? null,
  };
}

/** Since when the customer waits: their oldest message after the business's last one. */
export function refreshWaiting(t: MockThread): void {
  let lastOut = -Infinity;
  for (const m of t.messages) if (m.direction === "outbound") lastOut = Math.max(lastOut, m.sentAt);
  const waiting = t.messages.filter((m) => m.direction === "inbound" && m.sentAt > lastOut);
  t.summary.waitingSince = waiting.length ? Math.min(...waiting.map((m) => m.sentAt)) : null;
}
