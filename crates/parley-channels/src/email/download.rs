//! Reading mail again on the operations session: an attachment's bytes, a message's full body, a
//! message found by Message-ID (INBOX, then Sent).

use super::conn::{Conn, imap_error, quote, uid_fetch, uid_search};
use super::sent::find_sent_mailbox;
use super::{EmailBody, EmailChannel, parse, parse_message, parts};
use crate::{ChannelError, Downloaded};
use async_imap::imap_proto::{MessageSection, SectionPath};
use serde::{Deserialize, Serialize};

/// Where an attachment lives, as JSON in `Attachment::remote_ref`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct PartRef {
    /// Mailbox name.
    pub(super) m: String,
    /// UIDVALIDITY when it was read.
    pub(super) v: u32,
    pub(super) u: u32,
    /// Index among the message's attachments.
    pub(super) p: usize,
    /// Message-ID, to find the message again after a UIDVALIDITY change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) id: Option<String>,
    /// The part's IMAP section: only that part is fetched (see `parts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) s: Option<String>,
    /// Its decoded size when known exactly: a part fetched by section with another size is read
    /// again from the whole mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) n: Option<u64>,
}

impl EmailChannel {
    /// Reads one message again (INBOX, then Sent) by Message-ID: its sanitised HTML, the folded
    /// quoted history and the full attachment list, for the conversation view.
    pub async fn body(&self, remote_id: &str) -> Result<Option<EmailBody>, ChannelError> {
        let id = remote_id.to_string();
        let raw = self
            .with_ops(move |conn| {
                let id = id.clone();
                Box::pin(async move { fetch_by_message_id(conn, &id).await })
            })
            .await?;
        Ok(raw.map(|(_, _, bytes)| parse_message(&bytes)))
    }

    /// [`Channel::download`](crate::Channel::download): the part a [`PartRef`] names, from its
    /// message read again by UID, or by Message-ID when the mailbox was rebuilt.
    pub(super) async fn download_part(&self, remote_ref: &str) -> Result<Downloaded, ChannelError> {
        let part: PartRef =
            serde_json::from_str(remote_ref).map_err(|_| ChannelError::Rejected {
                code: 0,
                message: "This attachment reference is not one Parley's email channel made.".into(),
            })?;
        let found = self
            .with_ops(move |conn| {
                let part = part.clone();
                Box::pin(async move {
                    let mb = conn.session.examine(&part.m).await.map_err(imap_error)?;
                    let here = mb.uid_validity == Some(part.v);
                    if here
                        && let Some(section) = part.s.as_deref()
                        && let Some(found) = fetch_section(conn, part.u, section).await?
                        && part.n.is_none_or(|n| n == found.0.len() as u64)
                    {
                        return Ok(Some(found));
                    }
                    let mut raw = None;
                    if here {
                        let fetched =
                            uid_fetch(&mut conn.session, &part.u.to_string(), "(UID BODY.PEEK[])")
                                .await?;
                        raw = fetched.iter().find_map(|f| f.body().map(<[u8]>::to_vec));
                    }
                    // The mailbox was rebuilt (or the message moved): find it by Message-ID.
                    if raw.is_none()
                        && let Some(id) = &part.id
                    {
                        raw = fetch_by_message_id(conn, id).await?.map(|(_, _, b)| b);
                    }
                    Ok(raw.and_then(|r| parse::attachment_bytes(&r, part.p)))
                })
            })
            .await?;
        match found {
            Some((bytes, file_name)) => Ok(Downloaded { bytes, file_name }),
            None => Err(ChannelError::Rejected {
                code: 404,
                message: "This attachment is no longer on the mail server (the message may have been deleted or moved).".into(),
            }),
        }
    }
}

/// One part of message `uid` (in the selected mailbox) by its IMAP section: its bytes and name.
async fn fetch_section(
    conn: &mut Conn,
    uid: u32,
    section: &str,
) -> Result<Option<(Vec<u8>, Option<String>)>, ChannelError> {
    // A section is digits and dots; anything else in a stored reference is not sent to the server.
    let path: Option<Vec<u32>> = section.split('.').map(|n| n.parse().ok()).collect();
    let Some(path) = path.filter(|p| !p.is_empty() && p.iter().all(|n| *n > 0)) else {
        return Ok(None);
    };
    let items = format!("(UID BODY.PEEK[{section}.MIME] BODY.PEEK[{section}])");
    let fetched = uid_fetch(&mut conn.session, &uid.to_string(), &items).await?;
    let mime = SectionPath::Part(path.clone(), Some(MessageSection::Mime));
    let body = SectionPath::Part(path, None);
    Ok(fetched.iter().find_map(|f| {
        let header = f.section(&mime)?;
        let data = f.section(&body)?;
        parts::decode_part(header, data)
    }))
}

/// Finds a message by Message-ID in INBOX, then Sent. Returns (mailbox, uid, raw bytes).
pub(super) async fn fetch_by_message_id(
    conn: &mut Conn,
    id: &str,
) -> Result<Option<(String, u32, Vec<u8>)>, ChannelError> {
    let Some(id) = parse::clean_id(id) else {
        return Ok(None);
    };
    let mut boxes = vec!["INBOX".to_string()];
    if let Some(sent) = find_sent_mailbox(conn).await? {
        boxes.push(sent);
    }
    for mailbox in boxes {
        conn.session.examine(&mailbox).await.map_err(imap_error)?;
        let uids = uid_search(
            &mut conn.session,
            &format!("HEADER Message-ID {}", quote(&format!("<{id}>"))),
        )
        .await?;
        if let Some(uid) = uids.last() {
            let fetched =
                uid_fetch(&mut conn.session, &uid.to_string(), "(UID BODY.PEEK[])").await?;
            if let Some(body) = fetched.iter().find_map(|f| f.body()) {
                return Ok(Some((mailbox, *uid, body.to_vec())));
            }
        }
    }
    Ok(None)
}
