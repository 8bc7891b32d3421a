import { describe, expect, it } from "vitest";
import type { FilledReply } from "./ipc/bindings";
import { rankSavedReplies, slashOpensPicker, usageBonus } from "./saved-replies";

let nextId = 1;
function reply(title: string, uses = 0, folder = "", text = "", lastUsedAt: number | null = null): FilledReply {
  return {
    savedReplyId: nextId++,
    folder,
    title,
    channel: "telegram",
    variant: false,
    text,
    parts: [],
    missing: [],
    files: [],
    notes: [],
    uses,
    lastUsedAt,
  };
}

const titles = (r: ReturnType<typeof rankSavedReplies>) => r.map((x) => x.reply.title);

describe("the saved-reply picker's order", () => {
  it("with nothing typed: the most used first, then the most recently used, then by folder and title", () => {
    const list = [
      reply("Refund policy", 0, "Billing"),
      reply("Opening hours", 12, "Store"),
      reply("Where is my order", 30, "Shipping"),
      reply("Shipping times", 12, "Shipping", "", 500),
      reply("Address change", 0, "Billing"),
    ];
    expect(titles(rankSavedReplies(list, ""))).toEqual([
      "Where is my order",
      "Shipping times",
      "Opening hours",
      "Address change",
      "Refund policy",
    ]);
  });

  it("typed: only matches, fuzzy, with the matched letters of the title", () => {
    const list = [reply("Where is my order"), reply("Opening hours"), reply("Returns")];
    const r = rankSavedReplies(list, "wimo");
    expect(titles(r)).toEqual(["Where is my order"]);
    expect(r[0].titleMatch).toEqual([0, 6, 9, 12]);
    expect(rankSavedReplies(list, "zzz")).toEqual([]);
  });

  it("usage lifts a reply above one that matches about as well, not above a clearly better match", () => {
    const list = [reply("Shipping abroad", 0), reply("Shipping times", 40)];
    // Both start with "ship": the used one first.
    expect(titles(rankSavedReplies(list, "ship"))).toEqual(["Shipping times", "Shipping abroad"]);
    // "abroad" matches one title well and the other not at all.
    expect(titles(rankSavedReplies(list, "abroad"))).toEqual(["Shipping abroad"]);
    // A word-start match beats a scattered one even against heavy use.
    const close = [reply("Order status", 0), reply("Our return desk", 64)];
    expect(titles(rankSavedReplies(close, "ord st"))).toEqual(["Order status"]);
    expect(usageBonus(0)).toBe(0);
    expect(usageBonus(3)).toBe(4);
  });

  it("finds a reply by its folder or by words of its filled text", () => {
    const list = [reply("Times", 0, "Shipping"), reply("Hours", 0, "Store", "We are open Monday to Friday")];
    expect(titles(rankSavedReplies(list, "shipping"))).toEqual(["Times"]);
    expect(titles(rankSavedReplies(list, "monday friday"))).toEqual(["Hours"]);
    const r = rankSavedReplies(list, "monday");
    expect(r[0].titleMatch).toEqual([]);
  });
});

describe("where / opens the picker", () => {
  it("at the start or after whitespace, not inside a word", () => {
    expect(slashOpensPicker("", 0)).toBe(true);
    expect(slashOpensPicker("Hi ", 3)).toBe(true);
    expect(slashOpensPicker("Hi\n", 3)).toBe(true);
    expect(slashOpensPicker("24", 2)).toBe(false);
    expect(slashOpensPicker("and", 3)).toBe(false);
  });
});
