import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatDateTime, optOutText } from "../format";
import { createMockBackend, type MockBackend } from "../ipc/mock";
import { AppState } from "./app.svelte";
import { settle } from "./test-support";

const NOW = new Date(2024, 11, 3, 14, 2).getTime();

let mock: MockBackend;
beforeEach(() => {
  mock = createMockBackend({ now: () => NOW, threadCount: 5 });
});
afterEach(() => mock.dispose());

describe("respectful outbound", () => {
  it("says how an opt-out was recorded", () => {
    expect(optOutText({ optedOut: true, source: "keyword", detail: "STOP", at: NOW })).toBe(
      `Opted out by message “STOP” on ${formatDateTime(NOW)}`,
    );
    expect(optOutText({ optedOut: false, source: "agent", detail: "Ana", at: NOW })).toMatch(/^Opted back in by Ana on /);
    expect(optOutText(null)).toBeNull();
  });

  it("an agent marks a customer opted out in the pane, and Send anyway then refuses", async () => {
    const app = new AppState(mock);
    await app.start();
    await app.openThread(1);
    await settle();
    const ctx = app.contact.context!;
    const identity = ctx.identities[0]!;
    expect(await app.contact.setOptOut(identity.id, true)).toBe(true);
    const marked = app.contact.context!.identities[0]!;
    expect(marked.optedOut).toBe(true);
    expect(marked.optOut).toMatchObject({ optedOut: true, source: "agent" });

    mock.setOnline(false);
    app.conversation.setDraft("one more offer");
    await app.conversation.send();
    await settle();
    const reply = app.conversation.messages.at(-1)!;
    // Held for the opt-out by Rust; the mock mirrors the refusal of "Send anyway".
    reply.delivery = "held";
    reply.holdReason = "optedOut";
    await expect(mock.sendAnyway(reply.id)).rejects.toMatchObject({ code: "invalidInput" });
    app.stop();
  });

  it("keeps quiet hours and caps as saved, and refuses what cannot work", async () => {
    const s = await mock.outboundSettings();
    expect(s).toMatchObject({ quietHoursEnabled: true, quietStartMinute: 1260, quietEndMinute: 480 });
    await expect(mock.setOutboundSettings({ ...s, quietEndMinute: 1260 })).rejects.toMatchObject({ code: "invalidInput" });
    const saved = await mock.setOutboundSettings({ ...s, quietStartMinute: 22 * 60 });
    expect((await mock.outboundSettings()).quietStartMinute).toBe(22 * 60);
    expect(saved.quietStartMinute).toBe(22 * 60);
  });
});
