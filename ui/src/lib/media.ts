// Inline images and email HTML: the decisions the components make, kept here to be tested.
import type { Attachment } from "./ipc/bindings";

/** Image types Rust serves inline (it checks the bytes again and refuses anything else). */
const INLINE_TYPES = ["image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp"];

/** Whether an attachment is shown as a thumbnail instead of a chip. */
export function isInlineImage(a: Attachment): boolean {
  if (a.remoteRef === null) return false;
  if (a.kind !== "photo" && a.kind !== "document" && a.kind !== "other") return false;
  const mime = a.mimeType?.split(";")[0]?.trim().toLowerCase();
  if (mime) return INLINE_TYPES.includes(mime);
  return a.kind === "photo";
}

/** Office and rich-text files can carry macros or links that run when opened. */
const ASK_FIRST = ["doc", "docx", "docm", "dot", "dotm", "xls", "xlsx", "xlsm", "xlsb", "ppt", "pptx", "pptm", "rtf", "odt", "ods", "odp"];

/** Whether opening an attachment asks the agent first (by its name's extension). */
export function asksBeforeOpening(fileName: string | null): boolean {
  const ext = fileName?.trim().toLowerCase().split(".").at(-1);
  return !!ext && fileName!.includes(".") && ASK_FIRST.includes(ext);
}

/** The image URL for a given retry (a new URL makes the webview ask Rust again). */
export function retryUrl(src: string, attempt: number): string {
  return attempt === 0 ? src : `${src}${src.includes("?") ? "&" : "?"}retry=${attempt}`;
}

/** The frame's height for its content: at least one line, at most a long page (it scrolls). */
export function frameHeight(contentHeight: number): number {
  if (!Number.isFinite(contentHeight)) return 40;
  return Math.min(Math.max(Math.ceil(contentHeight), 24), 4000);
}

/** The bar above an email with blocked images, in words. */
export function remoteImagesNote(remote: number, loaded: number | null): string {
  const images = (n: number) => (n === 1 ? "1 remote image" : `${n} remote images`);
  if (loaded === null) return `${images(remote)} blocked`;
  if (loaded >= remote) return `${images(remote)} loaded`;
  return `${loaded} of ${images(remote)} loaded; the others could not be fetched`;
}
