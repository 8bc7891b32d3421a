import { beforeEach, describe, expect, it, vi } from "vitest";
import backendSource from "./backend.ts?raw";
import { COMMANDS } from "./bindings";

const invoke = vi.fn();
const listen = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
vi.mock("@tauri-apps/api/event", () => ({ listen: (...args: unknown[]) => listen(...args) }));
const onDragDropEvent = vi.fn();
vi.mock("@tauri-apps/api/webview", () => ({ getCurrentWebview: () => ({ onDragDropEvent }) }));

const { tauriBackend, toIpcError, CORE_EVENT } = await import("./backend");
type NotificationPrefs = import("./bindings").NotificationPrefs;
type ThreadState = import("./bindings").ThreadState;

beforeEach(() => {
  invoke.mockReset();
  listen.mockReset();
});

describe("toIpcError", () => {
  it("keeps IpcError objects and normalises everything else", () => {
    expect(toIpcError({ code: "authFailed", message: "Token rejected" })).toEqual({ code: "authFailed", message: "Token rejected" });
    expect(toIpcError("boom")).toEqual({ code: "internal", message: "boom" });
    expect(toIpcError(new Error("bad"))).toEqual({ code: "internal", message: "bad" });
    expect(toIpcError({ code: "weird", message: "x" })).toEqual({ code: "internal", message: "x" });
    expect(toIpcError(undefined).code).toBe("internal");
  });
});

