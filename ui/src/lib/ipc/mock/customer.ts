// The customer's tags and local time, as crates/parley-store/src/customer.rs and
// crates/parley-core/src/customer_time.rs answer them: tags once whatever the case, A to Z; a zone
// set by hand wins over what the fixtures say Rust would have worked out.
import type { ContactContext, CustomerTime } from "../bindings";
import { zoneOffset } from "../../localtime";
import type { MockBackend } from "./index";
import { clone, err, type MockContact } from "./state";
import { contextOf } from "./threads";

const TAG_MAX = 32;
const ZONES = [
  "America/Chicago",
  "America/Los_Angeles",
  "America/New_York",
  "America/Sao_Paulo",
  "Asia/Kolkata",
  "Asia/Tokyo",
  "Australia/Sydney",
  "Europe/Berlin",
  "Europe/Lisbon",
  "Europe/London",
  "Europe/Madrid",
  "UTC",
];

export function sortTags(tags: string[]): string[] {
  return [...tags].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: "base" }));
}

function mustContact(mock: MockBackend, contactId: number): MockContact {
  const c = mock.contacts.get(contactId);
  if (!c) throw err("notFound", "That contact no longer exists (it may have been removed).");
  return c;
}

/** The local time the pane shows for `c` (the mock's clock is the real one). */
export function localTimeOf(_mock: MockBackend, c: MockContact): CustomerTime | null {
  if (c.timeZone) {
    return {
      zone: c.timeZone,
      offsetMinutes: zoneOffset(c.timeZone, Date.now()),
      source: "setByHand",
      callingCode: null,
      observedAt: null,
      ambiguous: false,
    };
  }
  return c.guessedTime ? clone(c.guessedTime) : null;
}

export async function addContactTag(mock: MockBackend, contactId: number, tag: string): Promise<string[]> {
  mock.record("add_contact_tag", { contactId, tag });
  const c = mustContact(mock, contactId);
  const clean = tag.trim().split(/\s+/).join(" ").replace(/^#+/, "").trim();
  if (clean === "" || [...clean].length > TAG_MAX)
    throw err("invalidInput", `Not saved: a tag is 1 to ${TAG_MAX} characters.`);
  const tags = c.tags ?? [];
  if (!tags.some((t) => t.toLowerCase() === clean.toLowerCase())) c.tags = sortTags([...tags, clean]);
  return [...(c.tags ?? [])];
}

export async function removeContactTag(mock: MockBackend, contactId: number, tag: string): Promise<string[]> {
  mock.record("remove_contact_tag", { contactId, tag });
  const c = mustContact(mock, contactId);
  const before = c.tags ?? [];
  c.tags = before.filter((t) => t.toLowerCase() !== tag.trim().toLowerCase());
  if (c.tags.length === before.length) throw err("notFound", "This tag is no longer there.");
  return [...c.tags];
}

export async function setContactTimeZone(
  mock: MockBackend,
  contactId: number,
  zone: string | null,
): Promise<ContactContext> {
  mock.record("set_contact_time_zone", { contactId, zone });
  const c = mustContact(mock, contactId);
  const z = zone?.trim() ?? "";
  if (z !== "" && zoneOffset(z, Date.now()) === null)
    throw err("invalidInput", `Not saved: "${z}" is not a time zone Parley knows.`);
  c.timeZone = z === "" ? null : z;
  return contextOf(mock, c);
}

export async function timeZoneChoices(mock: MockBackend): Promise<string[]> {
  mock.record("time_zone_choices", {});
  return [...ZONES];
}
