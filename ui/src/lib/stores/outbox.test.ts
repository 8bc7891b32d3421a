import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMockBackend, type MockBackend } from "../ipc/mock";
import { AppState } from "./app.svelte";
import { settle } from "./test-support";

const NOW = new Date(2024, 2, 14, 15, 30).getTime();

let mock: MockBackend;
beforeEach(() => {
  mock = createMockBackend({ now: () => NOW, threadCount: 5 });
});
afterEach(() => mock.dispose());

describe("OutboxStore", () => {
  it("counts replies queued while offline and follows the network back", async () => {
    const app = new AppState(mock);
    await app.start();
    expect(app.outbox.status.online).toBe(true);
    mock.setOnline(false);
    await settle();
    expect(app.outbox.status.online).toBe(false);
    await app.openThread(1);
    app.conversation.setDraft("first");
    await app.conversation.send();
    app.conversation.setDraft("second");
    await app.conversation.send();
    await settle();
    expect(app.outbox.status.waiting).toBe(2);
    mock.setOnline(true);
    await settle();
    expect(app.outbox.status).toMatchObject({ online: true, waiting: 0 });
    app.stop();
  });

  it("edits and discards a queued reply; refuses once it has left", async () => {
    const app = new AppState(mock);
    await app.start();
    mock.setOnline(false);
    await app.openThread(2);
    app.conversation.setDraft("helo");
    await app.conversation.send();
    const echo = app.conversation.messages[app.conversation.messages.length - 1];
    expect(await app.outbox.edit(echo.id, "hello")).toBe(true);
    await settle();
    expect(app.conversation.messages.find((m) => m.id === echo.id)?.text).toBe("hello");
    expect(await app.outbox.discard(echo.id)).toBe(true);
    await settle();
    expect(app.conversation.messages.some((m) => m.id === echo.id)).toBe(false);
    expect(await app.outbox.discard(echo.id)).toBe(false);
    expect(app.outbox.actionError?.code).toBe("notFound");
    app.stop();
  });

  it("lists drafts in the Drafts view", async () => {
    const app = new AppState(mock);
    await app.start();
    await mock.saveDraft(3, "half a thought");
    await app.showDrafts();
    expect(app.view).toBe("drafts");
    expect(app.outbox.drafts.map((d) => d.text)).toEqual(["half a thought"]);
    app.stop();
  });
});
