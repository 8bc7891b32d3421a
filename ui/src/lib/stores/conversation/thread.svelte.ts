import type { Backend } from "../../ipc/backend";
import { toIpcError } from "../../ipc/backend";
import type {
  ComposerWindow,
  IpcError,
  MessageView,
  PageCursor,
  ThreadDetail,
  ThreadEvent,
  ThreadId,
  ThreadSummary,
} from "../../ipc/bindings";

export const OLDER_PAGE_SIZE = 30;

/** What the last change to `messages` was; the view uses it to decide how to scroll. */
export type ChangeKind = "open" | "refresh" | "older" | "send";

/** The open thread and its messages, as far as they are loaded. */
export class OpenThread {
  threadId = $state<ThreadId | null>(null);
  thread = $state<ThreadSummary | null>(null);
  messages = $state<MessageView[]>([]);
  older = $state<PageCursor | null>(null);
  loading = $state(false);
  loadingOlder = $state(false);
  error = $state<IpcError | null>(null);
  /** Bumped on every change of `messages`, with `lastChange` saying why. */
  version = $state(0);
  lastChange = $state<ChangeKind>("open");
  /** When a reply can go out (Messenger/Instagram's 24 h and HUMAN_AGENT rules). */
  replyWindow = $state<ComposerWindow>({ state: "always" });
  /** Said at the top when the provider hides older history (Instagram). */
  historyNote = $state<string | null>(null);
  /** Status changes (resolved, snoozed, reopened...), oldest first, shown between the messages. */
  events = $state<ThreadEvent[]>([]);

  #backend: Backend;
  #openSeq = 0;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  #changed(kind: ChangeKind) {
    this.lastChange = kind;
    this.version += 1;
  }

  /**
   * Opens a thread (emptied first when it is another one than shown); `opened` runs with what
   * the backend answered, right after the messages show, unless another open or a close came first.
   */
  async open(threadId: ThreadId, opened: (detail: ThreadDetail) => void): Promise<void> {
    const seq = ++this.#openSeq;
    const switching = this.threadId !== threadId;
    this.threadId = threadId;
    if (switching) {
      this.thread = null;
      this.messages = [];
      this.older = null;
      this.replyWindow = { state: "always" };
      this.historyNote = null;
      this.events = [];
    }
    this.loading = true;
    this.error = null;
    try {
      const detail = await this.#backend.openThread(threadId);
      if (seq !== this.#openSeq) return;
      this.thread = detail.thread;
      this.messages = detail.messages.messages;
      this.older = detail.messages.older;
      this.replyWindow = detail.replyWindow;
      this.historyNote = detail.historyNote;
      this.events = detail.events;
      this.#changed("open");
      opened(detail);
    } catch (e) {
      if (seq === this.#openSeq) this.error = toIpcError(e);
    } finally {
      if (seq === this.#openSeq) this.loading = false;
    }
  }

  /**
   * Reloads the open thread after `messagesChanged`, keeping the older pages loaded; `fresh` runs
   * with what the backend answered before it shows, unless the thread changed meanwhile.
   */
  async refresh(fresh: (detail: ThreadDetail) => void): Promise<void> {
    const threadId = this.threadId;
    if (threadId === null) return;
    const seq = this.#openSeq;
    try {
      const detail = await this.#backend.openThread(threadId);
      if (seq !== this.#openSeq || this.threadId !== threadId) return;
      fresh(detail);
      const page = detail.messages.messages;
      const first = page[0];
      const freshIds = new Set(page.map((m) => m.id));
      // Keep the older messages already loaded that precede the fresh page.
      const kept =
        detail.messages.older === null || !first
          ? []
          : this.messages.filter(
              (m) => !freshIds.has(m.id) && (m.sentAt < first.sentAt || (m.sentAt === first.sentAt && m.id < first.id)),
            );
      this.thread = detail.thread;
      this.replyWindow = detail.replyWindow;
      this.historyNote = detail.historyNote;
      this.events = detail.events;
      this.messages = [...kept, ...page];
      if (kept.length === 0) this.older = detail.messages.older;
      this.#changed("refresh");
    } catch (e) {
      if (seq === this.#openSeq) this.error = toIpcError(e);
    }
  }

  async loadOlder(): Promise<void> {
    const threadId = this.threadId;
    const cursor = this.older;
    if (threadId === null || cursor === null || this.loadingOlder) return;
    const seq = this.#openSeq;
    this.loadingOlder = true;
    try {
      const page = await this.#backend.olderMessages(threadId, cursor, OLDER_PAGE_SIZE);
      if (seq !== this.#openSeq) return;
      const ids = new Set(this.messages.map((m) => m.id));
      this.messages = [...page.messages.filter((m) => !ids.has(m.id)), ...this.messages];
      this.older = page.older;
      this.#changed("older");
    } catch (e) {
      if (seq === this.#openSeq) this.error = toIpcError(e);
    } finally {
      if (seq === this.#openSeq) this.loadingOlder = false;
    }
  }

  /** The queued echo of a reply just sent, unless a refresh already brought it. */
  addSent(echo: MessageView): void {
    if (this.messages.some((m) => m.id === echo.id)) return;
    this.messages = [...this.messages, echo];
    this.#changed("send");
  }

  /** No thread open any more; loads still under way no longer apply. */
  close(): void {
    this.#openSeq++;
    this.threadId = null;
    this.thread = null;
    this.messages = [];
    this.older = null;
    this.events = [];
    this.loading = false;
    this.error = null;
  }
}
