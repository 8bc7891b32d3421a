import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { CoreEvent, IpcError, PageCursor, ThreadId, ThreadSummary } from "../ipc/bindings";

/**
 * How long the list holds still after the pointer last moved over it: the time between aiming
 * at a row and clicking it. A pointer at rest for longer lets the list move again, so new
 * conversations still show while the pointer merely rests there.
 */
export const HOLD_MS = 1000;

/**
 * The thread list: keyset-paged, reloaded in place when threads change.
 *
 * While the agent aims at a row (the pointer moved over the list within `HOLD_MS`) or presses
 * one, a reload does not reorder or insert rows, so the row under the pointer stays the one
 * clicked: it updates the rows already shown in place (unread counts, snippets) and keeps the
 * new order until the hold ends, as mail clients do.
 */
export class ThreadsStore {
  threads = $state<ThreadSummary[]>([]);
  next = $state<PageCursor | null>(null);
  /** True once the first page arrived. */
  loaded = $state(false);
  loading = $state(false);
  error = $state<IpcError | null>(null);
  selectedId = $state<ThreadId | null>(null);

  readonly pageSize: number;
  #backend: Backend;
  #generation = 0;
  #reloading: Promise<void> | null = null;
  #reloadAgain = false;
  #holdUntil = 0;
  #pressed = false;
  #holdTimer: ReturnType<typeof setTimeout> | null = null;
  /** The newest reload, kept back while the list holds still. */
  #pending: { threads: ThreadSummary[]; next: PageCursor | null } | null = null;

  constructor(backend: Backend, pageSize = 50) {
    this.#backend = backend;
    this.pageSize = pageSize;
  }

  get hasMore(): boolean {
    return this.loaded && this.next !== null;
  }

  get selectedIndex(): number {
    return this.selectedId === null ? -1 : this.threads.findIndex((t) => t.id === this.selectedId);
  }

  /** Loads the first page, replacing whatever was there. */
  async loadFirst(): Promise<void> {
    const gen = ++this.#generation;
    this.loading = true;
    try {
      const page = await this.#backend.listThreads(null, this.pageSize);
      if (gen !== this.#generation) return;
      this.threads = page.threads;
      this.next = page.next;
      this.#pending = null;
      this.loaded = true;
      this.error = null;
    } catch (e) {
      if (gen === this.#generation) this.error = toIpcError(e);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }

  /** Appends the next (older) page, if any. */
  async loadMore(): Promise<void> {
    if (!this.loaded) return this.loadFirst();
    if (this.loading || this.next === null) return;
    const gen = this.#generation;
    const cursor = this.next;
    this.loading = true;
    try {
      const page = await this.#backend.listThreads(cursor, this.pageSize);
      if (gen !== this.#generation) return;
      const seen = new Set(this.threads.map((t) => t.id));
      this.threads = [...this.threads, ...page.threads.filter((t) => !seen.has(t.id))];
      this.next = page.next;
      const pending = this.#pending;
      if (pending !== null) {
        // The page continues the list shown; the held one keeps it too.
        const held = new Set(pending.threads.map((t) => t.id));
        pending.threads = [...pending.threads, ...page.threads.filter((t) => !held.has(t.id))];
        pending.next = page.next;
      }
      this.error = null;
    } catch (e) {
      if (gen === this.#generation) this.error = toIpcError(e);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }

  /**
   * Refetches the loaded range from the top (same number of rows), so changed threads
   * move to the top and counts update. Concurrent calls are coalesced.
   */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      try {
        do {
          this.#reloadAgain = false;
          await this.#reloadOnce();
        } while (this.#reloadAgain);
      } finally {
        this.#reloading = null;
      }
    })();
    return this.#reloading;
  }

  async #reloadOnce(): Promise<void> {
    const gen = ++this.#generation;
    const target = Math.max(this.threads.length, this.pageSize);
    const collected: ThreadSummary[] = [];
    let cursor: PageCursor | null = null;
    let next: PageCursor | null = null;
    try {
      for (;;) {
        const page = await this.#backend.listThreads(cursor, target - collected.length);
        collected.push(...page.threads);
        next = page.next;
        if (next === null || collected.length >= target || page.threads.length === 0) break;
        cursor = next;
      }
      if (gen !== this.#generation) return;
      if (this.holding) {
        this.#pending = { threads: collected, next };
        this.#updateInPlace(collected);
      } else {
        this.threads = collected;
        this.next = next;
        this.#pending = null;
      }
      this.loaded = true;
      this.error = null;
    } catch (e) {
      if (gen === this.#generation) this.error = toIpcError(e);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }

  /** True while the list holds its order for the pointer (see the class comment). */
  get holding(): boolean {
    return this.#pressed || Date.now() < this.#holdUntil;
  }

  /** The pointer moved over the list: hold its order for `HOLD_MS` from now. */
  pointerMoved(): void {
    this.#holdUntil = Date.now() + HOLD_MS;
    this.#armRelease(HOLD_MS);
  }

  /** A button went down (true) or up (false) on the list: held while pressed, and a while after. */
  pointerPressed(down: boolean): void {
    this.#pressed = down;
    if (!down) this.pointerMoved();
  }

  /** The pointer left the list: what was held back shows now. */
  pointerLeft(): void {
    this.#pressed = false;
    this.#holdUntil = 0;
    this.#release();
  }

  #armRelease(ms: number): void {
    if (this.#holdTimer !== null) clearTimeout(this.#holdTimer);
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = null;
      // A press holds until the button comes up, which arms the timer again.
      if (this.#pressed) return;
      const left = this.#holdUntil - Date.now();
      if (left > 0) this.#armRelease(left);
      else this.#release();
    }, ms);
  }

  #release(): void {
    if (this.#holdTimer !== null) {
      clearTimeout(this.#holdTimer);
      this.#holdTimer = null;
    }
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    this.threads = pending.threads;
    this.next = pending.next;
  }

  /** Rows already shown take their new content where they stand. */
  #updateInPlace(fresh: ThreadSummary[]): void {
    const byId = new Map(fresh.map((t) => [t.id, t]));
    this.threads = this.threads.map((t) => byId.get(t.id) ?? t);
  }

  /** Local, optimistic: Rust marks a thread read when it is opened. */
  markRead(id: ThreadId): void {
    for (const list of [this.threads, this.#pending?.threads ?? []]) {
      const t = list.find((x) => x.id === id);
      if (t && t.unreadCount !== 0) t.unreadCount = 0;
    }
  }

  select(id: ThreadId | null): void {
    this.selectedId = id;
  }

  /** Moves the selection by `delta` rows; returns the newly selected thread id. */
  move(delta: number): ThreadId | null {
    if (this.threads.length === 0) return null;
    const current = this.selectedIndex;
    const index =
      current < 0
        ? delta > 0 ? 0 : this.threads.length - 1
        : Math.min(this.threads.length - 1, Math.max(0, current + delta));
    this.selectedId = this.threads[index].id;
    if (delta > 0 && index >= this.threads.length - 5) void this.loadMore();
    return this.selectedId;
  }

  handleEvent(event: CoreEvent): void {
    if (event.kind === "threadsChanged") void this.reload();
  }
}
