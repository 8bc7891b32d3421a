//! Waiting for new mail in IDLE on INBOX, re-issued before servers drop it.

use super::conn::{self, Conn, imap_error};
use super::sync::{newest_uid_above, stalled};
use crate::ChannelError;
use std::time::Duration;
use tokio::time::timeout;

/// Servers drop an IDLE after 30 minutes (RFC 2177); it is re-issued well before.
pub const IDLE_REISSUE: Duration = Duration::from_secs(28 * 60);

/// Waits in IDLE on INBOX until something happens or `left` passes. Returns whether the server
/// reported anything (or mail arrived just before IDLE began).
pub(super) async fn idle(
    mut conn: Conn,
    inbox: Option<(u32, Option<u64>)>,
    left: Duration,
    step_limit: Duration,
) -> Result<(Conn, bool), ChannelError> {
    // Whether mail came in since the sync step looked: asked of INBOX as it is selected, or
    // told by selecting it.
    if conn.selected.as_deref() == Some("INBOX") {
        if let Some((top, _)) = inbox {
            let (newer, changed) = timeout(step_limit, async {
                conn.session.noop().await.map_err(imap_error)?;
                // An expunge or flag change the NOOP reported is not reported again in IDLE.
                let (_, changed) = conn::drain_unsolicited(&mut conn);
                Ok::<_, ChannelError>((newest_uid_above(&mut conn.session, top).await?, changed))
            })
            .await
            .map_err(|_| stalled())??;
            if newer.is_some() || changed {
                return Ok((conn, true));
            }
        }
    } else {
        conn.selected = None;
        conn::drain_unsolicited(&mut conn);
        conn.expunged = false;
        let caps = conn.caps;
        let mb = timeout(step_limit, async {
            if caps.condstore {
                conn.session.select_condstore("INBOX").await
            } else {
                conn.session.select("INBOX").await
            }
        })
        .await
        .map_err(|_| stalled())?
        .map_err(imap_error)?;
        conn.selected = Some("INBOX".into());
        conn.checked_gone.retain(|n| n != "INBOX");
        // New mail, or flags changed / mail expunged since the sync step looked.
        if let Some((top, known)) = inbox
            && (mb.uid_next.is_some_and(|next| next > top + 1)
                || mb
                    .highest_modseq
                    .is_some_and(|now| known.is_some_and(|k| now > k)))
        {
            return Ok((conn, true));
        }
    }
    let caps = conn.caps;
    let checked_gone = std::mem::take(&mut conn.checked_gone);
    let mut expunged = conn.expunged;
    let mut handle = conn.session.idle();
    timeout(step_limit, handle.init())
        .await
        .map_err(|_| stalled())?
        .map_err(imap_error)?;
    let (wait, _stop) = handle.wait_with_timeout(left.min(IDLE_REISSUE));
    let outcome = timeout(left.min(IDLE_REISSUE), wait).await;
    let arrived = match outcome {
        // A closed connection also ends as ManualInterrupt in async-imap; nothing here
        // interrupts manually, so it means the server went away.
        Ok(Ok(async_imap::extensions::idle::IdleResponse::ManualInterrupt)) => {
            return Err(ChannelError::Transient(
                "The connection to the IMAP server was lost while waiting for new mail.".into(),
            ));
        }
        Ok(Ok(async_imap::extensions::idle::IdleResponse::NewData(data))) => {
            // Without QRESYNC an expunge arrives as EXPUNGE (with it, as VANISHED, which the
            // sync step then asks for with CHANGEDSINCE … VANISHED).
            expunged |= matches!(data.parsed(), async_imap::imap_proto::Response::Expunge(_));
            true
        }
        Ok(Ok(async_imap::extensions::idle::IdleResponse::Timeout)) | Err(_) => false,
        Ok(Err(e)) => return Err(imap_error(e)),
    };
    let session = timeout(step_limit, handle.done())
        .await
        .map_err(|_| stalled())?
        .map_err(imap_error)?;
    Ok((
        Conn {
            session,
            caps,
            selected: Some("INBOX".into()),
            checked_gone,
            expunged,
        },
        arrived,
    ))
}
