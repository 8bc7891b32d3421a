// Replies: sending (text, files, media links, templates), the outbox that holds them until they
// leave, the decisions on held or uncertain replies, and the drafts list.
import type { DeliveryState, DraftView, MessageTemplate, MessageView, OutboxStatus, TemplateVariable } from "../bindings";
import { TEMPLATES } from "./fixtures";
import type { MockBackend } from "./index";
import { newMessage } from "./records";
import { type MockThread, clone, err } from "./state";
import { optedOut } from "./outbound";

/** An outbound message the agent just sent: queued, at the end of `t`, its draft gone. */
function queueOutbound(
  mock: MockBackend,
  t: MockThread,
  text: string,
  attachments: MessageView["attachments"],
): MessageView {
  const msg = newMessage(mock, {
    threadId: t.summary.id,
    direction: "outbound",
    authorName: "Alex (you)",
    text,
    attachments,
    sentAt: mock.now(),
    delivery: "queued",
  });
  t.messages.push(msg);
  t.draft = null;
  t.summary.waitingSince = null;
  return msg;
}

export async function sendReply(mock: MockBackend, threadId: number, text: string): Promise<MessageView> {
  mock.record("send_reply", { threadId, text });
  const t = mock.mustThread(threadId);
  const files = mock.stagedFiles.get(threadId) ?? [];
  if (!text.trim() && files.length === 0) throw err("invalidInput", "Type a message before sending.");
  mock.stagedFiles.delete(threadId);
  mock.draftLinks.delete(threadId);
  const msg = queueOutbound(mock, t, text, files.map((f) => ({
    kind: f.mimeType.startsWith("image/") ? "photo" : "document",
    remoteRef: `local:${f.id}`,
    fileName: f.fileName,
    mimeType: f.mimeType,
    size: f.size,
    description: null,
  })));
  t.summary.snippet = text.slice(0, 120);
  t.summary.snippetDirection = "outbound";
  t.summary.lastActivityAt = msg.sentAt;
  queueMicrotask(() => mock.emit({ kind: "threadsChanged", threadIds: [threadId] }));
  queueMicrotask(() => mock.emitOutbox());
  if (mock.simulate && mock.online) {
    mock.later(400, () => mock.setDelivery(msg.id, "sending"));
    mock.later(1200, () => mock.setDelivery(msg.id, "sent"));
    mock.later(2600, () => mock.setDelivery(msg.id, "delivered"));
    if (/\?$/.test(text.trim())) mock.later(6000, () => mock.receive(threadId, "Sure, one moment 🙂"));
  }
  return clone(msg);
}

export async function sendReplyWithMedia(
  mock: MockBackend,
  threadId: number,
  text: string,
  mediaUrls: string[],
): Promise<MessageView> {
  mock.record("send_reply_with_media", { threadId, text, mediaUrls });
  const t = mock.mustThread(threadId);
  if (t.summary.channel !== "sms" && t.summary.channel !== "whatsapp")
    throw err("invalidInput", "Media links are for SMS and WhatsApp conversations; attach files on this channel instead.");
  const msg = queueOutbound(mock, t, text, mediaUrls.map((url) => ({
    kind: "other",
    remoteRef: null,
    fileName: url.split("/").pop() ?? null,
    mimeType: null,
    size: null,
    description: url,
  })));
  mock.draftLinks.delete(threadId);
  queueMicrotask(() => mock.emit({ kind: "threadsChanged", threadIds: [threadId] }));
  return clone(msg);
}

export async function messageTemplates(mock: MockBackend, threadId: number): Promise<MessageTemplate[]> {
  mock.record("message_templates", { threadId });
  return clone(TEMPLATES);
}

export async function sendTemplate(
  mock: MockBackend,
  threadId: number,
  contentSid: string,
  variables: TemplateVariable[],
): Promise<MessageView> {
  mock.record("send_template", { threadId, contentSid, variables });
  throw err("invalidInput", "The mock backend does not send templates.");
}

function status(mock: MockBackend): OutboxStatus {
  const all = [...mock.threads.values()].flatMap((t) => t.messages);
  const count = (states: DeliveryState[]) => all.filter((m) => states.includes(m.delivery)).length;
  return {
    online: mock.online,
    offlineSince: mock.online ? null : mock.now(),
    waiting: count(["queued", "sending", "retrying"]),
    held: count(["held"]),
    uncertain: count(["uncertain"]),
  };
}

export function emitOutbox(mock: MockBackend): void {
  mock.emit({ kind: "outboxChanged", status: status(mock) });
}

