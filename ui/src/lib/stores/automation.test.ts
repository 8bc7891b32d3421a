// Settings → Automation (the store behind the screen) and how an automated message reads in the
// thread.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Backend } from "../ipc/backend";
import type { MessageView } from "../ipc/bindings";
import { createMockBackend, type MockBackend } from "../ipc/mock";
import { automatedDeliveryLabel, automatedLabel } from "../format";
import { AutomationStore } from "./automation.svelte";

// Friday 2026-03-06 18:00 UTC.
const NOW = Date.UTC(2026, 2, 6, 18, 0);

let mock: MockBackend;
beforeEach(() => {
  mock = createMockBackend({ now: () => NOW, threadCount: 4 });
});
afterEach(() => mock.dispose());

describe("the automation settings", () => {
  it("lists every account off, saves a change, and refuses what Rust would", async () => {
    const store = new AutomationStore(mock as unknown as Backend);
    await store.load();
    expect(store.draft?.accounts.map((a) => a.accountId)).toEqual(mock.accounts.map((a) => a.id));
    expect(store.draft?.accounts.every((a) => !a.greeting.enabled && !a.away.enabled)).toBe(true);
    expect(store.zones.length).toBeGreaterThan(0);

    const first = mock.accounts[0]!.id;
    store.change((s) => {
      s.accounts.find((a) => a.accountId === first)!.greeting.enabled = true;
    });
    expect(store.dirty).toBe(true);
    expect(await store.save()).toBe(true);
    expect(store.status).toBe("Saved.");
    const again = new AutomationStore(mock as unknown as Backend);
    await again.load();
    expect(again.draft?.accounts.find((a) => a.accountId === first)?.greeting.enabled).toBe(true);

    store.change((s) => {
      s.accounts.find((a) => a.accountId === first)!.away = { enabled: true, text: " ", periodHours: 12 };
    });
    expect(await store.save()).toBe(false);
    expect(store.error?.message).toContain("has no text");
    expect(store.dirty).toBe(true);
  });

  it("previews when a schedule opens next, and says why a zone is refused", async () => {
    const store = new AutomationStore(mock as unknown as Backend);
    const hours = {
      timeZone: "Europe/Berlin",
      spans: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, startMinute: 540, endMinute: 1020 })),
      holidays: [],
    };
    const preview = await store.preview(hours);
    expect(preview).toMatchObject({ openNow: false, words: "We're closed now — we'll answer from Monday 09:00 (Europe/Berlin)." });
    const refused = await store.preview({ ...hours, timeZone: "Mars/Olympus" });
    expect("code" in refused && refused.code).toBe("invalidInput");
  });
});

describe("an automated message in the thread", () => {
  const base: Pick<MessageView, "delivery" | "holdReason" | "deliveryNote"> = {
    delivery: "sent",
    holdReason: null,
    deliveryNote: null,
  };

  it("is marked with its rule", () => {
    expect(automatedLabel({ kind: "greeting", rule: "Greeting" })).toBe("Sent automatically · Greeting");
  });

  it("says plainly why it did not go, without asking the agent to act", () => {
    expect(automatedDeliveryLabel({ ...base, delivery: "held", holdReason: "agentAnswered" })).toBe(
      "Not sent: an agent answered first",
    );
    expect(automatedDeliveryLabel({ ...base, delivery: "held", holdReason: "optedOut" })).toBe(
      "Not sent: the customer opted out",
    );
    expect(automatedDeliveryLabel(base)).toBe("Sent ✓");
  });
});
