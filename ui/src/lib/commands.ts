// Every action and view of the window by name, with its shortcuts: what the command palette
// (Ctrl+K) offers, what the keyboard map (?) lists, and what a key press runs.
import type { ThreadView } from "./ipc/bindings";
import { CHANNEL_NAMES } from "./ipc/bindings";
import { PRIORITIES } from "./format";
import { focusSearch } from "./focus";
import type { AppState } from "./stores/app.svelte";
import { STATUS_VIEWS, channelsShown, viewKey } from "./views";

export type CommandGroup = "Conversation" | "Selection" | "Move" | "Views" | "Window";

export type AppCommand = {
  id: string;
  title: string;
  group: CommandGroup;
  /** Shortcuts as the map shows them and key presses name them: "e", "Shift+I", "Ctrl+K", "g o". */
  keys: string[];
  run: () => void;
  /** Its keys depend on where the focus is, so the window's own handler reads them (j, k, Enter...). */
  ownKeys?: boolean;
};

/** A key press named as `AppCommand.keys` name them; null for a modifier alone. */
export function keyName(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey">): string | null {
  const k = e.key;
  if (k === "Shift" || k === "Control" || k === "Alt" || k === "Meta" || k === "Dead") return null;
  const mods: string[] = [];
  if (e.ctrlKey || e.metaKey) mods.push("Ctrl");
  if (e.altKey) mods.push("Alt");
  let name = k;
  if (k.length === 1 && /[a-z]/i.test(k)) {
    // A letter: shift (or a capital, however typed) shows as a modifier, the letter in lower case
    // unless shifted or with Ctrl.
    const shifted = e.shiftKey || k !== k.toLowerCase();
    if (shifted) mods.push("Shift");
    name = mods.length > 0 ? k.toUpperCase() : k;
  } else if (k.length === 1) {
    // "!", "?", "/": the keyboard layout applied shift already.
    name = k === " " ? "Space" : k;
  } else if (e.shiftKey) {
    mods.push("Shift");
  }
  return [...mods, name].join("+");
}

