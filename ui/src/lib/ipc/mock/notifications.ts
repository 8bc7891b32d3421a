// Notification settings: preferences, do not disturb, muted threads, and the thread the window
// shows (which does not notify).
import type { NotificationPrefs } from "../bindings";
import type { MockBackend } from "./index";
import { clone, err } from "./state";

export async function notificationPrefs(mock: MockBackend): Promise<NotificationPrefs> {
  mock.record("notification_prefs", {});
  return clone(mock.notificationPrefsValue);
}

export async function setNotificationPrefs(mock: MockBackend, prefs: NotificationPrefs): Promise<NotificationPrefs> {
  mock.record("set_notification_prefs", { prefs });
  mock.notificationPrefsValue = clone(prefs);
  queueMicrotask(() => mock.emit({ kind: "notificationPrefsChanged", prefs: clone(prefs) }));
  return clone(prefs);
}

export async function pauseNotifications(mock: MockBackend, minutes: number): Promise<NotificationPrefs> {
  mock.record("pause_notifications", { minutes });
  const prefs = { ...mock.notificationPrefsValue, dndUntil: minutes > 0 ? mock.now() + minutes * 60_000 : null };
  return mock.setNotificationPrefs(prefs);
}

export async function setThreadMuted(mock: MockBackend, threadId: number, muted: boolean): Promise<NotificationPrefs> {
  mock.record("set_thread_muted", { threadId, muted });
  if (!mock.threads.has(threadId)) throw err("notFound", "This conversation no longer exists.");
  const others = mock.notificationPrefsValue.mutedThreads.filter((t) => t !== threadId);
  const mutedThreads = muted ? [...others, threadId].sort((a, b) => a - b) : others;
  const prefs = { ...mock.notificationPrefsValue, mutedThreads };
  mock.notificationPrefsValue = clone(prefs);
  queueMicrotask(() => mock.emit({ kind: "notificationPrefsChanged", prefs: clone(prefs) }));
  return clone(prefs);
}

export async function setOpenThread(mock: MockBackend, threadId: number | null): Promise<void> {
  mock.record("set_open_thread", { threadId });
  mock.openThreadReported = threadId;
}
