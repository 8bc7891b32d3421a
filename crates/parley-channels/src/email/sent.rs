//! The Sent mailbox and the pending copy: finding Sent, writing a reply's copy marked
//! [`PENDING_KEYWORD`] before SMTP is called, confirming or removing it after, and what Sent says
//! about a reply when its send is reconciled (**Sending** in the `email` module doc).

use super::conn::{self, Conn, imap_error, quote, uid_fetch, uid_search};
use super::{EmailChannel, SentCopy, SentRecord, parse};
use crate::ChannelError;
use async_imap::types::{Fetch, NameAttribute};
use futures_util::TryStreamExt;

/// Names tried for Sent when no mailbox carries the SPECIAL-USE `\Sent` attribute.
const SENT_NAMES: &[&str] = &[
    "Sent",
    "Sent Items",
    "Sent Messages",
    "Sent Mail",
    "INBOX.Sent",
    "INBOX/Sent",
    "[Gmail]/Sent Mail",
];

impl EmailChannel {
    /// Looks for a sent message by Message-ID (with or without angle brackets) in Sent: a copy
    /// that SMTP accepted (without [`PENDING_KEYWORD`]). `None`: no such copy; see
    /// [`EmailChannel::sent_record`] for what that means.
    pub async fn find_sent(&self, message_id: &str) -> Result<Option<SentCopy>, ChannelError> {
        Ok(match self.sent_record(message_id).await? {
            SentRecord::Sent(copy) => Some(copy),
            _ => None,
        })
    }

    /// What Sent says about a reply Parley sent under this Message-ID (with or without angle
    /// brackets), for reconciling a send whose answer was lost.
    ///
    /// The protocol that makes the answer mean something: before SMTP is called, the exact
    /// message is appended to Sent with [`PENDING_KEYWORD`]; once SMTP accepted it the keyword
    /// is taken off; when SMTP refused it (or was unreachable) before the end of DATA the copy
    /// is removed (`\Deleted` + `UID EXPUNGE` of that UID). A lost answer after DATA leaves it
    /// pending. So: a copy without the keyword → sent; only pending copies → the server may or
    /// may not have taken it (also after a crash between the APPEND and SMTP: safe, the agent
    /// decides); no copy at all → SMTP was never handed the mail, *provided* Sent keeps keywords
    /// (else Parley appends only after SMTP accepted, and absence proves nothing). A pending copy
    /// marked `\Deleted` is one Parley removed after a refusal (a server without UIDPLUS) and
    /// counts as absent. Someone deleting the copy by hand in another client is read as absent.
    pub async fn sent_record(&self, message_id: &str) -> Result<SentRecord, ChannelError> {
        let id = parse::clean_id(message_id).unwrap_or_default();
        self.with_ops(move |conn| {
            let id = id.clone();
            Box::pin(async move {
                let Some(sent) = find_sent_mailbox(conn).await? else {
                    return Ok(SentRecord::NoSentMailbox);
                };
                // SELECT, not EXAMINE: a read-only mailbox reports no PERMANENTFLAGS.
                let mb = conn.session.select(&sent).await.map_err(imap_error)?;
                let uids = uid_search(
                    &mut conn.session,
                    &format!("HEADER Message-ID {}", quote(&format!("<{id}>"))),
                )
                .await?;
                let mut confirmed = None;
                let mut pending = None;
                if !uids.is_empty() {
                    let set: Vec<String> = uids.iter().map(u32::to_string).collect();
                    for f in uid_fetch(&mut conn.session, &set.join(","), "(UID FLAGS)").await? {
                        let Some(uid) = f.uid.filter(|u| uids.contains(u)) else {
                            continue;
                        };
                        let copy = SentCopy {
                            mailbox: sent.clone(),
                            uidvalidity: mb.uid_validity,
                            uid: Some(uid),
                        };
                        if !is_pending(&f) {
                            confirmed = Some(copy);
                        } else if !is_deleted(&f) {
                            pending = Some(copy);
                        }
                    }
                }
                conn::drain_unsolicited(conn);
                Ok(match (confirmed, pending) {
                    (Some(c), _) => SentRecord::Sent(c),
                    (None, Some(p)) => SentRecord::Pending(p),
                    (None, None) => SentRecord::Absent {
                        proves_not_sent: keeps_pending_keyword(&mb),
                    },
                })
            })
        })
        .await
    }
}

