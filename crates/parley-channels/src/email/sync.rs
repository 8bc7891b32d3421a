//! One fetch: new mail, a page of the first sync's backlog and changes under mail already read,
//! in INBOX then Sent, on the held sync session; then IDLE when asked to wait (**Selecting** and
//! **Changes under mail already read** in the `email` module doc).

use super::EmailChannel;
use super::conn::{
    self, Conn, connect_imap, imap_error, is_connection_error, uid_fetch, uid_search,
};
use super::cursor::{BoxCursor, Cursor, MAX_PENDING_UIDS, Role, first_sync_progress};
use super::idle::idle;
use super::parse;
use super::sent::{find_sent_mailbox, is_pending};
use crate::{ChannelError, Fetched};
use async_imap::types::Fetch;
use parley_domain::{Millis, VanishedUids};
use std::time::Duration;
use tokio::time::{Instant, timeout};

/// Without IDLE, how often a waiting fetch looks for new mail.
const POLL_INTERVAL: Duration = Duration::from_secs(30);
const FETCH_ITEMS: &str = "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])";
/// The budget of one page: how much mail it reads (by RFC822.SIZE, asked first; what does not
/// fit waits for the next page, and the cursor moves only over what was read, so a mailbox of
/// large mails is read a few at a time instead of exhausting memory at every start), and how a
/// mail too large to read whole is read (its header and the start of its body: the text a
/// conversation shows; its attachments open on demand from the server).
#[derive(Debug, Clone, Copy)]
struct Budget {
    page_bytes: u64,
    whole_mail_max: u32,
    large_body: u32,
}

impl Budget {
    /// The mails of `sizes` (in the order to read them) that fit in one page: those read
    /// whole, those too large to read whole, and how many of `sizes` the page covers (at least
    /// one, so a page always moves on).
    fn split(self, sizes: &[(u32, u32)]) -> (Vec<u32>, Vec<u32>, usize) {
        let (mut whole, mut large, mut used) = (Vec::new(), Vec::new(), 0u64);
        for (i, &(uid, size)) in sizes.iter().enumerate() {
            let too_large = size > self.whole_mail_max;
            let cost = u64::from(if too_large { self.large_body } else { size });
            if i > 0 && used + cost > self.page_bytes {
                return (whole, large, i);
            }
            used += cost;
            if too_large {
                large.push(uid);
            } else {
                whole.push(uid);
            }
        }
        (whole, large, sizes.len())
    }
}

/// Each existing UID of `set` with its size, in ascending UID order.
async fn sizes_of(conn: &mut Conn, set: &str) -> Result<Vec<(u32, u32)>, ChannelError> {
    let mut sizes: Vec<(u32, u32)> = uid_fetch(&mut conn.session, set, "(UID RFC822.SIZE)")
        .await?
        .iter()
        .filter_map(|f| Some((f.uid?, f.size.unwrap_or(0))))
        .collect();
    sizes.sort_unstable();
    sizes.dedup_by_key(|s| s.0);
    Ok(sizes)
}

