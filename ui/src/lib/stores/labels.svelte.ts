import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { IpcError, Label, LabelId } from "../ipc/bindings";

/** Colours offered for a new label (any `#rrggbb` can be picked too). */
export const LABEL_PALETTE = [
  "#2563eb",
  "#0891b2",
  "#059669",
  "#65a30d",
  "#d97706",
  "#dc2626",
  "#db2777",
  "#7c3aed",
  "#475569",
] as const;

/** The workspace's labels, by name, with how many conversations carry each. */
export class LabelsStore {
  labels = $state<Label[]>([]);
  loaded = $state(false);
  /** Why the last create, rename, recolour or delete was refused. */
  error = $state<IpcError | null>(null);
  readonly byId = $derived(new Map<LabelId, Label>(this.labels.map((l) => [l.id, l])));

  #backend: Backend;
  #seq = 0;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async load(): Promise<void> {
    const seq = ++this.#seq;
    try {
      const labels = await this.#backend.listLabels();
      if (seq !== this.#seq) return;
      this.labels = labels;
      this.loaded = true;
    } catch (e) {
      if (seq === this.#seq) this.error = toIpcError(e);
    }
  }

  /** A colour of the palette no label has yet (the first when all are taken). */
  nextColor(): string {
    const used = new Set(this.labels.map((l) => l.color.toLowerCase()));
    return LABEL_PALETTE.find((c) => !used.has(c)) ?? LABEL_PALETTE[this.labels.length % LABEL_PALETTE.length];
  }

  async create(name: string, color: string): Promise<Label | null> {
    return this.#edit(() => this.#backend.createLabel(name, color));
  }

  async update(id: LabelId, name: string, color: string): Promise<Label | null> {
    return this.#edit(() => this.#backend.updateLabel(id, name, color));
  }

  async remove(id: LabelId): Promise<boolean> {
    return (await this.#edit(() => this.#backend.deleteLabel(id).then(() => true))) !== null;
  }

  async #edit<T>(op: () => Promise<T>): Promise<T | null> {
    try {
      const out = await op();
      this.error = null;
      await this.load();
      return out;
    } catch (e) {
      this.error = toIpcError(e);
      return null;
    }
  }
}
