//! Sending a reply: its Subject, In-Reply-To and References, its body with any files, and the
//! order that makes reconciliation possible: the copy in Sent, then SMTP, then the copy confirmed
//! or removed (**Sending** in the `email` module doc).

use super::conn;
use super::download::fetch_by_message_id;
use super::sent::{SentPlan, confirm_pending_copy, remove_pending_copy, write_pending_copy};
use super::{
    EmailChannel, SentCopy, SentEmail, normalise_subject, now_millis, parse, parse_message, smtp,
};
use crate::{ChannelError, OutgoingMessage};
use std::sync::PoisonError;

impl EmailChannel {
    /// Sends a reply with a fresh Message-ID.
    pub async fn send_email(&self, message: &OutgoingMessage) -> Result<SentEmail, ChannelError> {
        let id = self.new_message_id();
        self.send_email_with_id(message, &id).await
    }

    /// Sends a reply under a Message-ID chosen beforehand (kept in the outbox row, so a crash
    /// or a lost answer can be reconciled with [`EmailChannel::sent_record`]): its copy goes to
    /// Sent marked [`PENDING_KEYWORD`](super::PENDING_KEYWORD) first, then SMTP, then the copy
    /// is confirmed or removed (see the `email` module doc).
    pub async fn send_email_with_id(
        &self,
        message: &OutgoingMessage,
        message_id: &str,
    ) -> Result<SentEmail, ChannelError> {
        let message_id = parse::clean_id(message_id).ok_or_else(|| ChannelError::Rejected {
            code: 0,
            message: "The message id for this reply is empty.".into(),
        })?;
        let to_addr: lettre::Address =
            message
                .customer_remote_id
                .trim()
                .parse()
                .map_err(|_| ChannelError::Rejected {
                    code: 0,
                    message: format!(
                        "\"{}\" is not an email address Parley can send to.",
                        message.customer_remote_id
                    ),
                })?;
        let from_addr: lettre::Address =
            self.config
                .address
                .parse()
                .map_err(|_| ChannelError::Rejected {
                    code: 0,
                    message: format!(
                        "The account's address \"{}\" is not a valid email address.",
                        self.config.address
                    ),
                })?;

        let (subject, in_reply_to, references) = self.reply_headers(message).await;
        let mut builder = lettre::Message::builder()
            .from(lettre::message::Mailbox::new(
                self.config.display_name.clone(),
                from_addr.clone(),
            ))
            .to(lettre::message::Mailbox::new(None, to_addr.clone()))
            .subject(subject)
            .message_id(Some(format!("<{message_id}>")))
            .user_agent("Parley".into())
            .date_now();
        if let Some(parent) = &in_reply_to {
            builder = builder.in_reply_to(format!("<{parent}>"));
        }
        if !references.is_empty() {
            let refs: Vec<String> = references.iter().map(|r| format!("<{r}>")).collect();
            builder = builder.references(refs.join(" "));
        }
        let built = if message.attachments.is_empty() {
            builder
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(message.text.clone())
        } else {
            builder.multipart(with_attachments(message).await?)
        };
        let email = built.map_err(|e| ChannelError::Rejected {
            code: 0,
            message: format!("The reply could not be written as an email: {e}."),
        })?;
        let formatted = email.formatted();

        // The copy in Sent is written first, marked pending, so that "not in Sent" proves
        // later that SMTP was never called (see `reconcile`). A failure here sends nothing.
        let plan = {
            let id = message_id.clone();
            let formatted = formatted.clone();
            self.with_ops(move |conn| {
                let id = id.clone();
                let formatted = formatted.clone();
                Box::pin(async move { write_pending_copy(conn, &id, &formatted).await })
            })
            .await
            .map_err(|e| match e {
                ChannelError::Rejected { code, message } => ChannelError::Rejected {
                    code,
                    message: format!(
                        "Nothing was sent: the reply could not be stored in Sent first ({message})."
                    ),
                },
                other => other,
            })?
        };

        if let Err(e) = smtp::submit(&self.config, &from_addr, &[to_addr], &formatted).await {
            if let (SentPlan::Pending(copy), false) =
                (&plan, matches!(e, ChannelError::Uncertain(_)))
            {
                // Refused or unreachable before the end of DATA: nothing went out, so the
                // pending copy goes (only that UID). A lost answer after DATA keeps it pending.
                let (copy, id) = (copy.clone(), message_id.clone());
                let removed = self
                    .with_ops(move |conn| {
                        let (copy, id) = (copy.clone(), id.clone());
                        Box::pin(async move { remove_pending_copy(conn, &copy, &id).await })
                    })
                    .await;
                if let Err(r) = removed {
                    tracing::warn!(error = %r, "the reply was not sent, but its pending copy stays in Sent");
                }
            }
            return Err(e);
        }
        let sent_at = now_millis();

        // The mail is out; a failure to confirm or write the copy is logged, not reported as a
        // failed send.
        let copy = match plan {
            SentPlan::NoSent => Ok(None),
            SentPlan::Pending(copy) => {
                let id = message_id.clone();
                self.with_ops(move |conn| {
                    let (copy, id) = (copy.clone(), id.clone());
                    Box::pin(async move { confirm_pending_copy(conn, &copy, &id).await.map(Some) })
                })
                .await
            }
            SentPlan::After(sent) => {
                self.with_ops(move |conn| {
                    let (sent, formatted) = (sent.clone(), formatted.clone());
                    Box::pin(async move {
                        let uid =
                            conn::append(&mut conn.session, &sent, "\\Seen", &formatted).await?;
                        Ok(Some(SentCopy {
                            mailbox: sent,
                            uidvalidity: uid.map(|(v, _)| v),
                            uid: uid.map(|(_, u)| u),
                        }))
                    })
                })
                .await
            }
        };
        let sent_copy = match copy {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "the reply was sent but its copy in Sent was not confirmed");
                None
            }
        };
        Ok(SentEmail {
            message_id,
            sent_at,
            sent_copy,
        })
    }

    /// Subject, In-Reply-To and References for a reply: from the thread index when the message
    /// was seen since start-up, else from the server (INBOX, then Sent).
    async fn reply_headers(
        &self,
        message: &OutgoingMessage,
    ) -> (String, Option<String>, Vec<String>) {
        let usable = |id: &String| !id.starts_with("hash:") && !id.is_empty();
        let (parent, known) = {
            let index = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
            let parent = message
                .reply_to_remote_id
                .clone()
                .filter(usable)
                .or_else(|| {
                    index
                        .latest
                        .get(&message.remote_thread_id)
                        .map(|(_, id)| id.clone())
                })
                .or_else(|| Some(message.remote_thread_id.clone()).filter(usable));
            let known = parent.as_ref().and_then(|p| index.msgs.get(p).cloned());
            (parent, known)
        };
        let Some(parent) = parent.filter(usable) else {
            return (String::new(), None, Vec::new());
        };
        let (subject, mut refs) = match known {
            Some(info) => (info.subject, info.references),
            None => {
                let id = parent.clone();
                let looked_up = self
                    .with_ops(move |conn| {
                        let id = id.clone();
                        Box::pin(async move { fetch_by_message_id(conn, &id).await })
                    })
                    .await;
                match looked_up {
                    Ok(Some((_, _, raw))) => {
                        let p = parse_message(&raw);
                        (p.subject, p.references)
                    }
                    _ => (String::new(), Vec::new()),
                }
            }
        };
        if !refs.contains(&message.remote_thread_id) && usable(&message.remote_thread_id) {
            refs.insert(0, message.remote_thread_id.clone());
        }
        refs.retain(|r| r != &parent);
        refs.push(parent.clone());
        // RFC 5322 §3.6.4: keep the root and the newest when the list grows long.
        if refs.len() > 20 {
            let tail = refs.split_off(refs.len() - 19);
            refs.truncate(1);
            refs.extend(tail);
        }
        let subject = if normalise_subject(&subject).1 || subject.is_empty() {
            subject
        } else {
            format!("Re: {subject}")
        };
        (subject, Some(parent), refs)
    }
}

