import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { CoreEvent, DraftView, IpcError, MessageId, OutboxStatus } from "../ipc/bindings";

/** Connectivity and waiting replies (the offline banner), the agent's reply actions and drafts. */
export class OutboxStore {
  status = $state<OutboxStatus>({ online: true, offlineSince: null, waiting: 0, held: 0, uncertain: 0 });
  drafts = $state<DraftView[]>([]);
  draftsError = $state<IpcError | null>(null);
  /** The last refused action, shown next to the replies. */
  actionError = $state<IpcError | null>(null);

  #backend: Backend;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async load(): Promise<void> {
    try {
      this.status = await this.#backend.outboxStatus();
    } catch (e) {
      console.warn("parley: outbox status", toIpcError(e).message);
    }
  }

  async loadDrafts(): Promise<void> {
    try {
      this.drafts = await this.#backend.listDrafts();
      this.draftsError = null;
    } catch (e) {
      this.draftsError = toIpcError(e);
    }
  }

  handleEvent(event: CoreEvent): void {
    if (event.kind === "outboxChanged") this.status = event.status;
  }

  /** Runs one of the agent's decisions; a refusal is kept in `actionError`. */
  async #act(run: () => Promise<void>): Promise<boolean> {
    this.actionError = null;
    try {
      await run();
      return true;
    } catch (e) {
      this.actionError = toIpcError(e);
      return false;
    }
  }

  sendAnyway(id: MessageId): Promise<boolean> {
    return this.#act(() => this.#backend.sendAnyway(id));
  }

  edit(id: MessageId, text: string): Promise<boolean> {
    return this.#act(() => this.#backend.editReply(id, text));
  }

  discard(id: MessageId): Promise<boolean> {
    return this.#act(() => this.#backend.discardReply(id));
  }

  markSent(id: MessageId): Promise<boolean> {
    return this.#act(() => this.#backend.markReplySent(id));
  }

  sendAgain(id: MessageId): Promise<boolean> {
    return this.#act(() => this.#backend.sendReplyAgain(id));
  }
}
