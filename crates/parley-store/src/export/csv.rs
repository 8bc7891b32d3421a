//! CSV: RFC 4180 (fields quoted when needed, CRLF line ends), one row per message, UTF-8 with a
//! byte-order mark so spreadsheet applications read the encoding right. A cell a spreadsheet
//! would evaluate (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed
//! with an apostrophe, which spreadsheets show as text and hide.

use super::{ExportConversation, ExportMeta, ExportWriter, iso_utc};
use std::io::Write;

/// The columns, in order.
pub const CSV_HEADER: [&str; 14] = [
    "conversation_id",
    "channel",
    "account",
    "customer",
    "status",
    "message_id",
    "sent_at_utc",
    "direction",
    "author_kind",
    "author",
    "delivery",
    "subject",
    "text",
    "attachments",
];

/// A cell as written: neutralised when a spreadsheet would read it as a formula.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// RFC 4180 quoting of one field.
fn field(out: &mut String, cell: &str) {
    let cell = neutralise(cell);
    if cell.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&cell);
    }
}

fn record(out: &mut String, cells: &[&str]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, c);
    }
    out.push_str("\r\n");
}

pub struct CsvWriter<W: Write> {
    out: W,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W) -> Self {
        CsvWriter { out }
    }
}

impl<W: Write> ExportWriter for CsvWriter<W> {
    fn begin(&mut self, _meta: &ExportMeta) -> std::io::Result<()> {
        let mut head = String::from("\u{feff}");
        record(&mut head, &CSV_HEADER);
        self.out.write_all(head.as_bytes())
    }

    fn conversation(&mut self, c: &ExportConversation) -> std::io::Result<()> {
        let mut buf = String::new();
        let id = c.row.thread_id.0.to_string();
        for m in &c.messages {
            let v = &m.message;
            let attachments: Vec<String> = v
                .attachments
                .iter()
                .map(|a| {
                    a.file_name
                        .clone()
                        .or_else(|| a.description.clone())
                        .unwrap_or_else(|| format!("{:?}", a.kind).to_lowercase())
                })
                .collect();
            record(
                &mut buf,
                &[
                    &id,
                    m.channel.as_str(),
                    &m.account_name,
                    &c.row.contact_name,
                    c.row.status.as_str(),
                    &v.id.0.to_string(),
                    &iso_utc(v.sent_at),
                    v.direction.as_str(),
                    author_kind_str(m.author_kind),
                    &v.author_name,
                    v.delivery.as_str(),
                    v.subject.as_deref().unwrap_or(""),
                    &v.text,
                    &attachments.join("; "),
                ],
            );
        }
        self.out.write_all(buf.as_bytes())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

pub(super) fn author_kind_str(k: parley_domain::AuthorKind) -> &'static str {
    match k {
        parley_domain::AuthorKind::Customer => "customer",
        parley_domain::AuthorKind::Agent => "agent",
        parley_domain::AuthorKind::Bot => "bot",
    }
}