/// The body of a reply with files: `multipart/mixed` with the text first, then each file as an
/// attachment with its own Content-Type (names beyond ASCII are encoded as RFC 2231 asks).
async fn with_attachments(
    message: &OutgoingMessage,
) -> Result<lettre::message::MultiPart, ChannelError> {
    use lettre::message::{Attachment, MultiPart, SinglePart, header::ContentType};
    let total: u64 = message.attachments.iter().map(|f| f.size).sum();
    if total > MAX_ATTACHMENTS_BYTES {
        return Err(ChannelError::Rejected {
            code: 0,
            message: format!(
                "The files add up to {:.1} MB; mail servers commonly accept 25 MB per message. Send fewer or smaller files.",
                total as f64 / (1024.0 * 1024.0)
            ),
        });
    }
    let mut mixed = MultiPart::mixed().singlepart(
        SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(message.text.clone()),
    );
    for file in &message.attachments {
        let bytes = file.read().await?;
        let content_type = ContentType::parse(&file.mime_type)
            .or_else(|_| ContentType::parse("application/octet-stream"))
            .map_err(|e| ChannelError::Rejected {
                code: 0,
                message: format!(
                    "The file type of \"{}\" is not usable ({e}).",
                    file.file_name
                ),
            })?;
        mixed = mixed.singlepart(Attachment::new(file.file_name.clone()).body(bytes, content_type));
    }
    Ok(mixed)
}

/// What Parley sends in one email at most (the files together).
pub const MAX_ATTACHMENTS_BYTES: u64 = 25 * 1024 * 1024;