/// The Sent mailbox: SPECIAL-USE `\Sent` first, then the usual names.
pub(super) async fn find_sent_mailbox(conn: &mut Conn) -> Result<Option<String>, ChannelError> {
    let names: Vec<async_imap::types::Name> = conn
        .session
        .list(Some(""), Some("*"))
        .await
        .map_err(imap_error)?
        .try_collect()
        .await
        .map_err(imap_error)?;
    let selectable = |n: &async_imap::types::Name| {
        !n.attributes()
            .iter()
            .any(|a| matches!(a, NameAttribute::NoSelect))
    };
    if let Some(n) = names.iter().find(|n| {
        selectable(n)
            && n.attributes()
                .iter()
                .any(|a| matches!(a, NameAttribute::Sent))
    }) {
        return Ok(Some(n.name().to_string()));
    }
    for candidate in SENT_NAMES {
        if let Some(n) = names
            .iter()
            .find(|n| selectable(n) && n.name().eq_ignore_ascii_case(candidate))
        {
            return Ok(Some(n.name().to_string()));
        }
    }
    Ok(None)
}

/// The IMAP keyword on a reply's copy in Sent while its SMTP outcome is not known: written with
/// the copy *before* SMTP is called, taken off once SMTP accepted the mail, the copy removed when
/// SMTP refused it before the end of DATA. See [`EmailChannel::sent_record`].
pub const PENDING_KEYWORD: &str = "$ParleyPending";

/// Whether a mailbox keeps Parley's keyword (PERMANENTFLAGS lists `\*` or the keyword itself).
fn keeps_pending_keyword(mb: &async_imap::types::Mailbox) -> bool {
    use async_imap::types::Flag;
    mb.permanent_flags.iter().any(|f| match f {
        Flag::MayCreate => true,
        Flag::Custom(k) => k.eq_ignore_ascii_case(PENDING_KEYWORD),
        _ => false,
    })
}

pub(super) fn is_pending(f: &Fetch) -> bool {
    f.flags().any(|flag| {
        matches!(flag, async_imap::types::Flag::Custom(k) if k.eq_ignore_ascii_case(PENDING_KEYWORD))
    })
}

fn is_deleted(f: &Fetch) -> bool {
    f.flags()
        .any(|flag| matches!(flag, async_imap::types::Flag::Deleted))
}

/// `UID SEARCH` for the pending copies of a Message-ID (not those already marked deleted).
fn pending_query(id: &str) -> String {
    format!(
        "HEADER Message-ID {} KEYWORD {PENDING_KEYWORD} NOT DELETED",
        quote(&format!("<{id}>"))
    )
}

/// Where a reply's copy in Sent stands before SMTP is called.
#[derive(Debug, Clone)]
pub(super) enum SentPlan {
    /// The account has no Sent mailbox: no copy (reconciliation cannot tell).
    NoSent,
    /// Sent does not keep keywords: the copy is appended after SMTP accepted the mail, as
    /// before (reconciliation then cannot prove a reply was not sent).
    After(String),
    /// The pending copy, written.
    Pending(SentCopy),
}

/// Appends the reply's exact bytes to Sent with [`PENDING_KEYWORD`] (and `\Seen`).
pub(super) async fn write_pending_copy(
    conn: &mut Conn,
    id: &str,
    formatted: &[u8],
) -> Result<SentPlan, ChannelError> {
    let Some(sent) = find_sent_mailbox(conn).await? else {
        return Ok(SentPlan::NoSent);
    };
    // SELECT, not EXAMINE: a read-only mailbox reports no PERMANENTFLAGS.
    let mb = conn.session.select(&sent).await.map_err(imap_error)?;
    if !keeps_pending_keyword(&mb) {
        return Ok(SentPlan::After(sent));
    }
    let appended = conn::append(
        &mut conn.session,
        &sent,
        &format!("\\Seen {PENDING_KEYWORD}"),
        formatted,
    )
    .await?;
    let copy = match appended {
        Some((v, u)) => SentCopy {
            mailbox: sent,
            uidvalidity: Some(v),
            uid: Some(u),
        },
        // No UIDPLUS: the newest pending copy of this Message-ID is the one just written.
        None => {
            let uids = uid_search(&mut conn.session, &pending_query(id)).await?;
            SentCopy {
                mailbox: sent,
                uidvalidity: mb.uid_validity,
                uid: uids.last().copied(),
            }
        }
    };
    conn::drain_unsolicited(conn);
    Ok(SentPlan::Pending(copy))
}

