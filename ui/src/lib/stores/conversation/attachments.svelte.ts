import type { Backend, FileDrag } from "../../ipc/backend";
import { toIpcError } from "../../ipc/backend";
import type { DraftAttachments, IpcError, StagedAttachment } from "../../ipc/bindings";
import type { OpenThread } from "./thread.svelte";

/** The files staged in the open thread's composer, picked or dropped on the window. */
export class Attachments {
  /** Files staged in the composer and what the channel allows; null until loaded. */
  attachments = $state<DraftAttachments | null>(null);
  /** Files being uploaded into the composer right now. */
  attaching = $state(0);
  /** Why a file or a media link did not make it into the composer. */
  attachError = $state<IpcError | null>(null);
  /** Files from the operating system are being dragged over the window (the drop highlight). */
  dragging = $state(false);

  #backend: Backend;
  #thread: OpenThread;

  constructor(backend: Backend, thread: OpenThread) {
    this.#backend = backend;
    this.#thread = thread;
  }

  /**
   * The staged files and the channel's rule for files; `loaded` sees them too (the stored media
   * links), unless another thread opened meanwhile.
   */
  async load(loaded?: (attachments: DraftAttachments) => void): Promise<void> {
    const threadId = this.#thread.threadId;
    if (threadId === null) return;
    try {
      const attachments = await this.#backend.draftAttachments(threadId);
      if (this.#thread.threadId !== threadId) return;
      this.attachments = attachments;
      loaded?.(attachments);
    } catch (e) {
      if (this.#thread.threadId === threadId) this.attachError = toIpcError(e);
    }
  }

  /** Says why something the agent gave the composer (a file, a media link) cannot go with a reply. */
  refuse(message: string): void {
    this.attachError = { code: "invalidInput", message };
  }

  /** Why `file` cannot go with a reply here (checked before uploading), or null. */
  refuseFile(file: { name: string; size: number }, alsoStaged = 0): string | null {
    const rules = this.attachments;
    if (!rules) return null;
    if (!rules.allowed) return rules.note;
    const mb = (n: number) => `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
    if (rules.maxFileBytes !== null && file.size > rules.maxFileBytes)
      return `"${file.name}" is ${mb(file.size)}; this channel accepts up to ${mb(rules.maxFileBytes)} per file.`;
    if (rules.maxTotalBytes !== null) {
      const total = rules.staged.reduce((n, f) => n + f.size, 0) + alsoStaged + file.size;
      if (total > rules.maxTotalBytes)
        return `With "${file.name}" the files would add up to ${mb(total)}; one message carries up to ${mb(rules.maxTotalBytes)}.`;
    }
    return null;
  }

  /** Uploads picked files into the composer, one by one, refusing what the channel cannot carry. */
  async attachFiles(files: File[]): Promise<void> {
    const threadId = this.#thread.threadId;
    if (threadId === null || files.length === 0) return;
    this.attachError = null;
    let pending = 0;
    for (const file of files) {
      const refusal = this.refuseFile(file, pending);
      if (refusal) {
        this.refuse(refusal);
        continue;
      }
      pending += file.size;
      this.attaching += 1;
      try {
        const bytes = new Uint8Array(await file.arrayBuffer());
        const staged = await this.#backend.stageAttachment(threadId, { name: file.name, type: file.type, bytes });
        if (this.#thread.threadId === threadId && this.attachments)
          this.attachments = { ...this.attachments, staged: [...this.attachments.staged, staged] };
      } catch (e) {
        if (this.#thread.threadId === threadId) this.attachError = toIpcError(e);
      } finally {
        this.attaching -= 1;
      }
    }
    if (this.#thread.threadId === threadId) void this.load();
  }

  /** Files Rust staged in the open thread's composer (a saved reply's, on insert). */
  addStaged(staged: StagedAttachment[]): void {
    if (staged.length > 0 && this.attachments)
      this.attachments = { ...this.attachments, staged: [...this.attachments.staged, ...staged] };
  }

  /** Takes a staged file off the composer. */
  async removeAttachment(file: StagedAttachment): Promise<void> {
    const threadId = this.#thread.threadId;
    if (threadId === null) return;
    try {
      await this.#backend.removeStagedAttachment(file.id);
      if (this.#thread.threadId === threadId && this.attachments)
        this.attachments = { ...this.attachments, staged: this.attachments.staged.filter((f) => f.id !== file.id) };
    } catch (e) {
      if (this.#thread.threadId === threadId) this.attachError = toIpcError(e);
    }
  }

  /** Files dragged over the window: the highlight follows them; a drop is staged in the open thread. */
  handleFileDrag(drag: FileDrag): void {
    if (drag === "enter" || drag === "over") {
      this.dragging = this.#thread.threadId !== null;
      return;
    }
    this.dragging = false;
    if (drag === "drop") void this.attachDropped();
  }

  /**
   * Stages the files just dropped on the window in the open thread. Rust reads only the paths of
   * that drop from the operating system, with the Attach button's rules; what it refuses (a
   * folder, an unreadable or too large file) is said by name. A channel without files (SMS,
   * WhatsApp) says why, and what to do instead.
   */
  async attachDropped(): Promise<void> {
    const threadId = this.#thread.threadId;
    if (threadId === null) return;
    this.attachError = null;
    const rules = this.attachments;
    if (rules && !rules.allowed) {
      const channel = this.#thread.thread?.channel;
      const twilio = channel === "sms" || channel === "whatsapp";
      this.refuse(twilio ? `${rules.note} Use “Media link” to send a public link to the file instead.` : rules.note);
      return;
    }
    this.attaching += 1;
    try {
      const dropped = await this.#backend.stageDroppedFiles(threadId);
      if (this.#thread.threadId !== threadId) return;
      if (this.attachments) this.attachments = { ...this.attachments, staged: [...this.attachments.staged, ...dropped.staged] };
      if (dropped.refused.length > 0) this.refuse(dropped.refused.join(" "));
    } catch (e) {
      if (this.#thread.threadId === threadId) this.attachError = toIpcError(e);
    } finally {
      this.attaching -= 1;
    }
    if (this.#thread.threadId === threadId) void this.load();
  }

  /** The staged files went with the reply just sent. */
  sent(): void {
    if (this.attachments) this.attachments = { ...this.attachments, staged: [] };
  }

  clear(): void {
    this.attachments = null;
    this.attachError = null;
  }
}
