// The composer's saved-reply picker: which replies to show first for what the agent typed.
//
// With nothing typed, the most used first (then the most recently used, then by folder and
// title). With a query, each reply is matched fuzzily (fuzzy.ts) against its title, then
// "folder title", then its filled text (a weaker match: a word from the answer still finds it);
// the best match scores, and usage adds a bonus that grows slowly (log2), so a reply used often
// rises above one that matches about as well, but a clearly better match still wins.
import { fuzzyMatch, type FuzzyMatch } from "./fuzzy";
import type { FilledReply } from "./ipc/bindings";

export type RankedReply = {
  reply: FilledReply;
  /** Matched positions in the title (for highlighting); empty when the match was elsewhere. */
  titleMatch: number[];
  score: number;
};

/** How much usage adds to a fuzzy score: 2 points per doubling of uses. */
export function usageBonus(uses: number): number {
  return 2 * Math.log2(1 + Math.max(0, uses));
}

function byUse(a: FilledReply, b: FilledReply): number {
  return (
    b.uses - a.uses ||
    (b.lastUsedAt ?? 0) - (a.lastUsedAt ?? 0) ||
    a.folder.localeCompare(b.folder) ||
    a.title.localeCompare(b.title) ||
    a.savedReplyId - b.savedReplyId
  );
}

/** The replies matching `query`, best first. */
export function rankSavedReplies(replies: readonly FilledReply[], query: string): RankedReply[] {
  if (query.trim() === "") {
    return [...replies].sort(byUse).map((reply) => ({ reply, titleMatch: [], score: 0 }));
  }
  const out: RankedReply[] = [];
  for (const reply of replies) {
    const title = fuzzyMatch(query, reply.title);
    const folder = reply.folder === "" ? null : fuzzyMatch(query, `${reply.folder} ${reply.title}`);
    // The body only counts where the query's words appear in it as they are.
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const inText = words.every((w) => reply.text.toLowerCase().includes(w));
    const candidates: Array<FuzzyMatch & { inTitle: boolean }> = [];
    if (title) candidates.push({ ...title, inTitle: true });
    if (folder) candidates.push({ ...folder, score: folder.score - 2, inTitle: false });
    if (inText) candidates.push({ score: 1, positions: [], inTitle: false });
    if (candidates.length === 0) continue;
    const best = candidates.reduce((a, b) => (b.score > a.score ? b : a));
    out.push({
      reply,
      titleMatch: best.inTitle ? best.positions : [],
      score: best.score + usageBonus(reply.uses),
    });
  }
  return out.sort((a, b) => b.score - a.score || byUse(a.reply, b.reply));
}

/** Where `/` opens the picker: at the very start, or right after whitespace. */
export function slashOpensPicker(text: string, caret: number): boolean {
  return caret === 0 || /\s/.test(text[caret - 1] ?? "");
}
