// Customer import (crates/parley-core/src/import/), as far as the wizard needs it in the browser
// and the unit tests: a staged file, a preview, a mapping guessed from the headers, matching by
// email or phone, an exact report, progress events and Cancel, all or nothing. The real reading
// (encoding detection, the `csv` crate's parser, phone numbers to E.164) is Rust's; this reads
// only what the tests give it: UTF-8 or windows-1252, "," or ";", quotes with doubled quotes and
// line breaks.
import type { ImportPreview, ImportReport, ImportRequest, ImportRowReport, ImportTarget } from "../bindings";
import type { MockBackend } from "./index";
import { err, type MockContact } from "./state";

const CHOICES = ["UTF-8", "windows-1252"];

type MockRow = { line: number; cells: string[]; problem: string | null };
type MockTable = { delimiter: string; headers: string[]; rows: MockRow[] };

/** Records with the line each starts on (quoted line breaks counted). */
function readTable(text: string): MockTable {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? "";
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ";" : ",";
  const records: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  const endRecord = () => {
    cells.push(cell);
    if (any || cells.length > 1 || cell !== "") records.push({ line: start, cells });
    cells = [];
    cell = "";
    any = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        cell += c;
      }
      continue;
    }
    if (!any && cells.length === 0 && cell === "") start = line;
    if (c === '"') {
      quoted = true;
      any = true;
    } else if (c === delimiter) {
      cells.push(cell);
      cell = "";
      any = true;
    } else if (c === "\r") continue;
    else if (c === "\n") {
      endRecord();
      line++;
    } else {
      cell += c;
      any = true;
    }
  }
  if (any || cell !== "" || cells.length > 0) endRecord();
  const [head, ...rest] = records;
  if (!head) throw err("invalidInput", "The file cannot be imported: the file is empty.");
  const headers = head.cells.map((h, i) => h.trim() || `Column ${i + 1}`);
  return {
    delimiter,
    headers,
    rows: rest.map((r) => ({
      line: r.line,
      cells: r.cells,
      problem:
        r.cells.length === headers.length || r.cells.every((c) => c.trim() === "")
          ? r.cells.some((c) => c.includes("\uFFFD"))
            ? "has bytes that are not valid UTF-8 (choose another encoding, or fix the row)"
            : null
          : `has ${r.cells.length} columns where the header has ${headers.length} (a missing or extra separator, or an unclosed quote)`,
    })),
  };
}

function suggest(headers: string[]): ImportTarget[] {
  const taken = new Set<string>();
  return headers.map((h) => {
    const k = h.toLowerCase().replace(/[^a-z]/g, "");
    const want =
      k === "firstname" || k === "vorname"
        ? "firstName"
        : k === "lastname" || k === "nachname"
          ? "lastName"
          : k === "name" || k === "fullname"
            ? "name"
            : k.includes("mail")
              ? "email"
              : k.includes("phone") || k.includes("telefon")
                ? "phone"
                : null;
    if (want && !taken.has(want)) {
      taken.add(want);
      return { target: want } as ImportTarget;
    }
    return { target: "attribute", key: h.slice(0, 40), attributeKind: "text" };
  });
}

function decode(bytes: Uint8Array, encoding: string): string {
  return new TextDecoder(encoding === "windows-1252" ? "windows-1252" : "utf-8").decode(bytes).replace(/^\uFEFF/, "");
}

function previewOf(name: string, bytes: Uint8Array, encoding: string, certain: boolean): ImportPreview {
  const t = readTable(decode(bytes, encoding));
  return {
    fileName: name,
    byteCount: bytes.length,
    encoding,
    encodingCertain: certain,
    encodingChoices: [...CHOICES],
    delimiter: t.delimiter,
    headers: t.headers,
    rows: t.rows.slice(0, 20),
    rowCount: t.rows.length,
    brokenCount: t.rows.filter((r) => r.problem !== null).length,
    suggested: suggest(t.headers),
  };
}

export async function stageImportFile(mock: MockBackend, file: { name: string; bytes: Uint8Array }): Promise<ImportPreview> {
  mock.record("stage_import_file", { name: file.name, size: file.bytes.length });
  let valid = true;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(file.bytes);
  } catch {
    valid = false;
  }
  const preview = previewOf(file.name, file.bytes, valid ? "UTF-8" : "windows-1252", valid);
  mock.importFile = { name: file.name, bytes: file.bytes.slice() };
  return preview;
}

export async function previewImport(mock: MockBackend, encoding: string | null): Promise<ImportPreview> {
  mock.record("preview_import", { encoding });
  const f = mock.importFile;
  if (!f) throw err("invalidInput", "Choose a file to import first.");
  return previewOf(f.name, f.bytes, encoding ?? "UTF-8", false);
}

function emailOf(v: string): string | null {
  const s = v.trim().toLowerCase();
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s) ? s : null;
}

function phoneOf(v: string): string | null {
  const s = v.replace(/[\s().-]/g, "");
  return /^\+[1-9][0-9]{7,14}$/.test(s) ? s : null;
}

