import type { Backend } from "../ipc/backend";
import { messagesChangedThread, toIpcError } from "../ipc/backend";
import type {
  ContactId,
  ContactTimelinePage,
  CoreEvent,
  IpcError,
  PageCursor,
  ReplyChannel,
  ThreadId,
  TimelineMessage,
} from "../ipc/bindings";
import { ConversationStore } from "./conversation.svelte";

/** Messages per page of the whole dialogue. */
export const DIALOGUE_PAGE_SIZE = 40;

/** What the last change to `items` was; the view uses it to decide how to scroll. */
export type DialogueChange = "open" | "refresh" | "older" | "send";

/**
 * The channel a reply goes out on: the one the agent chose while it is still offered, else the
 * one the customer last wrote on (the page's `defaultThread`), else none.
 */
export function replyThreadFor(page: Pick<ContactTimelinePage, "channels" | "defaultThread">, chosen: ThreadId | null): ThreadId | null {
  if (chosen !== null && page.channels.some((c) => c.threadId === chosen)) return chosen;
  return page.defaultThread ?? page.channels[0]?.threadId ?? null;
}

/**
 * The newest page merged with the older messages already loaded: those before the page's first
 * message stay (unless the page is the whole dialogue), each message once, oldest first.
 */
export function mergeNewest(
  loaded: readonly TimelineMessage[],
  loadedOlder: PageCursor | null,
  page: Pick<ContactTimelinePage, "items" | "older">,
): { items: TimelineMessage[]; older: PageCursor | null } {
  const first = page.items[0];
  if (page.older === null || !first) return { items: [...page.items], older: page.older };
  const fresh = new Set(page.items.map((i) => i.message.id));
  const kept = loaded.filter(
    (i) =>
      !fresh.has(i.message.id) &&
      (i.message.sentAt < first.message.sentAt || (i.message.sentAt === first.message.sentAt && i.message.id < first.message.id)),
  );
  return { items: [...kept, ...page.items], older: kept.length === 0 ? page.older : loadedOlder };
}

/**
 * The whole dialogue with the open conversation's customer: every message on every channel,
 * newest at the bottom, paged backwards; and a reply bar that answers on the channel the agent
 * picks (by default the one the customer last wrote on). The reply bar is an ordinary composer
 * (`reply`, a `ConversationStore` of its own) opened on that channel's thread, so its draft,
 * files, templates, reply window and sending are exactly the thread's.
 */
export class DialogueStore {
  contactId = $state<ContactId | null>(null);
  /** The conversation the agent came from; closing the dialogue returns to it. */
  fromThread = $state<ThreadId | null>(null);
  items = $state<TimelineMessage[]>([]);
  older = $state<PageCursor | null>(null);
  channels = $state<ReplyChannel[]>([]);
  /** The thread a reply goes into (the chosen channel's). */
  replyThread = $state<ThreadId | null>(null);
  loading = $state(false);
  loadingOlder = $state(false);
  error = $state<IpcError | null>(null);
  /** Bumped on every change of `items`, with `lastChange` saying why. */
  version = $state(0);
  lastChange = $state<DialogueChange>("open");
  /** The composer of `replyThread`. */
  readonly reply: ConversationStore;

  #backend: Backend;
  #seq = 0;
  /** The thread the agent picked in the channel chooser (kept while it is offered). */
  #chosen: ThreadId | null = null;
  #contactOf: (thread: ThreadId) => ContactId | undefined;

  /** `contactOf`: the customer of a conversation, where the window knows it (new threads). */
  constructor(backend: Backend, contactOf: (thread: ThreadId) => ContactId | undefined = () => undefined) {
    this.#backend = backend;
    this.#contactOf = contactOf;
    this.reply = new ConversationStore(backend);
  }

  get isOpen(): boolean {
    return this.contactId !== null;
  }

  /** The channel a reply goes out on, or null (none loaded yet). */
  get replyChannel(): ReplyChannel | null {
    return this.channels.find((c) => c.threadId === this.replyThread) ?? null;
  }

