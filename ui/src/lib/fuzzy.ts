// A small fuzzy matcher for the command palette and the label picker: the query's characters
// must appear in order in the text (case-insensitive); a match scores higher when they start
// words, follow one another, and come early. Returns the matched positions for highlighting.

export type FuzzyMatch = { score: number; positions: number[] };

function isWordStart(text: string, i: number): boolean {
  if (i === 0) return true;
  const prev = text[i - 1];
  const cur = text[i];
  return /[\s\-_/·.,:(]/.test(prev) || (prev === prev.toLowerCase() && cur !== cur.toLowerCase());
}

/**
 * How well `query` matches `text`, or null when it does not (a character of the query is
 * missing, or out of order). Spaces in the query are ignored. An empty query matches with 0.
 */
export function fuzzyMatch(query: string, text: string): FuzzyMatch | null {
  const q = query.toLowerCase().replace(/\s+/g, "");
  if (q.length === 0) return { score: 0, positions: [] };
  const t = text.toLowerCase();
  // Greedy from the left is not always best ("re" in "Mark as read, Resolve"): try each place
  // the first character occurs and keep the best-scoring walk.
  let best: FuzzyMatch | null = null;
  for (let start = t.indexOf(q[0]); start !== -1; start = t.indexOf(q[0], start + 1)) {
    const positions = [start];
    let ti = start + 1;
    for (let qi = 1; qi < q.length; qi++) {
      // Prefer the next character where a word starts, if it occurs before the next plain one runs out.
      const plain = t.indexOf(q[qi], ti);
      if (plain === -1) {
        positions.length = 0;
        break;
      }
      let pick = plain;
      if (plain !== ti) {
        for (let j = plain; j !== -1; j = t.indexOf(q[qi], j + 1)) {
          if (isWordStart(text, j)) {
            pick = j;
            break;
          }
        }
      }
      positions.push(pick);
      ti = pick + 1;
    }
    if (positions.length !== q.length) continue;
    const score = scoreOf(text, positions);
    if (best === null || score > best.score) best = { score, positions };
  }
  return best;
}

function scoreOf(text: string, positions: number[]): number {
  let score = 0;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i];
    score += 1;
    if (isWordStart(text, p)) score += 8;
    if (i > 0 && positions[i - 1] === p - 1) score += 5;
    else if (i > 0) score -= Math.min(3, p - positions[i - 1] - 1);
  }
  // Earlier and shorter texts first, a little.
  score -= positions[0] * 0.5;
  score -= text.length * 0.05;
  if (positions[0] === 0) score += 4;
  return score;
}

/** The items matching `query`, best first (ties keep their order). */
export function fuzzyRank<T>(
  items: readonly T[],
  query: string,
  text: (item: T) => string,
): Array<{ item: T; match: FuzzyMatch }> {
  const out: Array<{ item: T; match: FuzzyMatch; index: number }> = [];
  items.forEach((item, index) => {
    const match = fuzzyMatch(query, text(item));
    if (match) out.push({ item, match, index });
  });
  out.sort((a, b) => b.match.score - a.match.score || a.index - b.index);
  return out.map(({ item, match }) => ({ item, match }));
}

/** `text` cut into plain and matched runs, for highlighting with text bindings only. */
export function highlight(text: string, positions: readonly number[]): Array<{ text: string; hit: boolean }> {
  const hits = new Set(positions);
  const parts: Array<{ text: string; hit: boolean }> = [];
  for (let i = 0; i < text.length; i++) {
    const hit = hits.has(i);
    const last = parts[parts.length - 1];
    if (last && last.hit === hit) last.text += text[i];
    else parts.push({ text: text[i], hit });
  }
  return parts;
}
