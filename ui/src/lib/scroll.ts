// Where a message list stays when it re-renders (the conversation and the whole dialogue).
import { tick } from "svelte";

/**
 * Measures the list now, lets it re-render, then: after older messages were put on top, keeps
 * the visible ones still; after an open or a send, or when the agent was at the bottom, goes to
 * the bottom. Call it before the change renders (`$effect.pre`). Answers whether it left the
 * list at its bottom.
 */
export async function settleScroll(
  list: () => HTMLElement | undefined,
  change: string | null,
  wasAtBottom: boolean,
): Promise<boolean> {
  const el = list();
  const prevHeight = el?.scrollHeight ?? 0;
  const prevTop = el?.scrollTop ?? 0;
  await tick();
  const now = list();
  if (!now) return false;
  if (change === "older") {
    now.scrollTop = now.scrollHeight - prevHeight + prevTop;
    return false;
  }
  if (change === "open" || change === "send" || wasAtBottom) {
    now.scrollTop = now.scrollHeight;
    return true;
  }
  return false;
}
