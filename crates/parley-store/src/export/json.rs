//! JSON: the versioned schema documented in `docs/export-schema.md`. One document; its
//! conversations are written one at a time (the array is opened, each conversation serialised
//! and forgotten, the array closed), so a large export never sits in memory. The types here
//! both write and read it back.

use super::{ExportConversation, ExportMeta, ExportWriter, iso_utc};
use parley_domain::{Attachment, ChannelKind, ChecklistItem, ChecklistScore, Direction};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// Bumped when a field changes meaning or goes away (adding a field does not bump it).
pub const SCHEMA_VERSION: u32 = 1;
pub const SCHEMA_NAME: &str = "parley.conversations";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JsonDocument {
    pub schema: String,
    pub version: u32,
    pub exported_at: String,
    pub checklist: Vec<ChecklistItem>,
    pub conversations: Vec<JsonConversation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JsonConversation {
    pub id: i64,
    pub channel: ChannelKind,
    pub account: String,
    pub customer_id: i64,
    pub customer: String,
    pub status: String,
    pub priority: i64,
    pub started_at: Option<String>,
    pub first_response_ms: Option<i64>,
    pub first_responder: Option<String>,
    pub resolved_at: Option<String>,
    pub messages: Vec<JsonMessage>,
    pub annotations: Vec<JsonAnnotation>,
    pub scores: Vec<ChecklistScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JsonMessage {
    pub id: i64,
    pub sent_at: String,
    pub sent_at_ms: i64,
    pub channel: ChannelKind,
    pub direction: Direction,
    pub author_kind: String,
    pub author: String,
    pub delivery: String,
    pub subject: Option<String>,
    pub text: String,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JsonAnnotation {
    pub message_id: Option<i64>,
    pub quote: String,
    pub body: String,
    pub author: String,
    pub created_at: String,
}

impl JsonConversation {
    pub fn from_export(c: &ExportConversation) -> JsonConversation {
        let r = &c.row;
        JsonConversation {
            id: r.thread_id.0,
            channel: r.channel,
            account: r.account_name.clone(),
            customer_id: r.contact_id.0,
            customer: r.contact_name.clone(),
            status: r.status.as_str().into(),
            priority: r.priority,
            started_at: r.started_at.map(iso_utc),
            first_response_ms: r.first_response_ms,
            first_responder: r.first_responder.clone(),
            resolved_at: r.resolved_at.map(iso_utc),
            messages: c
                .messages
                .iter()
                .map(|m| JsonMessage {
                    id: m.message.id.0,
                    sent_at: iso_utc(m.message.sent_at),
                    sent_at_ms: m.message.sent_at,
                    channel: m.channel,
                    direction: m.message.direction,
                    author_kind: super::csv::author_kind_str(m.author_kind).into(),
                    author: m.message.author_name.clone(),
                    delivery: m.message.delivery.as_str().into(),
                    subject: m.message.subject.clone(),
                    text: m.message.text.clone(),
                    attachments: m.message.attachments.clone(),
                })
                .collect(),
            annotations: c
                .annotations
                .iter()
                .map(|a| JsonAnnotation {
                    message_id: a.message_id.map(|m| m.0),
                    quote: a.quote.clone(),
                    body: a.body.clone(),
                    author: a.author.clone(),
                    created_at: iso_utc(a.created_at),
                })
                .collect(),
            scores: c.scores.clone(),
        }
    }
}

pub struct JsonWriter<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> JsonWriter<W> {
    pub fn new(out: W) -> Self {
        JsonWriter { out, first: true }
    }
}

fn io(e: serde_json::Error) -> std::io::Error {
    std::io::Error::other(e)
}

impl<W: Write> ExportWriter for JsonWriter<W> {
    fn begin(&mut self, meta: &ExportMeta) -> std::io::Result<()> {
        write!(
            self.out,
            "{{\"schema\":{},\"version\":{SCHEMA_VERSION},\"exportedAt\":{},\"checklist\":{},\"conversations\":[",
            serde_json::to_string(SCHEMA_NAME).map_err(io)?,
            serde_json::to_string(&iso_utc(meta.exported_at)).map_err(io)?,
            serde_json::to_string(&meta.checklist).map_err(io)?,
        )
    }

    fn conversation(&mut self, c: &ExportConversation) -> std::io::Result<()> {
        if !self.first {
            self.out.write_all(b",\n")?;
        } else {
            self.out.write_all(b"\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, &JsonConversation::from_export(c)).map_err(io)
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.write_all(b"\n]}\n")?;
        self.out.flush()
    }
}
