import { describe, expect, it } from "vitest";
import type { Metrics } from "./ipc/bindings";
import { csvCell, durationText, perDaySeries, percent, summaryTable, toCsv } from "./review";

const metrics: Metrics = {
  query: { from: 0, to: 1, channels: [], accounts: [], businessHours: false },
  timeZone: "UTC",
  businessHours: false,
  started: 3,
  resolved: 1,
  unanswered: 1,
  firstResponse: { count: 2, medianMs: 600_000, p90Ms: 5_400_000 },
  resolution: { count: 1, medianMs: 3_600_000, p90Ms: 3_600_000 },
  withinTarget: [{ channel: "telegram", targetMinutes: 30, answered: 2, within: 1 }],
  messagesPerConversation: 2.25,
  heatmap: Array.from({ length: 7 }, () => Array<number>(24).fill(0)),
  perDay: [
    { day: "2026-03-28", channel: "telegram", conversations: 1 },
    { day: "2026-03-30", channel: "email", conversations: 2 },
  ],
};

describe("review helpers", () => {
  it("says durations as people do", () => {
    expect(durationText(null)).toBe("—");
    expect(durationText(45_000)).toBe("45 s");
    expect(durationText(12 * 60_000)).toBe("12 min");
    expect(durationText(185 * 60_000)).toBe("3 h 5 min");
    expect(durationText(52 * 3_600_000)).toBe("2 d 4 h");
    expect(percent(1, 3)).toBe("33%");
    expect(percent(0, 0)).toBe("—");
  });

  it("writes CSV cells that a spreadsheet reads as text", () => {
    expect(csvCell("=SUM(A1)")).toBe("'=SUM(A1)");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell(-2)).toBe("-2");
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(toCsv([["a", 1], ["@x", "y"]])).toBe("\ufeffa,1\r\n'@x,y\r\n");
  });

  it("fills every day of the period, each channel's count in its place", () => {
    const s = perDaySeries(metrics);
    expect(s.days).toEqual(["2026-03-28", "2026-03-29", "2026-03-30"]);
    expect(s.counts.telegram).toEqual([1, 0, 0]);
    expect(s.counts.email).toEqual([0, 0, 2]);
    expect(summaryTable(metrics).rows[3]).toEqual(["First response, median (min)", 10]);
  });
});
