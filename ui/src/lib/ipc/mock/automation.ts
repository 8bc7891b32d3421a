// Settings → Automation in the mock: kept per mock (not in the shared state), checked like Rust
// checks them (in fewer words), and a preview computed from the zone's wall clock.
import type { AccountAutomation, AutomationSettings, BusinessHours, HoursPreview } from "../bindings";
import type { MockBackend } from "./index";
import { err } from "./state";

const saved = new WeakMap<MockBackend, AutomationSettings>();

const DEFAULT_HOURS: BusinessHours = {
  timeZone: "UTC",
  spans: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, startMinute: 540, endMinute: 1020 })),
  holidays: [],
};

function defaults(accountId: number): AccountAutomation {
  return {
    accountId,
    hours: null,
    greeting: {
      enabled: false,
      text: "Hi {{first_name|there}}, thanks for getting in touch! Someone from our team will answer here shortly.",
      periodHours: 24,
    },
    away: {
      enabled: false,
      text: "Thanks for your message! We're closed now; we'll answer from {{next_opening}}.",
      periodHours: 12,
    },
  };
}

function withAccounts(mock: MockBackend, s: AutomationSettings): AutomationSettings {
  return {
    hours: structuredClone(s.hours),
    accounts: mock.accounts.map((a) => structuredClone(s.accounts.find((x) => x.accountId === a.id) ?? defaults(a.id))),
  };
}

function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone.trim() !== "";
  } catch {
    return false;
  }
}

function check(hours: BusinessHours): void {
  if (!knownZone(hours.timeZone)) throw err("invalidInput", `"${hours.timeZone}" is not a time zone Parley knows.`);
  for (const s of hours.spans) {
    if (s.startMinute >= s.endMinute || s.endMinute > 1440)
      throw err("invalidInput", "The end of a business-hours interval must come after its start, on the same day.");
  }
  for (const h of hours.holidays) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(h.date.trim())) throw err("invalidInput", `The holiday "${h.date}" is not a date: write it as YYYY-MM-DD.`);
  }
}

export async function automationSettings(mock: MockBackend): Promise<AutomationSettings> {
  mock.record("automation_settings", {});
  return withAccounts(mock, saved.get(mock) ?? { hours: structuredClone(DEFAULT_HOURS), accounts: [] });
}

export async function setAutomationSettings(mock: MockBackend, settings: AutomationSettings): Promise<AutomationSettings> {
  mock.record("set_automation_settings", { settings });
  check(settings.hours);
  for (const a of settings.accounts) {
    if (a.hours) check(a.hours);
    for (const [what, rule] of [["greeting", a.greeting], ["away message", a.away]] as const) {
      if (rule.enabled && rule.text.trim() === "") throw err("invalidInput", `The ${what} is on but has no text: write it, or turn it off.`);
    }
  }
  saved.set(mock, structuredClone(settings));
  return withAccounts(mock, settings);
}

/** The wall clock in a zone: weekday (1 = Monday), minute of the day, the date. */
function wall(at: number, zone: string): { weekday: number; minute: number; date: string; label: string } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    weekday: "long",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(at));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
  return {
    weekday: days.indexOf(get("weekday")) + 1,
    minute: Number(get("hour")) * 60 + Number(get("minute")),
    date: `${get("year")}-${get("month")}-${get("day")}`,
    label: `${get("weekday")} ${get("hour")}:${get("minute")}`,
  };
}

function openAt(hours: BusinessHours, at: number): boolean {
  const w = wall(at, hours.timeZone);
  if (hours.holidays.some((h) => h.date.trim() === w.date)) return false;
  return hours.spans.some((s) => s.weekday === w.weekday && w.minute >= s.startMinute && w.minute < s.endMinute);
}

export async function previewBusinessHours(mock: MockBackend, hours: BusinessHours): Promise<HoursPreview> {
  mock.record("preview_business_hours", { hours });
  check(hours);
  const now = mock.now();
  if (openAt(hours, now)) return { openNow: true, nextOpening: now, words: "We're open now.", nextOpeningWords: "now" };
  // Quarter hours for two weeks: enough for the mock's previews.
  const step = 15 * 60_000;
  for (let at = Math.ceil(now / step) * step; at < now + 14 * 86_400_000; at += step) {
    if (openAt(hours, at)) {
      const words = `${wall(at, hours.timeZone).label} (${hours.timeZone})`;
      return { openNow: false, nextOpening: at, words: `We're closed now — we'll answer from ${words}.`, nextOpeningWords: words };
    }
  }
  return { openNow: false, nextOpening: null, words: "We're closed, and no opening time is set.", nextOpeningWords: "" };
}
