// Saved replies: kept in memory, filled for a thread like Rust fills them
// (crates/parley-core/src/saved_replies/): `{{name|fallback}}`, the customer's first, last and
// full name, the agent, business hours and attributes; a channel's own variant, else the default
// with WhatsApp's formatting markers removed elsewhere. Usage is counted on insert.
import type { FileUpload } from "../backend";
import type {
  ChannelKind,
  FilledPart,
  FilledReply,
  InsertedReply,
  SavedReply,
  SavedReplyFile,
  SavedReplyInput,
  SavedRepliesExport,
  SavedRepliesImport,
} from "../bindings";
import { CHANNEL_NAMES } from "../bindings";
import type { MockBackend } from "./index";
import { clone, err } from "./state";

/** The mock's agent (Rust: the system's user name). */
export const MOCK_AGENT = "Sam";

export function demoSavedReplies(now: number): SavedReply[] {
  const base = { files: [], uses: 0, lastUsedAt: null, updatedAt: now };
  return [
    {
      ...base,
      id: 1,
      folder: "Shipping",
      title: "Where is my order",
      body: "Hi {{first_name|there}}, thanks for waiting! I checked on {{Order|your order}}: it is on its way. — {{agent_name}}",
      variants: [{ channel: "sms", body: "Hi {{first_name|there}}, {{Order|your order}} is on its way. — {{agent_name}}" }],
    },
    {
      ...base,
      id: 2,
      folder: "Shipping",
      title: "Shipping times",
      body: "Hi {{first_name|there}}! Orders leave within *1–2 business days*.",
      variants: [],
    },
    { ...base, id: 3, folder: "Store", title: "Opening hours", body: "We are open *{{business_hours}}*.", variants: [] },
  ];
}

const nameKey = (n: string) => n.trim().toLowerCase().replace(/[\s_-]+/g, "_").replace(/^_+|_+$/g, "");

function stripFormatting(text: string): string {
  return text.replaceAll("```", "").replace(/(^|[^\p{L}\p{N}])([*_~])(\S(?:[^\n]*?\S)?)\2(?=$|[^\p{L}\p{N}])/gu, "$1$3");
}

function check(input: SavedReplyInput): SavedReplyInput {
  const title = input.title.trim();
  if (title === "") throw err("invalidInput", "Give the saved reply a title (it is what the picker finds it by).");
  const bodies: Array<[string, string]> = [
    ["The reply's text", input.body],
    ...input.variants.map((v): [string, string] => [`The ${CHANNEL_NAMES[v.channel]} variant`, v.body]),
  ];
  for (const [what, body] of bodies) {
    if (body.trim() === "") throw err("invalidInput", `${what} is empty: write its text.`);
    const open = body.replaceAll("\\{{", "").split("\n").find((line) => /\{\{(?![^\n]*\}\})/.test(line));
    if (open !== undefined) throw err("invalidInput", `${what}: a variable is not closed: end it with }}.`);
  }
  return { ...input, title, folder: input.folder.trim() };
}

function taken(mock: MockBackend, folder: string, title: string, except: number | null): boolean {
  return mock.savedReplies.some(
    (r) => r.id !== except && r.folder.toLowerCase() === folder.toLowerCase() && r.title.toLowerCase() === title.toLowerCase(),
  );
}

function duplicate(folder: string, title: string) {
  return err(
    "duplicate",
    folder === ""
      ? `There is already a saved reply called “${title}” outside folders: choose another title.`
      : `The folder “${folder}” already has a saved reply called “${title}”: choose another title.`,
  );
}

function mustReply(mock: MockBackend, id: number): SavedReply {
  const r = mock.savedReplies.find((x) => x.id === id);
  if (!r) throw err("notFound", "That saved reply no longer exists (it may have been removed).");
  return r;
}

function sorted(replies: SavedReply[]): SavedReply[] {
  return [...replies].sort(
    (a, b) => b.uses - a.uses || a.folder.localeCompare(b.folder) || a.title.localeCompare(b.title) || a.id - b.id,
  );
}

export async function listSavedReplies(mock: MockBackend): Promise<SavedReply[]> {
  mock.record("list_saved_replies", null);
  return clone(sorted(mock.savedReplies));
}

export async function createSavedReply(mock: MockBackend, input: SavedReplyInput): Promise<SavedReply> {
  mock.record("create_saved_reply", { input });
  const i = check(input);
  if (taken(mock, i.folder, i.title, null)) throw duplicate(i.folder, i.title);
  const r: SavedReply = { ...clone(i), id: mock.nextSavedReplyId++, files: [], uses: 0, lastUsedAt: null, updatedAt: mock.now() };
  mock.savedReplies.push(r);
  return clone(r);
}

