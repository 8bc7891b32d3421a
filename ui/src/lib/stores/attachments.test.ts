import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMockBackend, type MockBackend } from "../ipc/mock";
import type { Backend } from "../ipc/backend";
import type { ChannelKind } from "../ipc/bindings";
import { ConversationStore } from "./conversation.svelte";
import { settle } from "./test-support";

const NOW = new Date(2024, 2, 14, 15, 30).getTime();

/** A picked file of any size without allocating it. */
function fakeFile(name: string, size: number, type = ""): File {
  return { name, size, type, arrayBuffer: async () => new ArrayBuffer(Math.min(size, 16)) } as unknown as File;
}

let mock: MockBackend;
beforeEach(() => {
  mock = createMockBackend({ now: () => NOW, threadCount: 14 });
});
afterEach(() => mock.dispose());

async function threadOf(channel: ChannelKind): Promise<number> {
  const page = await mock.listThreads(null, 50);
  const t = page.threads.find((x) => x.channel === channel);
  if (!t) throw new Error(`no ${channel} thread in the mock`);
  return t.id;
}

async function opened(channel: ChannelKind): Promise<ConversationStore> {
  const conv = new ConversationStore(mock as unknown as Backend);
  await conv.open(await threadOf(channel));
  await settle();
  return conv;
}

describe("composer files", () => {
  it("stages a file, sends it without text and empties the composer", async () => {
    const conv = await opened("telegram");
    expect(conv.attachments?.allowed).toBe(true);
    expect(conv.canSend).toBe(false);
    await conv.attachFiles([new File([new Uint8Array([1, 2, 3])], "label.png", { type: "image/png" })]);
    expect(conv.attachments?.staged.map((f) => [f.fileName, f.size])).toEqual([["label.png", 3]]);
    const upload = mock.calls.find(([cmd]) => cmd === "stage_attachment");
    expect(upload?.[1]).toMatchObject({ name: "label.png", type: "image/png", size: 3 });
    expect(conv.canSend).toBe(true);

    expect(await conv.send()).toBe(true);
    expect(conv.attachments?.staged).toEqual([]);
    const echo = conv.messages.at(-1);
    expect(echo?.attachments.map((a) => a.fileName)).toEqual(["label.png"]);
  });

  it("refuses a file over the channel's limit before uploading it, and removes staged files", async () => {
    const conv = await opened("messenger");
    await conv.attachFiles([fakeFile("video.mp4", 30 * 1024 * 1024, "video/mp4"), fakeFile("ok.pdf", 10)]);
    expect(conv.attachError?.message).toContain("25 MB per file");
    expect(mock.calls.filter(([cmd]) => cmd === "stage_attachment")).toHaveLength(1);
    const staged = conv.attachments?.staged[0];
    expect(staged?.fileName).toBe("ok.pdf");
    if (staged) await conv.removeAttachment(staged);
    expect(conv.attachments?.staged).toEqual([]);
    expect(mock.calls.some(([cmd, args]) => cmd === "remove_staged_attachment" && (args as { id: number }).id === staged?.id)).toBe(true);
  });

  it("counts the total for email and says why SMS cannot carry files", async () => {
    const mail = await opened("email");
    await mail.attachFiles([fakeFile("a.bin", 20 * 1024 * 1024), fakeFile("b.bin", 6 * 1024 * 1024)]);
    expect(mail.attachments?.staged.map((f) => f.fileName)).toEqual(["a.bin"]);
    expect(mail.attachError?.message).toContain("add up to");

    const sms = await opened("sms");
    expect(sms.attachments?.allowed).toBe(false);
    await sms.attachFiles([fakeFile("x.png", 10)]);
    expect(sms.attachError?.message).toContain("public https");
    expect(mock.calls.filter(([cmd]) => cmd === "stage_attachment")).toHaveLength(1);
  });
});
