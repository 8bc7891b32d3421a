// Pure helpers of the manager's review (issue 16): durations in words, the metrics' tables and
// their CSV (RFC 4180, formulas neutralised like the exports'), the default filter and periods.
import type { ChannelKind, ExportFormat, Metrics, ReviewFilter } from "./ipc/bindings";
import { CHANNEL_NAMES } from "./ipc/bindings";

export const DAY_MS = 86_400_000;
export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** The formats an export can be written in, as the export menus list them. */
export const EXPORT_FORMATS: { value: ExportFormat; label: string }[] = [
  { value: "csv", label: "CSV" },
  { value: "html", label: "HTML" },
  { value: "json", label: "JSON" },
  { value: "pdf", label: "PDF" },
];

export function defaultFilter(): ReviewFilter {
  return {
    from: null,
    to: null,
    channels: [],
    accounts: [],
    statuses: [],
    labels: [],
    minPriority: null,
    vipOnly: false,
    contact: null,
    text: null,
    slowOnly: false,
    unansweredOnly: false,
    responder: null,
    annotatedOnly: false,
    sort: "date",
    descending: true,
    businessHours: false,
  };
}

/** A duration as people say it: "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function durationText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** A share as a percentage ("—" of nothing). */
export function percent(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((100 * part) / whole)}%` : "—";
}

/** A CSV cell: quoted when needed, a formula-looking start neutralised with an apostrophe. */
export function csvCell(value: string | number): string {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s) && typeof value !== "number") s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV text (CRLF, with a BOM for spreadsheet applications). */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return "\ufeff" + rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

export type Table = { title: string; head: string[]; rows: Array<Array<string | number>> };

/** The summary's numbers as a table. */
export function summaryTable(m: Metrics): Table {
  return {
    title: "Summary",
    head: ["Measure", "Value"],
    rows: [
      ["Conversations started", m.started],
      ["Conversations resolved", m.resolved],
      ["Not answered yet", m.unanswered],
      ["First response, median (min)", minutes(m.firstResponse.medianMs)],
      ["First response, 90th percentile (min)", minutes(m.firstResponse.p90Ms)],
      ["Resolution, median (min)", minutes(m.resolution.medianMs)],
      ["Resolution, 90th percentile (min)", minutes(m.resolution.p90Ms)],
      ["Messages per conversation", Math.round(m.messagesPerConversation * 10) / 10],
    ],
  };
}

function minutes(ms: number | null): string | number {
  return ms === null ? "" : Math.round(ms / 6000) / 10;
}

/** Answered within target, per channel. */
export function targetTable(m: Metrics): Table {
  return {
    title: "Answered within target",
    head: ["Channel", "Target (min)", "Answered", "Within target", "Share"],
    rows: m.withinTarget.map((t) => [CHANNEL_NAMES[t.channel], t.targetMinutes, t.answered, t.within, percent(t.within, t.answered)]),
  };
}

/** Every day of the period (none skipped), with each channel's conversations. */
export function perDaySeries(m: Metrics): { days: string[]; channels: ChannelKind[]; counts: Record<string, number[]> } {
  const channels = [...new Set(m.perDay.map((d) => d.channel))];
  const days: string[] = [];
  const first = m.perDay[0]?.day;
  const last = m.perDay[m.perDay.length - 1]?.day;
  if (first && last) {
    for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += DAY_MS) {
      days.push(new Date(t).toISOString().slice(0, 10));
    }
  }
  const index = new Map(days.map((d, i) => [d, i]));
  const counts: Record<string, number[]> = {};
  for (const c of channels) counts[c] = days.map(() => 0);
  for (const d of m.perDay) counts[d.channel][index.get(d.day) ?? 0] = d.conversations;
  return { days, channels, counts };
}

export function perDayTable(m: Metrics): Table {
  const s = perDaySeries(m);
  return {
    title: "Conversations per day",
    head: ["Day", ...s.channels.map((c) => CHANNEL_NAMES[c])],
    rows: s.days.map((d, i) => [d, ...s.channels.map((c) => s.counts[c][i])]),
  };
}

export function heatmapTable(m: Metrics): Table {
  return {
    title: "Busiest hours",
    head: ["Weekday", ...Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, "0")}:00`)],
    rows: m.heatmap.map((row, i) => [WEEKDAYS[i], ...row]),
  };
}

/** `YYYY-MM-DD` of a local day, for date inputs. */
export function dayInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** Local midnight of a `YYYY-MM-DD` (null when not a date). */
export function fromDayInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
}

/** The last `days` whole days up to the end of today, local. */
export function lastDays(days: number, now: number): { from: number; to: number } {
  const d = new Date(now);
  const to = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
  const from = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1 - days).getTime();
  return { from, to };
}
