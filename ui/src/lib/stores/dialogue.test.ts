import { describe, expect, it } from "vitest";
import type { MockBackend } from "../ipc/mock";
import type { ContactTimelinePage, TimelineMessage } from "../ipc/bindings";
import { AppState } from "./app.svelte";
import { DIALOGUE_PAGE_SIZE, DialogueStore, mergeNewest, replyThreadFor } from "./dialogue.svelte";
import { mockPerTest, settle } from "./test-support";

const NOW = new Date(2024, 2, 14, 15, 30).getTime();
const MIN = 60_000;

let mock: MockBackend;
mockPerTest({ now: () => NOW, threadCount: 5, messagesPerThread: 15 }, (m) => (mock = m));

/**
 * Amelia (contact 1, Telegram thread 1, 60 messages) also wrote by email and, last of all, on
 * WhatsApp; one mail at the same instant as a Telegram message. Answers the new threads' ids.
 */
function ameliaEverywhere(): { email: number; whatsapp: number; tie: number } {
  const t1 = mock.threads.get(1)!;
  // An hour earlier, so that everything here happened before now.
  for (const m of t1.messages) m.sentAt -= 60 * MIN;
  t1.summary.lastActivityAt -= 60 * MIN;
  const last = t1.summary.lastActivityAt;
  const tie = t1.messages[10].sentAt;
  const email = mock.addThread(1, "email", [
    ["inbound", "mail at the same instant", tie],
    ["outbound", "mail answer", tie + 5 * MIN],
  ]);
  const whatsapp = mock.addThread(1, "whatsapp", [
    ["inbound", "from my phone", last - 3 * MIN],
    ["inbound", "still there?", last + MIN],
  ]);
  return { email, whatsapp, tie };
}

/** Every message of the contact, as the conversation views show them, in the dialogue's order. */
function everyMessageOf(contactId: number) {
  return [...mock.threads.values()]
    .filter((t) => t.summary.contactId === contactId)
    .flatMap((t) => t.messages)
    .sort((a, b) => a.sentAt - b.sentAt || a.id - b.id);
}

function page(defaultThread: number | null, threads: number[]): Pick<ContactTimelinePage, "channels" | "defaultThread"> {
  return {
    defaultThread,
    channels: threads.map((threadId, i) => ({
      identityId: i + 1,
      channel: "telegram",
      accountId: 1,
      accountName: "Bot",
      threadId,
      lastInboundAt: null,
      replyWindow: { state: "always" },
    })),
  };
}

function item(id: number, sentAt: number): TimelineMessage {
  return {
    message: {
      id,
      threadId: 1,
      direction: "inbound",
      authorName: "A",
      text: `m${id}`,
      attachments: [],
      sentAt,
      editedAt: null,
      delivery: "received",
      deliveryNote: null,
      holdReason: null,
      subject: null,
      quotedText: null,
      hasHtml: false,
      remoteImages: 0,
      deletedOnServer: false,
      automated: null,
    },
    channel: "telegram",
    accountId: 1,
    accountName: "Bot",
  };
}

describe("the reply channel", () => {
  it("is the one the customer last wrote on, unless the agent chose another that is still offered", () => {
    expect(replyThreadFor(page(7, [7, 8]), null)).toBe(7);
    expect(replyThreadFor(page(7, [7, 8]), 8)).toBe(8);
    expect(replyThreadFor(page(7, [7]), 8)).toBe(7);
    expect(replyThreadFor(page(null, [9]), null)).toBe(9);
    expect(replyThreadFor(page(null, []), 8)).toBeNull();
  });
});

describe("refreshing the newest page", () => {
  it("keeps the older messages loaded before it, each once", () => {
    const loaded = [item(1, 10), item(2, 20), item(3, 20), item(4, 30)];
    const merged = mergeNewest(loaded, { at: 10, id: 1 }, { items: [item(3, 20), item(4, 30), item(5, 40)], older: { at: 20, id: 3 } });
    expect(merged.items.map((i) => i.message.id)).toEqual([1, 2, 3, 4, 5]);
    expect(merged.older).toEqual({ at: 10, id: 1 });
    // Nothing older was loaded: the page's own cursor.
    const fresh = mergeNewest([item(4, 30)], { at: 30, id: 4 }, { items: [item(4, 30), item(5, 40)], older: { at: 30, id: 4 } });
    expect(fresh.older).toEqual({ at: 30, id: 4 });
    // The page is the whole dialogue.
    expect(mergeNewest(loaded, null, { items: [item(9, 50)], older: null }).items.map((i) => i.message.id)).toEqual([9]);
  });
});

