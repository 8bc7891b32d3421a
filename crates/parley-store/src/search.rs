//! Full-text search over message text.

use crate::Store;
use crate::error::Result;
use crate::rows;
use crate::text::{fts_query, segments};
use parley_domain::*;
use rusqlite::params;

/// Tokens of context `snippet()` keeps around the hits.
const SNIPPET_TOKENS: i64 = 12;

impl Store {
    /// Messages matching every word the user typed (the last one as a prefix), newest first.
    /// Whatever the input, this never fails with an FTS syntax error.
    ///
    /// Why not `ORDER BY rank`: bm25 must score every match before the first row comes out, so a
    /// common word costs ~60-90 ms at 100k messages (and grows with the corpus), against ~2.5 ms
    /// for walking the index newest-first with the LIMIT stopping it early (budget P2: 10 ms at
    /// 1M). Rowid order is storage order, which is arrival order, so close to newest first; the
    /// page is then sorted by `sent_at`.
    pub fn search(&self, query: &str, limit: u32) -> Result<Vec<SearchHit>> {
        let Some(q) = fts_query(query) else {
            return Ok(Vec::new());
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        // FTS first, in a subquery, so the joins only touch the page of hits.
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, m.thread_id, a.channel, c.display_name, m.direction, f.snip, m.sent_at
             FROM (SELECT rowid AS rid,
                          snippet(messages_fts, 0, char(2), char(3), '…', ?3) AS snip
                   FROM messages_fts WHERE messages_fts MATCH ?1
                   ORDER BY rowid DESC LIMIT ?2) f
             JOIN messages m ON m.id = f.rid
             JOIN threads t ON t.id = m.thread_id
             JOIN accounts a ON a.id = t.account_id
             JOIN contacts c ON c.id = t.contact_id
             ORDER BY m.sent_at DESC, m.id DESC",
        )?;
        rows::collect(
            &mut stmt,
            params![q, i64::from(limit), SNIPPET_TOKENS],
            |r| {
                Ok(SearchHit {
                    message_id: MessageId(r.get(0)?),
                    thread_id: ThreadId(r.get(1)?),
                    channel: rows::channel(&r.get::<_, String>(2)?)?,
                    contact_name: r.get(3)?,
                    direction: rows::direction(&r.get::<_, String>(4)?)?,
                    snippet: segments(&r.get::<_, String>(5)?),
                    sent_at: r.get(6)?,
                })
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn words_the_tokenizer_drops_do_not_break_the_query() {
        let s = Store::open_in_memory().expect("open");
        // Alphabetic for Rust but not token characters for unicode61: the phrase comes out empty.
        for q in [
            "\u{93E}",
            "\u{345}",
            "a \u{93E}",
            "\u{93E} a",
            "²",
            "\u{200D}x",
        ] {
            if let Err(e) = s.search(q, 5) {
                panic!("{q:?}: {e}");
            }
        }
    }
}
