import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMockBackend, type MockBackend } from "../ipc/mock";
import { appCommands, commandForKey } from "../commands";
import { AppState } from "./app.svelte";
import { ContactStore } from "./contact.svelte";

const NOW = new Date(2024, 2, 14, 15, 30).getTime();

let mock: MockBackend;
beforeEach(() => {
  mock = createMockBackend({ now: () => NOW, threadCount: 5 });
});
afterEach(() => mock.dispose());

describe("the customer's notes and details", () => {
  it("adds, edits and deletes notes, newest first, and keeps them for the next visit", async () => {
    const store = new ContactStore(mock);
    await store.load(1);
    expect(await store.addNote("  Prefers email  ")).toBe(true);
    expect(await store.addNote("VIP since 2021")).toBe(true);
    expect(store.context?.notes.map((n) => n.body)).toEqual(["VIP since 2021", "Prefers email"]);
    const first = store.context!.notes[1];
    expect(await store.updateNote(first.id, "Prefers email, never calls")).toBe(true);
    expect(store.context?.notes[1].updatedAt).toBe(NOW);
    expect(await store.addNote("   ")).toBe(false);
    expect(store.editError?.code).toBe("invalidInput");
    expect(await store.deleteNote(store.context!.notes[0].id)).toBe(true);
    expect(store.editError).toBeNull();

    const again = new ContactStore(mock);
    await again.load(1);
    expect(again.context?.notes.map((n) => n.body)).toEqual(["Prefers email, never calls"]);
  });

  it("sets typed details, refuses what is not of its kind, replaces by name and removes", async () => {
    const store = new ContactStore(mock);
    await store.load(2);
    expect(await store.setAttribute({ key: "Order total", kind: "number", value: "129.90" })).toBe(true);
    expect(await store.setAttribute({ key: "Profile", kind: "link", value: "javascript:alert(1)" })).toBe(false);
    expect(store.editError?.code).toBe("invalidInput");
    expect(await store.setAttribute({ key: "order TOTAL", kind: "number", value: "200" })).toBe(true);
    expect(store.context?.attributes).toEqual([{ key: "order TOTAL", kind: "number", value: "200" }]);
    expect(await store.removeAttribute("Order Total")).toBe(true);
    expect(store.context?.attributes).toEqual([]);
    expect(mock.calls.filter(([c]) => c === "set_contact_attribute")).toHaveLength(3);
  });
});

describe("the customer's conversations", () => {
  it("are listed newest first with their status", async () => {
    await mock.changeThreads([1], { kind: "resolve", sendQueued: true });
    const store = new ContactStore(mock);
    await store.load(1);
    const listed = store.context!.conversations;
    expect(listed.map((c) => c.threadId)).toEqual([1]);
    expect(listed[0].status).toBe("resolved");
    expect(listed[0].accountName).toBe("Parley Demo");
  });
});

describe("the customer's tags and local time", () => {
  it("adds tags once whatever the case, A to Z, removes them, and finds the customer by tag", async () => {
    const store = new ContactStore(mock);
    await store.load(2);
    expect(store.context?.tags).toEqual([]);
    expect(await store.addTag("  wholesale ")).toBe(true);
    expect(await store.addTag("Allergic to nuts")).toBe(true);
    expect(await store.addTag("WHOLESALE")).toBe(true);
    expect(store.context?.tags).toEqual(["Allergic to nuts", "wholesale"]);
    expect(await store.addTag("   ")).toBe(false);
    expect(store.editError?.code).toBe("invalidInput");
    const found = await mock.listContacts("wholesale", "name", null, 10);
    expect(found.contacts.map((c) => c.id)).toEqual([2]);
    expect(await store.removeTag("wholesale")).toBe(true);
    expect(store.context?.tags).toEqual(["Allergic to nuts"]);
  });

  it("sets a zone by hand, which wins over the guess, and clears it back to the guess", async () => {
    const store = new ContactStore(mock);
    await store.load(1);
    expect(store.context?.localTime?.source).toBe("email");
    expect(await store.setTimeZone("Asia/Tokyo")).toBe(true);
    expect(store.context?.localTime).toMatchObject({ zone: "Asia/Tokyo", offsetMinutes: 540, source: "setByHand" });
    expect(await store.setTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(store.editError?.code).toBe("invalidInput");
    expect(await store.setTimeZone(null)).toBe(true);
    expect(store.context?.localTime?.source).toBe("email");
    await store.loadZoneChoices();
    expect(store.zoneChoices).toContain("Europe/Berlin");
  });
});

describe("the customer pane below 980 px", () => {
  it("is shown and hidden by a command with a free key", () => {
    const app = new AppState(mock);
    expect(app.detailsOpen).toBe(false);
    const cmds = appCommands(app);
    const show = cmds.find((c) => c.id === "customer-details")!;
    expect(show.title).toBe("Show customer details");
    expect(cmds.filter((c) => c.keys.includes("i"))).toEqual([show]);
    commandForKey(cmds, "i")!.run();
    expect(app.detailsOpen).toBe(true);
    expect(appCommands(app).find((c) => c.id === "customer-details")!.title).toBe("Hide customer details");
    app.toggleDetails();
    expect(app.detailsOpen).toBe(false);
  });
});
