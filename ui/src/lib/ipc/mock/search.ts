// Full-text search over every message, newest first, with the hits marked in the snippet.
import type { SearchHit, TextSegment } from "../bindings";
import type { MockBackend } from "./index";

export async function search(mock: MockBackend, query: string, limit: number): Promise<SearchHit[]> {
  mock.record("search", { query, limit });
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const hits: SearchHit[] = [];
  for (const t of mock.threads.values()) {
    for (const m of t.messages) {
      const lower = m.text.toLowerCase();
      if (!lower.includes(q)) continue;
      const segments: TextSegment[] = [];
      let pos = 0;
      for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, pos)) {
        if (i > pos) segments.push({ text: m.text.slice(pos, i), hit: false });
        segments.push({ text: m.text.slice(i, i + q.length), hit: true });
        pos = i + q.length;
      }
      if (pos < m.text.length) segments.push({ text: m.text.slice(pos), hit: false });
      hits.push({
        threadId: t.summary.id,
        messageId: m.id,
        channel: t.summary.channel,
        contactName: t.summary.contactName,
        direction: m.direction,
        snippet: segments,
        sentAt: m.sentAt,
      });
    }
  }
  hits.sort((a, b) => b.sentAt - a.sentAt || b.messageId - a.messageId);
  return hits.slice(0, limit);
}
