import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMockBackend, type MockBackend } from "../ipc/mock";
import type { ThreadSummary } from "../ipc/bindings";
import { moodKey, placeChanged } from "../views";
import { AppState } from "./app.svelte";
import { settle } from "./test-support";

const NOW = new Date(2024, 2, 14, 15, 30).getTime();

let mock: MockBackend;
beforeEach(() => {
  mock = createMockBackend({ now: () => NOW, threadCount: 6 });
});
afterEach(() => mock.dispose());

function flag(id: number, angryAndUrgent = false): void {
  const t = mock.threads.get(id)!.summary;
  t.mood = { kind: "angry", severity: 80, angryAndUrgent, since: t.lastActivityAt };
}

describe("the Mood view", () => {
  it("lists flagged conversations first (angry and pressing before either), then the longest wait", async () => {
    flag(4);
    flag(5, true);
    const app = new AppState(mock);
    await app.start();
    await app.showView({ kind: "mood" });
    const ids = app.threads.threads.map((t) => t.id);
    expect(ids.slice(0, 2)).toEqual([5, 4]);
    const keys = app.threads.threads.map(moodKey);
    expect([...keys].sort((a, b) => b - a)).toEqual(keys);
    app.stop();
  });

  it("places a conversation that became flagged at the top", () => {
    const rows: ThreadSummary[] = [...mock.threads.values()].map((t) => t.summary).filter((t) => t.status === "open");
    const view = { kind: "mood" } as const;
    const sorted = [...rows].sort((a, b) => moodKey(b) - moodKey(a));
    const changed = { ...sorted[sorted.length - 1], mood: { kind: "urgent" as const, severity: 60, angryAndUrgent: false, since: NOW } };
    const placed = placeChanged(view, sorted, null, [changed.id], [changed]);
    expect(placed[0].id).toBe(changed.id);
  });
});

describe("SpikeStore", () => {
  it("shows the queue, offers spike mode past a threshold, and on it lists the Mood view", async () => {
    const app = new AppState(mock);
    await app.start();
    const queue = app.spike.status!.queue;
    expect(app.spike.status!.offer).toBe(false);
    expect(await app.spike.saveSettings({ ...app.spike.status!.settings, queueThreshold: Math.max(1, queue) })).toBe(true);
    expect(app.spike.status!.offer).toBe(queue >= 1);
    expect(await app.spike.saveSettings({ ...app.spike.status!.settings, queueThreshold: 0 })).toBe(false);
    expect(app.spike.error?.code).toBe("invalidInput");

    await app.spike.setOn(true);
    await settle();
    expect(app.spike.on).toBe(true);
    expect(app.threads.view).toEqual({ kind: "mood" });
    expect(mock.calls.some(([cmd]) => cmd === "set_spike_mode")).toBe(true);
    await app.spike.setOn(false);
    expect(app.spike.on).toBe(false);
    app.stop();
  });
});
