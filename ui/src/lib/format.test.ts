import { describe, expect, it } from "vitest";
import type { AccountSummary, MessageView } from "./ipc/bindings";
import {
  dayLabel,
  deliveryLabel,
  formatLeft,
  formatSize,
  replyWindowText,
  formatTime,
  groupByDay,
  initials,
  isSafeUrl,
  linkify,
  ownerBadge,
  relativeTime,
  syncLabel,
  syncSummary,
  channelLabel,
  eventText,
  formatWaited,
  formatWake,
  fromLocalInput,
  timeline,
  toLocalInput,
} from "./format";

const at = (y: number, mo: number, d: number, h = 12, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();

function msg(id: number, sentAt: number): MessageView {
  return {
    id,
    threadId: 1,
    direction: "inbound",
    authorName: "A",
    text: `m${id}`,
    attachments: [],
    sentAt,
    editedAt: null,
    delivery: "received",
    deliveryNote: null,
    holdReason: null,
    subject: null,
    quotedText: null,
    hasHtml: false,
    remoteImages: 0,
    deletedOnServer: false,
    automated: null,
  };
}

describe("relativeTime", () => {
  const now = at(2024, 3, 14, 15, 30);
  it("formats recent times compactly", () => {
    expect(relativeTime(now - 20_000, now)).toBe("now");
    expect(relativeTime(now - 5 * 60_000, now)).toBe("5m");
    expect(relativeTime(now - 3 * 3_600_000, now)).toBe("3h");
  });
  it("uses Yesterday across midnight even for short gaps", () => {
    const justAfterMidnight = at(2024, 3, 14, 0, 5);
    expect(relativeTime(at(2024, 3, 13, 23, 55), justAfterMidnight)).toBe("Yesterday");
  });
  it("uses weekday within a week, date this year, and year before", () => {
    expect(relativeTime(at(2024, 3, 11, 9), now)).toBe("Mon");
    expect(relativeTime(at(2024, 1, 2, 9), now)).toBe("2 Jan");
    expect(relativeTime(at(2023, 12, 24, 9), now)).toBe("24 Dec 2023");
  });
  it("never goes negative for clock skew", () => {
    expect(relativeTime(now + 60_000, now)).toBe("now");
  });
});

describe("day labels and grouping", () => {
  const now = at(2024, 3, 14, 10);
  it("labels today, yesterday and older days", () => {
    expect(dayLabel(at(2024, 3, 14, 0, 1), now)).toBe("Today");
    expect(dayLabel(at(2024, 3, 13, 23, 59), now)).toBe("Yesterday");
    expect(dayLabel(at(2024, 3, 4, 8), now)).toBe("Monday, 4 March");
    expect(dayLabel(at(2023, 3, 4, 8), now)).toBe("4 March 2023");
  });
  it("splits groups at local midnight", () => {
    const groups = groupByDay(
      [msg(1, at(2024, 3, 13, 23, 50)), msg(2, at(2024, 3, 13, 23, 59)), msg(3, at(2024, 3, 14, 0, 1)), msg(4, at(2024, 3, 14, 9))],
      (m) => m.sentAt,
      now,
    );
    expect(groups.map((g) => g.label)).toEqual(["Yesterday", "Today"]);
    expect(groups.map((g) => g.items.map((m) => m.id))).toEqual([[1, 2], [3, 4]]);
  });
  it("returns no groups for no messages", () => {
    expect(groupByDay([], (m: MessageView) => m.sentAt, now)).toEqual([]);
  });
  it("formats time of day with leading zeros", () => {
    expect(formatTime(at(2024, 3, 14, 7, 5))).toBe("07:05");
  });
});

describe("formatSize", () => {
  it("formats bytes in binary units", () => {
    expect(formatSize(0)).toBe("0 B");
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(1024)).toBe("1 KB");
    expect(formatSize(1536)).toBe("1.5 KB");
    expect(formatSize(248_320)).toBe("243 KB");
    expect(formatSize(3.4 * 1024 * 1024)).toBe("3.4 MB");
    expect(formatSize(5 * 1024 ** 3)).toBe("5 GB");
  });
  it("is empty for unknown sizes", () => {
    expect(formatSize(null)).toBe("");
    expect(formatSize(undefined)).toBe("");
    expect(formatSize(-1)).toBe("");
  });
});

