import type { Backend } from "../ipc/backend";
import { toIpcError } from "../ipc/backend";
import type { AutomationSettings, BusinessHours, HoursPreview, IpcError } from "../ipc/bindings";

/** Settings → Automation: an editable copy of the settings, saved on request; previews of schedules. */
export class AutomationStore {
  /** What the agent is editing (a copy of what Rust answered). */
  draft = $state<AutomationSettings | null>(null);
  /** Whether the draft differs from what is saved. */
  dirty = $state(false);
  saving = $state(false);
  /** Why the last save was refused (shown as it is). */
  error = $state<IpcError | null>(null);
  /** "Saved." after a save, until the next change. */
  status = $state("");
  /** Time zones to choose from. */
  zones = $state<string[]>([]);

  #backend: Backend;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async load(): Promise<void> {
    try {
      const [settings, zones] = await Promise.all([this.#backend.automationSettings(), this.#backend.timeZoneChoices()]);
      this.draft = settings;
      this.zones = zones;
      this.dirty = false;
    } catch (e) {
      this.error = toIpcError(e);
    }
  }

  /** Applies a change to the draft (saved only with [`save`]). */
  change(edit: (s: AutomationSettings) => void): void {
    if (!this.draft) return;
    const next = structuredClone($state.snapshot(this.draft)) as AutomationSettings;
    edit(next);
    this.draft = next;
    this.dirty = true;
    this.status = "";
  }

  async save(): Promise<boolean> {
    if (!this.draft) return false;
    this.saving = true;
    this.error = null;
    try {
      this.draft = await this.#backend.setAutomationSettings($state.snapshot(this.draft) as AutomationSettings);
      this.dirty = false;
      this.status = "Saved.";
      return true;
    } catch (e) {
      this.error = toIpcError(e);
      return false;
    } finally {
      this.saving = false;
    }
  }

  /** What a schedule means now, or why it cannot be read. */
  async preview(hours: BusinessHours): Promise<HoursPreview | IpcError> {
    try {
      return await this.#backend.previewBusinessHours($state.snapshot(hours) as BusinessHours);
    } catch (e) {
      return toIpcError(e);
    }
  }
}
