import { describe, expect, it } from "vitest";
import type { CustomerTime } from "./ipc/bindings";
import { localTimeView, offsetLabel, sourceText, wallClock, zoneLabel, zoneOffset } from "./localtime";

// 2025-01-15 22:10 UTC (winter in the north) and 2025-07-15 21:10 UTC (summer).
const JAN = Date.UTC(2025, 0, 15, 22, 10);
const JUL = Date.UTC(2025, 6, 15, 21, 10);

const time = (t: Partial<CustomerTime>): CustomerTime => ({
  zone: null,
  offsetMinutes: null,
  source: "phone",
  callingCode: null,
  observedAt: null,
  ambiguous: false,
  ...t,
});

describe("the customer's local time", () => {
  it("formats the wall clock in the customer's zone, following its daylight saving", () => {
    const berlin = time({ zone: "Europe/Berlin", offsetMinutes: 60, callingCode: 49 });
    expect(wallClock(berlin, JAN)).toBe("23:10");
    expect(wallClock(berlin, JUL)).toBe("23:10");
    expect(zoneLabel(berlin, JAN)).toBe("Europe/Berlin · UTC+1");
    expect(zoneLabel(berlin, JUL)).toBe("Europe/Berlin · UTC+2");
    expect(zoneOffset("Asia/Kolkata", JAN)).toBe(330);
    expect(zoneLabel(time({ zone: "America/St_Johns", offsetMinutes: -210 }), JAN)).toBe("America/St Johns · UTC−3:30");
  });

  it("formats a fixed offset when only an email's offset is known", () => {
    const mail = time({ offsetMinutes: 540, source: "email", observedAt: 1 });
    expect(wallClock(mail, JAN)).toBe("07:10");
    expect(zoneLabel(mail, JAN)).toBe("UTC+9");
    expect(localTimeView(mail, JAN)).toMatchObject({ kind: "known", clock: "07:10", source: "from their last email" });
  });

  it("says where the time comes from", () => {
    expect(sourceText(time({ callingCode: 49 }))).toBe("from +49 phone number");
    expect(sourceText(time({ source: "email" }))).toBe("from their last email");
    expect(sourceText(time({ source: "setByHand", zone: "Asia/Tokyo" }))).toBe("set by you");
    expect(offsetLabel(0)).toBe("UTC");
    expect(offsetLabel(-300)).toBe("UTC−5");
  });

  it("says 'several time zones' and no time when the phone's country spans several", () => {
    const us = time({ callingCode: 1, ambiguous: true });
    expect(localTimeView(us, JAN)).toEqual({ kind: "several", source: "from +1 phone number" });
    expect(localTimeView(null, JAN)).toBeNull();
  });

  it("falls back to Rust's offset for a zone this WebView does not know", () => {
    const odd = time({ zone: "Mars/Olympus_Mons", offsetMinutes: 120, source: "setByHand" });
    expect(wallClock(odd, JAN)).toBe("00:10");
  });
});
