import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type {
  AttributeKind,
  CoreEvent,
  ImportMode,
  ImportOutcome,
  ImportPreview,
  ImportReport,
  ImportRowReport,
  ImportTarget,
  IpcError,
} from "../ipc/bindings";

export type ImportStep = "pick" | "preview" | "running" | "report";

/** Files larger than this are refused before they are read (Rust refuses them too). */
export const IMPORT_MAX_BYTES = 64 * 1024 * 1024;

/** What a column's select shows and answers: one string per kind of target. */
export type TargetChoice =
  | "ignore"
  | "name"
  | "firstName"
  | "lastName"
  | "email"
  | "phone"
  | "attr:text"
  | "attr:number"
  | "attr:date"
  | "attr:link";

export const TARGET_CHOICES: Array<{ value: TargetChoice; label: string }> = [
  { value: "ignore", label: "Don't import" },
  { value: "name", label: "Name" },
  { value: "firstName", label: "First name" },
  { value: "lastName", label: "Last name" },
  { value: "email", label: "Email (matches customers)" },
  { value: "phone", label: "Phone (matches customers)" },
  { value: "attr:text", label: "Detail: text" },
  { value: "attr:number", label: "Detail: number" },
  { value: "attr:date", label: "Detail: date (YYYY-MM-DD)" },
  { value: "attr:link", label: "Detail: web link" },
];

export function choiceOf(t: ImportTarget): TargetChoice {
  return t.target === "attribute" ? (`attr:${t.attributeKind}` as TargetChoice) : t.target;
}

/** The target a choice stands for; an attribute keeps `key` (the column's name by default). */
export function targetOf(choice: TargetChoice, key: string): ImportTarget {
  if (choice.startsWith("attr:")) {
    return { target: "attribute", key: key.trim().slice(0, 40) || "Detail", attributeKind: choice.slice(5) as AttributeKind };
  }
  return { target: choice } as ImportTarget;
}

const IDENTIFYING = new Set(["name", "firstName", "lastName", "email", "phone"]);

/** The report's rows of one outcome (all: null). */
export function reportRows(report: ImportReport, outcome: ImportOutcome | null): ImportRowReport[] {
  return outcome === null ? report.rows : report.rows.filter((r) => r.outcome === outcome);
}

/**
 * The import wizard (Contacts → Import, or the command palette): pick a file (or paste its
 * text) → preview with the encoding and a mapping per column → whether the file's values win or
 * only fill blanks → run, with progress and Cancel → the exact report. The file goes to Rust as
 * bytes; every cell comes back as a string and is shown as text.
 */
export class ImportWizard {
  isOpen = $state(false);
  step = $state<ImportStep>("pick");
  preview = $state<ImportPreview | null>(null);
  mapping = $state<ImportTarget[]>([]);
  mode = $state<ImportMode>("fillBlanks");
  /** Two letters ("DE") for numbers written without a country code; blank: none. */
  phoneRegion = $state("");
  progress = $state<{ done: number; total: number } | null>(null);
  report = $state<ImportReport | null>(null);
  error = $state<IpcError | null>(null);
  /** A file is being read or previewed. */
  busy = $state(false);
  cancelling = $state(false);
  /** Said after a cancelled import. */
  notice = $state<string | null>(null);

  #backend: Backend;
  #onImported: () => void;
  #seq = 0;

  constructor(backend: Backend, onImported: () => void) {
    this.#backend = backend;
    this.#onImported = onImported;
  }

  open(): void {
    if (this.step === "running") {
      this.isOpen = true;
      return;
    }
    this.#reset();
    this.isOpen = true;
  }

  /** Closes the wizard; not while an import runs (cancel it first). */
  close(): boolean {
    if (this.step === "running") return false;
    this.isOpen = false;
    this.#reset();
    return true;
  }

