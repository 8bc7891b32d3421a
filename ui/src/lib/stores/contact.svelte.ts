import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { ContactContext, IpcError, ThreadId } from "../ipc/bindings";

/** The customer pane for the open thread. */
export class ContactStore {
  threadId = $state<ThreadId | null>(null);
  context = $state<ContactContext | null>(null);
  loading = $state(false);
  error = $state<IpcError | null>(null);

  #backend: Backend;
  #seq = 0;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async load(threadId: ThreadId, keep = false): Promise<void> {
    const seq = ++this.#seq;
    if (!keep || this.threadId !== threadId) this.context = null;
    this.threadId = threadId;
    this.loading = true;
    try {
      const ctx = await this.#backend.contactContext(threadId);
      if (seq !== this.#seq) return;
      this.context = ctx;
      this.error = null;
    } catch (e) {
      if (seq === this.#seq) this.error = toIpcError(e);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  clear(): void {
    this.#seq++;
    this.threadId = null;
    this.context = null;
    this.loading = false;
    this.error = null;
  }
}
