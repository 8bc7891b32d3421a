import type { Backend } from "../../ipc/backend";
import { toIpcError } from "../../ipc/backend";
import type { HandoverAction, IpcError, ThreadControl, ThreadSummary } from "../../ipc/bindings";
import type { OpenThread } from "./thread.svelte";

/** Who controls the open Messenger/Instagram thread (Meta's handover protocol), and the header's actions on it. */
export class Handover {
  /** Who controls a Messenger/Instagram thread (handover); null until known or elsewhere. */
  control = $state<ThreadControl | null>(null);
  controlBusy = $state(false);
  controlError = $state<IpcError | null>(null);

  #backend: Backend;
  #thread: OpenThread;

  constructor(backend: Backend, thread: OpenThread) {
    this.#backend = backend;
    this.#thread = thread;
  }

  /**
   * Whether a reload that shows `after` instead of `before` found that control moved (a bot took
   * the thread) and the header does not show it yet: then Meta is asked who holds it now, so the
   * header's handover controls agree with the thread list.
   */
  controlMoved(before: ThreadSummary | null, after: ThreadSummary): boolean {
    const moved = JSON.stringify(before?.owner ?? null) !== JSON.stringify(after.owner ?? null);
    return moved && !this.#ownerMatchesControl(after);
  }

  /** Whether the header already shows what the thread list says about control. */
  #ownerMatchesControl(thread: ThreadSummary): boolean {
    const listed = thread.owner;
    const shown = this.control?.owner;
    if (!listed) return true;
    if (!shown) return false;
    if (listed.owner === "elsewhere") return shown.owner === "otherApp" || shown.owner === "metaInbox";
    if (listed.owner === "parley") return shown.owner === "parley" || shown.owner === "idle";
    return JSON.stringify(listed) === JSON.stringify(shown);
  }

  /** Asks Meta who controls the open thread (a bot, Meta's inbox, Parley, nobody). */
  async loadControl(): Promise<void> {
    const threadId = this.#thread.threadId;
    if (threadId === null) return;
    try {
      const control = await this.#backend.threadControl(threadId);
      if (this.#thread.threadId === threadId) {
        this.control = control;
        this.controlError = null;
      }
    } catch (e) {
      if (this.#thread.threadId === threadId) this.controlError = toIpcError(e);
    }
  }

  /** Take, request, pass back or release control of the open thread. */
  async handover(action: HandoverAction): Promise<void> {
    const threadId = this.#thread.threadId;
    if (threadId === null || this.controlBusy) return;
    this.controlBusy = true;
    this.controlError = null;
    try {
      const control = await this.#backend.handover(threadId, action);
      if (this.#thread.threadId === threadId) this.control = control;
    } catch (e) {
      if (this.#thread.threadId === threadId) this.controlError = toIpcError(e);
    } finally {
      this.controlBusy = false;
    }
  }

  clear(): void {
    this.control = null;
    this.controlError = null;
  }
}
