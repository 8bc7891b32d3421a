import type { Backend } from "../ipc/backend";
import type { CoreEvent, ViewCounts } from "../ipc/bindings";

/** How long the counts wait after a change for the ones that follow it (a sync's burst). */
export const COUNTS_DEBOUNCE_MS = 150;

/** The sidebar's counts of every view, refreshed once per burst of changes. */
export class CountsStore {
  counts = $state<ViewCounts | null>(null);

  #backend: Backend;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #loading: Promise<void> | null = null;
  #again = false;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** Reads the counts now (a read under way is followed by one more). */
  load(): Promise<void> {
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = (async () => {
      try {
        do {
          this.#again = false;
          try {
            this.counts = await this.#backend.viewCounts();
          } catch (e) {
            console.error("parley: cannot count the views", e);
          }
        } while (this.#again);
      } finally {
        this.#loading = null;
      }
    })();
    return this.#loading;
  }

  /** Reads the counts once the changes of this moment have all arrived. */
  schedule(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.load();
    }, COUNTS_DEBOUNCE_MS);
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  handleEvent(event: CoreEvent): void {
    if (event.kind === "threadsChanged" || event.kind === "labelsChanged" || event.kind === "messagesChanged") {
      this.schedule();
    }
  }
}
