import type { Backend, Unlisten } from "../ipc/backend";
import { messagesChangedThread, toIpcError } from "../ipc/backend";
import type { CoreEvent, IpcError, ThreadId, WorkspaceInfo } from "../ipc/bindings";
import { AccountsStore } from "./accounts.svelte";
import { Clock } from "./clock.svelte";
import { ContactStore } from "./contact.svelte";
import { ConversationStore } from "./conversation.svelte";
import { SearchStore } from "./search.svelte";
import { ThreadsStore } from "./threads.svelte";

export type View = "inbox" | "accounts";

/** Wires the stores together and routes core events to them. */
export class AppState {
  readonly backend: Backend;
  readonly threads: ThreadsStore;
  readonly conversation: ConversationStore;
  readonly contact: ContactStore;
  readonly accounts: AccountsStore;
  readonly search: SearchStore;
  readonly clock = new Clock();

  workspace = $state<WorkspaceInfo | null>(null);
  view = $state<View>("inbox");
  /** A transient error for actions without their own place (open link, open attachment). */
  notice = $state<IpcError | null>(null);

  #unlisten: Unlisten | null = null;
  #noticeTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(backend: Backend, opts: { pageSize?: number } = {}) {
    this.backend = backend;
    this.threads = new ThreadsStore(backend, opts.pageSize);
    this.conversation = new ConversationStore(backend);
    this.contact = new ContactStore(backend);
    this.accounts = new AccountsStore(backend);
    this.search = new SearchStore(backend);
  }

  /** Subscribes to events and loads the initial data. */
  async start(): Promise<void> {
    this.#unlisten ??= this.backend.onEvent((e) => this.handleEvent(e));
    const info = this.backend
      .workspaceInfo()
      .then((w) => (this.workspace = w))
      .catch((e) => this.showNotice(e));
    await Promise.all([info, this.threads.loadFirst(), this.accounts.load()]);
  }

  stop(): void {
    this.#unlisten?.();
    this.#unlisten = null;
    void this.conversation.flushDraft();
  }

  handleEvent(event: CoreEvent): void {
    this.threads.handleEvent(event);
    this.conversation.handleEvent(event);
    this.accounts.handleEvent(event);
    const changed = messagesChangedThread(event);
    if (changed !== null && changed === this.contact.threadId) void this.contact.load(changed, true);
    if (event.kind === "accountsChanged") {
      this.backend
        .workspaceInfo()
        .then((w) => (this.workspace = w))
        .catch(() => undefined);
    }
  }

  async openThread(id: ThreadId): Promise<void> {
    this.view = "inbox";
    this.threads.select(id);
    this.threads.markRead(id);
    const contact = this.contact.load(id);
    await Promise.all([this.conversation.open(id), contact]);
  }

  openSelected(): Promise<void> | undefined {
    const id = this.threads.selectedId;
    return id === null ? undefined : this.openThread(id);
  }

  async openLink(url: string): Promise<void> {
    try {
      await this.backend.openLink(url);
    } catch (e) {
      this.showNotice(e);
    }
  }

  async openAttachment(messageId: number, index: number): Promise<void> {
    try {
      await this.backend.openAttachment(messageId, index);
    } catch (e) {
      this.showNotice(e);
    }
  }

  showNotice(e: unknown): void {
    this.notice = toIpcError(e);
    if (this.#noticeTimer !== null) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.notice = null), 6000);
  }
}
