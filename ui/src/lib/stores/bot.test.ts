// Settings → Bot: the rules (created, turned off, moved, refused with the reason), where the
// bot answers, and the test console.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Backend } from "../ipc/backend";
import { createMockBackend, type MockBackend } from "../ipc/mock";
import { BotStore, inputOf, newStep, phrasesFromText } from "./bot.svelte";

const NOW = new Date(2024, 2, 14, 15, 30).getTime();

let mock: MockBackend;
let store: BotStore;
beforeEach(async () => {
  mock = createMockBackend({ now: () => NOW, threadCount: 6 });
  store = new BotStore(mock as unknown as Backend);
  await store.load();
});
afterEach(() => mock.dispose());

describe("the bot's settings", () => {
  it("lists the demo's two rules, on, and the accounts the bot answers on", () => {
    expect(store.rules.map((r) => [r.name, r.enabled, r.steps.length])).toEqual([
      ["Where is my order", true, 2],
      ["Opening hours", true, 0],
    ]);
    expect(store.settings?.accounts.length).toBeGreaterThan(0);
  });

  it("creates a rule with a question, turns it off, moves it first and deletes it", async () => {
    const input = { ...inputOf(null), name: "Refunds", phrases: phrasesFromText(" refund\n\nreembolso* \n"), savedReplyId: 2 };
    input.steps.push({ ...newStep(), question: "Your order number?", check: { kind: "orderNumber" }, attribute: "Order" });
    const r = await store.save(null, input);
    expect(r?.phrases).toEqual(["refund", "reembolso*"]);
    expect(r?.savedReplyTitle).toBe("Shipping times");
    await store.setEnabled(store.rules[2], false);
    expect(store.rules[2].enabled).toBe(false);
    await store.move(store.rules[2].id, -1);
    await store.move(store.rules[1].id, -1);
    expect(store.rules.map((x) => x.name)).toEqual(["Refunds", "Where is my order", "Opening hours"]);
    expect(await store.remove(store.rules[0].id)).toBe(true);
    expect(store.rules).toHaveLength(2);
  });

  it("says why a rule is refused, and keeps the list as it was", async () => {
    expect(await store.save(null, { ...inputOf(null), name: "Empty" })).toBeNull();
    expect(store.error?.message).toContain("at least one keyword");
    expect(store.rules).toHaveLength(2);
  });

  it("turns the bot off and on for one account", async () => {
    const account = store.settings?.accounts[0] ?? -1;
    await store.setAccount(account, false);
    expect(store.settings?.accounts).not.toContain(account);
    await store.setAccount(account, true);
    expect(store.settings?.accounts).toContain(account);
    expect(mock.calls.filter(([c]) => c === "set_bot_settings")).toHaveLength(2);
  });
});

describe("the test console", () => {
  it("shows the matched rule and its first question, a hand off, or nothing", async () => {
    await store.tryMessage("Hola, ¿DONDE esta mi pedido?");
    expect(store.trial?.result).toMatchObject({
      outcome: "matched",
      ruleName: "Where is my order",
      message: "What is your order number?",
      questions: ["And the email you ordered with?"],
    });
    await store.tryMessage("agent please!");
    expect(store.trial?.result.outcome).toBe("handOff");
    await store.tryMessage("I love the tote bag");
    expect(store.trial?.result).toEqual({ outcome: "noMatch" });
  });
});
