// Spike mode: the queue as Rust counts it (open conversations whose customer waits), arrivals
// in the last 15 minutes, an expected wait from a fixed list of recent answers, and the state.
import type { SpikeSettings, SpikeStatus } from "../bindings";
import type { MockBackend } from "./index";
import { clone, err } from "./state";

const ARRIVALS_WINDOW = 15 * 60_000;

export function status(mock: MockBackend): SpikeStatus {
  const now = mock.now();
  const waiting = [...mock.threads.values()]
    .map((t) => t.summary)
    .filter((t) => t.status === "open" && t.waitingSince !== null && !mock.contacts.get(t.contactId)?.blocked);
  const since = waiting.map((t) => t.waitingSince ?? now);
  const arrivals = since.filter((at) => at >= now - ARRIVALS_WINDOW).length;
  const s = mock.spike;
  const busy = arrivals >= s.settings.arrivalsThreshold || waiting.length >= s.settings.queueThreshold;
  if (!busy) s.declined = false;
  const expected = s.expectedWaitMs;
  return {
    queue: waiting.length,
    longestWaitSince: since.length === 0 ? null : Math.min(...since),
    arrivals,
    expectedWaitMs: expected,
    expectedWait: expected === null ? null : `about ${Math.ceil(expected / 60_000 / 5) * 5} minutes`,
    on: s.on,
    onSince: s.onSince,
    offer: !s.on && !s.declined && busy,
    settings: clone(s.settings),
  };
}

function changed(mock: MockBackend): SpikeStatus {
  const st = status(mock);
  queueMicrotask(() => mock.emit({ kind: "spikeChanged", status: clone(st) }));
  return st;
}

export async function spikeStatus(mock: MockBackend): Promise<SpikeStatus> {
  mock.record("spike_status", null);
  return status(mock);
}

export async function setSpikeMode(mock: MockBackend, on: boolean): Promise<SpikeStatus> {
  mock.record("set_spike_mode", { on });
  if (mock.spike.on !== on) {
    mock.spike.on = on;
    mock.spike.onSince = on ? mock.now() : null;
    mock.spike.declined = !on;
  }
  return changed(mock);
}

export async function dismissSpikeOffer(mock: MockBackend): Promise<SpikeStatus> {
  mock.record("dismiss_spike_offer", null);
  mock.spike.declined = true;
  return changed(mock);
}

export async function setSpikeSettings(mock: MockBackend, settings: SpikeSettings): Promise<SpikeStatus> {
  mock.record("set_spike_settings", { settings });
  if (settings.arrivalsThreshold < 1 || settings.queueThreshold < 1) {
    throw err("invalidInput", "A threshold of 0 would keep spike mode on for good. Set each to 1 or more.");
  }
  mock.spike.settings = clone(settings);
  return changed(mock);
}
