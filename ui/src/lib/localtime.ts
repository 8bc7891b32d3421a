// The customer's local time as the pane shows it: "it is 23:10 there", the zone or offset, and
// where it comes from. The zone or offset is worked out in Rust (parley-core/src/customer_time.rs);
// the wall clock is formatted here, from the zone where there is one (Intl follows its daylight
// saving) or else from the fixed offset.
import type { CustomerTime } from "./ipc/bindings";

/** "UTC+1", "UTC−3:30", "UTC". */
export function offsetLabel(minutes: number): string {
  if (minutes === 0) return "UTC";
  const sign = minutes > 0 ? "+" : "−";
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  return `UTC${sign}${h}${m === 0 ? "" : `:${String(m).padStart(2, "0")}`}`;
}

/** The offset of `zone` at `now`, in minutes east of UTC, as Intl knows it; null for a zone it does not know. */
export function zoneOffset(zone: string, now: number): number | null {
  try {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    }).formatToParts(new Date(now));
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? "0");
    const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"), get("second"));
    const at = Math.floor(now / 1000) * 1000;
    return Math.round((wall - at) / 60_000);
  } catch {
    return null;
  }
}

/** The wall clock ("23:10") at `now` in the customer's zone, else at their offset; null when unknown. */
export function wallClock(t: CustomerTime, now: number): string | null {
  const format = (timeZone: string, at: number) =>
    new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(
      new Date(at),
    );
  if (t.zone !== null) {
    try {
      return format(t.zone, now);
    } catch {
      // A zone this WebView does not know: fall back to the offset Rust gave.
    }
  }
  if (t.offsetMinutes === null) return null;
  return format("UTC", now + t.offsetMinutes * 60_000);
}

/** Which day it is there compared with here: "tomorrow", "yesterday" or "" (the same day). */
export function dayThere(t: CustomerTime, now: number): string {
  const offset = t.zone !== null ? (zoneOffset(t.zone, now) ?? t.offsetMinutes) : t.offsetMinutes;
  if (offset === null) return "";
  const there = new Date(now + offset * 60_000);
  const thereDay = Date.UTC(there.getUTCFullYear(), there.getUTCMonth(), there.getUTCDate());
  const here = new Date(now);
  const hereDay = Date.UTC(here.getFullYear(), here.getMonth(), here.getDate());
  if (thereDay > hereDay) return "tomorrow";
  if (thereDay < hereDay) return "yesterday";
  return "";
}

/** "Europe/Berlin · UTC+1", or the offset alone. */
export function zoneLabel(t: CustomerTime, now: number): string {
  const offset = t.zone !== null ? (zoneOffset(t.zone, now) ?? t.offsetMinutes) : t.offsetMinutes;
  const parts: string[] = [];
  if (t.zone !== null) parts.push(t.zone.replaceAll("_", " "));
  if (offset !== null) parts.push(offsetLabel(offset));
  return parts.join(" · ");
}

/** Where the time comes from, in words: "from +49 phone number", "from their last email", "set by you". */
export function sourceText(t: CustomerTime): string {
  switch (t.source) {
    case "setByHand":
      return "set by you";
    case "phone":
      return t.callingCode !== null ? `from +${t.callingCode} phone number` : "from their phone number";
    case "email":
      return "from their last email";
  }
}

/** Everything the pane says about the customer's time, at `now`. */
export type LocalTimeView =
  | { kind: "known"; clock: string; day: string; zone: string; source: string }
  | { kind: "several"; source: string };

export function localTimeView(t: CustomerTime | null, now: number): LocalTimeView | null {
  if (t === null) return null;
  const clock = t.ambiguous ? null : wallClock(t, now);
  if (clock === null) {
    return { kind: "several", source: sourceText(t) };
  }
  return { kind: "known", clock, day: dayThere(t, now), zone: zoneLabel(t, now), source: sourceText(t) };
}
