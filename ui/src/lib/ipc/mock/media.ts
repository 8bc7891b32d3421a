// What messages carry, opened from the window: links, attachments, email HTML, inline media.
import type { MessageHtml } from "../bindings";
import type { MockBackend } from "./index";
import { err } from "./state";

export async function openLink(mock: MockBackend, url: string): Promise<void> {
  mock.record("open_link", { url });
  if (!/^(https?:|mailto:)/i.test(url)) throw err("unsafeLink", "Parley only opens web and email links.");
  mock.openedLinks.push(url);
}

export async function openAttachment(mock: MockBackend, messageId: number, index: number): Promise<void> {
  mock.record("open_attachment", { messageId, index });
  mock.openedAttachments.push([messageId, index]);
}

export async function messageHtml(mock: MockBackend, messageId: number, loadRemote: boolean): Promise<MessageHtml> {
  mock.record("message_html", { messageId, loadRemote });
  const body = mock.htmlBodies.get(messageId);
  if (!body) throw err("notFound", "That email's HTML no longer exists (it may have been removed).");
  return {
    document: `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body>${body.html}</body></html>`,
    remoteImages: body.remoteImages,
    loadedImages: loadRemote ? body.remoteImages : 0,
    inlineParts: [],
  };
}

export function mediaUrl(messageId: number, index: number): string {
  return `mock-media://localhost/${messageId}%2F${index}`;
}

export function avatarUrl(identityId: number): string {
  return `mock-media://localhost/avatar%2F${identityId}`;
}

/** The mock's customers have no pictures: nothing ever comes. */
export async function refreshAvatars(mock: MockBackend, contactId: number): Promise<boolean> {
  mock.record("refresh_avatars", { contactId });
  return false;
}
