// Accounts: the list, connecting Telegram bots, Facebook Pages, mailboxes and Twilio numbers,
// removing them, and their sync state.
import type { AccountSummary, EmailServer } from "../bindings";
import type { MockBackend } from "./index";
import { newAccount } from "./records";
import { clone, err } from "./state";

export async function listAccounts(mock: MockBackend): Promise<AccountSummary[]> {
  mock.record("list_accounts", {});
  return clone(mock.accounts);
}

export async function addTelegramAccount(mock: MockBackend, token: string): Promise<AccountSummary> {
  mock.record("add_telegram_account", { token: "***" });
  const t = token.trim();
  if (!/^\d{5,}:[A-Za-z0-9_-]{20,}$/.test(t)) {
    throw err("invalidInput", "That doesn't look like a bot token. Copy it from @BotFather: digits, a colon, then letters.");
  }
  if (t.includes("rejected")) throw err("authFailed", "Telegram rejected this token. Check it in @BotFather and try again.");
  if ([...mock.tokens.values()].includes(t)) throw err("duplicate", "This bot is already connected.");
  const id = mock.nextAccountId++;
  const acc = newAccount(mock, { id, channel: "telegram", name: `Support Bot ${id}`, handle: `@support_${id}_bot` });
  mock.tokens.set(id, t);
  mock.accounts.push(acc);
  queueMicrotask(() => mock.emit({ kind: "accountsChanged" }));
  if (mock.simulate) mock.later(1500, () => mock.setSync(id, { state: "live" }));
  return clone(acc);
}

export async function addFacebookPage(
  mock: MockBackend,
  pageId: string,
  token: string,
  includeInstagram: boolean,
  humanAgentApproved: boolean,
): Promise<AccountSummary[]> {
  mock.record("add_facebook_page", { pageId, token: "***", includeInstagram, humanAgentApproved });
  if (!/^\d+$/.test(pageId.trim())) throw err("invalidInput", "A Page id is a number.");
  if (token.trim().length < 20) throw err("invalidInput", "That does not look like a Page access token.");
  const added: AccountSummary[] = [];
  for (const channel of includeInstagram ? (["messenger", "instagram"] as const) : (["messenger"] as const)) {
    const id = mock.nextAccountId++;
    const acc = newAccount(mock, {
      id,
      channel,
      name: channel === "messenger" ? `Page ${pageId.trim()}` : "page.on.instagram",
      handle: channel === "instagram" ? "page.on.instagram" : null,
      humanAgentApproved,
    });
    mock.accounts.push(acc);
    added.push(clone(acc));
  }
  queueMicrotask(() => mock.emit({ kind: "accountsChanged" }));
  return added;
}

export async function addEmailAccount(
  mock: MockBackend,
  address: string,
  displayName: string | null,
  username: string,
  password: string,
  imap: EmailServer,
  smtp: EmailServer,
): Promise<AccountSummary> {
  mock.record("add_email_account", { address, displayName, username, password: "***", imap, smtp });
  if (!/^[^@\s]+@[^@\s]+$/.test(address.trim())) throw err("invalidInput", "Enter the full email address.");
  if (password !== "secret") throw err("authFailed", "The IMAP server refused the password.");
  const acc = newAccount(mock, {
    id: mock.nextAccountId++,
    channel: "email",
    name: displayName?.trim() || address.trim(),
    handle: address.trim(),
  });
  mock.accounts.push(acc);
  queueMicrotask(() => mock.emit({ kind: "accountsChanged" }));
  return clone(acc);
}

export async function addTwilioAccount(
  mock: MockBackend,
  accountSid: string,
  authToken: string,
  numbers: string[],
): Promise<AccountSummary[]> {
  mock.record("add_twilio_account", { accountSid, authToken: "***", numbers });
  if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid.trim())) throw err("invalidInput", "An Account SID starts with AC.");
  if (authToken.trim().length < 16) throw err("invalidInput", "That does not look like an Auth Token.");
  const list = numbers.map((n) => n.trim()).filter((n) => n);
  if (list.length === 0) throw err("invalidInput", "Add at least one number for Parley to watch.");
  const added: AccountSummary[] = [];
  for (const channel of ["sms", "whatsapp"] as const) {
    const mine = list.filter((n) => n.startsWith("whatsapp:") === (channel === "whatsapp"));
    if (mine.length === 0) continue;
    const acc = newAccount(mock, { id: mock.nextAccountId++, channel, name: "Twilio", handle: mine.join(", ") });
    mock.accounts.push(acc);
    added.push(clone(acc));
  }
  queueMicrotask(() => mock.emit({ kind: "accountsChanged" }));
  return added;
}

export async function setHumanAgentApproved(
  mock: MockBackend,
  accountId: number,
  approved: boolean,
): Promise<AccountSummary[]> {
  mock.record("set_human_agent_approved", { accountId, approved });
  const account = mock.accounts.find((a) => a.id === accountId);
  if (!account) throw err("notFound", "This account was removed.");
  if (account.channel !== "messenger" && account.channel !== "instagram") {
    throw err("invalidInput", "Only Facebook Page accounts (Messenger, Instagram) have the HUMAN_AGENT approval.");
  }
  const changed: AccountSummary[] = [];
  for (const a of mock.accounts) {
    if (a.channel !== "messenger" && a.channel !== "instagram") continue;
    a.humanAgentApproved = approved;
    a.syncRevision = mock.nextRevision++;
    changed.push(clone(a));
  }
  for (const a of changed) queueMicrotask(() => mock.emit({ kind: "accountChanged", account: a }));
  return changed;
}

export async function removeAccount(
  mock: MockBackend,
  accountId: number,
  keepConversations: boolean,
): Promise<void> {
  mock.record("remove_account", { accountId, keepConversations });
  const i = mock.accounts.findIndex((a) => a.id === accountId);
  if (i < 0) throw err("notFound", "This account was already removed.");
  if (keepConversations && !mock.accounts[i].isDemo) {
    // As the store does: it stays, marked removed; its conversations stay, read-only.
    mock.accounts[i].removedAt = Date.now();
    mock.accounts[i].syncRevision = mock.nextRevision++;
    mock.tokens.delete(accountId);
    queueMicrotask(() => mock.emit({ kind: "accountsChanged" }));
    return;
  }
  mock.accounts.splice(i, 1);
  mock.tokens.delete(accountId);
  // As the store does: the account's conversations, messages and drafts go with it.
  const gone = [...mock.threads.values()].filter((t) => t.summary.accountId === accountId).map((t) => t.summary.id);
  for (const id of gone) {
    mock.threads.delete(id);
    mock.stagedFiles.delete(id);
    mock.draftLinks.delete(id);
  }
  queueMicrotask(() => {
    mock.emit({ kind: "accountsChanged" });
    mock.emit({ kind: "threadsChanged", threadIds: gone });
  });
}

/** Test helper: an account's sync moves on, as the core reports it. */
export function setSync(
  mock: MockBackend,
  accountId: number,
  sync: AccountSummary["sync"],
  lastError: string | null = null,
): void {
  const a = mock.accounts.find((x) => x.id === accountId);
  if (!a) return;
  a.sync = sync;
  a.syncRevision = mock.nextRevision++;
  a.lastError = lastError;
  if (sync.state === "live") a.lastSyncAt = mock.now();
  mock.emit({ kind: "accountChanged", account: clone(a) });
}
