import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { IpcError, SavedReply, SavedReplyFile, SavedReplyId, SavedReplyInput, SavedRepliesImport } from "../ipc/bindings";

/** The settings' saved replies: listed by folder, created, edited, deleted, with files; import and export. */
export class SavedRepliesStore {
  replies = $state<SavedReply[]>([]);
  loaded = $state(false);
  /** Why the last action was refused (shown as it is; an import's lists every problem). */
  error = $state<IpcError | null>(null);
  /** What `{{business_hours}}` reads. */
  businessHours = $state("");
  /** The last import's report, or the last export's file. */
  report = $state<string | null>(null);

  /** Folders, A to Z ("" — no folder — last), each with its replies by title. */
  readonly folders = $derived(groupByFolder(this.replies));

  #backend: Backend;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async load(): Promise<void> {
    try {
      const [replies, hours] = await Promise.all([this.#backend.listSavedReplies(), this.#backend.businessHours()]);
      this.replies = replies;
      this.businessHours = hours;
      this.loaded = true;
    } catch (e) {
      this.error = toIpcError(e);
    }
  }

  async #act<T>(run: () => Promise<T>): Promise<T | null> {
    this.error = null;
    try {
      return await run();
    } catch (e) {
      this.error = toIpcError(e);
      return null;
    }
  }

  async create(input: SavedReplyInput): Promise<SavedReply | null> {
    const r = await this.#act(() => this.#backend.createSavedReply(input));
    if (r) this.replies = [...this.replies, r];
    return r;
  }

  async update(id: SavedReplyId, input: SavedReplyInput): Promise<SavedReply | null> {
    const r = await this.#act(() => this.#backend.updateSavedReply(id, input));
    if (r) this.replies = this.replies.map((x) => (x.id === id ? r : x));
    return r;
  }

  async remove(id: SavedReplyId): Promise<boolean> {
    const ok = await this.#act(() => this.#backend.deleteSavedReply(id).then(() => true));
    if (ok) this.replies = this.replies.filter((x) => x.id !== id);
    return ok === true;
  }

  async addFiles(id: SavedReplyId, files: File[]): Promise<void> {
    for (const file of files) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const f = await this.#act(() => this.#backend.addSavedReplyFile(id, { name: file.name, type: file.type, bytes }));
      if (!f) return;
      this.replies = this.replies.map((x) => (x.id === id ? { ...x, files: [...x.files, f] } : x));
    }
  }

  async removeFile(id: SavedReplyId, file: SavedReplyFile): Promise<void> {
    const ok = await this.#act(() => this.#backend.removeSavedReplyFile(file.id).then(() => true));
    if (ok) this.replies = this.replies.map((x) => (x.id === id ? { ...x, files: x.files.filter((f) => f.id !== file.id) } : x));
  }

  async setBusinessHours(text: string): Promise<boolean> {
    const ok = await this.#act(() => this.#backend.setBusinessHours(text).then(() => true));
    if (ok) this.businessHours = text.trim();
    return ok === true;
  }

  async exportAll(): Promise<void> {
    this.report = null;
    const out = await this.#act(() => this.#backend.exportSavedReplies());
    if (out) this.report = `Exported ${plural(out.count, "saved reply", "saved replies")} to ${out.path}`;
  }

  async importJson(json: string): Promise<SavedRepliesImport | null> {
    this.report = null;
    const out = await this.#act(() => this.#backend.importSavedReplies(json));
    if (!out) return null;
    this.report = importReport(out);
    await this.load();
    return out;
  }
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** An import's report in words: how many came in, and each one skipped with why. */
export function importReport(r: SavedRepliesImport): string {
  const head = `Imported ${plural(r.imported, "saved reply", "saved replies")}.`;
  if (r.skipped.length === 0) return head;
  const lines = r.skipped.map((s) => `Reply ${s.position} (“${s.title}”): ${s.reason}`);
  return `${head} Skipped ${r.skipped.length}:\n${lines.join("\n")}`;
}

export function groupByFolder(replies: readonly SavedReply[]): Array<{ folder: string; replies: SavedReply[] }> {
  const by = new Map<string, SavedReply[]>();
  for (const r of replies) {
    const key = r.folder;
    by.set(key, [...(by.get(key) ?? []), r]);
  }
  return [...by.entries()]
    .sort(([a], [b]) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)))
    .map(([folder, list]) => ({ folder, replies: [...list].sort((a, b) => a.title.localeCompare(b.title)) }));
}
