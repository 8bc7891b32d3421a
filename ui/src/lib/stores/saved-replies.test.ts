// Saved replies in the composer (inserting one where the agent typed, its files staged, what
// to check) and in the settings (editing, import and export).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Backend } from "../ipc/backend";
import type { ChannelKind } from "../ipc/bindings";
import { createMockBackend, type MockBackend } from "../ipc/mock";
import { AppState } from "./app.svelte";
import { importReport } from "./saved-replies.svelte";
import { settle } from "./test-support";

const NOW = new Date(2024, 2, 14, 15, 30).getTime();

let mock: MockBackend;
beforeEach(() => {
  mock = createMockBackend({ now: () => NOW, threadCount: 14 });
  mock.setOnline(false);
});
afterEach(() => mock.dispose());

async function appWith(channel: ChannelKind): Promise<AppState> {
  const page = await mock.listThreads(null, 50);
  const t = page.threads.find((x) => x.channel === channel);
  if (!t) throw new Error(`no ${channel} thread in the mock`);
  const app = new AppState(mock as unknown as Backend);
  await app.start();
  await app.openThread(t.id);
  await settle();
  return app;
}

const idOf = (title: string) => {
  const r = mock.savedReplies.find((x) => x.title === title);
  if (!r) throw new Error(title);
  return r.id;
};

describe("a saved reply in the composer", () => {
  it("is filled for the conversation and inserted where the / was, for editing", async () => {
    const app = await appWith("telegram");
    const conv = app.conversation;
    const contact = mock.contacts.get(conv.thread!.contactId)!;
    contact.name = "María García";
    contact.attributes = [{ key: "Order", kind: "text", value: "#4821" }];
    conv.setDraft("Thanks! ");
    await conv.loadSavedReplies();
    const filled = conv.savedReplies!.find((r) => r.title === "Where is my order")!;
    expect(filled.text).toBe("Hi María, thanks for waiting! I checked on #4821: it is on its way. — Sam");

    const caret = await conv.insertSavedReply(idOf("Where is my order"), 8, 8);
    expect(conv.draft).toBe(`Thanks! ${filled.text}`);
    expect(caret).toBe(conv.draft.length);
    expect(conv.savedReplyNotice).toBeNull();
    // Counted as used: the picker's order follows.
    expect(conv.savedReplies!.find((r) => r.title === "Where is my order")!.uses).toBe(1);
    expect(mock.calls.filter(([c]) => c === "insert_saved_reply")).toHaveLength(1);
  });

  it("uses the fallback for what the customer lacks, and says what it left empty", async () => {
    const app = await appWith("telegram");
    const conv = app.conversation;
    mock.contacts.get(conv.thread!.contactId)!.name = "+1 415 555 0101";
    const id = (await mock.createSavedReply({ folder: "", title: "Tracking", body: "Hi {{first_name|there}}, track it at {{Tracking}}.", variants: [] })).id;
    await conv.insertSavedReply(id, 0, 0);
    expect(conv.draft).toBe("Hi there, track it at .");
    expect(conv.savedReplyNotice).toContain("No value here for {{Tracking}}");
    // Sending the reply clears the notice.
    await conv.send();
    expect(conv.savedReplyNotice).toBeNull();
  });

  it("stages the saved reply's files like picked ones, and says why a channel refuses them", async () => {
    const app = await appWith("telegram");
    const conv = app.conversation;
    const id = idOf("Shipping times");
    await mock.addSavedReplyFile(id, { name: "rates.pdf", type: "application/pdf", bytes: new Uint8Array(10) });
    await conv.insertSavedReply(id, 0, 0);
    expect(conv.attachments!.staged.map((f) => f.fileName)).toEqual(["rates.pdf"]);
    expect(mock.savedReplies.find((r) => r.id === id)!.files).toHaveLength(1);

    const sms = await appWith("sms");
    await sms.conversation.insertSavedReply(id, 0, 0);
    expect(sms.conversation.attachments!.staged).toEqual([]);
    expect(sms.conversation.savedReplyNotice).toContain("Twilio fetches media");
    // SMS is plain text: the default's formatting markers are gone.
    expect(sms.conversation.draft).toContain("Orders leave within 1–2 business days.");
  });
});

describe("saved replies in the settings", () => {
  it("creates, edits, refuses a title twice in a folder, and deletes", async () => {
    const app = new AppState(mock as unknown as Backend);
    const store = app.savedReplies;
    await store.load();
    expect(store.folders.map((f) => f.folder)).toEqual(["Shipping", "Store"]);
    expect(store.businessHours).toBe("Monday to Friday 9:00–18:00");
    const r = await store.create({ folder: "Billing", title: "Refunds", body: "Refunds take 5 days.", variants: [{ channel: "sms", body: "5 days." }] });
    expect(r).not.toBeNull();
    expect(store.folders.map((f) => f.folder)).toEqual(["Billing", "Shipping", "Store"]);
    expect(await store.create({ folder: "billing", title: "REFUNDS", body: "x", variants: [] })).toBeNull();
    expect(store.error?.message).toBe("The folder “billing” already has a saved reply called “REFUNDS”: choose another title.");
    expect(await store.update(r!.id, { folder: "Billing", title: "Refunds", body: "  ", variants: [] })).toBeNull();
    expect(store.error?.message).toBe("The reply's text is empty: write its text.");
    expect(await store.remove(r!.id)).toBe(true);
    expect(store.replies.some((x) => x.id === r!.id)).toBe(false);
  });

  it("reports an import: how many came in and which were skipped, and why", async () => {
    const app = new AppState(mock as unknown as Backend);
    const store = app.savedReplies;
    await store.load();
    const json = JSON.stringify({
      format: "parley.savedReplies",
      version: 1,
      savedReplies: [
        { folder: "Shipping", title: "Shipping times", body: "again" },
        { folder: "Returns", title: "How to return", body: "Send it back within 30 days." },
      ],
    });
    const out = await store.importJson(json);
    expect(out).toEqual({
      imported: 1,
      skipped: [{ position: 1, title: "Shipping times", reason: "The folder “Shipping” already has a saved reply with this title; rename or delete it to import this one." }],
    });
    expect(store.report).toBe(
      "Imported 1 saved reply. Skipped 1:\nReply 1 (“Shipping times”): The folder “Shipping” already has a saved reply with this title; rename or delete it to import this one.",
    );
    expect(store.replies.map((r) => r.title)).toContain("How to return");
    expect(await store.importJson("{oops")).toBeNull();
    expect(store.error?.message).toContain("Nothing was imported: the file is not JSON");
    expect(importReport({ imported: 3, skipped: [] })).toBe("Imported 3 saved replies.");
  });
});