/** The commands of the window as it is now (the views include its channels, accounts and labels). */
export function appCommands(app: AppState): AppCommand[] {
  const wf = app.workflow;
  const threads = app.threads;
  const cmds: AppCommand[] = [];
  const add = (c: AppCommand) => cmds.push(c);

  // ---- the conversation (or the checked ones) ----
  add({ id: "resolve", title: "Resolve", group: "Conversation", keys: ["e"], run: () => void wf.resolve(wf.targets()) });
  add({ id: "snooze", title: "Snooze…", group: "Conversation", keys: ["s"], run: () => app.openMenu("snooze") });
  add({ id: "pending", title: "Mark pending (waiting on the customer)", group: "Conversation", keys: ["p"], run: () => void wf.pending(wf.targets()) });
  add({ id: "reopen", title: "Reopen", group: "Conversation", keys: ["u"], run: () => void wf.reopen(wf.targets()) });
  add({ id: "priority", title: "Set priority…", group: "Conversation", keys: ["!"], run: () => app.openMenu("priority") });
  for (const p of PRIORITIES) {
    add({
      id: `priority-${p.value}`,
      title: p.value === 0 ? "Priority: none" : `Priority: ${p.name}`,
      group: "Conversation",
      keys: [],
      run: () => void wf.setPriority(wf.targets(), p.value),
    });
  }
  add({ id: "labels", title: "Labels…", group: "Conversation", keys: ["l"], run: () => app.openMenu("labels") });
  add({ id: "mark-read", title: "Mark read", group: "Conversation", keys: ["Shift+I"], run: () => void wf.markRead(wf.targets()) });
  add({ id: "mark-unread", title: "Mark unread", group: "Conversation", keys: ["Shift+U"], run: () => void wf.markUnread(wf.targets()) });
  add({
    id: "reply",
    title: "Reply",
    group: "Conversation",
    keys: ["r"],
    ownKeys: true,
    run: () => app.startReply(),
  });
  add({
    id: "whole-dialogue",
    title: "Whole dialogue with the customer (every channel)",
    group: "Conversation",
    keys: [],
    run: () => void (app.dialogue.isOpen ? app.closeDialogue() : app.openDialogue()),
  });
  add({
    id: "customer-details",
    title: app.detailsOpen ? "Hide customer details" : "Show customer details",
    group: "Conversation",
    keys: ["i"],
    run: () => app.toggleDetails(),
  });
  add({ id: "undo", title: "Undo the last change", group: "Conversation", keys: ["z", "Ctrl+Z"], run: () => void wf.undo() });

  // ---- moving and selecting ----
  add({ id: "next", title: "Next conversation", group: "Move", keys: ["j", "↓"], ownKeys: true, run: () => void threads.move(1) });
  add({ id: "previous", title: "Previous conversation", group: "Move", keys: ["k", "↑"], ownKeys: true, run: () => void threads.move(-1) });
  add({ id: "open", title: "Open the selected conversation", group: "Move", keys: ["Enter"], ownKeys: true, run: () => void app.openSelected() });
  add({ id: "check", title: "Select or unselect the row", group: "Selection", keys: ["x"], run: () => threads.toggleChecked() });
  add({ id: "extend-down", title: "Extend the selection down", group: "Selection", keys: ["Shift+J", "Shift+ArrowDown"], run: () => threads.extend(1) });
  add({ id: "extend-up", title: "Extend the selection up", group: "Selection", keys: ["Shift+K", "Shift+ArrowUp"], run: () => threads.extend(-1) });
  add({ id: "clear-selection", title: "Clear the selection", group: "Selection", keys: ["Escape"], ownKeys: true, run: () => threads.clearChecked() });

  // ---- views ----
  const view = (id: string, title: string, v: ThreadView, keys: string[] = []) =>
    add({ id: `view-${id}`, title: `Go to ${title}`, group: "Views", keys, run: () => void app.showView(v) });
  for (const s of STATUS_VIEWS) view(viewKey(s.view), s.title, s.view, [`g ${s.key}`]);
  for (const c of channelsShown(app.counts.counts, app.accounts.accounts)) view(`channel-${c}`, CHANNEL_NAMES[c], { kind: "channel", channel: c });
  for (const a of app.accounts.accounts) view(`account-${a.id}`, `${a.name} (${CHANNEL_NAMES[a.channel]})`, { kind: "account", account: a.id });
  for (const l of app.labels.labels) view(`label-${l.id}`, `label ${l.name}`, { kind: "label", label: l.id });

  // ---- the window ----
  add({ id: "search", title: "Search messages", group: "Window", keys: ["/"], ownKeys: true, run: () => requestAnimationFrame(focusSearch) });
  add({ id: "palette", title: "Command palette", group: "Window", keys: ["Ctrl+K"], run: () => (app.overlay = { kind: "palette" }) });
  add({ id: "keys", title: "Keyboard shortcuts", group: "Window", keys: ["?"], run: () => (app.overlay = { kind: "keys" }) });
  add({ id: "drafts", title: "Show drafts", group: "Window", keys: [], run: () => void app.showDrafts() });
  add({ id: "contacts", title: "Contacts", group: "Window", keys: [], run: () => void app.showContacts() });
  add({ id: "review", title: "Review: conversations, metrics, exports", group: "Window", keys: [], run: () => void app.showReview() });
  add({ id: "find-contact", title: "Find contact…", group: "Window", keys: [], run: () => void app.showContacts(true) });
  add({ id: "import-contacts", title: "Import customers from a CSV file…", group: "Window", keys: [], run: () => app.imports.open() });
  add({ id: "settings", title: "Accounts and settings", group: "Window", keys: [], run: () => (app.view = "accounts") });
  add({ id: "manage-saved-replies", title: "Manage saved replies", group: "Window", keys: [], run: () => app.showSavedReplySettings() });
  add({ id: "manage-labels", title: "Manage labels", group: "Window", keys: [], run: () => app.showLabelSettings() });
  add({ id: "merges", title: "Review suggested merges of customers", group: "Window", keys: [], run: () => (app.overlay = { kind: "merges" }) });
  return cmds;
}

/** The command a key press (or a `g` sequence, "g o") runs by itself, if any. */
export function commandForKey(commands: readonly AppCommand[], key: string): AppCommand | undefined {
  return commands.find((c) => !c.ownKeys && c.keys.includes(key));
}
