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

function contactOf(thread: number): number {
  return mock.threads.get(thread)!.summary.contactId;
}

describe("merging customers", () => {
  it("merges with the chosen name, shows both identities, and Undo separates them again", async () => {
    const app = new AppState(mock);
    await app.start();
    await app.openThread(1);
    const [a, b] = [contactOf(1), contactOf(2)];
    const otherName = mock.contacts.get(b)!.name;
    await mock.setContactAttribute(a, { key: "Plan", kind: "text", value: "Basic" });
    await mock.setContactAttribute(b, { key: "plan", kind: "text", value: "Pro" });

    await app.merge.open(a, b, "same phone +14155550101");
    const d = app.merge.dialog!;
    expect(d.preview.conflictingKeys).toEqual(["Plan"]);
    expect(d.nameFrom).toBe(a);
    app.merge.choose({ nameFrom: b, attributesFrom: b });
    expect(await app.merge.confirm()).toBe(true);
    expect(app.merge.dialog).toBeNull();
    await settle();

    const ctx = app.contact.context!;
    expect(ctx.displayName).toBe(otherName);
    expect(ctx.identities).toHaveLength(2);
    expect(ctx.conversations.map((c) => c.threadId).sort()).toEqual([1, 2]);
    expect(ctx.attributes).toEqual([{ key: "plan", kind: "text", value: "Pro" }]);
    expect(mock.threads.get(2)!.summary.contactId).toBe(a);
    expect(app.workflow.toast?.text).toContain("Merged");

    expect(await app.workflow.undo()).toBe(true);
    await settle();
    expect(app.contact.context!.identities).toHaveLength(1);
    expect(app.contact.context!.attributes).toEqual([{ key: "Plan", kind: "text", value: "Basic" }]);
    expect(contactOf(2)).toBe(b);
    app.stop();
  });

  it("separates an identity back out, refuses the only one, and shows why a merge failed", async () => {
    const app = new AppState(mock);
    await app.start();
    await app.openThread(1);
    const [a, b] = [contactOf(1), contactOf(3)];
    await app.merge.open(a, b);
    await app.merge.confirm();
    await settle();
    const identity = app.contact.context!.identities.find((i) => i.id === b)!;
    expect(await app.merge.separate(identity.id)).toBe(true);
    await settle();
    expect(app.contact.context!.identities).toHaveLength(1);
    expect(contactOf(3)).not.toBe(a);
    expect(await app.merge.separate(app.contact.context!.identities[0].id)).toBe(false);
    expect(app.notice?.message).toContain("only identity");

    // A customer merged away cannot be merged again: the dialog says why and stays open.
    await app.merge.open(contactOf(1), contactOf(4));
    mock.contacts.get(contactOf(4))!.mergedInto = a;
    expect(await app.merge.confirm()).toBe(false);
    expect(app.merge.dialog?.error?.message).toContain("merged into another one");
    app.stop();
  });
});

describe("merging with a customer the agent finds", () => {
  it("lists others (never the customer itself, never one merged away) and opens the dialog for the pick", async () => {
    const app = new AppState(mock);
    await app.start();
    await app.openThread(1);
    const me = contactOf(1);
    await app.merge.openPicker(me);
    expect(app.merge.picker?.results.some((c) => c.id === me)).toBe(false);
    const target = mock.contacts.get(contactOf(2))!;
    await app.merge.searchPicker(target.name);
    const found = app.merge.picker!.results;
    expect(found.map((c) => c.id)).toContain(target.id);

    await app.merge.pick(target.id);
    expect(app.merge.picker).toBeNull();
    expect(app.merge.dialog?.survivor).toBe(me);
    expect(await app.merge.confirm()).toBe(true);
    await settle();

    await app.merge.openPicker(me);
    await app.merge.searchPicker(target.name);
    expect(app.merge.picker!.results.some((c) => c.id === target.id)).toBe(false);
    app.stop();
  });
});