describe("tauriBackend", () => {
  it("invokes every command of the one list (crates/parley-domain/src/commands.rs), and no other", () => {
    const invoked = [...backendSource.matchAll(/\b(?:call|invoke)(?:<[^>]*>)?\(\s*"([a-z_]+)"/g)].map((m) => m[1]);
    expect([...new Set(invoked)].sort()).toEqual([...COMMANDS].sort());
  });

  it("uses the contract's command names and argument keys", async () => {
    invoke.mockResolvedValue(null);
    const c = { at: 1, id: 2 };
    await tauriBackend.workspaceInfo();
    await tauriBackend.listThreads(null, 50);
    await tauriBackend.openThread(3);
    await tauriBackend.olderMessages(3, c, 30);
    await tauriBackend.saveDraft(3, "hi");
    await tauriBackend.sendReply(3, "hi");
    await tauriBackend.contactContext(3);
    await tauriBackend.contactTimeline(7, c, 40);
    await tauriBackend.search("q", 50);
    await tauriBackend.listAccounts();
    await tauriBackend.addTelegramAccount("t");
    await tauriBackend.removeAccount(4, true);
    await tauriBackend.openLink("https://x.y");
    await tauriBackend.openAttachment(5, 0);
    expect(invoke.mock.calls).toEqual([
      ["workspace_info", undefined],
      ["list_threads", { cursor: null, limit: 50 }],
      ["open_thread", { threadId: 3 }],
      ["older_messages", { threadId: 3, before: c, limit: 30 }],
      ["save_draft", { threadId: 3, text: "hi" }],
      ["send_reply", { threadId: 3, text: "hi" }],
      ["contact_context", { threadId: 3 }],
      ["contact_timeline", { contactId: 7, before: c, limit: 40 }],
      ["search", { query: "q", limit: 50 }],
      ["list_accounts", undefined],
      ["add_telegram_account", { token: "t" }],
      ["remove_account", { accountId: 4, keepConversations: true }],
      ["open_link", { url: "https://x.y" }],
      ["open_attachment", { messageId: 5, index: 0 }],
    ]);
  });

  it("uses the contract's names for the workflow commands", async () => {
    invoke.mockResolvedValue(null);
    const before: ThreadState[] = [
      { threadId: 3, status: "open", snoozedUntil: null, priority: 0, labels: [], unreadCount: 0, eventsUpto: 0 },
    ];
    await tauriBackend.listView({ kind: "label", label: 2 }, null, 50);
    await tauriBackend.threadSummaries([3, 4]);
    await tauriBackend.viewCounts();
    await tauriBackend.changeThreads([3, 4], { kind: "snooze", until: 99 });
    await tauriBackend.undoChange([...before]);
    await tauriBackend.updateLabel(2, "VIP", "#7c3aed");
    await tauriBackend.deleteLabel(2);
    expect(invoke.mock.calls).toEqual([
      ["list_view", { view: { kind: "label", label: 2 }, cursor: null, limit: 50 }],
      ["thread_summaries", { threadIds: [3, 4] }],
      ["view_counts", undefined],
      ["change_threads", { threadIds: [3, 4], change: { kind: "snooze", until: 99 } }],
      ["undo_change", { before: [...before] }],
      ["update_label", { labelId: 2, name: "VIP", color: "#7c3aed" }],
      ["delete_label", { labelId: 2 }],
    ]);
  });

  it("uses the contract's names for the Facebook Page commands", async () => {
    invoke.mockResolvedValue(null);
    await tauriBackend.addFacebookPage("1", "t", true, false);
    await tauriBackend.threadControl(3);
    await tauriBackend.handover(3, "take");
    await tauriBackend.setHumanAgentApproved(4, true);
    expect(invoke.mock.calls).toEqual([
      ["add_facebook_page", { pageId: "1", token: "t", includeInstagram: true, humanAgentApproved: false }],
      ["thread_control", { threadId: 3 }],
      ["handover", { threadId: 3, action: "take" }],
      ["set_human_agent_approved", { accountId: 4, approved: true }],
    ]);
  });

  it("uses the contract's names for the email command", async () => {
    invoke.mockResolvedValue(null);
    const imap = { host: "imap.x.y", port: 993, security: "tls" as const };
    const smtp = { host: "smtp.x.y", port: 587, security: "startTls" as const };
    await tauriBackend.addEmailAccount("a@x.y", "Shop", "a@x.y", "pw", imap, smtp);
    expect(invoke.mock.calls).toEqual([
      [
        "add_email_account",
        { address: "a@x.y", displayName: "Shop", username: "a@x.y", password: "pw", imap, smtp },
      ],
    ]);
  });

  it("uses the contract's names for the outbox commands", async () => {
    invoke.mockResolvedValue(null);
    await tauriBackend.outboxStatus();
    await tauriBackend.listDrafts();
    await tauriBackend.sendAnyway(7);
    await tauriBackend.editReply(7, "new");
    await tauriBackend.discardReply(7);
    await tauriBackend.markReplySent(7);
    await tauriBackend.sendReplyAgain(7);
    expect(invoke.mock.calls).toEqual([
      ["outbox_status", undefined],
      ["list_drafts", undefined],
      ["send_anyway", { messageId: 7 }],
      ["edit_reply", { messageId: 7, text: "new" }],
      ["discard_reply", { messageId: 7 }],
      ["mark_reply_sent", { messageId: 7 }],
      ["send_reply_again", { messageId: 7 }],
    ]);
  });

  it("uses the contract's names for the notification commands", async () => {
    invoke.mockReset();
    invoke.mockResolvedValue(null);
    const prefs = { enabled: false } as unknown as NotificationPrefs;
    await tauriBackend.notificationPrefs();
    await tauriBackend.setNotificationPrefs(prefs);
    await tauriBackend.pauseNotifications(60);
    await tauriBackend.setThreadMuted(3, true);
    await tauriBackend.setOpenThread(3);
    expect(invoke.mock.calls).toEqual([
      ["notification_prefs", undefined],
      ["set_notification_prefs", { prefs }],
      ["pause_notifications", { minutes: 60 }],
      ["set_thread_muted", { threadId: 3, muted: true }],
      ["set_open_thread", { threadId: 3 }],
    ]);
  });

  it("uploads a composer file as a raw body with its name in headers", async () => {
    invoke.mockResolvedValue(null);
    const bytes = new Uint8Array([137, 80, 78, 71]);
    await tauriBackend.draftAttachments(3);
    await tauriBackend.stageAttachment(3, { name: "Straße \"1\".png", type: "image/png", bytes });
    await tauriBackend.removeStagedAttachment(9);
    expect(invoke.mock.calls).toEqual([
      ["draft_attachments", { threadId: 3 }],
      [
        "stage_attachment",
        bytes,
        {
          headers: {
            "parley-thread-id": "3",
            "parley-file-name": "Stra%C3%9Fe%20%221%22.png",
            "parley-file-type": "image%2Fpng",
          },
        },
      ],
      ["remove_staged_attachment", { id: 9 }],
    ]);
    expect(invoke.mock.calls[1]?.[1]).toBeInstanceOf(Uint8Array);
  });

  it("rejects with an IpcError", async () => {
    invoke.mockRejectedValueOnce({ code: "network", message: "Offline" });
    await expect(tauriBackend.listAccounts()).rejects.toEqual({ code: "network", message: "Offline" });
    invoke.mockRejectedValueOnce("panic text");
    await expect(tauriBackend.listAccounts()).rejects.toEqual({ code: "internal", message: "panic text" });
  });

  it("listens on parley://event and unlistens even before listen resolves", async () => {
    const unlisten = vi.fn();
    let handler: ((e: { payload: unknown }) => void) | undefined;
    let resolve!: (u: () => void) => void;
    listen.mockImplementation((name: string, h: (e: { payload: unknown }) => void) => {
      expect(name).toBe(CORE_EVENT);
      expect(name).toBe("parley://event");
      handler = h;
      return new Promise((r) => (resolve = r));
    });
    const seen: unknown[] = [];
    const stop = tauriBackend.onEvent((e) => seen.push(e));
    handler?.({ payload: { kind: "accountsChanged" } });
    expect(seen).toEqual([{ kind: "accountsChanged" }]);
    stop();
    handler?.({ payload: { kind: "accountsChanged" } });
    expect(seen).toHaveLength(1);
    resolve(unlisten);
    await Promise.resolve();
    await Promise.resolve();
    expect(unlisten).toHaveBeenCalledTimes(1);
  });
});

describe("the mock backend", () => {
  it("answers every command of the one list the Backend carries, and records no other", () => {
    const parts = import.meta.glob<string>("./mock/*.ts", { query: "?raw", import: "default", eager: true });
    const recorded = Object.values(parts).flatMap((src) => [...src.matchAll(/\brecord\(\s*"([a-z_]+)"/g)].map((m) => m[1]));
    // `startup_probe` is the bench hook (reportPainted), not a Backend method.
    expect([...new Set(recorded)].sort()).toEqual(COMMANDS.filter((c) => c !== "startup_probe").sort());
  });
});

describe("messagesChangedThread", () => {
  it("reads the thread id in either spelling", async () => {
    const { messagesChangedThread } = await import("./backend");
    expect(messagesChangedThread({ kind: "messagesChanged", threadId: 4 })).toBe(4);
    expect(messagesChangedThread({ kind: "accountsChanged" })).toBeNull();
  });
});

describe("files dragged over the window", () => {
  it("passes on drags of files only, and asks Rust for the drop by thread, never by path", async () => {
    let handler: (e: { payload: unknown }) => void = () => undefined;
    onDragDropEvent.mockImplementation(async (h: typeof handler) => {
      handler = h;
      return () => undefined;
    });
    const seen: string[] = [];
    const stop = tauriBackend.onFileDrag((d) => seen.push(d));
    await Promise.resolve();
    const pos = { x: 1, y: 2 };
    handler({ payload: { type: "enter", paths: ["/home/a/x.pdf"], position: pos } });
    handler({ payload: { type: "over", position: pos } });
    handler({ payload: { type: "drop", paths: ["/home/a/x.pdf"], position: pos } });
    // Text dragged from another app: no paths, nothing to attach.
    handler({ payload: { type: "enter", paths: [], position: pos } });
    handler({ payload: { type: "over", position: pos } });
    handler({ payload: { type: "drop", paths: [], position: pos } });
    expect(seen).toEqual(["enter", "over", "drop", "leave", "leave", "leave"]);
    stop();
    handler({ payload: { type: "enter", paths: ["/x"], position: pos } });
    expect(seen).toHaveLength(6);

    invoke.mockResolvedValue({ staged: [], refused: [] });
    await tauriBackend.stageDroppedFiles(7);
    await tauriBackend.saveDraftMediaLinks(7, ["https://cdn.example.com/a.jpg"]);
    expect(invoke.mock.calls).toEqual([
      ["stage_dropped_files", { threadId: 7 }],
      ["save_draft_media_links", { threadId: 7, mediaUrls: ["https://cdn.example.com/a.jpg"] }],
    ]);
  });
});