/// Reads the mails of `whole` and `large` (see [`Budget::split`]), in no particular order.
async fn read_mails(
    conn: &mut Conn,
    budget: Budget,
    whole: &[u32],
    large: &[u32],
) -> Result<Vec<async_imap::types::Fetch>, ChannelError> {
    let join = |uids: &[u32]| {
        uids.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut fetched = Vec::new();
    if !whole.is_empty() {
        fetched.extend(uid_fetch(&mut conn.session, &join(whole), FETCH_ITEMS).await?);
    }
    if !large.is_empty() {
        let items = format!(
            "(UID FLAGS INTERNALDATE RFC822.SIZE BODYSTRUCTURE BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.{}>)",
            budget.large_body
        );
        fetched.extend(uid_fetch(&mut conn.session, &join(large), &items).await?);
    }
    Ok(fetched)
}

impl EmailChannel {
    /// A fetch on the held sync session (connected if there is none), reconnecting once when a
    /// reused session turns out stale.
    pub(super) async fn fetch_page(
        &self,
        cursor: Option<&str>,
        wait: Duration,
    ) -> Result<Fetched, ChannelError> {
        let cur: Cursor = match cursor {
            Some(c) if !c.is_empty() => serde_json::from_str(c).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "unreadable email cursor; syncing again from the top");
                Cursor::default()
            }),
            _ => Cursor::default(),
        };
        let cur = Cursor { v: 1, ..cur };
        let deadline = Instant::now() + wait;
        let mut guard = self.sync.lock().await;
        let reused = guard.is_some();
        let conn = match guard.take() {
            Some(c) => c,
            None => connect_imap(&self.config).await?,
        };
        match self.fetch_on(conn, cur.clone(), wait).await {
            Ok((conn, fetched)) => {
                *guard = Some(conn);
                Ok(fetched)
            }
            Err(e) if reused && is_connection_error(&e) => {
                tracing::debug!(error = %e, "IMAP session was stale; reconnecting");
                let conn = connect_imap(&self.config).await?;
                // Only what is left of the wait: a drop during IDLE must not double it.
                let left = deadline.saturating_duration_since(Instant::now());
                let (conn, fetched) = self.fetch_on(conn, cur, left).await?;
                *guard = Some(conn);
                Ok(fetched)
            }
            Err(e) => Err(e),
        }
    }

    /// One fetch on a given session: sync both mailboxes, then IDLE if asked and nothing came.
    async fn fetch_on(
        &self,
        mut conn: Conn,
        cursor: Cursor,
        wait: Duration,
    ) -> Result<(Conn, Fetched), ChannelError> {
        let deadline = Instant::now() + wait;
        let mut cur = cursor;
        let step_limit = (self.config.timeout * 6).max(Duration::from_secs(60));
        let mut seen = Elsewhere::default();
        let (mut raws, mut more) =
            timeout(step_limit, self.sync_step(&mut conn, &mut cur, &mut seen))
                .await
                .map_err(|_| stalled())??;
        while raws.is_empty() && seen.is_empty() && !more && Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if conn.caps.idle {
                let inbox = cur.boxes.get(&Role::Inbox).map(|b| (b.top, b.modseq));
                let (c, arrived) = idle(conn, inbox, left, step_limit).await?;
                conn = c;
                if !arrived {
                    continue;
                }
            } else {
                tokio::time::sleep(left.min(POLL_INTERVAL)).await;
            }
            (raws, more) = timeout(step_limit, self.sync_step(&mut conn, &mut cur, &mut seen))
                .await
                .map_err(|_| stalled())??;
        }
        let batch = self.to_batch(raws, seen);
        let cursor = serde_json::to_string(&cur).map_err(|e| {
            ChannelError::Malformed(format!("The email cursor could not be written: {e}."))
        })?;
        Ok((
            conn,
            Fetched {
                batch,
                cursor: Some(cursor),
                more,
                progress: first_sync_progress(&cur),
            },
        ))
    }

    /// Reads what is new in INBOX and Sent plus one page of the first sync's backlog. While
    /// INBOX still has a backlog, Sent waits (its first sync starts when INBOX's ends): the
    /// session then stays on INBOX instead of switching mailboxes at every page.
    /// `seen` collects the Message-IDs of mail already read that another client marked
    /// `\Seen` (CONDSTORE), to be marked read here.
    async fn sync_step(
        &self,
        conn: &mut Conn,
        cur: &mut Cursor,
        seen: &mut Elsewhere,
    ) -> Result<(Vec<RawMessage>, bool), ChannelError> {
        let mut raws = Vec::new();
        let prev = cur.boxes.get(&Role::Inbox).cloned();
        let (inbox, mut more) = self.sync_box(conn, "INBOX", prev, &mut raws, seen).await?;
        let inbox_backlog = inbox.below > 1;
        cur.boxes.insert(Role::Inbox, inbox);
        if inbox_backlog {
            return Ok((raws, more));
        }
        let sent_name = match cur.boxes.get(&Role::Sent) {
            Some(b) => Some(b.name.clone()),
            None => find_sent_mailbox(conn).await?,
        };
        if let Some(name) = sent_name {
            let prev = cur.boxes.get(&Role::Sent).cloned();
            match self.sync_box(conn, &name, prev, &mut raws, seen).await {
                Ok((bc, m)) => {
                    more |= m;
                    cur.boxes.insert(Role::Sent, bc);
                }
                // Sent was renamed or deleted: find it again on the next fetch.
                Err(ChannelError::Rejected { .. }) => {
                    cur.boxes.remove(&Role::Sent);
                }
                Err(e) => return Err(e),
            }
        }
        Ok((raws, more))
    }

    /// Where a mailbox stands on the server, as cheaply as it can be learnt: the mailbox the
    /// session already has selected is asked with NOOP and a UID SEARCH (no second SELECT),
    /// one that is not is first asked with STATUS, and SELECTed only when something changed.
    /// `None`: nothing changed since `prev`.
    async fn look(
        &self,
        conn: &mut Conn,
        name: &str,
        prev: Option<&BoxCursor>,
    ) -> Result<Option<BoxState>, ChannelError> {
        let known = prev.filter(|p| p.name == name);
        if let Some(p) = known
            && conn.selected.as_deref() == Some(name)
        {
            // RFC 3501 §6.3.10: new mail in the selected mailbox is seen through NOOP.
            conn.session.noop().await.map_err(imap_error)?;
            conn::drain_unsolicited(conn);
            let newest = newest_uid_above(&mut conn.session, p.top).await?;
            // A selected mailbox tells no HIGHESTMODSEQ without a new SELECT; STATUS does, so
            // flag changes and expunges are asked for only when there are some.
            let highest_modseq = if conn.caps.condstore {
                conn.session
                    .status(name, "(HIGHESTMODSEQ)")
                    .await
                    .map_err(imap_error)?
                    .highest_modseq
            } else {
                None
            };
            return Ok(Some(BoxState {
                uidvalidity: p.uidvalidity,
                last: newest.unwrap_or(p.top),
                exists: None,
                highest_modseq,
            }));
        }
        // A pending copy losing its keyword changes no UIDNEXT, only HIGHESTMODSEQ: without
        // CONDSTORE, a mailbox with pending copies to look at again is always SELECTed.
        if let Some(p) = known
            && p.below <= 1
            && (p.pending.is_empty() || (conn.caps.condstore && p.modseq.is_some()))
        {
            let items = if conn.caps.condstore {
                "(UIDNEXT UIDVALIDITY HIGHESTMODSEQ)"
            } else {
                "(UIDNEXT UIDVALIDITY)"
            };
            let st = conn.session.status(name, items).await.map_err(imap_error)?;
            let modseq_same = !conn.caps.condstore
                || p.modseq.is_none()
                || st.highest_modseq.is_none()
                || st.highest_modseq == p.modseq;
            if st.uid_validity == Some(p.uidvalidity)
                && st.uid_next.is_some_and(|n| n <= p.top.saturating_add(1))
                && modseq_same
            {
                return Ok(None);
            }
        }
        conn.selected = None;
        conn::drain_unsolicited(conn);
        conn.expunged = false;
        let mb = if conn.caps.condstore {
            conn.session.select_condstore(name).await
        } else {
            conn.session.select(name).await
        }
        .map_err(imap_error)?;
        conn.selected = Some(name.to_string());
        conn.checked_gone.retain(|n| n != name);
        let uidnext = match mb.uid_next {
            Some(n) => n,
            None if mb.exists == 0 => 1,
            // Some servers omit UIDNEXT: the highest UID plus one says the same.
            None => {
                let last = uid_fetch(&mut conn.session, "*", "(UID)").await?;
                last.iter().filter_map(|f| f.uid).max().unwrap_or(0) + 1
            }
        };
        Ok(Some(BoxState {
            uidvalidity: mb.uid_validity.unwrap_or(0),
            last: uidnext.saturating_sub(1),
            exists: Some(mb.exists),
            highest_modseq: mb.highest_modseq,
        }))
    }

    async fn sync_box(
        &self,
        conn: &mut Conn,
        name: &str,
        prev: Option<BoxCursor>,
        out: &mut Vec<RawMessage>,
        seen: &mut Elsewhere,
    ) -> Result<(BoxCursor, bool), ChannelError> {
        let page = self.config.page_size.max(1);
        let budget = Budget {
            page_bytes: self.config.page_bytes,
            whole_mail_max: self.config.whole_mail_max,
            large_body: self.config.large_body.max(1),
        };
        let Some(state) = self.look(conn, name, prev.as_ref()).await? else {
            // Nothing new, and nothing left of a first sync (`look` checks both).
            let unchanged = prev.ok_or_else(|| {
                ChannelError::Malformed("The email cursor lost a mailbox it had.".into())
            })?;
            return Ok((unchanged, false));
        };
        let uidvalidity = state.uidvalidity;
        let last = state.last;
        let mut bc = match prev {
            Some(p) if p.uidvalidity == uidvalidity && p.name == name => p,
            other => {
                if other.is_some() {
                    tracing::info!(
                        mailbox = name,
                        "UIDVALIDITY changed: reading the mailbox again"
                    );
                }
                BoxCursor {
                    name: name.to_string(),
                    uidvalidity,
                    top: last,
                    below: last.saturating_add(1),
                    // Flags as of now come with each message; changes after this are asked
                    // for with CHANGEDSINCE once the first sync is done.
                    modseq: state.highest_modseq,
                    total: state.exists.unwrap_or(0),
                    read: 0,
                    pending: Vec::new(),
                }
            }
        };
        let mut more = false;
        // Flags changed or mail expunged since the cursor's HIGHESTMODSEQ (asked after the new
        // mail below, for every UID up to the old top).
        let changes_since = match (conn.caps.condstore, bc.modseq) {
            (true, Some(known))
                if state.highest_modseq.is_none_or(|now| now > known)
                    && bc.top > 0
                    && bc.below <= 1 =>
            {
                Some((known, bc.top))
            }
            _ => None,
        };

        // Replies' copies that were pending when read: those confirmed since are read now, those
        // removed are forgotten (they were never ingested, so their expunge touches nothing).
        if !bc.pending.is_empty() {
            let set: Vec<String> = bc.pending.iter().map(u32::to_string).collect();
            let held = std::mem::take(&mut bc.pending);
            let mut settled = Vec::new();
            for f in uid_fetch(&mut conn.session, &set.join(","), "(UID FLAGS)").await? {
                match f.uid.filter(|u| held.contains(u)) {
                    Some(uid) if is_pending(&f) => bc.pending.push(uid),
                    Some(uid) => settled.push(uid.to_string()),
                    None => {}
                }
            }
            if !settled.is_empty() {
                for f in uid_fetch(&mut conn.session, &settled.join(","), FETCH_ITEMS).await? {
                    if f.uid.is_some_and(|u| held.contains(&u)) {
                        take_or_hold(&mut bc, out, RawMessage::new(name, uidvalidity, &f));
                    }
                }
            }
        }

        // New mail since the last fetch, oldest first, a page at a time. An explicit upper bound
        // instead of `*`: `top+1:*` returns the last message again when nothing is new.
        if last > bc.top {
            let hi = last.min(bc.top.saturating_add(page));
            let sizes: Vec<(u32, u32)> = sizes_of(conn, &format!("{}:{hi}", bc.top + 1))
                .await?
                .into_iter()
                .filter(|(u, _)| *u > bc.top && *u <= hi)
                .collect();
            let (whole, large, covered) = budget.split(&sizes);
            let mut fetched = read_mails(conn, budget, &whole, &large).await?;
            fetched.sort_by_key(|f| f.uid);
            for f in fetched {
                if f.uid.is_some_and(|u| u > bc.top && u <= hi) {
                    take_or_hold(&mut bc, out, RawMessage::new(name, uidvalidity, &f));
                }
            }
            // Up to the last mail read when the budget cut the range short.
            let read_to = if covered < sizes.len() {
                sizes[covered - 1].0
            } else {
                hi
            };
            bc.top = read_to;
            more |= read_to < last;
        }
        if let Some((known, old_top)) = changes_since {
            // Flags changed on mail already read: what another client marked \Seen is marked
            // read here. With QRESYNC the same command reports what was expunged since
            // (`VANISHED (EARLIER)`, RFC 7162 §3.2.6) — only when HIGHESTMODSEQ is known, so the
            // cursor moves past them and they are not reported at every fetch.
            let vanished = conn.caps.qresync && state.highest_modseq.is_some();
            conn::drain_unsolicited(conn);
            let changed = uid_fetch(
                &mut conn.session,
                &format!("1:{old_top}"),
                &format!(
                    "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]) (CHANGEDSINCE {known}{})",
                    if vanished { " VANISHED" } else { "" }
                ),
            )
            .await?;
            let mut newest = known.max(state.highest_modseq.unwrap_or(0));
            for f in &changed {
                newest = newest.max(f.modseq.unwrap_or(0));
                if is_seen(f)
                    && let Some(id) = f.header().and_then(header_message_id)
                {
                    seen.seen.push(id);
                }
            }
            let (gone, _) = conn::drain_unsolicited(conn);
            if vanished {
                seen.gone(name, uidvalidity, gone);
            }
            tracing::debug!(mailbox = name, changed = changed.len(), "flag changes");
            bc.modseq = Some(newest);
        }
        if !conn.caps.qresync && bc.top > 0 && bc.below <= 1 {
            // Without QRESYNC, expunges are found by comparing the UIDs that still exist with
            // the cursor: each time the mailbox is SELECTed (so after every reconnect), and
            // again when the server announced an EXPUNGE in the selected mailbox.
            let first_look = !conn.checked_gone.iter().any(|n| n == name);
            if first_look || (conn.expunged && conn.selected.as_deref() == Some(name)) {
                let present = uid_search(&mut conn.session, &format!("UID 1:{}", bc.top)).await?;
                seen.gone(name, uidvalidity, missing_ranges(&present, bc.top));
                if first_look {
                    conn.checked_gone.push(name.to_string());
                }
                conn.expunged = false;
            }
        }

        // The first sync's backlog, newest first. UIDs can be sparse after expunges, so keep
        // walking down a few ranges until a page is filled.
        let mut collected = 0usize;
        let mut ranges = 0;
        while bc.below > 1 && collected < page as usize && ranges < 8 {
            let hi = bc.below - 1;
            let lo = hi.saturating_sub(page - 1).max(1);
            // Newest first: the budget keeps the newest of the range, the rest waits.
            let mut sizes: Vec<(u32, u32)> = sizes_of(conn, &format!("{lo}:{hi}"))
                .await?
                .into_iter()
                .filter(|(u, _)| *u >= lo && *u <= hi)
                .collect();
            sizes.reverse();
            let (whole, large, covered) = budget.split(&sizes);
            for f in read_mails(conn, budget, &whole, &large).await? {
                if f.uid.is_some_and(|u| u >= lo && u <= hi) {
                    take_or_hold(&mut bc, out, RawMessage::new(name, uidvalidity, &f));
                    collected += 1;
                }
            }
            ranges += 1;
            if covered < sizes.len() {
                // The page is full: the next one starts below the oldest mail read.
                bc.below = sizes[covered - 1].0;
                break;
            }
            bc.below = lo;
        }
        bc.read = bc
            .read
            .saturating_add(u32::try_from(collected).unwrap_or(u32::MAX));
        more |= bc.below > 1;
        if !more && let Some(now) = state.highest_modseq {
            bc.modseq = Some(now.max(bc.modseq.unwrap_or(0)));
        }
        Ok((bc, more))
    }
}

