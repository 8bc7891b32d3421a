// Backup and restore, and the per-customer export (issue 18), as crates/parley-core/src/backup/
// and customer_export.rs answer them: the mock keeps the schedule, counts what a backup of its
// conversations would hold, and records every call.
import type {
  BackupOutcome,
  BackupScheduleInput,
  BackupSettings,
  ContactId,
  CustomerExportOutcome,
  RestorePreview,
  RestoreState,
  WorkspaceCounts,
} from "../bindings";
import type { MockBackend } from "./index";
import { err } from "./state";

const MIN_PASSPHRASE = 10;
const DAY_MS = 86_400_000;

interface MockBackupState {
  settings: BackupSettings;
  restore: RestoreState;
}

const states = new WeakMap<MockBackend, MockBackupState>();

function state(mock: MockBackend): MockBackupState {
  let s = states.get(mock);
  if (!s) {
    s = { settings: { enabled: false, folder: null, keep: 7, hasKey: false, last: null, nextAt: null }, restore: "none" };
    states.set(mock, s);
  }
  return s;
}

function counts(mock: MockBackend): WorkspaceCounts {
  let messages = 0;
  for (const t of mock.threads.values()) messages += t.messages.length;
  return {
    accounts: mock.accounts.length,
    contacts: mock.contacts.size,
    conversations: mock.threads.size,
    messages,
    notes: 0,
    files: 0,
  };
}

function checkPassphrase(p: string) {
  if ([...p].length < MIN_PASSPHRASE)
    throw err("invalidInput", `Choose a passphrase of at least ${MIN_PASSPHRASE} characters.`);
}

export async function backupSettings(mock: MockBackend): Promise<BackupSettings> {
  mock.record("backup_settings", null);
  return { ...state(mock).settings };
}

export async function setBackupSchedule(mock: MockBackend, input: BackupScheduleInput): Promise<BackupSettings> {
  mock.record("set_backup_schedule", { input: { ...input, passphrase: input.passphrase ? "***" : null } });
  const s = state(mock);
  if (input.keep < 1 || input.keep > 365) throw err("invalidInput", "Keep between 1 and 365 backups.");
  if (input.passphrase) {
    checkPassphrase(input.passphrase);
    s.settings.hasKey = true;
  }
  if (input.enabled && !input.folder) throw err("invalidInput", "Choose a folder for the daily backups first.");
  if (input.enabled && !s.settings.hasKey) throw err("invalidInput", "Type the passphrase the daily backups are locked with.");
  s.settings = {
    ...s.settings,
    enabled: input.enabled,
    folder: input.folder,
    keep: input.keep,
    nextAt: input.enabled ? mock.now() + DAY_MS : null,
  };
  return { ...s.settings };
}

export async function pickBackupFolder(mock: MockBackend): Promise<string | null> {
  mock.record("pick_backup_folder", null);
  return "/home/demo/Backups";
}

export async function backupNow(mock: MockBackend, passphrase: string): Promise<BackupOutcome> {
  mock.record("backup_now", { passphrase: "***" });
  checkPassphrase(passphrase);
  const c = counts(mock);
  mock.emit({ kind: "backupProgress", done: 0, total: 1 });
  mock.emit({ kind: "backupProgress", done: 1, total: 1 });
  const path = "/tmp/parley.parley-backup";
  state(mock).settings.last = {
    at: mock.now(),
    ok: true,
    path,
    message: `Backed up ${c.conversations} conversations, ${c.messages} messages and ${c.files} files.`,
    bytes: 4096,
  };
  return { path, counts: c, bytes: 4096 };
}

export async function restoreState(mock: MockBackend): Promise<RestoreState> {
  mock.record("restore_state", null);
  return state(mock).restore;
}

export async function checkRestore(mock: MockBackend, passphrase: string): Promise<RestorePreview | null> {
  mock.record("check_restore", { passphrase: "***" });
  if (!passphrase) throw err("invalidInput", "Type the backup's passphrase first.");
  if (passphrase === "wrong passphrase")
    throw err("invalidInput", "The passphrase does not open this backup. Check it (capitals count) and try again; nothing was changed.");
  state(mock).restore = "checked";
  const c = counts(mock);
  return {
    path: "/tmp/parley.parley-backup",
    createdAt: mock.now() - DAY_MS,
    appVersion: "0.1.0",
    backup: { ...c, messages: c.messages + 1 },
    current: c,
  };
}

export async function confirmRestore(mock: MockBackend): Promise<RestoreState> {
  mock.record("confirm_restore", null);
  const s = state(mock);
  if (s.restore !== "checked") throw err("invalidInput", "Open and check a backup first.");
  s.restore = "pending";
  return s.restore;
}

export async function cancelRestore(mock: MockBackend): Promise<RestoreState> {
  mock.record("cancel_restore", null);
  state(mock).restore = "none";
  return "none";
}

export async function quitApp(mock: MockBackend): Promise<void> {
  mock.record("quit_app", null);
}

export async function exportCustomer(mock: MockBackend, contactId: ContactId): Promise<CustomerExportOutcome> {
  mock.record("export_customer", { contactId });
  const threads = [...mock.threads.values()].filter((t) => t.summary.contactId === contactId);
  if (!mock.contacts.has(contactId) && !threads.length) throw err("notFound", "That contact no longer exists.");
  const messages = threads.reduce((n, t) => n + t.messages.length, 0);
  return { path: "/tmp/parley-customer.zip", conversations: threads.length, messages, files: 0 };
}