  #reset(): void {
    this.#seq++;
    this.step = "pick";
    this.preview = null;
    this.mapping = [];
    this.mode = "fillBlanks";
    this.phoneRegion = "";
    this.progress = null;
    this.report = null;
    this.error = null;
    this.busy = false;
    this.cancelling = false;
    this.notice = null;
  }

  /** A file picked (or dropped on the wizard): its bytes go to Rust, its preview comes back. */
  async pickFile(file: { name: string; bytes: Uint8Array }): Promise<boolean> {
    if (file.bytes.length > IMPORT_MAX_BYTES) {
      this.error = { code: "invalidInput", message: `"${file.name}" is larger than 64 MB; split it into smaller files.` };
      return false;
    }
    const seq = ++this.#seq;
    this.busy = true;
    this.error = null;
    this.notice = null;
    try {
      const preview = await this.#backend.stageImportFile(file);
      if (seq !== this.#seq) return false;
      this.#show(preview, true);
      return true;
    } catch (e) {
      if (seq === this.#seq) this.error = toIpcError(e);
      return false;
    } finally {
      if (seq === this.#seq) this.busy = false;
    }
  }

  /** Text pasted into the wizard, imported as a file. */
  pasteText(text: string): Promise<boolean> {
    return this.pickFile({ name: "Pasted text.csv", bytes: new TextEncoder().encode(text) });
  }

  /** The file read again in another encoding; the mapping stays when the columns do. */
  async chooseEncoding(encoding: string): Promise<void> {
    if (this.preview === null || this.step !== "preview") return;
    const seq = ++this.#seq;
    this.busy = true;
    this.error = null;
    try {
      const preview = await this.#backend.previewImport(encoding);
      if (seq !== this.#seq) return;
      this.#show(preview, preview.headers.length !== this.mapping.length);
    } catch (e) {
      if (seq === this.#seq) this.error = toIpcError(e);
    } finally {
      if (seq === this.#seq) this.busy = false;
    }
  }

  #show(preview: ImportPreview, freshMapping: boolean): void {
    this.preview = preview;
    if (freshMapping) this.mapping = preview.suggested.map((t) => ({ ...t }));
    this.step = "preview";
  }

  setChoice(column: number, choice: TargetChoice): void {
    const header = this.preview?.headers[column] ?? "";
    const current = this.mapping[column];
    const key = current?.target === "attribute" ? current.key : header;
    this.mapping = this.mapping.map((t, i) => (i === column ? targetOf(choice, key) : t));
  }

  /** Renames the detail a column becomes. */
  setAttributeKey(column: number, key: string): void {
    this.mapping = this.mapping.map((t, i) => (i === column && t.target === "attribute" ? { ...t, key: key.slice(0, 40) } : t));
  }

  /** Why the import cannot run yet, or null. */
  get blocker(): string | null {
    if (this.preview === null) return "Choose a file first.";
    if (this.preview.rowCount === 0) return "The file has no rows after its header.";
    if (!this.mapping.some((t) => IDENTIFYING.has(t.target))) return "Choose at least one column for the name, the email or the phone.";
    const keys = this.mapping.filter((t) => t.target === "attribute").map((t) => (t as { key: string }).key.trim());
    if (keys.some((k) => k === "")) return "Every detail needs a name.";
    const region = this.phoneRegion.trim();
    if (region !== "" && !/^[a-z]{2}$/i.test(region)) return "The country of national numbers is two letters, like DE or US.";
    return null;
  }

  /** Runs the import; answers the report (null: it failed or was cancelled, nothing written). */
  async run(): Promise<ImportReport | null> {
    const preview = this.preview;
    if (preview === null || this.blocker !== null || this.step !== "preview") return null;
    this.step = "running";
    this.progress = { done: 0, total: preview.rowCount };
    this.error = null;
    this.notice = null;
    this.cancelling = false;
    try {
      const region = this.phoneRegion.trim().toUpperCase();
      const report = await this.#backend.runImport({
        encoding: preview.encoding,
        mapping: this.mapping,
        mode: this.mode,
        phoneRegion: region === "" ? null : region,
      });
      if (report.cancelled) {
        this.step = "preview";
        this.notice = "Import cancelled: nothing was imported.";
        return null;
      }
      this.report = report;
      this.step = "report";
      this.#onImported();
      return report;
    } catch (e) {
      this.error = toIpcError(e);
      this.step = "preview";
      return null;
    } finally {
      this.progress = null;
      this.cancelling = false;
    }
  }

  /** Stops the running import before it commits (nothing is written). */
  async cancel(): Promise<void> {
    if (this.step !== "running") return;
    this.cancelling = true;
    try {
      await this.#backend.cancelImport();
    } catch (e) {
      this.error = toIpcError(e);
    }
  }

  /** Back to the choices with the same file (after a report, to import it again differently). */
  back(): void {
    if (this.step === "report" && this.preview !== null) {
      this.report = null;
      this.step = "preview";
    }
  }

  handleEvent(event: CoreEvent): void {
    if (event.kind === "importProgress" && this.step === "running") this.progress = { done: event.done, total: event.total };
  }
}
