// Composer polish: files dropped on the window, drafts that hold only files, the draft coming
// back after a discard, and media links kept with the draft.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMockBackend, type MockBackend } from "../ipc/mock";
import type { Backend } from "../ipc/backend";
import type { ChannelKind } from "../ipc/bindings";
import { draftText } from "../format";
import { AppState } from "./app.svelte";
import { ConversationStore } from "./conversation.svelte";
import { settle } from "./test-support";

const NOW = new Date(2024, 2, 14, 15, 30).getTime();

let mock: MockBackend;
beforeEach(() => {
  mock = createMockBackend({ now: () => NOW, threadCount: 14 });
  mock.setOnline(false);
});
afterEach(() => mock.dispose());

async function threadOf(channel: ChannelKind, nth = 0): Promise<number> {
  const page = await mock.listThreads(null, 50);
  const t = page.threads.filter((x) => x.channel === channel)[nth];
  if (!t) throw new Error(`no ${channel} thread in the mock`);
  return t.id;
}

/** The app started with `channel`'s thread open in the inbox. */
async function appWith(channel: ChannelKind): Promise<AppState> {
  const app = new AppState(mock as unknown as Backend);
  await app.start();
  await app.openThread(await threadOf(channel));
  await settle();
  return app;
}

const calls = (cmd: string) => mock.calls.filter(([c]) => c === cmd);

describe("dropping files on the conversation", () => {
  it("highlights while dragging and stages the dropped files through Rust, naming what it refuses", async () => {
    const app = await appWith("telegram");
    const conv = app.conversation;
    mock.drag("enter");
    expect(conv.dragging).toBe(true);
    mock.drag("leave");
    expect(conv.dragging).toBe(false);

    mock.dropFiles(["invoice.pdf", "Holiday photos/", "label.png"]);
    expect(conv.dragging).toBe(false);
    await settle();
    // The window asks for *that drop* by thread only: no path crosses from the page.
    expect(calls("stage_dropped_files").map(([, a]) => a)).toEqual([{ threadId: conv.threadId }]);
    expect(conv.attachments?.staged.map((f) => f.fileName)).toEqual(["invoice.pdf", "label.png"]);
    expect(conv.attachError?.message).toContain('"Holiday photos" is a folder');
    expect(conv.attaching).toBe(0);
    expect(conv.canSend).toBe(true);
    app.stop();
  });

  it("says why SMS cannot take a dropped file, and what to do instead", async () => {
    const app = await appWith("sms");
    const conv = app.conversation;
    mock.drag("over");
    expect(conv.dragging).toBe(true);
    mock.dropFiles(["menu.pdf"]);
    await settle();
    expect(calls("stage_dropped_files")).toEqual([]);
    expect(conv.attachError?.message).toContain("public https");
    expect(conv.attachError?.message).toContain("Media link");
    expect(conv.attachments?.staged).toEqual([]);
    app.stop();
  });

  it("ignores a drop outside the inbox, and a refused drop shows Rust's reason", async () => {
    const app = await appWith("telegram");
    await app.showDrafts();
    mock.drag("enter");
    expect(app.conversation.dragging).toBe(false);
    mock.dropFiles(["a.pdf"]);
    await settle();
    expect(calls("stage_dropped_files")).toEqual([]);

    // No drop remembered (expired or already staged): Rust says so.
    app.view = "inbox";
    await app.conversation.attachDropped();
    await app.conversation.attachDropped();
    expect(app.conversation.attachError?.message).toContain("Drop them on the conversation again");
    app.stop();
  });
});

describe("drafts that hold only files", () => {
  it("appear in the Drafts view as \"N files\"", async () => {
    const app = await appWith("telegram");
    mock.dropFiles(["a.pdf", "b.png"]);
    await settle();
    await app.showDrafts();
    const row = app.outbox.drafts.find((d) => d.threadId === app.conversation.threadId);
    expect(row).toMatchObject({ text: "", files: 2 });
    expect(row && draftText(row)).toBe("2 files");
    expect(draftText({ text: "", files: 1, mediaLinks: 2 })).toBe("1 file, 2 media links");
    expect(draftText({ text: "See attached", files: 1, mediaLinks: 0 })).toBe("See attached");
    app.stop();
  });
});