export async function updateSavedReply(mock: MockBackend, id: number, input: SavedReplyInput): Promise<SavedReply> {
  mock.record("update_saved_reply", { savedReplyId: id, input });
  const r = mustReply(mock, id);
  const i = check(input);
  if (taken(mock, i.folder, i.title, id)) throw duplicate(i.folder, i.title);
  Object.assign(r, clone(i), { updatedAt: mock.now() });
  return clone(r);
}

export async function deleteSavedReply(mock: MockBackend, id: number): Promise<void> {
  mock.record("delete_saved_reply", { savedReplyId: id });
  mustReply(mock, id);
  mock.savedReplies = mock.savedReplies.filter((r) => r.id !== id);
}

export async function addSavedReplyFile(mock: MockBackend, id: number, file: FileUpload): Promise<SavedReplyFile> {
  mock.record("add_saved_reply_file", { savedReplyId: id, name: file.name, size: file.bytes.length });
  const r = mustReply(mock, id);
  if (file.bytes.length === 0) throw err("invalidInput", `"${file.name}" is empty; there is nothing to keep.`);
  const f: SavedReplyFile = { id: mock.nextSavedReplyFileId++, fileName: file.name, mimeType: file.type || "application/octet-stream", size: file.bytes.length };
  r.files.push(f);
  return clone(f);
}

export async function removeSavedReplyFile(mock: MockBackend, fileId: number): Promise<void> {
  mock.record("remove_saved_reply_file", { fileId });
  const r = mock.savedReplies.find((x) => x.files.some((f) => f.id === fileId));
  if (!r) throw err("notFound", "That saved reply file no longer exists (it may have been removed).");
  r.files = r.files.filter((f) => f.id !== fileId);
}