describe("labels", () => {
  it("names channels", () => {
    expect(channelLabel("whatsapp")).toBe("WhatsApp");
    expect(channelLabel("sms")).toBe("SMS");
  });
  it("describes delivery states", () => {
    expect(deliveryLabel("queued")).toBe("Queued");
    expect(deliveryLabel("sending")).toBe("Sending…");
    expect(deliveryLabel("sent")).toContain("✓");
    expect(deliveryLabel("delivered")).toContain("✓✓");
    expect(deliveryLabel("failed", "Bot was blocked by the user")).toBe("Failed: Bot was blocked by the user");
    expect(deliveryLabel("uncertain", "Telegram did not answer")).toContain("Telegram did not answer");
    expect(deliveryLabel("retrying", "network down")).toBe("Retrying: network down");
    expect(deliveryLabel("received")).toBe("");
  });
  it("describes sync states with a countdown", () => {
    expect(syncLabel({ state: "backoff", reason: "timeout", retryAt: 12_000 }, 0)).toBe("Retrying in 12 s: timeout");
    expect(syncLabel({ state: "authFailed", reason: "401" }, 0)).toBe("Bot token rejected");
    expect(syncLabel({ state: "connecting" }, 0)).toBe("Connecting…");
  });
  it("shows a first sync's progress, and plain catching up without one", () => {
    expect(
      syncLabel({ state: "catchingUp", progress: { scope: "INBOX", done: 12_400, total: 50_000 } }, 0),
    ).toBe("Syncing INBOX — 12,400 of 50,000");
    // Never more done than there is (messages can arrive or vanish while it runs).
    expect(syncLabel({ state: "catchingUp", progress: { scope: "Sent", done: 7, total: 5 } }, 0)).toBe(
      "Syncing Sent — 5 of 5",
    );
    expect(syncLabel({ state: "catchingUp", progress: null }, 0)).toBe("Catching up…");
  });
  it("summarises accounts by their worst state", () => {
    const acc = (id: number, sync: AccountSummary["sync"]): AccountSummary => ({
      id,
      channel: "telegram",
      name: `Bot ${id}`,
      handle: null,
      isDemo: false,
      sync,
      syncRevision: 1,
      lastError: null,
      lastSyncAt: null,
      humanAgentApproved: null,
    });
    expect(syncSummary([], 0)).toEqual({ text: "No accounts", tone: "idle" });
    expect(syncSummary([acc(1, { state: "live" })], 0)).toEqual({ text: "Live", tone: "ok" });
    expect(syncSummary([acc(1, { state: "live" }), acc(2, { state: "authFailed", reason: "x" })], 0)).toEqual({
      text: "Bot 2: Bot token rejected",
      tone: "error",
    });
    // The indicator names the account whose first sync is running, with its progress.
    const syncing = acc(3, { state: "catchingUp", progress: { scope: "INBOX", done: 250, total: 1_000 } });
    expect(syncSummary([acc(1, { state: "live" }), syncing], 0)).toEqual({
      text: "Bot 3: Syncing INBOX — 250 of 1,000",
      tone: "busy",
    });
  });
  it("makes initials", () => {
    expect(initials("Amelia Hart")).toBe("AH");
    expect(initials("  ")).toBe("?");
    expect(initials("Zoë")).toBe("Z");
    expect(initials("Ada (Shop)")).toBe("AS");
    expect(initials("أحمد الخطيب")).toBe("أا");
  });
  it("gives a phone number its last two digits, never a lone +", () => {
    expect(initials("+14155550101")).toBe("01");
    expect(initials("+1 415 555 0187")).toBe("87");
    expect(initials("+")).toBe("?");
  });
});

describe("linkify", () => {
  it("links http, https and mailto URLs", () => {
    expect(linkify("see https://example.com/a?b=1 now")).toEqual([
      { text: "see " },
      { text: "https://example.com/a?b=1", url: "https://example.com/a?b=1" },
      { text: " now" },
    ]);
    expect(linkify("mail mailto:help@example.com")).toEqual([
      { text: "mail " },
      { text: "mailto:help@example.com", url: "mailto:help@example.com" },
    ]);
    expect(linkify("HTTP://EXAMPLE.COM")[0].url).toBe("HTTP://EXAMPLE.COM");
  });
  it("does not link javascript:, data: or file: URLs", () => {
    for (const text of ["javascript:alert(1)", "click javascript://%0aalert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd"]) {
      const parts = linkify(text);
      expect(parts.every((p) => p.url === undefined)).toBe(true);
      expect(parts.map((p) => p.text).join("")).toBe(text);
    }
  });
  it("trims trailing punctuation but keeps balanced parentheses", () => {
    expect(linkify("Go to https://example.com.")[1]).toEqual({ text: "https://example.com", url: "https://example.com" });
    expect(linkify("(https://example.com/x)")[1].url).toBe("https://example.com/x");
    expect(linkify("https://en.wikipedia.org/wiki/Foo_(bar)")[0].url).toBe("https://en.wikipedia.org/wiki/Foo_(bar)");
  });
  it("keeps the full text and handles no links", () => {
    expect(linkify("")).toEqual([]);
    expect(linkify("plain text")).toEqual([{ text: "plain text" }]);
    const text = "a http://x.io b https://y.io c";
    expect(linkify(text).map((p) => p.text).join("")).toBe(text);
    expect(linkify(text).filter((p) => p.url).length).toBe(2);
  });
  it("checks schemes", () => {
    expect(isSafeUrl("https://a.b")).toBe(true);
    expect(isSafeUrl("javascript:alert(1)")).toBe(false);
    expect(isSafeUrl("not a url")).toBe(false);
  });
});

