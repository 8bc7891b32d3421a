//! The inbox's views: which conversations each lists, in which order, a page at a time (keyset
//! on the view's own sort key and the id, never OFFSET), and how many each holds. A blocked
//! customer's conversations are in none of them (the module doc of
//! `parley-domain/src/contacts.rs` says what Blocked means).

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use parley_domain::*;
use rusqlite::params_from_iter;
use rusqlite::types::Value;

/// Pages bigger than this are a caller bug.
const MAX_PAGE: u32 = 1000;

/// How a view walks its conversations: its condition (with parameters) and its sort key.
struct Walk {
    filter: &'static str,
    param: Option<Value>,
    key: &'static str,
    ascending: bool,
}

fn walk(view: ThreadView) -> Walk {
    let newest = |filter, param| Walk {
        filter,
        param,
        key: "t.last_activity_at",
        ascending: false,
    };
    match view {
        ThreadView::Open => newest("t.status = 'open'", None),
        ThreadView::Pending => newest("t.status = 'pending'", None),
        ThreadView::Resolved => newest("t.status = 'resolved'", None),
        ThreadView::Unread => newest("t.unread_count > 0", None),
        ThreadView::Waiting => Walk {
            filter: "t.status = 'open' AND t.waiting_since IS NOT NULL",
            param: None,
            key: "t.waiting_since",
            ascending: true,
        },
        ThreadView::Mood => Walk {
            filter: "t.status = 'open'",
            param: None,
            key: "t.mood_key",
            ascending: false,
        },
        ThreadView::Snoozed => Walk {
            filter: "t.status = 'snoozed' AND t.snoozed_until IS NOT NULL",
            param: None,
            key: "t.snoozed_until",
            ascending: true,
        },
        ThreadView::Channel { channel } => newest(
            "t.status = 'open' AND a.channel = ?",
            Some(Value::Text(channel.as_str().to_owned())),
        ),
        ThreadView::Account { account } => newest(
            "t.status = 'open' AND t.account_id = ?",
            Some(Value::Integer(account.0)),
        ),
        ThreadView::Label { label } => newest(
            "t.status = 'open' AND t.id IN (SELECT thread_id FROM thread_labels WHERE label_id = ?)",
            Some(Value::Integer(label.0)),
        ),
    }
}

/// The sort key of a listed conversation in `view` (what the next page's cursor holds).
fn key_of(view: ThreadView, t: &ThreadSummary) -> Millis {
    match view {
        ThreadView::Waiting => t.waiting_since.unwrap_or(t.last_activity_at),
        ThreadView::Snoozed => t.snoozed_until.unwrap_or(t.last_activity_at),
        ThreadView::Mood => mood_key(t),
        _ => t.last_activity_at,
    }
}

/// The query of one page of `view` (`after`: it continues from a cursor).
pub(crate) fn page_sql(view: ThreadView, after: bool) -> String {
    let w = walk(view);
    let (cmp, dir) = if w.ascending {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };
    let mut sql = format!(
        concat!(
            "SELECT ",
            thread_columns!(),
            " FROM ",
            thread_from!(),
            " WHERE {} AND c.blocked = 0"
        ),
        w.filter
    );
    if after {
        sql.push_str(&format!(" AND ({}, t.id) {cmp} (?, ?)", w.key));
    }
    sql.push_str(&format!(" ORDER BY {} {dir}, t.id {dir} LIMIT ?", w.key));
    sql
}

/// The parameters of [`page_sql`]: the view's own, the cursor's, and one row past the page
/// (to learn whether another follows).
pub(crate) fn page_params(view: ThreadView, after: Option<PageCursor>, limit: u32) -> Vec<Value> {
    let mut params: Vec<Value> = walk(view).param.into_iter().collect();
    if let Some(c) = after {
        params.push(Value::Integer(c.at));
        params.push(Value::Integer(c.id));
    }
    params.push(Value::Integer(i64::from(limit) + 1));
    params
}

impl Store {
    /// One page of a view. Pass the returned `next` back for the following page.
    pub fn list_view(
        &self,
        view: ThreadView,
        after: Option<PageCursor>,
        limit: u32,
    ) -> Result<ThreadPage> {
        if limit == 0 || limit > MAX_PAGE {
            return Err(StoreError::Invalid(format!(
                "page size {limit} is outside 1..={MAX_PAGE}"
            )));
        }
        let sql = page_sql(view, after.is_some());
        let params = page_params(view, after, limit);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut threads = rows::collect(&mut stmt, params_from_iter(params), rows::thread_summary)?;
        let next = if threads.len() > limit as usize {
            threads.truncate(limit as usize);
            threads.last().map(|t| PageCursor {
                at: key_of(view, t),
                id: t.id.0,
            })
        } else {
            None
        };
        Ok(ThreadPage { threads, next })
    }

    /// How many conversations each view holds: read from the counts the triggers keep
    /// (migration 15), so it costs the same at any size.
    pub fn view_counts(&self) -> Result<ViewCounts> {
        let mut counts = ViewCounts::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT v.key, v.n, a.channel FROM view_counts v
               LEFT JOIN accounts a ON v.key GLOB 'a:*' AND a.id = CAST(substr(v.key, 3) AS INTEGER)
             WHERE v.n <> 0 ORDER BY v.key",
        )?;
        let mut rows = stmt.query([])?;
        let id = |key: &str| -> Result<i64> {
            key[2..]
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("view count {key:?}")))
        };
        while let Some(r) = rows.next()? {
            let (key, n): (String, i64) = (r.get(0)?, r.get(1)?);
            match key.as_str() {
                "open" => counts.open = n,
                "pending" => counts.pending = n,
                "snoozed" => counts.snoozed = n,
                "resolved" => counts.resolved = n,
                "unread" => counts.unread = n,
                "waiting" => counts.waiting = n,
                k if k.starts_with("a:") => {
                    // An account removed meanwhile has no channel (and no conversations).
                    let Some(channel) = r.get::<_, Option<String>>(2)? else {
                        continue;
                    };
                    let channel = rows::channel(&channel)?;
                    counts.accounts.push(AccountCount {
                        account: AccountId(id(k)?),
                        count: n,
                    });
                    match counts.channels.iter_mut().find(|c| c.channel == channel) {
                        Some(c) => c.count += n,
                        None => counts.channels.push(ChannelCount { channel, count: n }),
                    }
                }
                k if k.starts_with("l:") => counts.labels.push(LabelCount {
                    label: LabelId(id(k)?),
                    count: n,
                }),
                // The unread messages' sum (`Store::unread_total`), not a view.
                "unread_messages" => {}
                _ => return Err(StoreError::Corrupt(format!("view count {key:?}"))),
            }
        }
        counts.accounts.sort_by_key(|a| a.account.0);
        counts.labels.sort_by_key(|l| l.label.0);
        counts
            .channels
            .sort_by_key(|c| ChannelKind::ALL.iter().position(|k| *k == c.channel));
        Ok(counts)
    }
}
