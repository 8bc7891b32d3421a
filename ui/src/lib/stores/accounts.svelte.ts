import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { AccountId, AccountSummary, CoreEvent, EmailServer, IpcError } from "../ipc/bindings";

/** Connected accounts, their sync states, and the add/remove flows. */
export class AccountsStore {
  accounts = $state<AccountSummary[]>([]);
  loaded = $state(false);
  error = $state<IpcError | null>(null);
  adding = $state(false);
  addError = $state<IpcError | null>(null);
  addingPage = $state(false);
  pageError = $state<IpcError | null>(null);
  addingEmail = $state(false);
  emailError = $state<IpcError | null>(null);
  addingTwilio = $state(false);
  twilioError = $state<IpcError | null>(null);
  removingId = $state<AccountId | null>(null);
  removeError = $state<IpcError | null>(null);
  /** The account whose HUMAN_AGENT approval is being saved, and what went wrong last. */
  approvalSavingId = $state<AccountId | null>(null);
  approvalError = $state<{ accountId: AccountId; error: IpcError } | null>(null);

  #backend: Backend;
  #seq = 0;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async load(): Promise<void> {
    const seq = ++this.#seq;
    try {
      const accounts = (await this.#backend.listAccounts()).map((fresh) => {
        const known = this.accounts.find((a) => a.id === fresh.id);
        // A removed account no longer runs (its revision starts over): the store's word wins.
        return known && known.syncRevision > fresh.syncRevision && known.removedAt === fresh.removedAt
          ? known
          : fresh;
      });
      if (seq !== this.#seq) return;
      this.accounts = accounts;
      this.loaded = true;
      this.error = null;
    } catch (e) {
      if (seq === this.#seq) this.error = toIpcError(e);
    }
  }

  /** Validates and adds a Telegram bot. Returns true on success. */
  async addTelegram(token: string): Promise<boolean> {
    const t = token.trim();
    if (!t) {
      this.addError = { code: "invalidInput", message: "Paste the bot token from @BotFather." };
      return false;
    }
    if (this.adding) return false;
    this.adding = true;
    this.addError = null;
    try {
      const account = await this.#backend.addTelegramAccount(t);
      this.upsert(account);
      return true;
    } catch (e) {
      this.addError = toIpcError(e);
      return false;
    } finally {
      this.adding = false;
    }
  }

  /** Validates a Page token with Meta and adds the Page (and its Instagram account). */
  async addEmail(
    address: string,
    displayName: string,
    username: string,
    password: string,
    imap: EmailServer,
    smtp: EmailServer,
  ): Promise<AccountSummary | null> {
    if (!address.trim() || !password || !imap.host.trim() || !smtp.host.trim()) {
      this.emailError = { code: "invalidInput", message: "Enter the address, the password and both servers." };
      return null;
    }
    if (this.addingEmail) return null;
    this.addingEmail = true;
    this.emailError = null;
    try {
      const added = await this.#backend.addEmailAccount(
        address.trim(),
        displayName.trim() || null,
        username.trim() || address.trim(),
        password,
        { ...imap, host: imap.host.trim() },
        { ...smtp, host: smtp.host.trim() },
      );
      this.upsert(added);
      return added;
    } catch (e) {
      this.emailError = toIpcError(e);
      return null;
    } finally {
      this.addingEmail = false;
    }
  }

  async addFacebookPage(
    pageId: string,
    token: string,
    includeInstagram: boolean,
    humanAgentApproved: boolean,
  ): Promise<AccountSummary[] | null> {
    if (!pageId.trim() || !token.trim()) {
      this.pageError = { code: "invalidInput", message: "Enter the Page id and a Page access token." };
      return null;
    }
    if (this.addingPage) return null;
    this.addingPage = true;
    this.pageError = null;
    try {
      const added = await this.#backend.addFacebookPage(pageId.trim(), token.trim(), includeInstagram, humanAgentApproved);
      for (const a of added) this.upsert(a);
      return added;
    } catch (e) {
      this.pageError = toIpcError(e);
      return null;
    } finally {
      this.addingPage = false;
    }
  }

  /** Validates a Twilio account and adds its SMS numbers and/or WhatsApp senders. */
  async addTwilioAccount(accountSid: string, authToken: string, numbers: string[]): Promise<AccountSummary[] | null> {
    const list = numbers.map((n) => n.trim()).filter((n) => n);
    if (!accountSid.trim() || !authToken.trim() || list.length === 0) {
      this.twilioError = {
        code: "invalidInput",
        message: "Enter the Account SID, the Auth Token and at least one number.",
      };
      return null;
    }
    if (this.addingTwilio) return null;
    this.addingTwilio = true;
    this.twilioError = null;
    try {
      const added = await this.#backend.addTwilioAccount(accountSid.trim(), authToken.trim(), list);
      for (const a of added) this.upsert(a);
      return added;
    } catch (e) {
      this.twilioError = toIpcError(e);
      return null;
    } finally {
      this.addingTwilio = false;
    }
  }

  /** Accounts that run (not removed with their conversations kept). */
  get active(): AccountSummary[] {
    return this.accounts.filter((a) => a.removedAt === null);
  }

  /** Whether the account was removed with its conversations kept (read-only). */
  isRemoved(id: AccountId | null | undefined): boolean {
    return this.accounts.some((a) => a.id === id && a.removedAt !== null);
  }

  async remove(id: AccountId, keepConversations: boolean): Promise<boolean> {
    this.removingId = id;
    this.removeError = null;
    try {
      await this.#backend.removeAccount(id, keepConversations);
      if (keepConversations) await this.load();
      else this.accounts = this.accounts.filter((a) => a.id !== id);
      return true;
    } catch (e) {
      this.removeError = toIpcError(e);
      return false;
    } finally {
      this.removingId = null;
    }
  }

  /**
   * Keeps the newest summary of each account. A command's answer can arrive after an event that
   * was emitted later (add_telegram_account answers "connecting" while "live" is already in),
   * so a summary with an older sync revision must not overwrite a newer one.
   */
  /** Saves whether Meta approved the account's Page for the HUMAN_AGENT tag. Returns true on success. */
  async setHumanAgentApproved(accountId: AccountId, approved: boolean): Promise<boolean> {
    if (this.approvalSavingId !== null) return false;
    this.approvalSavingId = accountId;
    this.approvalError = null;
    try {
      for (const account of await this.#backend.setHumanAgentApproved(accountId, approved)) this.upsert(account);
      return true;
    } catch (e) {
      this.approvalError = { accountId, error: toIpcError(e) };
      return false;
    } finally {
      this.approvalSavingId = null;
    }
  }

  upsert(account: AccountSummary): void {
    const i = this.accounts.findIndex((a) => a.id === account.id);
    if (i < 0) this.accounts = [...this.accounts, account];
    else if (account.syncRevision >= this.accounts[i].syncRevision) this.accounts[i] = account;
  }

  handleEvent(event: CoreEvent): void {
    if (event.kind === "accountChanged") this.upsert(event.account);
    else if (event.kind === "accountsChanged") void this.load();
  }
}