/** Test helper: lose or regain the network. Back online, queued replies are sent. */
export function setOnline(mock: MockBackend, online: boolean): void {
  mock.online = online;
  if (online) {
    for (const t of mock.threads.values()) {
      for (const m of t.messages) if (m.delivery === "queued") m.delivery = "sent";
      mock.emit({ kind: "messagesChanged", threadId: t.summary.id });
    }
  }
  mock.emitOutbox();
}

export async function outboxStatus(mock: MockBackend): Promise<OutboxStatus> {
  mock.record("outbox_status", {});
  return status(mock);
}

export async function listDrafts(mock: MockBackend): Promise<DraftView[]> {
  mock.record("list_drafts", {});
  const files = (id: number) => mock.stagedFiles.get(id)?.length ?? 0;
  const links = (id: number) => mock.draftLinks.get(id)?.length ?? 0;
  return [...mock.threads.values()]
    .filter((t) => t.draft !== null || files(t.summary.id) > 0 || links(t.summary.id) > 0)
    .map((t) => ({
      threadId: t.summary.id,
      channel: t.summary.channel,
      contactName: t.summary.contactName,
      text: t.draft ?? "",
      updatedAt: t.summary.lastActivityAt,
      files: files(t.summary.id),
      mediaLinks: links(t.summary.id),
    }));
}

/** The reply `messageId` and its thread, if its delivery is one of `allowed`. */
function reply(mock: MockBackend, messageId: number, allowed: DeliveryState[]): [MockThread, MessageView] {
  for (const t of mock.threads.values()) {
    const m = t.messages.find((x) => x.id === messageId);
    if (m) {
      if (!allowed.includes(m.delivery)) {
        throw err("invalidInput", "This reply has moved on (it is being sent or was sent) and can no longer be changed.");
      }
      return [t, m];
    }
  }
  throw err("notFound", "That reply waiting to be sent no longer exists (it may have been removed).");
}

function decided(mock: MockBackend, t: MockThread): void {
  queueMicrotask(() => {
    mock.emit({ kind: "messagesChanged", threadId: t.summary.id });
    mock.emitOutbox();
  });
}

export async function sendAnyway(mock: MockBackend, messageId: number): Promise<void> {
  mock.record("send_anyway", { messageId });
  const [t, m] = reply(mock, messageId, ["held", "failed"]);
  if (m.holdReason === "optedOut" || optedOut(mock, t.identity ?? t.summary.contactId))
    throw err(
      "invalidInput",
      "The customer opted out of messages on this channel, so Parley will not send to them, not even with Send anyway. They can opt back in by writing START, or an agent can mark them opted in from the customer pane if they asked for it.",
    );
  m.delivery = "queued";
  m.deliveryNote = null;
  m.holdReason = null;
  decided(mock, t);
}

export async function editReply(mock: MockBackend, messageId: number, text: string): Promise<void> {
  mock.record("edit_reply", { messageId, text });
  if (!text.trim()) throw err("invalidInput", "The reply is empty. Discard it instead.");
  const [t, m] = reply(mock, messageId, ["queued", "retrying", "held", "failed"]);
  m.text = text;
  if (m.delivery === "held" || m.delivery === "failed") {
    m.delivery = "queued";
    m.deliveryNote = null;
    m.holdReason = null;
  }
  decided(mock, t);
}

export async function discardReply(mock: MockBackend, messageId: number): Promise<void> {
  mock.record("discard_reply", { messageId });
  const [t, m] = reply(mock, messageId, ["queued", "retrying", "held", "failed", "uncertain"]);
  t.messages = t.messages.filter((x) => x.id !== messageId);
  // As Rust does: the text goes back into the draft (before any draft there), and so do
  // its media links (after the composer's).
  // An automated message's words are not the agent's: the draft stays as it is.
  if (m.automated === null && m.text.trim()) t.draft = t.draft?.trim() ? `${m.text}\n\n${t.draft}` : m.text;
  const links = m.attachments.filter((a) => a.kind === "other" && a.remoteRef === null && a.description).map((a) => a.description ?? "");
  if (links.length > 0) {
    const kept = mock.draftLinks.get(t.summary.id) ?? [];
    mock.draftLinks.set(t.summary.id, [...kept, ...links.filter((l) => !kept.includes(l))]);
  }
  decided(mock, t);
}

export async function markReplySent(mock: MockBackend, messageId: number): Promise<void> {
  mock.record("mark_reply_sent", { messageId });
  const [t, m] = reply(mock, messageId, ["uncertain"]);
  m.delivery = "sent";
  m.deliveryNote = "You marked this reply as sent after checking the conversation.";
  decided(mock, t);
}

export async function sendReplyAgain(mock: MockBackend, messageId: number): Promise<void> {
  mock.record("send_reply_again", { messageId });
  const [t, m] = reply(mock, messageId, ["uncertain"]);
  m.delivery = "queued";
  m.deliveryNote = null;
  decided(mock, t);
}
