import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { AccountId, AccountSummary, CoreEvent, IpcError } from "../ipc/bindings";

/** Connected accounts, their sync states, and the add/remove flows. */
export class AccountsStore {
  accounts = $state<AccountSummary[]>([]);
  loaded = $state(false);
  error = $state<IpcError | null>(null);
  adding = $state(false);
  addError = $state<IpcError | null>(null);
  addingPage = $state(false);
  pageError = $state<IpcError | null>(null);
  removingId = $state<AccountId | null>(null);
  removeError = $state<IpcError | null>(null);

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
        return known && known.syncRevision > fresh.syncRevision ? known : fresh;
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

  async remove(id: AccountId): Promise<boolean> {
    this.removingId = id;
    this.removeError = null;
    try {
      await this.#backend.removeAccount(id);
      this.accounts = this.accounts.filter((a) => a.id !== id);
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
