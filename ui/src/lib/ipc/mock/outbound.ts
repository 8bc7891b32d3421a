// Respectful outbound (issue 18), as crates/parley-core/src/outbound.rs answers it: the
// workspace's quiet hours and caps, and an agent's opt-out mark on one identity (recorded with
// their name and the time). "Send anyway" refuses while the customer is opted out (outbox.ts).
import type { ContactContext, OutboundSettings } from "../bindings";
import type { MockBackend } from "./index";
import { clone, err } from "./state";
import { contextOf } from "./threads";

export const DEFAULT_OUTBOUND: OutboundSettings = {
  quietHoursEnabled: true,
  quietStartMinute: 21 * 60,
  quietEndMinute: 8 * 60,
  automatedPerDay: 3,
  automatedPerWeek: 10,
  proactivePerDay: 2,
  proactivePerWeek: 5,
};

const saved = new WeakMap<MockBackend, OutboundSettings>();

export async function outboundSettings(mock: MockBackend): Promise<OutboundSettings> {
  mock.record("outbound_settings", {});
  return clone(saved.get(mock) ?? DEFAULT_OUTBOUND);
}

export async function setOutboundSettings(mock: MockBackend, settings: OutboundSettings): Promise<OutboundSettings> {
  mock.record("set_outbound_settings", { settings });
  if (settings.quietStartMinute >= 1440 || settings.quietEndMinute >= 1440)
    throw err("invalidInput", "Not saved: Quiet hours start and end must be times of day (00:00 to 23:59).");
  if (settings.quietHoursEnabled && settings.quietStartMinute === settings.quietEndMinute)
    throw err("invalidInput", "Not saved: Quiet hours need a start and an end that differ (e.g. 21:00 to 08:00).");
  if (settings.automatedPerDay < 1 || settings.proactivePerDay < 1)
    throw err("invalidInput", "Not saved: A daily cap of 0 would stop every message; use at least 1.");
  if (settings.automatedPerWeek < settings.automatedPerDay || settings.proactivePerWeek < settings.proactivePerDay)
    throw err("invalidInput", "Not saved: A weekly cap cannot be lower than the daily one.");
  saved.set(mock, clone(settings));
  return clone(settings);
}

export async function setIdentityOptOut(mock: MockBackend, identityId: number, optedOut: boolean): Promise<ContactContext> {
  mock.record("set_identity_opt_out", { identityId, optedOut });
  const c = mock.contacts.get(identityId);
  if (!c) throw err("notFound", "That identity no longer exists (it may have been removed).");
  c.optOut = { optedOut, source: "agent", detail: "You", at: mock.now() };
  const owner = c.mergedInto !== undefined ? mock.contacts.get(c.mergedInto) : c;
  return contextOf(mock, owner ?? c);
}

/** Whether the identity behind a contact id is opted out in the mock. */
export function optedOut(mock: MockBackend, identityId: number): boolean {
  return mock.contacts.get(identityId)?.optOut?.optedOut ?? false;
}
