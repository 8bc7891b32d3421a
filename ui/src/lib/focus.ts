// Focus helpers shared by the keyboard shortcuts. They look elements up by their test ids,
// which are stable by contract.
function byTestId(id: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
}

export function focusSearch(): void {
  const el = byTestId("search-input") as HTMLInputElement | null;
  el?.focus();
  el?.select();
}

export function focusContactSearch(): void {
  const el = byTestId("contacts-search") as HTMLInputElement | null;
  el?.focus();
  el?.select();
}

export function focusComposer(): void {
  byTestId("composer")?.focus();
}

export function focusList(): void {
  const list = byTestId("thread-list") ?? byTestId("search-results");
  list?.focus({ preventScroll: true });
}

/** Brings the labels manager (on the settings screen) into view and its first field into focus. */
export function focusLabelSettings(): void {
  const section = byTestId("labels-settings");
  section?.scrollIntoView({ block: "start" });
  section?.querySelector<HTMLElement>("input")?.focus({ preventScroll: true });
}

export function focusSavedReplySettings(): void {
  const section = byTestId("saved-replies-settings");
  section?.scrollIntoView({ block: "start" });
  section?.querySelector<HTMLElement>("button, input")?.focus({ preventScroll: true });
}

/** True when keyboard input belongs to a text field rather than to the shortcuts. */
export function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = (target as HTMLInputElement).type;
    return !["button", "checkbox", "radio", "submit", "reset", "range", "color"].includes(type);
  }
  return false;
}