/// What `look` learnt about a mailbox.
#[derive(Debug, Clone, Copy)]
struct BoxState {
    uidvalidity: u32,
    /// The highest UID that exists (or may, from UIDNEXT).
    last: u32,
    /// Messages in it, when a SELECT said.
    exists: Option<u32>,
    highest_modseq: Option<u64>,
}

/// What changed on the server under mail already read, gathered over one fetch.
#[derive(Debug, Default)]
pub(super) struct Elsewhere {
    /// Message-IDs another client marked `\Seen`.
    pub(super) seen: Vec<String>,
    /// UIDs expunged, per mailbox.
    pub(super) vanished: Vec<VanishedUids>,
}

impl Elsewhere {
    fn is_empty(&self) -> bool {
        self.seen.is_empty() && self.vanished.is_empty()
    }

    fn gone(&mut self, mailbox: &str, uidvalidity: u32, ranges: Vec<(u32, u32)>) {
        if !ranges.is_empty() {
            self.vanished.push(VanishedUids {
                mailbox: mailbox.to_string(),
                uidvalidity,
                ranges,
            });
        }
    }
}

/// The UIDs in `1..=top` absent from `present` (ascending), as inclusive ranges: what a server
/// without QRESYNC expunged (plus UIDs that never existed, which match nothing stored).
fn missing_ranges(present: &[u32], top: u32) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    // u64 so that the UID after u32::MAX does not wrap.
    let mut next = 1u64;
    for &uid in present.iter().filter(|&&u| u >= 1 && u <= top) {
        if u64::from(uid) > next {
            out.push((next, u64::from(uid) - 1));
        }
        next = next.max(u64::from(uid) + 1);
    }
    if next <= u64::from(top) {
        out.push((next, u64::from(top)));
    }
    out.into_iter()
        .filter_map(|(a, b)| Some((u32::try_from(a).ok()?, u32::try_from(b).ok()?)))
        .collect()
}

