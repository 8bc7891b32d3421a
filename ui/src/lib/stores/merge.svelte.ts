import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type {
  ContactChange,
  ContactId,
  ContactRow,
  IdentityId,
  IpcError,
  MergePreview,
  MergeSuggestion,
} from "../ipc/bindings";
import { mergeReasonsText } from "../format";

/** What the merge store needs of the rest of the window. */
export interface MergeHost {
  /** A merge or split happened (or was undone): the pane shows the customer anew (the core
   * tells the thread list itself). */
  contactsChanged(): Promise<void>;
  offerUndo(text: string, run: () => Promise<void>): void;
  showNotice(e: unknown): void;
}

/** The merge dialog: both customers, and the agent's choices so far. */
export type MergeDialog = {
  preview: MergePreview;
  /** The customer who stays (the one whose conversation is open when the dialog opened). */
  survivor: ContactId;
  nameFrom: ContactId;
  attributesFrom: ContactId;
  /** Why Parley suggested the pair, when it did ("Same email ana@…"). */
  reason: string | null;
  busy: boolean;
  error: IpcError | null;
};

/** "Merge with another customer…": who the agent is looking for, and who matches. */
export type MergePicker = {
  /** The customer the pane shows (who stays). */
  from: ContactId;
  query: string;
  results: ContactRow[];
  error: IpcError | null;
};

/** How many customers the picker lists. */
const PICKER_ROWS = 20;

/**
 * One customer, several identities: the merge dialog, separating an identity, and Undo for both
 * (through the workflow's toast). The store checks and records everything; this keeps the choices.
 */
export class MergeStore {
  dialog = $state<MergeDialog | null>(null);
  picker = $state<MergePicker | null>(null);
  #pickerSeq = 0;
  /** Who the open customer might also be, strongest first. */
  forContact = $state<MergeSuggestion[]>([]);
  /** Every waiting suggestion (the review list), once asked for. */
  all = $state<MergeSuggestion[] | null>(null);
  #forContactId: ContactId | null = null;
  #seq = 0;

  #backend: Backend;
  #host: MergeHost;

  constructor(backend: Backend, host: MergeHost) {
    this.#backend = backend;
    this.#host = host;
  }

  /** Opens the picker to merge `from` with a customer the agent finds by name, handle, email… */
  async openPicker(from: ContactId): Promise<void> {
    this.picker = { from, query: "", results: [], error: null };
    await this.searchPicker("");
  }

  /** Finds customers for the picker (never `from` itself). */
  async searchPicker(query: string): Promise<void> {
    const p = this.picker;
    if (!p) return;
    p.query = query;
    const seq = ++this.#pickerSeq;
    try {
      const page = await this.#backend.listContacts(query, "lastContact", null, PICKER_ROWS + 1);
      if (seq !== this.#pickerSeq || this.picker !== p) return;
      p.results = page.contacts.filter((c) => c.id !== p.from).slice(0, PICKER_ROWS);
      p.error = null;
    } catch (e) {
      if (seq === this.#pickerSeq) p.error = toIpcError(e);
    }
  }

  /** The agent picked who else the customer is: on to the merge dialog. */
  async pick(other: ContactId): Promise<void> {
    const p = this.picker;
    if (!p) return;
    this.picker = null;
    await this.open(p.from, other);
  }

  closePicker(): void {
    this.picker = null;
  }

  /** Loads the suggestions that name `contact` (the customer pane's). */
  async loadFor(contact: ContactId | null): Promise<void> {
    const seq = ++this.#seq;
    this.#forContactId = contact;
    if (contact === null) {
      this.forContact = [];
      return;
    }
    try {
      const found = await this.#backend.mergeSuggestions(contact, 5);
      if (seq === this.#seq) this.forContact = found;
    } catch {
      // A suggestion is a nicety: the pane works without it.
      if (seq === this.#seq) this.forContact = [];
    }
  }

  /** Loads the review list of every waiting suggestion. */
  async loadAll(): Promise<void> {
    try {
      this.all = await this.#backend.mergeSuggestions(null, 200);
    } catch (e) {
      this.#host.showNotice(e);
    }
  }

  /** Opens the dialog for a suggestion; `keep` (one of its two) stays. */
  review(s: MergeSuggestion, keep: ContactId = s.a): Promise<void> {
    return this.open(keep, keep === s.a ? s.b : s.a, mergeReasonsText(s.reasons));
  }

  /** Dismisses a suggestion straight from the list. */
  async dismiss(s: MergeSuggestion): Promise<void> {
    try {
      await this.#backend.dismissMergeSuggestion(s.a, s.b);
      await this.#refresh();
    } catch (e) {
      this.#host.showNotice(e);
    }
  }

  async #refresh(): Promise<void> {
    await Promise.all([this.loadFor(this.#forContactId), this.all !== null ? this.loadAll() : Promise.resolve()]);
  }

  /** Opens the dialog for `a` (who stays) and `b`. */
  async open(a: ContactId, b: ContactId, reason: string | null = null): Promise<void> {
    try {
      const preview = await this.#backend.mergePreview(a, b);
      this.dialog = { preview, survivor: a, nameFrom: a, attributesFrom: a, reason, busy: false, error: null };
    } catch (e) {
      this.#host.showNotice(e);
    }
  }

  /** The agent picks whose name, or whose disagreeing attributes, the customer keeps. */
  choose(pick: { nameFrom?: ContactId; attributesFrom?: ContactId }): void {
    const d = this.dialog;
    if (!d) return;
    if (pick.nameFrom !== undefined) d.nameFrom = pick.nameFrom;
    if (pick.attributesFrom !== undefined) d.attributesFrom = pick.attributesFrom;
  }

  close(): void {
    this.dialog = null;
  }

  /** The other customer of the dialog. */
  absorbed(d: MergeDialog): ContactId {
    return d.preview.a.contactId === d.survivor ? d.preview.b.contactId : d.preview.a.contactId;
  }

  async confirm(): Promise<boolean> {
    const d = this.dialog;
    if (!d || d.busy) return false;
    d.busy = true;
    try {
      const change = await this.#backend.mergeContacts({
        survivor: d.survivor,
        absorbed: this.absorbed(d),
        nameFrom: d.nameFrom,
        attributesFrom: d.attributesFrom,
      });
      this.dialog = null;
      await this.#done(change);
      return true;
    } catch (e) {
      d.error = toIpcError(e);
      d.busy = false;
      return false;
    }
  }

  /** "Not the same person": never suggested again. */
  async notSamePerson(): Promise<void> {
    const d = this.dialog;
    if (!d) return;
    try {
      await this.#backend.dismissMergeSuggestion(d.preview.a.contactId, d.preview.b.contactId);
      this.dialog = null;
      await this.#refresh();
    } catch (e) {
      d.error = toIpcError(e);
    }
  }

  /** Moves one identity and its conversations out of its customer. */
  async separate(identity: IdentityId): Promise<boolean> {
    try {
      await this.#done(await this.#backend.splitIdentity(identity));
      return true;
    } catch (e) {
      this.#host.showNotice(e);
      return false;
    }
  }

  async #done(change: ContactChange): Promise<void> {
    await this.#host.contactsChanged();
    await this.#refresh();
    this.#host.offerUndo(change.summary, async () => {
      await this.#backend.undoContactChange(change.id);
      await this.#host.contactsChanged();
      await this.#refresh();
    });
  }
}
