import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type {
  ContactContext,
  ContactCursor,
  ContactId,
  ContactMarks,
  ContactRow,
  ContactSort,
  CoreEvent,
  IpcError,
} from "../ipc/bindings";

/** Rows asked for at a time. */
export const CONTACTS_PAGE = 50;
/** How long typing may pause before the search runs. */
export const SEARCH_DEBOUNCE_MS = 150;

/**
 * The Contacts screen: everyone the workspace knows, found by name, handle, email, phone or a
 * detail's value, sorted by last contact or by name, a page at a time; and the customer chosen
 * there, with their conversations. Answers that arrive after a newer question are dropped.
 */
export class ContactsStore {
  query = $state("");
  sort = $state<ContactSort>("lastContact");
  rows = $state<ContactRow[]>([]);
  next = $state<ContactCursor | null>(null);
  /** True once the first page for the current query and sort arrived. */
  loaded = $state(false);
  loading = $state(false);
  error = $state<IpcError | null>(null);
  selectedId = $state<ContactId | null>(null);
  detail = $state<ContactContext | null>(null);
  detailError = $state<IpcError | null>(null);

  #backend: Backend;
  #generation = 0;
  #detailSeq = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** The search box changed: the list follows once typing pauses. */
  setQuery(query: string): void {
    this.query = query;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.reload();
    }, SEARCH_DEBOUNCE_MS);
  }

  async setSort(sort: ContactSort): Promise<void> {
    if (sort === this.sort && this.loaded) return;
    this.sort = sort;
    await this.reload();
  }

  /** The first page for the current query and sort (what was listed goes). */
  async reload(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const gen = ++this.#generation;
    this.loading = true;
    try {
      const page = await this.#backend.listContacts(this.query, this.sort, null, CONTACTS_PAGE);
      if (gen !== this.#generation) return;
      this.rows = page.contacts;
      this.next = page.next;
      this.loaded = true;
      this.error = null;
    } catch (e) {
      if (gen === this.#generation) this.error = toIpcError(e);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }

  /** The next page, when there is one and none is on its way. */
  async loadMore(): Promise<void> {
    const cursor = this.next;
    if (cursor === null || this.loading) return;
    const gen = this.#generation;
    this.loading = true;
    try {
      const page = await this.#backend.listContacts(this.query, this.sort, cursor, CONTACTS_PAGE);
      if (gen !== this.#generation) return;
      const known = new Set(this.rows.map((r) => r.id));
      this.rows = [...this.rows, ...page.contacts.filter((r) => !known.has(r.id))];
      this.next = page.next;
    } catch (e) {
      if (gen === this.#generation) this.error = toIpcError(e);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }

  /** Shows one customer beside the list. */
  async select(id: ContactId): Promise<void> {
    const seq = ++this.#detailSeq;
    if (this.selectedId !== id) this.detail = null;
    this.selectedId = id;
    try {
      const detail = await this.#backend.contactById(id);
      if (seq !== this.#detailSeq) return;
      this.detail = detail;
      this.detailError = null;
    } catch (e) {
      if (seq === this.#detailSeq) this.detailError = toIpcError(e);
    }
  }

  /** A customer's marks changed (here or in the context pane): their row and detail show it. */
  applyMarks(id: ContactId, marks: ContactMarks): void {
    this.rows = this.rows.map((r) => (r.id === id ? { ...r, vip: marks.vip, blocked: marks.blocked } : r));
    if (this.detail?.contactId === id) this.detail = { ...this.detail, vip: marks.vip, blocked: marks.blocked };
  }

  /** A conversation of the customer shown changed: their detail is read again. */
  handleEvent(event: CoreEvent): void {
    if (event.kind !== "threadsChanged" || this.detail === null || this.selectedId === null) return;
    const shown = new Set(this.detail.conversations.map((c) => c.threadId));
    if (event.threadIds.length === 0 || event.threadIds.some((id) => shown.has(id))) void this.select(this.selectedId);
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
