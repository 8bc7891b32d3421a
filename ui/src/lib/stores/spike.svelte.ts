import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { CoreEvent, IpcError, SpikeSettings, SpikeStatus } from "../ipc/bindings";

/** How long the queue waits after a change for the ones that follow it (a sync's burst). */
export const SPIKE_DEBOUNCE_MS = 300;

/**
 * The queue and spike mode (issue 15): the sidebar's queue and longest wait, the offer, the
 * switch, the settings. Kept current by `spikeChanged` (Rust's watcher: the offer, on, off) and
 * re-read after conversations change (the queue moves with every message and answer).
 */
export class SpikeStore {
  status = $state<SpikeStatus | null>(null);
  error = $state<IpcError | null>(null);
  busy = $state(false);

  #backend: Backend;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Called when spike mode turns on (the window then lists the Mood view). */
  #turnedOn: () => void;

  constructor(backend: Backend, turnedOn: () => void = () => undefined) {
    this.#backend = backend;
    this.#turnedOn = turnedOn;
  }

  get on(): boolean {
    return this.status?.on === true;
  }

  async load(): Promise<void> {
    try {
      this.#set(await this.#backend.spikeStatus());
    } catch (e) {
      console.error("parley: cannot read the queue", e);
    }
  }

  #set(status: SpikeStatus): void {
    const was = this.status?.on === true;
    this.status = status;
    if (!was && status.on) this.#turnedOn();
  }

  async #run(op: () => Promise<SpikeStatus>): Promise<boolean> {
    this.busy = true;
    try {
      this.#set(await op());
      this.error = null;
      return true;
    } catch (e) {
      this.error = toIpcError(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  setOn(on: boolean): Promise<boolean> {
    return this.#run(() => this.#backend.setSpikeMode(on));
  }

  dismissOffer(): Promise<boolean> {
    return this.#run(() => this.#backend.dismissSpikeOffer());
  }

  saveSettings(settings: SpikeSettings): Promise<boolean> {
    return this.#run(() => this.#backend.setSpikeSettings(settings));
  }

  schedule(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.load();
    }, SPIKE_DEBOUNCE_MS);
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  handleEvent(event: CoreEvent): void {
    if (event.kind === "spikeChanged") this.#set(event.status);
    else if (event.kind === "threadsChanged") this.schedule();
  }
}
