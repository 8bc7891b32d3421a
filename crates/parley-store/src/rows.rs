//! Reading rows into domain types. Enum columns hold `as_str()` strings; anything else is corrupt.

use crate::error::{Result, StoreError};
use crate::types::{AccountRow, OutboxItem, OutboxState};
use parley_domain::*;
use rusqlite::Row;

pub(crate) fn channel(s: &str) -> Result<ChannelKind> {
    ChannelKind::parse(s).ok_or_else(|| corrupt("channel", s))
}

pub(crate) fn direction(s: &str) -> Result<Direction> {
    Direction::parse(s).ok_or_else(|| corrupt("direction", s))
}

pub(crate) fn delivery(s: &str) -> Result<DeliveryState> {
    DeliveryState::parse(s).ok_or_else(|| corrupt("delivery", s))
}

pub(crate) fn status(s: &str) -> Result<ThreadStatus> {
    ThreadStatus::parse(s).ok_or_else(|| corrupt("thread status", s))
}

pub(crate) fn hold_reason(s: &str) -> Result<HoldReason> {
    HoldReason::parse(s).ok_or_else(|| corrupt("hold reason", s))
}

pub(crate) fn outbox_state(s: &str) -> Result<OutboxState> {
    OutboxState::parse(s).ok_or_else(|| corrupt("outbox state", s))
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} {value:?}"))
}

/// A message's attachments; a file name is read without direction controls, so it shows (and
/// saves) as what it is (`parley_domain::text`).
pub(crate) fn attachments_from_json(json: &str) -> Result<Vec<Attachment>> {
    let mut attachments: Vec<Attachment> =
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("attachments: {e}")))?;
    for a in &mut attachments {
        if let Some(name) = &a.file_name
            && name.chars().any(parley_domain::text::is_bidi_control)
        {
            a.file_name = Some(parley_domain::text::without_bidi_controls(name).into_owned());
        }
    }
    Ok(attachments)
}

pub(crate) fn attachments_to_json(attachments: &[Attachment]) -> Result<String> {
    serde_json::to_string(attachments)
        .map_err(|e| StoreError::Invalid(format!("attachments cannot be stored: {e}")))
}

pub(crate) fn message_view(row: &Row<'_>) -> Result<MessageView> {
    Ok(MessageView {
        id: MessageId(row.get(0)?),
        thread_id: ThreadId(row.get(1)?),
        direction: direction(&row.get::<_, String>(2)?)?,
        author_name: row.get(3)?,
        text: row.get(4)?,
        attachments: attachments_from_json(&row.get::<_, String>(5)?)?,
        sent_at: row.get(6)?,
        edited_at: row.get(7)?,
        delivery: delivery(&row.get::<_, String>(8)?)?,
        delivery_note: row.get(9)?,
        hold_reason: row
            .get::<_, Option<String>>(10)?
            .map(|r| hold_reason(&r))
            .transpose()?,
        subject: row.get(11)?,
        quoted_text: row.get(12)?,
        // By name: the column list grows from several places.
        has_html: row.get::<_, Option<i64>>("html_remote_images")?.is_some(),
        remote_images: row
            .get::<_, Option<i64>>("html_remote_images")?
            .map_or(0, |n| u32::try_from(n).unwrap_or(0)),
        deleted_on_server: row.get("deleted_on_server")?,
        automated: automated_by(row.get("automated_kind")?, row.get("automated_rule")?)?,
    })
}

/// The rule that sent a message, from its two columns (both NULL for a message not automated).
pub(crate) fn automated_by(
    kind: Option<String>,
    rule: Option<String>,
) -> Result<Option<AutomatedBy>> {
    let Some(kind) = kind else { return Ok(None) };
    let kind = AutomationKind::parse(&kind).ok_or_else(|| corrupt("automation kind", &kind))?;
    Ok(Some(AutomatedBy {
        kind,
        rule: rule.unwrap_or_default(),
    }))
}

pub(crate) fn thread_summary(row: &Row<'_>) -> Result<ThreadSummary> {
    Ok(ThreadSummary {
        id: ThreadId(row.get(0)?),
        account_id: AccountId(row.get(1)?),
        channel: channel(&row.get::<_, String>(2)?)?,
        contact_id: ContactId(row.get(3)?),
        contact_name: row.get(4)?,
        snippet: row.get(5)?,
        snippet_direction: direction(&row.get::<_, String>(6)?)?,
        last_activity_at: row.get(7)?,
        unread_count: row.get(8)?,
        status: status(&row.get::<_, String>(9)?)?,
        priority: row.get(10)?,
        owner: thread_owner(row.get(11)?, row.get(12)?)?,
        snoozed_until: row.get(13)?,
        waiting_since: row.get(14)?,
        labels: label_ids(row.get(15)?)?,
        vip: row.get(16)?,
        blocked: row.get(17)?,
    })
}