describe("the whole dialogue", () => {
  it("pages back through every channel's messages in order, labelled, without another customer's", async () => {
    const { email, whatsapp } = ameliaEverywhere();
    const d = new DialogueStore(mock);
    await d.open(1, 1);
    expect(d.items).toHaveLength(DIALOGUE_PAGE_SIZE);
    expect(d.items.at(-1)?.message.text).toBe("still there?");
    let pages = 1;
    while (d.older !== null) {
      await d.loadOlder();
      pages++;
      expect(d.lastChange).toBe("older");
    }
    const expected = everyMessageOf(1);
    expect(expected.length).toBe(64);
    expect(pages).toBe(2);
    expect(d.items.map((i) => i.message.id)).toEqual(expected.map((m) => m.id));
    const channelOf = new Map([
      [1, "telegram"],
      [email, "email"],
      [whatsapp, "whatsapp"],
    ]);
    for (const i of d.items) expect(i.channel).toBe(channelOf.get(i.message.threadId));
    expect(d.items.every((i) => i.accountName === "Parley Demo")).toBe(true);
    const calls = mock.calls.filter(([c]) => c === "contact_timeline");
    expect(calls).toHaveLength(2);
  });

  it("replies on the channel the customer last wrote on, or the one chosen, through that thread", async () => {
    const { email, whatsapp } = ameliaEverywhere();
    const d = new DialogueStore(mock);
    mock.onEvent((e) => d.handleEvent(e));
    await d.open(1, 1);
    expect(d.channels.map((c) => c.channel)).toEqual(["whatsapp", "telegram", "email"]);
    expect(d.replyThread).toBe(whatsapp);
    expect(d.reply.threadId).toBe(whatsapp);
    expect(d.replyChannel?.replyWindow).toEqual({ state: "open", closesAt: mock.threads.get(whatsapp)!.summary.lastActivityAt + 24 * 3_600_000 });
    expect(d.reply.replyWindow).toEqual(d.replyChannel?.replyWindow);

    await d.choose(email);
    expect(d.reply.threadId).toBe(email);
    d.reply.setDraft("Your refund left today.");
    expect(await d.send()).toBe(true);
    expect(mock.calls.some(([c, args]) => c === "send_reply" && (args as { threadId: number }).threadId === email)).toBe(true);
    const newest = d.items.at(-1)!;
    expect(newest.message.text).toBe("Your refund left today.");
    expect(newest.channel).toBe("email");
    expect(d.lastChange).toBe("send");

    // The customer writes on Telegram: shown at once; the chosen channel stays chosen.
    mock.receive(1, "one more thing", NOW + 10 * MIN);
    await settle();
    expect(d.items.at(-1)?.message.text).toBe("one more thing");
    expect(d.channels[0].channel).toBe("telegram");
    expect(d.replyThread).toBe(email);
  });

  it("follows the customer to the channel they last wrote on until the agent chooses", async () => {
    const { whatsapp } = ameliaEverywhere();
    const d = new DialogueStore(mock);
    mock.onEvent((e) => d.handleEvent(e));
    await d.open(1, 1);
    expect(d.replyThread).toBe(whatsapp);
    mock.receive(1, "back on Telegram", NOW + 10 * MIN);
    await settle();
    expect(d.replyThread).toBe(1);
    expect(d.reply.threadId).toBe(1);
    // Another customer's message changes nothing here.
    const before = d.version;
    mock.receive(2, "not Amelia", NOW + 11 * MIN);
    await settle();
    expect(d.version).toBe(before);
    expect(d.items.some((i) => i.message.text === "not Amelia")).toBe(false);
  });

  it("saves the reply bar's draft in its thread when the agent leaves", async () => {
    const { whatsapp } = ameliaEverywhere();
    const d = new DialogueStore(mock);
    await d.open(1, 1);
    d.reply.setDraft("half a thought");
    await d.close();
    expect(mock.threads.get(whatsapp)!.draft).toBe("half a thought");
    expect(d.isOpen).toBe(false);
    expect(d.items).toEqual([]);
  });

  it("says when the customer no longer exists", async () => {
    const d = new DialogueStore(mock);
    await d.open(999, null);
    expect(d.error?.code).toBe("notFound");
    expect(d.replyThread).toBeNull();
  });
});

describe("the window", () => {
  it("opens the dialogue from the conversation and returns to it with the draft written there", async () => {
    ameliaEverywhere();
    const app = new AppState(mock);
    await app.openThread(1);
    expect(app.contact.context?.threadCount).toBe(3);
    expect(app.contact.context?.identities.map((i) => i.channel)).toEqual(["telegram", "email", "whatsapp"]);
    await app.openDialogue();
    expect(app.dialogue.isOpen).toBe(true);
    expect(app.dialogue.fromThread).toBe(1);
    await app.dialogue.choose(1);
    app.dialogue.reply.setDraft("written in the dialogue");
    await app.closeDialogue();
    expect(app.dialogue.isOpen).toBe(false);
    expect(app.conversation.threadId).toBe(1);
    expect(app.conversation.draft).toBe("written in the dialogue");
    // Opening another conversation leaves the dialogue too.
    await app.openDialogue();
    await app.openThread(2);
    expect(app.dialogue.isOpen).toBe(false);
    expect(app.conversation.threadId).toBe(2);
  });
});