function fill(mock: MockBackend, r: SavedReply, threadId: number): FilledReply {
  const t = mock.mustThread(threadId);
  const channel: ChannelKind = t.summary.channel;
  const contact = mock.contacts.get(t.summary.contactId);
  const name = contact && !/^[+\d]|@/.test(contact.name.trim()) ? contact.name.trim() : null;
  const [first, ...rest] = name ? name.split(/\s+/) : [];
  const value = (v: string): string | null => {
    const key = nameKey(v);
    const builtins: Record<string, string | null> = {
      first_name: first ?? null,
      last_name: rest.length > 0 ? rest.join(" ") : null,
      full_name: name,
      name,
      agent_name: MOCK_AGENT,
      business_hours: mock.businessHoursText,
    };
    const found =
      key in builtins
        ? builtins[key]
        : ((contact?.attributes ?? []).find((a) => a.key.trim() === v.trim()) ?? (contact?.attributes ?? []).find((a) => nameKey(a.key) === key))
            ?.value ?? null;
    return found !== null && found.trim() !== "" ? found : null;
  };
  const own = r.variants.find((v) => v.channel === channel);
  const body = own ? own.body : channel === "whatsapp" ? r.body : stripFormatting(r.body);
  const parts: FilledPart[] = [];
  const missing: string[] = [];
  const re = /\\\{\{|\{\{([^{}|\n]+?)(?:\|([^}\n]*))?\}\}/g;
  let at = 0;
  const text = (s: string) => {
    if (s === "") return;
    const last = parts[parts.length - 1];
    if (last && last.variable === null) last.text += s;
    else parts.push({ text: s, variable: null, missing: false, fallback: false });
  };
  for (const m of body.matchAll(re)) {
    text(body.slice(at, m.index));
    at = (m.index ?? 0) + m[0].length;
    if (m[0] === "\\{{") {
      text("{{");
      continue;
    }
    const varName = m[1].trim();
    const v = value(varName);
    const fb = m[2] === undefined ? null : m[2].trim();
    if (v !== null) parts.push({ text: v, variable: varName, missing: false, fallback: false });
    else if (fb !== null) parts.push({ text: fb, variable: varName, missing: false, fallback: true });
    else {
      if (!missing.some((x) => nameKey(x) === nameKey(varName))) missing.push(varName);
      parts.push({ text: "", variable: varName, missing: true, fallback: false });
    }
  }
  text(body.slice(at));
  const notes: string[] = [];
  if (missing.length > 0) {
    notes.push(
      `No value here for ${missing.map((x) => `{{${x}}}`).join(", ")} and no fallback: left empty. Check the text before sending, or add the detail to the customer.`,
    );
  }
  if (r.files.length > 0 && (channel === "sms" || channel === "whatsapp")) {
    notes.push(`${CHANNEL_NAMES[channel]} cannot carry files from Parley. The reply's files will not be attached.`);
  }
  return {
    savedReplyId: r.id,
    folder: r.folder,
    title: r.title,
    channel,
    variant: own !== undefined,
    text: parts.map((p) => p.text).join(""),
    parts,
    missing,
    files: clone(r.files),
    notes,
    uses: r.uses,
    lastUsedAt: r.lastUsedAt,
  };
}

export async function savedRepliesForThread(mock: MockBackend, threadId: number): Promise<FilledReply[]> {
  mock.record("saved_replies_for_thread", { threadId });
  return sorted(mock.savedReplies).map((r) => fill(mock, r, threadId));
}

export async function insertSavedReply(mock: MockBackend, id: number, threadId: number): Promise<InsertedReply> {
  mock.record("insert_saved_reply", { savedReplyId: id, threadId });
  const r = mustReply(mock, id);
  const filled = fill(mock, r, threadId);
  const out: InsertedReply = { filled, staged: [], refused: [] };
  if (r.files.length > 0) {
    const rules = await mock.draftAttachments(threadId);
    if (!rules.allowed) out.refused.push(rules.note);
    else {
      for (const f of r.files) {
        try {
          out.staged.push(await mock.stageAttachment(threadId, { name: f.fileName, type: f.mimeType, bytes: new Uint8Array(f.size) }));
        } catch (e) {
          out.refused.push((e as { message: string }).message);
        }
      }
    }
  }
  r.uses += 1;
  r.lastUsedAt = mock.now();
  out.filled.uses = r.uses;
  out.filled.lastUsedAt = r.lastUsedAt;
  return out;
}

export async function exportSavedReplies(mock: MockBackend): Promise<SavedRepliesExport> {
  mock.record("export_saved_replies", null);
  return { path: "/home/you/.local/share/parley/exports/saved-replies.json", count: mock.savedReplies.length };
}

export async function importSavedReplies(mock: MockBackend, json: string): Promise<SavedRepliesImport> {
  mock.record("import_saved_replies", { size: json.length });
  let doc: { format?: unknown; version?: unknown; savedReplies?: unknown };
  try {
    doc = JSON.parse(json) as typeof doc;
  } catch {
    throw err("invalidInput", "Nothing was imported: the file is not JSON. Choose a file exported from Parley's saved replies.");
  }
  if (doc.format !== "parley.savedReplies" || doc.version !== 1 || !Array.isArray(doc.savedReplies)) {
    throw err("invalidInput", "Nothing was imported: this is not a file of Parley saved replies.");
  }
  const entries = doc.savedReplies as Array<{ folder?: string; title?: string; body?: string }>;
  const problems: string[] = [];
  entries.forEach((e, i) => {
    if (typeof e.title !== "string" || e.title.trim() === "") problems.push(`Reply ${i + 1}: missing field \`title\`.`);
    else if (typeof e.body !== "string" || e.body.trim() === "") problems.push(`Reply ${i + 1} (“${e.title}”): The reply's text is empty: write its text.`);
  });
  if (problems.length > 0) {
    throw err("invalidInput", `Nothing was imported: the file has ${problems.length === 1 ? "a problem. Fix it" : `${problems.length} problems. Fix them`} and import it again.\n${problems.join("\n")}`);
  }
  const report: SavedRepliesImport = { imported: 0, skipped: [] };
  entries.forEach((e, i) => {
    const folder = (e.folder ?? "").trim();
    const title = (e.title ?? "").trim();
    if (taken(mock, folder, title, null)) {
      report.skipped.push({ position: i + 1, title, reason: `The folder “${folder}” already has a saved reply with this title; rename or delete it to import this one.` });
      return;
    }
    mock.savedReplies.push({ id: mock.nextSavedReplyId++, folder, title, body: e.body ?? "", variants: [], files: [], uses: 0, lastUsedAt: null, updatedAt: mock.now() });
    report.imported += 1;
  });
  return report;
}

export async function businessHours(mock: MockBackend): Promise<string> {
  mock.record("business_hours", null);
  return mock.businessHoursText ?? "";
}

export async function setBusinessHours(mock: MockBackend, text: string): Promise<void> {
  mock.record("set_business_hours", { text });
  mock.businessHoursText = text.trim() === "" ? null : text.trim();
}