/// A `group_concat` of label ids, in id order.
pub(crate) fn label_ids(joined: Option<String>) -> Result<Vec<LabelId>> {
    let mut ids = Vec::new();
    for part in joined
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|p| !p.is_empty())
    {
        ids.push(LabelId(
            part.parse().map_err(|_| corrupt("thread label", part))?,
        ));
    }
    ids.sort();
    Ok(ids)
}

/// The `threads.owner` / `owner_app_id` columns as a [`ThreadOwner`].
pub(crate) fn thread_owner(
    kind: Option<String>,
    app: Option<String>,
) -> Result<Option<ThreadOwner>> {
    Ok(match (kind.as_deref(), app) {
        (None, _) => None,
        (Some("parley"), _) => Some(ThreadOwner::Parley),
        (Some("idle"), _) => Some(ThreadOwner::Idle),
        (Some("metaInbox"), _) => Some(ThreadOwner::MetaInbox),
        (Some("otherApp"), Some(app_id)) => Some(ThreadOwner::OtherApp { app_id }),
        (Some("elsewhere"), _) => Some(ThreadOwner::Elsewhere),
        (Some(other), _) => return Err(corrupt("thread owner", other)),
    })
}

/// A [`ThreadOwner`] as the `threads.owner` / `owner_app_id` columns.
pub(crate) fn owner_columns(owner: Option<&ThreadOwner>) -> (Option<&'static str>, Option<&str>) {
    match owner {
        None => (None, None),
        Some(ThreadOwner::Parley) => (Some("parley"), None),
        Some(ThreadOwner::Idle) => (Some("idle"), None),
        Some(ThreadOwner::MetaInbox) => (Some("metaInbox"), None),
        Some(ThreadOwner::OtherApp { app_id }) => (Some("otherApp"), Some(app_id.as_str())),
        Some(ThreadOwner::Elsewhere) => (Some("elsewhere"), None),
    }
}

pub(crate) fn account_row(row: &Row<'_>) -> Result<AccountRow> {
    Ok(AccountRow {
        id: AccountId(row.get(0)?),
        channel: channel(&row.get::<_, String>(1)?)?,
        name: row.get(2)?,
        handle: row.get(3)?,
        external_id: row.get(4)?,
        is_demo: row.get(5)?,
        created_at: row.get(6)?,
        last_error: row.get(7)?,
        last_sync_at: row.get(8)?,
    })
}

pub(crate) fn outbox_item(row: &Row<'_>) -> Result<OutboxItem> {
    Ok(OutboxItem {
        id: OutboxId(row.get(0)?),
        message_id: MessageId(row.get(1)?),
        thread_id: ThreadId(row.get(2)?),
        account_id: AccountId(row.get(3)?),
        body: row.get(4)?,
        state: outbox_state(&row.get::<_, String>(5)?)?,
        attempts: row.get(6)?,
        next_attempt_at: row.get(7)?,
        last_error: row.get(8)?,
        created_at: row.get(9)?,
        hold_reason: row
            .get::<_, Option<String>>(10)?
            .map(|r| hold_reason(&r))
            .transpose()?,
        resends: row.get(11)?,
        client_message_id: row.get(12)?,
        send_options: match row.get::<_, Option<String>>(13)? {
            None => SendOptions::default(),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("outbox send options: {e}")))?,
        },
    })
}

/// Runs a query and maps every row with a fallible mapper (rusqlite's `query_map` wants
/// `rusqlite::Error`, which cannot carry `Corrupt`).
pub(crate) fn collect<T>(
    stmt: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
    map: impl Fn(&Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(map(row)?);
    }
    Ok(out)
}

/// Like [`collect`] for at most one row.
pub(crate) fn first<T>(
    stmt: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
    map: impl Fn(&Row<'_>) -> Result<T>,
) -> Result<Option<T>> {
    let mut rows = stmt.query(params)?;
    match rows.next()? {
        Some(row) => Ok(Some(map(row)?)),
        None => Ok(None),
    }
}
