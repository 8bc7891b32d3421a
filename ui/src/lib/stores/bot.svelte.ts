import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { BotSettings, BotTrial, FaqRule, FaqRuleId, FaqRuleInput, GatherStep, IpcError } from "../ipc/bindings";

/** A new gather step as the editor starts it. */
export function newStep(): GatherStep {
  return {
    question: "",
    check: { kind: "anyText" },
    attribute: "",
    retryMessage: "Sorry, I did not get that. Could you send it again?",
    maxRetries: 1,
  };
}

/** A rule as the editor edits it (a copy of the stored one). */
export function inputOf(rule: FaqRule | null): FaqRuleInput {
  if (!rule) return { name: "", enabled: true, phrases: [], savedReplyId: null, steps: [] };
  return {
    name: rule.name,
    enabled: rule.enabled,
    phrases: [...rule.phrases],
    savedReplyId: rule.savedReplyId,
    steps: rule.steps.map((s) => ({ ...s, check: { ...s.check } })),
  };
}

/** Phrases as one line each (the editor's text area) and back. */
export function phrasesFromText(text: string): string[] {
  return text
    .split("\n")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

/** Settings → Bot: the FAQ rules, the bot's settings and the test console. */
export class BotStore {
  rules = $state<FaqRule[]>([]);
  settings = $state<BotSettings | null>(null);
  loaded = $state(false);
  /** Why the last action was refused (shown as it is). */
  error = $state<IpcError | null>(null);
  /** The test console's last answer, and the message it was for. */
  trial = $state<{ text: string; result: BotTrial } | null>(null);

  #backend: Backend;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async load(): Promise<void> {
    try {
      const [rules, settings] = await Promise.all([this.#backend.faqRules(), this.#backend.botSettings()]);
      this.rules = rules;
      this.settings = settings;
      this.loaded = true;
    } catch (e) {
      this.error = toIpcError(e);
    }
  }

  async #act<T>(run: () => Promise<T>): Promise<T | null> {
    this.error = null;
    try {
      return await run();
    } catch (e) {
      this.error = toIpcError(e);
      return null;
    }
  }

  async save(id: FaqRuleId | null, input: FaqRuleInput): Promise<FaqRule | null> {
    const r = await this.#act(() => (id === null ? this.#backend.createFaqRule(input) : this.#backend.updateFaqRule(id, input)));
    if (r) this.rules = id === null ? [...this.rules, r] : this.rules.map((x) => (x.id === id ? r : x));
    return r;
  }

  async setEnabled(rule: FaqRule, enabled: boolean): Promise<void> {
    await this.save(rule.id, { ...inputOf(rule), enabled });
  }

  async remove(id: FaqRuleId): Promise<boolean> {
    const ok = await this.#act(() => this.#backend.deleteFaqRule(id).then(() => true));
    if (ok) this.rules = this.rules.filter((x) => x.id !== id);
    return ok === true;
  }

  async move(id: FaqRuleId, by: number): Promise<void> {
    const rules = await this.#act(() => this.#backend.moveFaqRule(id, by));
    if (rules) this.rules = rules;
  }

  async saveSettings(settings: BotSettings): Promise<boolean> {
    const saved = await this.#act(() => this.#backend.setBotSettings(settings));
    if (saved) this.settings = saved;
    return saved !== null;
  }

  /** Turns the bot on or off for one account. */
  async setAccount(account: number, on: boolean): Promise<void> {
    if (!this.settings) return;
    const accounts = on ? [...new Set([...this.settings.accounts, account])] : this.settings.accounts.filter((a) => a !== account);
    await this.saveSettings({ ...this.settings, accounts });
  }

  async tryMessage(text: string): Promise<void> {
    const result = await this.#act(() => this.#backend.tryBot(text));
    this.trial = result ? { text, result } : null;
  }
}
