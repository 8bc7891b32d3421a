// What the stores' unit tests share.
import { afterEach, beforeEach, vi } from "vitest";
import { createMockBackend, type MockBackend, type MockOptions } from "../ipc/mock";

/** Lets queued promises and microtasks (the mock backend's events) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
  await new Promise<void>((r) => queueMicrotask(r));
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/**
 * A fresh mock backend for each test of the file, handed to `use` before it and disposed after
 * it (real timers back): `let mock: MockBackend; mockPerTest({...}, (m) => (mock = m));`.
 */
export function mockPerTest(opts: MockOptions, use: (mock: MockBackend) => void): void {
  let current: MockBackend | null = null;
  beforeEach(() => {
    current = createMockBackend(opts);
    use(current);
  });
  afterEach(() => {
    current?.dispose();
    vi.useRealTimers();
  });
}