pub(super) fn stalled() -> ChannelError {
    ChannelError::Transient("The IMAP server stopped answering in the middle of a sync.".into())
}

/// One fetched message, detached from the IMAP response.
#[derive(Debug)]
pub(super) struct RawMessage {
    pub(super) mailbox: String,
    pub(super) uidvalidity: u32,
    pub(super) uid: u32,
    pub(super) internal_date: Option<Millis>,
    /// `\Seen` on the server when read.
    pub(super) seen: bool,
    /// Carries [`PENDING_KEYWORD`](super::PENDING_KEYWORD): a reply's copy whose send is not
    /// settled.
    pending: bool,
    pub(super) body: Vec<u8>,
    /// A mail read as its start only: its attachments as the server's BODYSTRUCTURE lists them
    /// (the parse of a cut body cannot see those past the cut).
    pub(super) structure: Option<Vec<super::PartInfo>>,
}

impl RawMessage {
    fn new(mailbox: &str, uidvalidity: u32, f: &Fetch) -> Self {
        RawMessage {
            mailbox: mailbox.to_string(),
            uidvalidity,
            uid: f.uid.unwrap_or(0),
            internal_date: f.internal_date().map(|d| d.timestamp_millis()),
            seen: is_seen(f),
            pending: is_pending(f),
            body: match (f.body(), f.header(), f.text()) {
                (Some(body), _, _) => body.to_vec(),
                // A large mail read as its header and the start of its body.
                (None, Some(header), text) => [header, text.unwrap_or_default()].concat(),
                _ => Vec::new(),
            },
            structure: match f.body() {
                Some(_) => None,
                None => f.bodystructure().map(super::parts::structure_attachments),
            },
        }
    }
}