describe("reply window", () => {
  const H = 3_600_000;
  it("counts down the 24 hours", () => {
    expect(formatLeft(23 * H + 12 * 60_000)).toBe("23 h 12 min");
    expect(formatLeft(5 * 60_000)).toBe("5 min");
    expect(replyWindowText({ state: "open", closesAt: 24 * H }, H - 12 * 60_000)?.text).toBe("23 h 12 min left to reply");
    expect(replyWindowText({ state: "always" }, 0)).toBeNull();
  });
  it("names the HUMAN_AGENT extension and the closed cases", () => {
    const ha = replyWindowText({ state: "humanAgentOnly", closesAt: 168 * H }, 48 * H);
    expect(ha?.text).toContain("Human agent reply possible for 5 days");
    expect(ha?.canSend).toBe(true);
    const na = replyWindowText({ state: "humanAgentNotApproved", closedAt: 24 * H }, 30 * H);
    expect(na?.text).toMatch(/^Reply window closed: .*not approved/);
    expect(na?.canSend).toBe(false);
    expect(replyWindowText({ state: "closed", closedAt: 168 * H }, 200 * H)?.text).toMatch(/^Reply window closed/);
    expect(replyWindowText({ state: "open", closesAt: H }, 2 * H)?.canSend).toBe(false);
  });
});

describe("ownerBadge", () => {
  it("marks threads another app controls and names the bot when known", () => {
    expect(ownerBadge(null)).toBeNull();
    expect(ownerBadge({ owner: "parley" })).toBeNull();
    expect(ownerBadge({ owner: "idle" })).toBeNull();
    const bot = ownerBadge({ owner: "otherApp", appId: "1790024451123456" });
    expect(bot?.label).toBe("Bot");
    expect(bot?.title).toContain("1790024451123456");
    expect(ownerBadge({ owner: "elsewhere" })?.label).toBe("Bot");
    expect(ownerBadge({ owner: "metaInbox" })?.title).toContain("Meta's inbox");
  });
});

describe("the status history between messages", () => {
  const now = at(2024, 3, 14, 16);
  it("interleaves events with the messages of their time, by day", () => {
    const events = [
      { at: at(2024, 3, 13, 10), event: { kind: "resolved" as const } },
      { at: at(2024, 3, 14, 9), event: { kind: "reopenedByCustomer" as const, from: "resolved" as const } },
      { at: at(2024, 3, 14, 14, 2), event: { kind: "snoozed" as const, until: at(2024, 3, 19, 9) } },
    ];
    const msgs = [msg(1, at(2024, 3, 13, 9)), msg(2, at(2024, 3, 14, 9)), msg(3, at(2024, 3, 14, 12))];
    const groups = timeline(msgs, events, true, now);
    expect(groups.map((g) => g.label)).toEqual(["Yesterday", "Today"]);
    expect(groups.map((g) => g.items.map((i) => (i.kind === "message" ? `m${i.message.id}` : i.event.event.kind)))).toEqual([
      ["m1", "resolved"],
      ["m2", "reopenedByCustomer", "m3", "snoozed"],
    ]);
    // Older messages not loaded yet: events before the first loaded one wait for them.
    const partial = timeline(msgs.slice(1), events, false, now);
    expect(partial.flatMap((g) => g.items).filter((i) => i.kind === "event")).toHaveLength(2);
  });

  it("says what happened, when, and until when", () => {
    expect(eventText({ at: at(2024, 3, 14, 14, 2), event: { kind: "resolved" } }, now)).toBe("Resolved by you · 14:02");
    expect(eventText({ at: at(2024, 3, 14, 9), event: { kind: "reopenedByCustomer", from: "snoozed" } }, now)).toBe(
      "Reopened — the customer wrote while it was snoozed · 09:00",
    );
    expect(eventText({ at: at(2024, 3, 14, 14, 2), event: { kind: "snoozed", until: at(2024, 3, 19, 9) } }, now)).toBe(
      "Snoozed until Tue 09:00 · 14:02",
    );
    expect(eventText({ at: at(2024, 3, 14, 9), event: { kind: "woke" } }, now)).toBe("Woke from snooze · 09:00");
    expect(formatWake(at(2024, 3, 14, 18), now)).toBe("today 18:00");
    expect(formatWake(at(2024, 3, 15, 9), now)).toBe("tomorrow 09:00");
    expect(formatWake(at(2024, 4, 2, 9), now)).toBe("2 Apr 09:00");
    expect(formatWaited(12 * 60_000)).toBe("12 min");
    expect(formatWaited(26 * 3_600_000)).toBe("1 d 2 h");
  });

  it("reads and writes datetime-local values in the computer's zone", () => {
    const t = at(2024, 3, 14, 9, 5);
    expect(toLocalInput(t)).toBe("2024-03-14T09:05");
    expect(fromLocalInput("2024-03-14T09:05")).toBe(t);
    expect(fromLocalInput("")).toBeNull();
  });
});
