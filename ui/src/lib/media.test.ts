import { describe, expect, it } from "vitest";
import type { Attachment } from "./ipc/bindings";
import { asksBeforeOpening, frameHeight, isInlineImage, remoteImagesNote, retryUrl } from "./media";

const a = (over: Partial<Attachment>): Attachment => ({
  kind: "photo",
  remoteRef: "ref",
  fileName: null,
  mimeType: null,
  size: null,
  description: null,
  ...over,
});

describe("isInlineImage", () => {
  it("shows raster images inline, nothing else", () => {
    expect(isInlineImage(a({}))).toBe(true);
    expect(isInlineImage(a({ mimeType: "image/jpeg" }))).toBe(true);
    expect(isInlineImage(a({ kind: "document", mimeType: "IMAGE/PNG; name=x.png" }))).toBe(true);
    expect(isInlineImage(a({ mimeType: "image/svg+xml" }))).toBe(false);
    expect(isInlineImage(a({ kind: "document", mimeType: "text/html" }))).toBe(false);
    expect(isInlineImage(a({ kind: "document", mimeType: null }))).toBe(false);
    expect(isInlineImage(a({ kind: "sticker", mimeType: "image/webp" }))).toBe(false);
    expect(isInlineImage(a({ remoteRef: null }))).toBe(false);
  });
});

describe("frame and bar", () => {
  it("bounds the height", () => {
    expect(frameHeight(0)).toBe(24);
    expect(frameHeight(300.2)).toBe(301);
    expect(frameHeight(1e9)).toBe(4000);
    expect(frameHeight(Number.NaN)).toBe(40);
  });

  it("words the remote-images bar", () => {
    expect(remoteImagesNote(1, null)).toBe("1 remote image blocked");
    expect(remoteImagesNote(3, 3)).toBe("3 remote images loaded");
    expect(remoteImagesNote(3, 1)).toContain("1 of 3 remote images loaded");
  });

  it("asks again with a new URL", () => {
    expect(retryUrl("parley-media://localhost/1%2F0", 0)).toBe("parley-media://localhost/1%2F0");
    expect(retryUrl("parley-media://localhost/1%2F0", 2)).toBe("parley-media://localhost/1%2F0?retry=2");
  });
});

describe("asksBeforeOpening", () => {
  it("asks for Office and rich-text files, not for pictures, PDFs or names without a type", () => {
    for (const name of ["invoice.docx", "Q3.XLSM", "notes.rtf", "deck.pptx", "sheet.ods", " report.doc "])
      expect(asksBeforeOpening(name), name).toBe(true);
    for (const name of ["photo.jpg", "invoice.pdf", "docx", "readme.txt", "", null])
      expect(asksBeforeOpening(name), String(name)).toBe(false);
  });
});
