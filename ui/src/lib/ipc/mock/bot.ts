// The FAQ bot: rules and settings kept in memory, and a test console that reads a message the
// way Rust does (crates/parley-core/src/bot/words.rs): accents, case and punctuation ignored,
// phrases matched on whole words, a trailing `*` matching a word's start, handoff phrases first.
import type { BotSettings, BotTrial, FaqRule, FaqRuleId, FaqRuleInput } from "../bindings";
import type { MockBackend } from "./index";
import { clone, err } from "./state";

/** A few of Rust's built-in handoff phrases (the mock needs no more). */
const HANDOFF = ["talk to a person", "agent please", "human", "persona", "humano", "mit einem menschen", "humain", "atendente"];

export function demoFaqRules(now: number): FaqRule[] {
  return [
    {
      id: 1,
      position: 1,
      name: "Where is my order",
      enabled: true,
      phrases: ["where is my order", "dónde está mi pedido", "wo ist meine bestellung"],
      savedReplyId: 1,
      savedReplyTitle: "Where is my order",
      steps: [
        {
          question: "What is your order number?",
          check: { kind: "orderNumber" },
          attribute: "Order",
          retryMessage: "That does not look like an order number; it looks like #4821.",
          maxRetries: 1,
        },
        {
          question: "And the email you ordered with?",
          check: { kind: "email" },
          attribute: "Email",
          retryMessage: "That is not an email address; please send it again.",
          maxRetries: 1,
        },
      ],
      updatedAt: now,
    },
    {
      id: 2,
      position: 2,
      name: "Opening hours",
      enabled: true,
      phrases: ["opening hours", "are you open", "horario"],
      savedReplyId: 3,
      savedReplyTitle: "Opening hours",
      steps: [],
      updatedAt: now,
    },
  ];
}

function words(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}*]+/u)
    .filter((w) => w !== "");
}

/** The phrase's score in `message` (its length), or 0. */
function score(phrase: string, message: string[]): number {
  const p = words(phrase);
  if (p.length === 0) return 0;
  const hit = (w: string, q: string) => (q.endsWith("*") ? w.startsWith(q.slice(0, -1)) : w === q);
  for (let i = 0; i + p.length <= message.length; i++) {
    if (p.every((q, j) => hit(message[i + j], q))) return p.join("").length + p.length;
  }
  return 0;
}

function check(input: FaqRuleInput): FaqRuleInput {
  const name = input.name.trim();
  if (name === "") throw err("invalidInput", "A rule's name must be 1 to 80 characters.");
  const phrases = [...new Set(input.phrases.map((p) => p.trim()).filter((p) => p !== ""))];
  if (phrases.length === 0) throw err("invalidInput", "Add at least one keyword or phrase the rule answers to.");
  input.steps.forEach((s, i) => {
    if (s.question.trim() === "") throw err("invalidInput", `Question ${i + 1} must be 1 to 1000 characters.`);
    if (s.attribute.trim() === "") throw err("invalidInput", `Question ${i + 1}: the detail it is kept as must be 1 to 40 characters (e.g. "Order").`);
  });
  return { ...input, name, phrases };
}

function titleOf(mock: MockBackend, id: number | null): string | null {
  return id === null ? null : (mock.savedReplies.find((r) => r.id === id)?.title ?? null);
}

export async function faqRules(mock: MockBackend): Promise<FaqRule[]> {
  mock.record("faq_rules", null);
  return clone(mock.faqRuleList);
}

export async function createFaqRule(mock: MockBackend, input: FaqRuleInput): Promise<FaqRule> {
  mock.record("create_faq_rule", { input });
  const ok = check(input);
  const id = Math.max(0, ...mock.faqRuleList.map((r) => r.id)) + 1;
  const rule: FaqRule = { ...ok, id, position: id, savedReplyTitle: titleOf(mock, ok.savedReplyId), updatedAt: mock.now() };
  mock.faqRuleList.push(rule);
  return clone(rule);
}

export async function updateFaqRule(mock: MockBackend, ruleId: FaqRuleId, input: FaqRuleInput): Promise<FaqRule> {
  mock.record("update_faq_rule", { ruleId, input });
  const ok = check(input);
  const i = mock.faqRuleList.findIndex((r) => r.id === ruleId);
  if (i < 0) throw err("notFound", "That FAQ rule no longer exists (it may have been removed).");
  mock.faqRuleList[i] = { ...mock.faqRuleList[i], ...ok, savedReplyTitle: titleOf(mock, ok.savedReplyId), updatedAt: mock.now() };
  return clone(mock.faqRuleList[i]);
}

export async function deleteFaqRule(mock: MockBackend, ruleId: FaqRuleId): Promise<void> {
  mock.record("delete_faq_rule", { ruleId });
  mock.faqRuleList = mock.faqRuleList.filter((r) => r.id !== ruleId);
}

export async function moveFaqRule(mock: MockBackend, ruleId: FaqRuleId, by: number): Promise<FaqRule[]> {
  mock.record("move_faq_rule", { ruleId, by });
  const list = mock.faqRuleList;
  const at = list.findIndex((r) => r.id === ruleId);
  if (at < 0) throw err("notFound", "That FAQ rule no longer exists (it may have been removed).");
  const to = Math.min(list.length - 1, Math.max(0, at + Math.sign(by)));
  const [moved] = list.splice(at, 1);
  list.splice(to, 0, moved);
  list.forEach((r, i) => (r.position = i + 1));
  return clone(list);
}

export async function botSettings(mock: MockBackend): Promise<BotSettings> {
  mock.record("bot_settings", null);
  return clone(mock.botSettingsValue);
}

export async function setBotSettings(mock: MockBackend, settings: BotSettings): Promise<BotSettings> {
  mock.record("set_bot_settings", { settings });
  if (settings.maxPerHour < 1 || settings.maxPerHour > 100) throw err("invalidInput", "The bot sends one customer 1 to 100 messages an hour.");
  if (settings.handoffMessage.trim() === "") throw err("invalidInput", "The handoff message must be 1 to 1000 characters.");
  mock.botSettingsValue = clone({ ...settings, handoffPhrases: settings.handoffPhrases.map((p) => p.trim()).filter((p) => p !== "") });
  return clone(mock.botSettingsValue);
}

export async function tryBot(mock: MockBackend, text: string): Promise<BotTrial> {
  mock.record("try_bot", { text });
  if (text.trim() === "") throw err("invalidInput", "Type a message a customer might send.");
  const message = words(text);
  const handoff = [...HANDOFF, ...mock.botSettingsValue.handoffPhrases].find((p) => score(p, message) > 0);
  if (handoff) return { outcome: "handOff", phrase: handoff, message: mock.botSettingsValue.handoffMessage };
  let best: { rule: FaqRule; phrase: string; score: number } | null = null;
  for (const rule of mock.faqRuleList) {
    for (const phrase of rule.phrases) {
      const s = score(phrase, message);
      if (s > (best?.score ?? 0)) best = { rule, phrase, score: s };
    }
  }
  if (!best) return { outcome: "noMatch" };
  const { rule, phrase } = best;
  const reply = mock.savedReplies.find((r) => r.id === rule.savedReplyId);
  const noAnswer = !reply;
  const message0 = rule.steps[0]?.question ?? reply?.body ?? mock.botSettingsValue.handoffMessage;
  return {
    outcome: "matched",
    ruleId: rule.id,
    ruleName: rule.name,
    phrase,
    message: message0,
    questions: rule.steps.slice(1).map((s) => s.question),
    noAnswer,
  };
}
