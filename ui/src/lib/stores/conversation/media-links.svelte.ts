import type { Backend } from "../../ipc/backend";
import { toIpcError } from "../../ipc/backend";
import type { Attachments } from "./attachments.svelte";
import type { OpenThread } from "./thread.svelte";

/** Twilio's `MediaUrl` limit for one message. */
export const MAX_MEDIA_LINKS = 10;

/** Public media links for the next SMS/WhatsApp reply, kept with the draft in Rust. */
export class MediaLinks {
  /** Public media links for the next SMS/WhatsApp reply (Twilio fetches them; `MediaUrl`). */
  mediaLinks = $state<string[]>([]);

  #backend: Backend;
  #thread: OpenThread;
  /** Where a refused link is said (the composer's attach error). */
  #attachments: Attachments;
  /** Bumped whenever the window saves the media links. */
  #linksEpoch = 0;
  /** The media-link saves, one after the other (each sends the whole list, so order matters). */
  #linkSaves: Promise<void> = Promise.resolve();

  constructor(backend: Backend, thread: OpenThread, attachments: Attachments) {
    this.#backend = backend;
    this.#thread = thread;
    this.#attachments = attachments;
  }

  /** The saves of the links under way (the draft is saved after them). */
  get saving(): Promise<void> {
    return this.#linkSaves;
  }

  /** Adds a media link for the next reply; Rust checks it again when the reply is queued. */
  addMediaLink(raw: string): boolean {
    const link = raw.trim();
    if (!/^https?:\/\/[^\s/]+/i.test(link)) {
      this.#attachments.refuse("A media link starts with https:// and names a public address.");
      return false;
    }
    if (this.mediaLinks.length >= MAX_MEDIA_LINKS) {
      this.#attachments.refuse(`Twilio sends at most ${MAX_MEDIA_LINKS} media with one message.`);
      return false;
    }
    this.#attachments.attachError = null;
    if (!this.mediaLinks.includes(link)) {
      this.mediaLinks = [...this.mediaLinks, link];
      void this.#saveMediaLinks(link);
    }
    return true;
  }

  removeMediaLink(link: string): void {
    this.mediaLinks = this.mediaLinks.filter((l) => l !== link);
    void this.#saveMediaLinks();
  }

  /** Keeps the links with the draft in Rust; a link Rust refuses (`added`) leaves the composer. */
  async #saveMediaLinks(added?: string): Promise<void> {
    const threadId = this.#thread.threadId;
    if (threadId === null) return;
    this.#linksEpoch += 1;
    const links = this.mediaLinks;
    const save = this.#linkSaves.then(() => this.#backend.saveDraftMediaLinks(threadId, links));
    this.#linkSaves = save.catch(() => undefined);
    try {
      await save;
    } catch (e) {
      if (this.#thread.threadId !== threadId) return;
      this.#attachments.attachError = toIpcError(e);
      if (added !== undefined && this.mediaLinks.includes(added)) {
        this.mediaLinks = this.mediaLinks.filter((l) => l !== added);
        void this.#saveMediaLinks();
      }
    }
  }

  /**
   * The stored media links again, with the staged files (on opening a thread, after a discard),
   * unless the agent changed the links meanwhile.
   */
  reload(): Promise<void> {
    const epoch = this.#linksEpoch;
    return this.#attachments.load((attachments) => {
      if (epoch === this.#linksEpoch) this.mediaLinks = attachments.mediaLinks;
    });
  }

  /** The links of a reply being sent: they leave the composer (the send clears them in Rust). */
  take(): string[] {
    const links = this.mediaLinks;
    this.mediaLinks = [];
    return links;
  }

  /** A refused send gives its links back, unless the agent added others meanwhile. */
  restore(links: string[]): void {
    if (this.mediaLinks.length === 0) this.mediaLinks = links;
  }

  clear(): void {
    this.mediaLinks = [];
  }
}