  #changed(kind: DialogueChange) {
    this.lastChange = kind;
    this.version += 1;
  }

  /** Opens the dialogue with a customer, from conversation `from`. */
  async open(contactId: ContactId, from: ThreadId | null): Promise<void> {
    const seq = ++this.#seq;
    if (this.contactId !== contactId) {
      this.items = [];
      this.older = null;
      this.channels = [];
      this.#chosen = null;
    }
    this.contactId = contactId;
    this.fromThread = from;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.#backend.contactTimeline(contactId, null, DIALOGUE_PAGE_SIZE);
      if (seq !== this.#seq) return;
      this.items = page.items;
      this.older = page.older;
      this.#changed("open");
      await this.#adoptChannels(page);
    } catch (e) {
      if (seq === this.#seq) this.error = toIpcError(e);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /** The page's channels; the reply bar follows the chosen (or default) channel's thread. */
  async #adoptChannels(page: ContactTimelinePage): Promise<void> {
    this.channels = page.channels;
    const thread = replyThreadFor(page, this.#chosen);
    if (thread === this.replyThread && (thread === null || this.reply.threadId === thread)) return;
    await this.#openReply(thread);
  }

  async #openReply(thread: ThreadId | null): Promise<void> {
    this.replyThread = thread;
    if (thread === null) {
      this.reply.close();
      return;
    }
    await this.reply.open(thread);
  }

  /** The agent picks the channel (thread) to answer on; the composer's text stays that thread's draft. */
  async choose(thread: ThreadId): Promise<void> {
    if (!this.channels.some((c) => c.threadId === thread)) return;
    this.#chosen = thread;
    if (thread === this.replyThread) return;
    await this.#openReply(thread);
  }

  async loadOlder(): Promise<void> {
    const contactId = this.contactId;
    const cursor = this.older;
    if (contactId === null || cursor === null || this.loadingOlder) return;
    const seq = this.#seq;
    this.loadingOlder = true;
    try {
      const page = await this.#backend.contactTimeline(contactId, cursor, DIALOGUE_PAGE_SIZE);
      if (seq !== this.#seq) return;
      const ids = new Set(this.items.map((i) => i.message.id));
      this.items = [...page.items.filter((i) => !ids.has(i.message.id)), ...this.items];
      this.older = page.older;
      this.#changed("older");
    } catch (e) {
      if (seq === this.#seq) this.error = toIpcError(e);
    } finally {
      if (seq === this.#seq) this.loadingOlder = false;
    }
  }

  /** Reads the newest page again (a message arrived, a reply moved on), keeping older pages. */
  async refresh(kind: DialogueChange = "refresh"): Promise<void> {
    const contactId = this.contactId;
    if (contactId === null) return;
    const seq = this.#seq;
    try {
      const page = await this.#backend.contactTimeline(contactId, null, DIALOGUE_PAGE_SIZE);
      if (seq !== this.#seq) return;
      const merged = mergeNewest(this.items, this.older, page);
      this.items = merged.items;
      this.older = merged.older;
      this.#changed(kind);
      await this.#adoptChannels(page);
    } catch (e) {
      if (seq === this.#seq) this.error = toIpcError(e);
    }
  }

  /** Sends the reply bar's text into the chosen channel's thread, then shows it in the dialogue. */
  async send(): Promise<boolean> {
    const ok = await this.reply.send();
    if (ok) await this.refresh("send");
    return ok;
  }

  /** Whether a conversation's change concerns this dialogue. */
  concerns(thread: ThreadId): boolean {
    if (this.contactId === null) return false;
    return (
      this.channels.some((c) => c.threadId === thread) ||
      this.items.some((i) => i.message.threadId === thread) ||
      this.#contactOf(thread) === this.contactId
    );
  }

  handleEvent(event: CoreEvent): void {
    if (this.contactId === null) return;
    this.reply.handleEvent(event);
    const changed = messagesChangedThread(event);
    if (changed !== null && this.concerns(changed)) {
      void this.refresh();
    } else if (event.kind === "threadMerged" && this.concerns(event.from)) {
      if (this.reply.threadMerged(event.from) && this.#chosen === event.from) this.#chosen = event.into;
      void this.refresh();
    }
  }

  /** Saves the reply bar's draft and leaves the dialogue. */
  async close(): Promise<void> {
    this.#seq++;
    await this.reply.flushDraft();
    this.reply.close();
    this.contactId = null;
    this.fromThread = null;
    this.items = [];
    this.older = null;
    this.channels = [];
    this.replyThread = null;
    this.#chosen = null;
    this.loading = false;
    this.loadingOlder = false;
    this.error = null;
  }
}