describe("the composer after a discard", () => {
  it("shows the discarded reply's text at once", async () => {
    const app = await appWith("telegram");
    const conv = app.conversation;
    conv.setDraft("Hello there");
    expect(await conv.send()).toBe(true);
    const echo = conv.messages.at(-1);
    expect(conv.draft).toBe("");
    expect(await app.discardReply(echo?.id ?? -1)).toBe(true);
    await settle();
    expect(conv.draft).toBe("Hello there");
    app.stop();
  });

  it("keeps what the agent is typing and puts the reply before it, as the store does", async () => {
    const app = await appWith("telegram");
    const conv = app.conversation;
    conv.setDraft("First");
    await conv.send();
    const echo = conv.messages.at(-1);
    conv.setDraft("Second thoughts");
    // Through the window: the unsaved text is saved first, the store puts the reply before it.
    await app.discardReply(echo?.id ?? -1);
    await settle();
    expect(conv.draft).toBe("First\n\nSecond thoughts");

    // Discarded elsewhere while the agent types (nothing saved yet): their text stays after it.
    conv.setDraft("");
    await conv.flushDraft();
    conv.setDraft("Again");
    await conv.send();
    const again = conv.messages.at(-1);
    conv.setDraft("Typing now");
    await mock.discardReply(again?.id ?? -1);
    await settle();
    expect(conv.draft).toBe("Again\n\nTyping now");
    await conv.flushDraft();
    expect((await mock.openThread(conv.threadId ?? -1)).draft).toBe("Again\n\nTyping now");
    app.stop();
  });
});

describe("media links kept with the draft", () => {
  it("survive switching threads and a restart, leave with the reply and come back on discard", async () => {
    const app = await appWith("sms");
    const conv = app.conversation;
    const sms = conv.threadId ?? -1;
    expect(conv.addMediaLink("https://cdn.example.com/menu.jpg")).toBe(true);
    await settle();
    expect(calls("save_draft_media_links").at(-1)?.[1]).toEqual({ threadId: sms, mediaUrls: ["https://cdn.example.com/menu.jpg"] });

    await app.openThread(await threadOf("telegram"));
    await settle();
    expect(conv.mediaLinks).toEqual([]);
    await app.openThread(sms);
    await settle();
    expect(conv.mediaLinks).toEqual(["https://cdn.example.com/menu.jpg"]);

    // A restart: a fresh store reads them back.
    const fresh = new ConversationStore(mock as unknown as Backend);
    await fresh.open(sms);
    await settle();
    expect(fresh.mediaLinks).toEqual(["https://cdn.example.com/menu.jpg"]);

    // Rust refuses a link it could never send: it leaves the composer with the reason.
    expect(conv.addMediaLink("https://intranet/menu.jpg")).toBe(true);
    await settle();
    expect(conv.attachError?.message).toContain("cannot be sent as media");
    expect(conv.mediaLinks).toEqual(["https://cdn.example.com/menu.jpg"]);

    conv.setDraft("Our menu");
    expect(await conv.send()).toBe(true);
    expect(conv.mediaLinks).toEqual([]);
    expect((await mock.draftAttachments(sms)).mediaLinks).toEqual([]);

    const echo = conv.messages.at(-1);
    await app.discardReply(echo?.id ?? -1);
    await settle();
    expect(conv.mediaLinks).toEqual(["https://cdn.example.com/menu.jpg"]);
    expect(conv.draft).toBe("Our menu");

    conv.removeMediaLink("https://cdn.example.com/menu.jpg");
    await settle();
    expect((await mock.draftAttachments(sms)).mediaLinks).toEqual([]);
    app.stop();
  });
});