/// SELECTs the copy's mailbox and finds its UID again (by APPENDUID when the mailbox was not
/// rebuilt since, else the newest pending copy of the Message-ID). Also returns every pending
/// copy of the Message-ID.
async fn locate_pending(
    conn: &mut Conn,
    copy: &SentCopy,
    id: &str,
) -> Result<(Option<u32>, Vec<u32>), ChannelError> {
    let mb = conn
        .session
        .select(&copy.mailbox)
        .await
        .map_err(imap_error)?;
    let pending = uid_search(&mut conn.session, &pending_query(id)).await?;
    let same = copy.uidvalidity.is_none_or(|v| mb.uid_validity == Some(v));
    let ours = copy
        .uid
        .filter(|u| same && pending.contains(u))
        .or_else(|| pending.last().copied());
    Ok((ours, pending))
}

/// `UID STORE` on a set of UIDs of the selected mailbox.
async fn uid_store(conn: &mut Conn, uids: &[u32], query: &str) -> Result<(), ChannelError> {
    let set: Vec<String> = uids.iter().map(u32::to_string).collect();
    let stream = conn
        .session
        .uid_store(set.join(","), query)
        .await
        .map_err(imap_error)?;
    let _: Vec<Fetch> = stream.try_collect().await.map_err(imap_error)?;
    Ok(())
}

/// Marks the given UIDs of the selected mailbox `\Deleted` and, with UIDPLUS, expunges exactly
/// those (never a plain EXPUNGE, which would also remove what others marked deleted). Without
/// UIDPLUS they stay marked deleted; [`EmailChannel::sent_record`] ignores a pending copy so
/// marked.
async fn remove_uids(conn: &mut Conn, uids: &[u32]) -> Result<(), ChannelError> {
    if uids.is_empty() {
        return Ok(());
    }
    uid_store(conn, uids, "+FLAGS.SILENT (\\Deleted)").await?;
    if conn.caps.uidplus {
        let set: Vec<String> = uids.iter().map(u32::to_string).collect();
        let stream = conn
            .session
            .uid_expunge(set.join(","))
            .await
            .map_err(imap_error)?;
        let _: Vec<u32> = stream.try_collect().await.map_err(imap_error)?;
    }
    conn::drain_unsolicited(conn);
    Ok(())
}

/// SMTP accepted the mail: the copy loses [`PENDING_KEYWORD`]. Other pending copies of the same
/// Message-ID (an earlier attempt whose answer was lost, then "send again") are removed: the
/// confirmed copy now stands for them.
pub(super) async fn confirm_pending_copy(
    conn: &mut Conn,
    copy: &SentCopy,
    id: &str,
) -> Result<SentCopy, ChannelError> {
    let (ours, pending) = locate_pending(conn, copy, id).await?;
    let Some(ours) = ours else {
        return Err(ChannelError::Rejected {
            code: 404,
            message: "The pending copy of the reply is no longer in Sent.".into(),
        });
    };
    uid_store(conn, &[ours], &format!("-FLAGS.SILENT ({PENDING_KEYWORD})")).await?;
    let stale: Vec<u32> = pending.into_iter().filter(|u| *u != ours).collect();
    remove_uids(conn, &stale).await?;
    Ok(SentCopy {
        uid: Some(ours),
        ..copy.clone()
    })
}

/// SMTP refused the mail (or could not be reached) before the end of DATA: nothing went out, so
/// this attempt's pending copy is removed — that UID only; pending copies of earlier attempts
/// (whose outcome is unknown) stay.
pub(super) async fn remove_pending_copy(
    conn: &mut Conn,
    copy: &SentCopy,
    id: &str,
) -> Result<(), ChannelError> {
    let (ours, _) = locate_pending(conn, copy, id).await?;
    if let Some(ours) = ours {
        remove_uids(conn, &[ours]).await?;
    }
    Ok(())
}
