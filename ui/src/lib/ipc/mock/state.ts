// The mock backend's in-memory workspace and the plumbing its parts share: events, timers, the
// call log and errors shaped as Rust's.
import type { FileDrag } from "../backend";
import type {
  AccountSummary,
  SpikeSettings,
  BotSettings,
  FaqRule,
  CustomerTime,
  Command,
  ContactAttribute,
  ContactNote,
  CoreEvent,
  IpcError,
  MessageView,
  NotificationPrefs,
  OptOutRecord,
  PageCursor,
  Label,
  SavedReply,
  StagedAttachment,
  ThreadEvent,
  ThreadOwner,
  ThreadSummary,
} from "../bindings";
import { defaultNotificationPrefs, seedDemo } from "./fixtures";
import { demoFaqRules } from "./bot";
import { demoSavedReplies } from "./saved-replies";

export type MockOptions = {
  /** Clock used for timestamps; defaults to Date.now. */
  now?: () => number;
  /** Number of sample threads (default 40). */
  threadCount?: number;
  /** Messages per sample thread (default 6; thread 1 gets 4x as many to exercise paging). */
  messagesPerThread?: number;
  /** Simulate delivery progress, sync states and occasional inbound messages with timers. */
  simulate?: boolean;
  isDemo?: boolean;
};

export type MockContact = {
  id: number;
  name: string;
  handle: string | null;
  remoteId: string;
  firstSeenAt: number;
  vip: boolean;
  blocked: boolean;
  notes?: ContactNote[];
  attributes?: ContactAttribute[];
  /** The agents' tags, A to Z. */
  tags?: string[];
  /** A zone an agent set by hand. */
  timeZone?: string | null;
  /** What Rust would work out from phone and email (fixtures set it; the mock does not guess). */
  guessedTime?: CustomerTime | null;
  /** Merged into that contact (hidden; its identity and conversations are there). */
  mergedInto?: number;
  /** The latest opt-out or opt-in of this contact's own identity (issue 18). */
  optOut?: OptOutRecord | null;
};
/** A status event with its id, as `thread_events` keeps it (Undo removes those past a change). */
export type MockEvent = ThreadEvent & { id: number };
export type MockThread = {
  summary: ThreadSummary;
  messages: MessageView[];
  draft: string | null;
  events: MockEvent[];
  /** The identity the conversation is with: each mock contact starts with one, of its own id. */
  identity?: number;
};

export function err(code: IpcError["code"], message: string): IpcError {
  return { code, message };
}

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export function before(a: { at: number; id: number }, c: PageCursor): boolean {
  return a.at < c.at || (a.at === c.at && a.id < c.id);
}

export class MockState {
  readonly now: () => number;
  readonly simulate: boolean;
  isDemo: boolean;
  accounts: AccountSummary[] = [];
  contacts = new Map<number, MockContact>();
  threads = new Map<number, MockThread>();
  /** Calls recorded for tests: [command, args]. */
  calls: Array<[string, unknown]> = [];
  openedLinks: string[] = [];
  openedAttachments: Array<[number, number]> = [];
  /** What the window last reported as open (notifications skip it). */
  openThreadReported: number | null = null;
  owners = new Map<number, ThreadOwner>();
  notificationPrefsValue: NotificationPrefs = defaultNotificationPrefs();
  /** Files staged per thread (the mock keeps names and sizes, not bytes). */
  stagedFiles = new Map<number, StagedAttachment[]>();
  /** Media links kept with each thread's draft. */
  draftLinks = new Map<number, string[]>();
  /** False simulates a lost network: replies stay queued. */
  online = true;
  /** Labels (their counts are computed when listed). */
  labels: Array<Omit<Label, "threadCount">> = [];
  /** Saved replies (the demo's three at the start of a demo workspace). */
  savedReplies: SavedReply[] = [];
  /** Spike mode (spike.ts): its state, settings and the expected wait it would name. */
  spike: {
    on: boolean;
    onSince: number | null;
    declined: boolean;
    expectedWaitMs: number | null;
    settings: SpikeSettings;
  } = {
    on: false,
    onSince: null,
    declined: false,
    expectedWaitMs: 18 * 60_000,
    settings: {
      arrivalsThreshold: 10,
      queueThreshold: 15,
      calmMinutes: 15,
      ackText: "Thanks for your message! We're busier than usual right now. {{wait}} We'll get back to you as soon as we can.",
    },
  };
  /** What `{{business_hours}}` reads (null: not set). */
  businessHoursText: string | null = null;
  /** The FAQ bot's rules and settings. */
  faqRuleList: FaqRule[] = [];
  botSettingsValue: BotSettings = {
    accounts: [],
    agentQuietMinutes: 30,
    maxPerHour: 10,
    handoffPhrases: [],
    handoffMessage: "Thanks! A person from our team will answer you here as soon as possible.",
  };
  /** The import wizard's staged file, and the running import's cancel flag. */
  importFile: { name: string; bytes: Uint8Array } | null = null;
  importCancel: { cancelled: boolean } | null = null;
  /** HTML of mock emails by message id (tests put some here). */
  htmlBodies = new Map<number, { html: string; remoteImages: number }>();

  // What the parts keep for themselves (ids, listeners, timers), not for tests.
  listeners = new Set<(e: CoreEvent) => void>();
  dragListeners = new Set<(drag: FileDrag) => void>();
  /** The last drop from the operating system (file names; a trailing "/" marks a folder). */
  dropped: string[] | null = null;
  nextMessageId = 1;
  nextAccountId = 1;
  nextRevision = 1;
  nextStagedId = 1;
  nextLabelId = 1;
  nextNoteId = 1;
  nextEventId = 1;
  nextSavedReplyId = 100;
  nextSavedReplyFileId = 1;
  tokens = new Map<number, string>();
  timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(opts: MockOptions = {}) {
    this.now = opts.now ?? (() => Date.now());
    this.simulate = opts.simulate ?? false;
    this.isDemo = opts.isDemo ?? true;
    seedDemo(this, opts.threadCount ?? 40, opts.messagesPerThread ?? 6);
    if (this.isDemo) {
      this.savedReplies = demoSavedReplies(this.now());
      this.businessHoursText = "Monday to Friday 9:00–18:00";
      this.faqRuleList = demoFaqRules(this.now());
      this.botSettingsValue.accounts = this.accounts.map((a) => a.id);
    }
  }

  emit(event: CoreEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  onEvent(cb: (event: CoreEvent) => void) {
    this.listeners.add(cb);
    return () => {
      this.listeners.delete(cb);
    };
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.listeners.clear();
  }

  later(ms: number, fn: () => void) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  mustThread(id: number): MockThread {
    const t = this.threads.get(id);
    if (!t) throw err("notFound", "This conversation no longer exists.");
    return t;
  }

  /** Every call names one of the `COMMANDS`, as the real backend's do. */
  record(cmd: Command, args: unknown) {
    this.calls.push([cmd, clone(args ?? null)]);
  }
}
