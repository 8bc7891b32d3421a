import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { ContactAttribute, ContactContext, ContactId, IdentityId, IpcError, NoteId, ThreadId } from "../ipc/bindings";

/** The customer pane for the open thread. */
export class ContactStore {
  threadId = $state<ThreadId | null>(null);
  context = $state<ContactContext | null>(null);
  loading = $state(false);
  error = $state<IpcError | null>(null);
  /** What the last note or attribute change met (shown beside the form), or null. */
  editError = $state<IpcError | null>(null);
  /** The zones the pane's picker offers, once asked for. */
  zoneChoices = $state<string[] | null>(null);

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
      void this.#pictures(seq, threadId, ctx.contactId);
    } catch (e) {
      if (seq === this.#seq) this.error = toIpcError(e);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /** Asks for the customer's profile pictures (Rust fetches them from the channel when due) and
   * shows one when it came. */
  async #pictures(seq: number, threadId: ThreadId, contactId: ContactId): Promise<void> {
    try {
      if (!(await this.#backend.refreshAvatars(contactId)) || seq !== this.#seq) return;
      const ctx = await this.#backend.contactContext(threadId);
      if (seq === this.#seq && this.context?.contactId === ctx.contactId) this.context.avatar = ctx.avatar;
    } catch {
      // A picture is a nicety: the initials stay.
    }
  }

  /** Runs a change of the open customer's notes or attributes; true when it was saved. */
  async #edit(change: (ctx: ContactContext) => Promise<void>): Promise<boolean> {
    const ctx = this.context;
    if (!ctx) return false;
    try {
      await change(ctx);
      this.editError = null;
      return true;
    } catch (e) {
      this.editError = toIpcError(e);
      return false;
    }
  }

  addNote(body: string): Promise<boolean> {
    return this.#edit(async (ctx) => {
      const note = await this.#backend.addNote(ctx.contactId, body);
      if (this.context?.contactId === ctx.contactId) this.context.notes = [note, ...this.context.notes];
    });
  }

  updateNote(noteId: NoteId, body: string): Promise<boolean> {
    return this.#edit(async (ctx) => {
      const note = await this.#backend.updateNote(noteId, body);
      if (this.context?.contactId === ctx.contactId)
        this.context.notes = this.context.notes.map((n) => (n.id === noteId ? note : n));
    });
  }

  deleteNote(noteId: NoteId): Promise<boolean> {
    return this.#edit(async (ctx) => {
      await this.#backend.deleteNote(noteId);
      if (this.context?.contactId === ctx.contactId)
        this.context.notes = this.context.notes.filter((n) => n.id !== noteId);
    });
  }

  setAttribute(attribute: ContactAttribute): Promise<boolean> {
    return this.#edit(async (ctx) => {
      const all = await this.#backend.setContactAttribute(ctx.contactId, attribute);
      if (this.context?.contactId === ctx.contactId) this.context.attributes = all;
    });
  }

  removeAttribute(key: string): Promise<boolean> {
    return this.#edit(async (ctx) => {
      const all = await this.#backend.removeContactAttribute(ctx.contactId, key);
      if (this.context?.contactId === ctx.contactId) this.context.attributes = all;
    });
  }

  /** Tags the open customer; true when it was saved. */
  addTag(tag: string): Promise<boolean> {
    return this.#edit(async (ctx) => {
      const tags = await this.#backend.addContactTag(ctx.contactId, tag);
      if (this.context?.contactId === ctx.contactId) this.context.tags = tags;
    });
  }

  removeTag(tag: string): Promise<boolean> {
    return this.#edit(async (ctx) => {
      const tags = await this.#backend.removeContactTag(ctx.contactId, tag);
      if (this.context?.contactId === ctx.contactId) this.context.tags = tags;
    });
  }

  /** Sets the open customer's time zone by hand, or clears it (`null`: back to what phone and email say). */
  setTimeZone(zone: string | null): Promise<boolean> {
    return this.#edit(async (ctx) => {
      const fresh = await this.#backend.setContactTimeZone(ctx.contactId, zone);
      if (this.context?.contactId === ctx.contactId) this.context.localTime = fresh.localTime;
    });
  }

  /** Marks the customer opted out of messages on one identity (or back in, when they asked). */
  setOptOut(identityId: IdentityId, optedOut: boolean): Promise<boolean> {
    return this.#edit(async (ctx) => {
      const fresh = await this.#backend.setIdentityOptOut(identityId, optedOut);
      if (this.context?.contactId === ctx.contactId) this.context.identities = fresh.identities;
    });
  }

  /** Loads the zones the picker offers (once). */
  async loadZoneChoices(): Promise<void> {
    if (this.zoneChoices !== null) return;
    try {
      this.zoneChoices = await this.#backend.timeZoneChoices();
    } catch (e) {
      this.editError = toIpcError(e);
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
