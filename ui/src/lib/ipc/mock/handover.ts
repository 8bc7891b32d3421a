// Meta's handover protocol for Messenger/Instagram threads: who controls a thread, the agent's
// actions on it, and a bot taking it (a test helper).
import type { HandoverAction, ThreadControl, ThreadOwner } from "../bindings";
import { BOT_APP_ID } from "./fixtures";
import type { MockBackend } from "./index";

/** Keeps the thread list's owner in step with the header, as the core does. */
function markOwner(mock: MockBackend, threadId: number, owner: ThreadOwner): void {
  const t = mock.threads.get(threadId);
  if (!t || JSON.stringify(t.summary.owner) === JSON.stringify(owner)) return;
  t.summary.owner = owner;
  queueMicrotask(() => mock.emit({ kind: "threadsChanged", threadIds: [threadId] }));
}

export async function threadControl(mock: MockBackend, threadId: number): Promise<ThreadControl> {
  mock.record("thread_control", { threadId });
  const owner = mock.owners.get(threadId) ?? { owner: "idle" };
  markOwner(mock, threadId, owner);
  return { owner, botAppId: BOT_APP_ID };
}

export async function handover(mock: MockBackend, threadId: number, action: HandoverAction): Promise<ThreadControl> {
  mock.record("handover", { threadId, action });
  const owner: ThreadOwner =
    action === "take"
      ? { owner: "parley" }
      : action === "passBack"
        ? { owner: "otherApp", appId: BOT_APP_ID }
        : action === "release"
          ? { owner: "idle" }
          : (mock.owners.get(threadId) ?? { owner: "idle" });
  mock.owners.set(threadId, owner);
  markOwner(mock, threadId, owner);
  return { owner, botAppId: BOT_APP_ID };
}

/** Test helper: a bot takes a thread at Meta; the next poll finds "another app" (`is_owner: false`). */
export function botTakes(mock: MockBackend, threadId: number): void {
  mock.owners.set(threadId, { owner: "otherApp", appId: BOT_APP_ID });
  const t = mock.threads.get(threadId);
  if (!t) return;
  t.summary.owner = { owner: "elsewhere" };
  queueMicrotask(() => {
    mock.emit({ kind: "messagesChanged", threadId });
    mock.emit({ kind: "threadsChanged", threadIds: [threadId] });
  });
}