/** Every row, one microtask apart (so a test can cancel between), written only at the end. */
export async function runImport(mock: MockBackend, request: ImportRequest): Promise<ImportReport> {
  mock.record("run_import", { request });
  const f = mock.importFile;
  if (!f) throw err("invalidInput", "Choose a file to import first.");
  if (mock.importCancel !== null) throw err("invalidInput", "An import is already running; wait for it or cancel it.");
  const t = readTable(decode(f.bytes, request.encoding));
  if (request.mapping.length !== t.headers.length) throw err("invalidInput", "Nothing was imported: the mapping does not fit the file.");
  const cancel = { cancelled: false };
  mock.importCancel = cancel;
  try {
    const now = mock.now();
    const skipped: ImportRowReport[] = [];
    const done: ImportRowReport[] = [];
    const writes: Array<() => void> = [];
    const seen = new Map<string, number>();
    let nextId = Math.max(0, ...mock.contacts.keys()) + 1;
    const total = t.rows.length;
    mock.emit({ kind: "importProgress", done: 0, total });
    for (const [i, row] of t.rows.entries()) {
      await new Promise<void>((r) => queueMicrotask(r));
      if (cancel.cancelled) return { cancelled: true, created: 0, updated: 0, unchanged: 0, skipped: 0, rows: [], rowsOmitted: 0, importedAt: now };
      mock.emit({ kind: "importProgress", done: i + 1, total });
      const cell = (k: number) => (row.cells[k] ?? "").trim();
      let name = "";
      let first = "";
      let last = "";
      const attributes: Array<{ key: string; kind: "text" | "number" | "date" | "link"; value: string }> = [];
      const keys: string[] = [];
      request.mapping.forEach((m, k) => {
        const v = cell(k);
        if (v === "") return;
        if (m.target === "name") name = v;
        else if (m.target === "firstName") first = v;
        else if (m.target === "lastName") last = v;
        else if (m.target === "email" && emailOf(v)) {
          keys.push(emailOf(v)!);
          attributes.push({ key: "Email", kind: "text", value: v });
        } else if (m.target === "phone" && phoneOf(v)) {
          keys.push(phoneOf(v)!);
          attributes.push({ key: "Phone", kind: "text", value: phoneOf(v)! });
        } else if (m.target === "attribute") attributes.push({ key: m.key, kind: m.attributeKind, value: v });
      });
      name = name || `${first} ${last}`.trim();
      const skip = (why: string) => skipped.push({ line: row.line, outcome: "skipped", name, contactId: null, notes: [why] });
      if (row.problem) {
        skip(`Broken row: it ${row.problem}.`);
        continue;
      }
      if (row.cells.every((c) => c.trim() === "")) {
        skip("Empty row.");
        continue;
      }
      if (name === "" && keys.length === 0) {
        skip("No name, email or phone to know the customer by.");
        continue;
      }
      const dup = keys.find((k) => seen.has(k));
      if (dup) {
        skip(`Duplicate of line ${seen.get(dup)} (the same ${dup.includes("@") ? "email" : "phone"}, ${dup}); the first is imported.`);
        continue;
      }
      for (const k of keys) seen.set(k, row.line);
      const known = [...mock.contacts.values()].find(
        (c) =>
          !c.mergedInto &&
          keys.some(
            (k) => emailOf(c.remoteId) === k || (c.attributes ?? []).some((a) => emailOf(a.value) === k || phoneOf(a.value) === k),
          ),
      );
      if (known) {
        const fresh = attributes.filter((a) => {
          const old = (known.attributes ?? []).find((o) => o.key.toLowerCase() === a.key.toLowerCase());
          return request.mode === "overwrite" ? !old || old.value !== a.value : !old;
        });
        const rename = request.mode === "overwrite" && name !== "" && name !== known.name;
        const changed = fresh.length > 0 || rename;
        writes.push(() => {
          if (rename) known.name = name;
          const rest = (known.attributes ?? []).filter((o) => !fresh.some((a) => a.key.toLowerCase() === o.key.toLowerCase()));
          known.attributes = [...rest, ...fresh].sort((a, b) => a.key.localeCompare(b.key));
        });
        done.push({ line: row.line, outcome: changed ? "updated" : "unchanged", name: rename ? name : known.name, contactId: known.id, notes: [] });
      } else {
        const id = nextId++;
        const contact: MockContact = {
          id,
          name: name || attributes[0].value,
          handle: null,
          remoteId: "",
          firstSeenAt: now,
          vip: false,
          blocked: false,
          attributes: [...attributes].sort((a, b) => a.key.localeCompare(b.key)),
        };
        writes.push(() => mock.contacts.set(id, contact));
        done.push({ line: row.line, outcome: "created", name: contact.name, contactId: id, notes: [] });
      }
    }
    if (cancel.cancelled) return { cancelled: true, created: 0, updated: 0, unchanged: 0, skipped: 0, rows: [], rowsOmitted: 0, importedAt: now };
    for (const w of writes) w();
    mock.emit({ kind: "contactsChanged" });
    const count = (o: string) => done.filter((r) => r.outcome === o).length;
    const order = ["updated", "unchanged", "created"];
    return {
      cancelled: false,
      created: count("created"),
      updated: count("updated"),
      unchanged: count("unchanged"),
      skipped: skipped.length,
      rows: [...skipped, ...done.sort((a, b) => order.indexOf(a.outcome) - order.indexOf(b.outcome) || a.line - b.line)],
      rowsOmitted: 0,
      importedAt: now,
    };
  } finally {
    mock.importCancel = null;
  }
}

export async function cancelImport(mock: MockBackend): Promise<boolean> {
  mock.record("cancel_import", {});
  const running = mock.importCancel;
  if (running) running.cancelled = true;
  return running !== null;
}
