import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { IpcError, SearchHit } from "../ipc/bindings";

export const SEARCH_DEBOUNCE_MS = 200;
export const SEARCH_LIMIT = 50;

/** Full-text search; while `active`, its results replace the thread list. */
export class SearchStore {
  query = $state("");
  results = $state<SearchHit[]>([]);
  loading = $state(false);
  error = $state<IpcError | null>(null);
  /** The query the current `results` belong to. */
  resultsFor = $state("");

  #backend: Backend;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #seq = 0;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  get active(): boolean {
    return this.query.trim() !== "";
  }

  setQuery(query: string): void {
    this.query = query;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (!query.trim()) {
      this.#seq++;
      this.results = [];
      this.resultsFor = "";
      this.loading = false;
      this.error = null;
      return;
    }
    this.loading = true;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.run();
    }, SEARCH_DEBOUNCE_MS);
  }

  /** Runs the current query immediately. */
  async run(): Promise<void> {
    const q = this.query.trim();
    if (!q) return;
    const seq = ++this.#seq;
    this.loading = true;
    try {
      const hits = await this.#backend.search(q, SEARCH_LIMIT);
      if (seq !== this.#seq) return;
      this.results = hits;
      this.resultsFor = q;
      this.error = null;
    } catch (e) {
      if (seq === this.#seq) this.error = toIpcError(e);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  clear(): void {
    this.setQuery("");
  }
}
