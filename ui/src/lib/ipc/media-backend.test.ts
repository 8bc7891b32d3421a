import { describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
const convertFileSrc = vi.fn((path: string, scheme: string) => `${scheme}://localhost/${encodeURIComponent(path)}`);
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  convertFileSrc: (path: string, scheme: string) => convertFileSrc(path, scheme),
}));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn() }));

const { tauriBackend } = await import("./backend");

describe("media commands", () => {
  it("names message_html and builds parley-media URLs as Rust parses them", async () => {
    invoke.mockResolvedValue(null);
    await tauriBackend.messageHtml(5, true);
    expect(invoke.mock.calls).toEqual([["message_html", { messageId: 5, loadRemote: true }]]);
    expect(tauriBackend.mediaUrl(12, 3)).toBe("parley-media://localhost/12%2F3");
  });
});
