// The composer's files and media links: what a channel allows, files picked or dropped on the
// window and staged, and the media links kept with a thread's draft.
import type { FileDrag, FileUpload, Unlisten } from "../backend";
import type { DraftAttachments, DroppedFiles, StagedAttachment } from "../bindings";
import type { MockBackend } from "./index";
import { clone, err } from "./state";

export async function draftAttachments(mock: MockBackend, threadId: number): Promise<DraftAttachments> {
  mock.record("draft_attachments", { threadId });
  const t = mock.mustThread(threadId);
  const staged = clone(mock.stagedFiles.get(threadId) ?? []);
  const mediaLinks = [...(mock.draftLinks.get(threadId) ?? [])];
  switch (t.summary.channel) {
    case "sms":
    case "whatsapp":
      return {
        staged,
        allowed: false,
        note: "Twilio fetches media from a public https address, so files cannot be sent from this computer yet.",
        maxFileBytes: null,
        maxTotalBytes: null,
        mediaLinks,
      };
    case "email":
      return { staged, allowed: true, note: "Email: up to 25 MB for all files together.", maxFileBytes: null, maxTotalBytes: 25 * 1024 * 1024, mediaLinks };
    case "telegram":
      return { staged, allowed: true, note: "Telegram: up to 50 MB per file.", maxFileBytes: 50 * 1024 * 1024, maxTotalBytes: null, mediaLinks };
    default:
      return { staged, allowed: true, note: "Messenger: up to 25 MB per file.", maxFileBytes: 25 * 1024 * 1024, maxTotalBytes: null, mediaLinks };
  }
}

export async function stageAttachment(mock: MockBackend, threadId: number, file: FileUpload): Promise<StagedAttachment> {
  mock.record("stage_attachment", { threadId, name: file.name, type: file.type, size: file.bytes.length });
  const rules = await mock.draftAttachments(threadId);
  if (!rules.allowed) throw err("invalidInput", rules.note);
  if (rules.maxFileBytes !== null && file.bytes.length > rules.maxFileBytes) throw err("invalidInput", `"${file.name}" is too large.`);
  const staged: StagedAttachment = {
    id: mock.nextStagedId++,
    fileName: file.name,
    mimeType: file.type || "application/octet-stream",
    size: file.bytes.length,
  };
  mock.stagedFiles.set(threadId, [...(mock.stagedFiles.get(threadId) ?? []), staged]);
  return clone(staged);
}

export async function removeStagedAttachment(mock: MockBackend, id: number): Promise<void> {
  mock.record("remove_staged_attachment", { id });
  for (const [thread, files] of mock.stagedFiles) {
    if (files.some((f) => f.id === id)) mock.stagedFiles.set(thread, files.filter((f) => f.id !== id));
  }
}

/** Test helper: the operating system drops these files on the window. */
export function dropFiles(mock: MockBackend, names: string[]): void {
  for (const l of [...mock.dragListeners]) l("enter");
  mock.dropped = names;
  for (const l of [...mock.dragListeners]) l("drop");
}

/** Test helper: files dragged over the window (then left or dropped). */
export function drag(mock: MockBackend, kind: FileDrag): void {
  for (const l of [...mock.dragListeners]) l(kind);
}

export function onFileDrag(mock: MockBackend, cb: (drag: FileDrag) => void): Unlisten {
  mock.dragListeners.add(cb);
  return () => {
    mock.dragListeners.delete(cb);
  };
}

export async function stageDroppedFiles(mock: MockBackend, threadId: number): Promise<DroppedFiles> {
  mock.record("stage_dropped_files", { threadId });
  const names = mock.dropped;
  mock.dropped = null;
  if (!names) throw err("invalidInput", "No files were dropped on the window in the last 30 seconds. Drop them on the conversation again.");
  const rules = await mock.draftAttachments(threadId);
  if (!rules.allowed) throw err("invalidInput", rules.note);
  const out: DroppedFiles = { staged: [], refused: [] };
  for (const name of names) {
    if (name.endsWith("/")) {
      out.refused.push(`"${name.slice(0, -1)}" is a folder; Parley attaches files. Drop the files inside it, or a zip of the folder.`);
      continue;
    }
    out.staged.push(await mock.stageAttachment(threadId, { name, type: "", bytes: new Uint8Array(8) }));
  }
  return out;
}

export async function saveDraftMediaLinks(mock: MockBackend, threadId: number, mediaUrls: string[]): Promise<void> {
  mock.record("save_draft_media_links", { threadId, mediaUrls });
  mock.mustThread(threadId);
  const bad = mediaUrls.find((u) => !/^https?:\/\/[^\s/]+\.[^\s/]+/i.test(u));
  if (bad) throw err("invalidInput", `“${bad}” cannot be sent as media: it is not a public web address.`);
  if (mediaUrls.length === 0) mock.draftLinks.delete(threadId);
  else mock.draftLinks.set(threadId, [...mediaUrls]);
}