/// Adds a fetched message to the page, unless it is a reply's copy still marked pending: that one
/// is not shown (a reply later discarded would stay as a ghost) and is looked at again at the
/// next fetch (`BoxCursor::pending`).
fn take_or_hold(bc: &mut BoxCursor, out: &mut Vec<RawMessage>, raw: RawMessage) {
    if !raw.pending {
        out.push(raw);
        return;
    }
    if !bc.pending.contains(&raw.uid) {
        if bc.pending.len() >= MAX_PENDING_UIDS {
            bc.pending.remove(0);
        }
        bc.pending.push(raw.uid);
    }
}

fn is_seen(f: &Fetch) -> bool {
    f.flags()
        .any(|flag| matches!(flag, async_imap::types::Flag::Seen))
}

/// The Message-ID (without angle brackets) in a `HEADER.FIELDS (MESSAGE-ID)` answer.
fn header_message_id(header: &[u8]) -> Option<String> {
    parse::read_mime(header)?
        .message_id()
        .and_then(parse::clean_id)
}

/// The highest UID above `top` in the selected mailbox, if any (`UID SEARCH`, answered from the
/// server's index; `top+1:*` also matches the last message when nothing is newer, hence the
/// filter).
pub(super) async fn newest_uid_above(
    session: &mut conn::Session,
    top: u32,
) -> Result<Option<u32>, ChannelError> {
    let uids = uid_search(session, &format!("UID {}:*", top.saturating_add(1))).await?;
    Ok(uids.into_iter().filter(|u| *u > top).max())
}

#[cfg(test)]
mod gone_tests {
    use super::missing_ranges;

    #[test]
    fn missing_ranges_are_the_gaps_up_to_the_top() {
        assert_eq!(missing_ranges(&[], 0), []);
        assert_eq!(missing_ranges(&[], 3), [(1, 3)]);
        assert_eq!(missing_ranges(&[1, 2, 3], 3), []);
        assert_eq!(missing_ranges(&[2, 5], 7), [(1, 1), (3, 4), (6, 7)]);
        // UIDs above the top (new mail not read yet) say nothing about what vanished.
        assert_eq!(missing_ranges(&[1, 9], 3), [(2, 3)]);
        assert_eq!(missing_ranges(&[u32::MAX], u32::MAX), [(1, u32::MAX - 1)]);
    }
}
