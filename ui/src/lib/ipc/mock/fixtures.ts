// The demo workspace the mock backend starts with: one demo Telegram bot and its conversations,
// deterministic (a seeded PRNG), spread over every channel.
import type { Attachment, ChannelKind, MessageTemplate, MessageView, NotificationPrefs } from "../bindings";
import { newAccount, newMessage, refreshWaiting } from "./records";
import type { MockContact, MockState } from "./state";

const NAMES = [
  "Amelia Hart", "Noah Fischer", "Sofia Marquez", "Liam O'Connor", "Yuki Tanaka", "Oliver Brandt",
  "Chloe Dubois", "Mateo Rossi", "Ava Lindqvist", "Ethan Novak", "Maya Patel", "Lucas Moreau",
  "Isla McKenzie", "Leo Kowalski", "Zara Ahmed", "Finn Jensen", "Mila Petrova", "Hugo Silva",
  "Nora Berg", "Arjun Mehta", "Elena Costa", "Jonas Weber", "Lea Horvat", "Samuel Okafor",
  "Ines Duarte", "Felix Wagner", "Hana Kim", "Oscar Nilsson", "Clara Romero", "Daniel Levi",
];

const INBOUND = [
  "Hi! My order hasn't arrived yet, can you check?",
  "Is the blue version back in stock?",
  "Thanks, that worked perfectly.",
  "Can I change the delivery address to my office?",
  "The tracking link says 'label created' for three days now.",
  "Do you ship to Norway?",
  "I was charged twice for the same order 😕",
  "Here is the photo of the damaged box.",
  "Could you send me an invoice with my company details?",
  "Great, see you then!",
  "What are your opening hours on Saturday?",
  "The size guide at https://example.com/sizes is confusing, is M closer to 38 or 40?",
];

const OUTBOUND = [
  "Hi! Let me look into that for you.",
  "I've checked with the warehouse — it ships tomorrow morning.",
  "Sorry about that! I've refunded the duplicate charge.",
  "Yes, we ship to all EU countries and Norway.",
  "Done — the address is updated.",
  "You're welcome, have a great day!",
];

const CHANNELS: ChannelKind[] = ["telegram", "telegram", "whatsapp", "instagram", "messenger", "email", "sms"];

/** The labels the demo starts with (none applied: the mock's threads stay as tests expect). */
const LABELS: Array<[string, string]> = [
  ["Billing", "#d97706"],
  ["Shipping", "#2563eb"],
  ["VIP", "#7c3aed"],
];

/** The approved templates every thread offers (WhatsApp past the 24-hour window). */
export const TEMPLATES: MessageTemplate[] = [
  {
    contentSid: "HXb5b62575e6e4ff6129ad7c8efe1f983e",
    name: "order_follow_up",
    language: "en",
    body: "Hi {{1}}, this is about order {{2}}. Reply to continue.",
    variables: [
      { key: "1", value: "first_name" },
      { key: "2", value: "order_number" },
    ],
  },
];

/** The app id of the bot that holds Messenger/Instagram threads at Meta. */
export const BOT_APP_ID = "1790024451123456";

export function defaultNotificationPrefs(): NotificationPrefs {
  return {
    enabled: true,
    sound: true,
    showMessageText: true,
    scope: "all",
    mutedChannels: [],
    mutedAccounts: [],
    mutedThreads: [],
    dndUntil: null,
    workingHours: {
      enabled: false,
      timeZone: "",
      spans: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, startMinute: 540, endMinute: 1020 })),
    },
    realertMinutes: 5,
  };
}

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills `mock` with the demo account and `threadCount` threads of `perThread` messages. */
export function seedDemo(mock: MockState, threadCount: number, perThread: number): void {
  const rand = rng(7);
  const now = mock.now();
  const demo = newAccount(mock, {
    id: mock.nextAccountId++,
    channel: "telegram",
    name: "Parley Demo",
    handle: "@parley_demo_bot",
    isDemo: true,
    sync: { state: "live" },
    lastSyncAt: now,
  });
  mock.accounts.push(demo);
  for (let i = 0; i < threadCount; i++) {
    const id = i + 1;
    const name = NAMES[i % NAMES.length] + (i >= NAMES.length ? ` ${Math.floor(i / NAMES.length) + 1}` : "");
    const channel = CHANNELS[i % CHANNELS.length];
    const lastAt = now - i * 47 * 60_000 - Math.floor(rand() * 20) * 60_000;
    const contact: MockContact = {
      id,
      name,
      handle: channel === "telegram" || channel === "instagram" ? `@${name.split(" ")[0].toLowerCase()}${id}` : null,
      remoteId: channel === "email" ? `${name.split(" ")[0].toLowerCase()}@example.com` : String(100000 + id * 7919),
      firstSeenAt: lastAt - (30 + i) * 86_400_000,
      vip: false,
      blocked: false,
    };
    if (i === 0) {
      // The first customer shows the pane's tags and local time (as Rust would work it out from
      // the offset of her last email).
      contact.tags = ["returning customer"];
      contact.guessedTime = { zone: null, offsetMinutes: 60, source: "email", callingCode: null, observedAt: lastAt, ambiguous: false };
    }
    mock.contacts.set(id, contact);
    const count = i === 0 ? perThread * 4 : perThread;
    const messages: MessageView[] = [];
    for (let m = 0; m < count; m++) {
      const sentAt = lastAt - (count - 1 - m) * (i === 0 ? 5 * 3_600_000 : 9 * 60_000);
      const inbound = m === count - 1 ? i % 3 !== 2 : m % 2 === 0;
      const text = inbound ? INBOUND[(i + m) % INBOUND.length] : OUTBOUND[(i + m) % OUTBOUND.length];
      const attachments: Attachment[] = [];
      if (inbound && text.startsWith("Here is the photo")) {
        attachments.push({ kind: "photo", remoteRef: `file-${id}-${m}`, fileName: "box.jpg", mimeType: "image/jpeg", size: 248_320, description: null });
      }
      messages.push(
        newMessage(mock, {
          threadId: id,
          direction: inbound ? "inbound" : "outbound",
          authorName: inbound ? name : "Alex (you)",
          text,
          attachments,
          sentAt,
          delivery: inbound ? "received" : m === count - 1 ? "delivered" : "read",
        }),
      );
    }
    const last = messages[messages.length - 1];
    const unread = last.direction === "inbound" && i < 6 ? 1 + (i % 3) : 0;
    mock.threads.set(id, {
      summary: {
        id,
        accountId: demo.id,
        channel,
        contactId: id,
        contactName: name,
        snippet: last.text.slice(0, 120),
        snippetDirection: last.direction,
        lastActivityAt: last.sentAt,
        unreadCount: unread,
        status: "open",
        priority: 0,
        owner: null,
        snoozedUntil: null,
        waitingSince: null,
        labels: [],
        vip: false,
        blocked: false,
        mood: null,
      },
      messages,
      draft: null,
      events: [],
    });
    refreshWaiting(mock.threads.get(id)!);
    if (i === 1) {
      // An upset customer, flagged as Rust's scorer would flag them (the demo has one too).
      const t = mock.threads.get(id)!.summary;
      t.mood = { kind: "angry", severity: 78, angryAndUrgent: false, since: t.lastActivityAt };
      t.priority = 3;
    }
  }
  for (const [name, color] of LABELS) mock.labels.push({ id: mock.nextLabelId++, name, color });
}
