//! Exports of conversations (issue 16): a self-contained HTML page, CSV (one row per message),
//! JSON (a versioned schema, `docs/export-schema.md`) and PDF (selectable text, every script,
//! page numbers; `pdf/`).
//!
//! An export is written a few conversations at a time: the core reads a batch
//! ([`Store::export_batch`]), hands it to the format's [`ExportWriter`], which writes it to the
//! file and forgets it, so memory stays that of one batch whatever the export's size. The core
//! writes into a temporary file beside the target and renames it at the end (nothing partial is
//! ever left under the chosen name), reports progress and honours a cancel between batches.
//!
//! Everything in a conversation is customer data and hostile: the HTML writer escapes every
//! character that could open markup and the page carries a Content-Security-Policy allowing no
//! script and nothing remote; the CSV writer neutralises cells a spreadsheet would read as a
//! formula; JSON is JSON.

mod csv;
mod html;
mod json;
mod pdf;

pub use self::csv::CsvWriter;
pub use self::html::{HtmlWriter, escape as html_escape};
pub use self::json::{JsonConversation, JsonDocument, JsonMessage, JsonWriter, SCHEMA_VERSION};
pub use self::pdf::PdfWriter;

use crate::Store;
use crate::error::Result;
use parley_domain::*;
use std::io::Write;

/// Most messages of one conversation an export batch reads at once.
const MESSAGES_PER_READ: u32 = 500;

/// One conversation as exported: its row, every message, the manager's annotations and scores.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportConversation {
    pub row: ReviewRow,
    pub messages: Vec<TranscriptMessage>,
    pub annotations: Vec<Annotation>,
    pub scores: Vec<ChecklistScore>,
}

/// What the file says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportMeta {
    pub exported_at: Millis,
    /// The checklist's items, so scores can be read.
    pub checklist: Vec<ChecklistItem>,
}

/// A file format being written: `begin`, then every conversation in order, then `finish`.
///
/// A writer that must see the whole export before writing (the PDF's "Page N of M") asks for
/// two [`passes`](ExportWriter::passes): every conversation is then handed to
/// [`plan`](ExportWriter::plan) first, in the same order, before `begin`.
pub trait ExportWriter {
    /// How many times the conversations are handed over: 1, or 2 for a planning pass.
    fn passes(&self) -> u32 {
        1
    }
    /// The planning pass (writes nothing).
    fn plan(&mut self, _c: &ExportConversation) -> std::io::Result<()> {
        Ok(())
    }
    fn begin(&mut self, meta: &ExportMeta) -> std::io::Result<()>;
    fn conversation(&mut self, c: &ExportConversation) -> std::io::Result<()>;
    fn finish(&mut self) -> std::io::Result<()>;
    /// What the user should know about the file once written (e.g. characters no font had).
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The writer of `format` over `out`.
pub fn writer<'a, W: Write + Send + 'a>(
    format: ExportFormat,
    out: W,
) -> Box<dyn ExportWriter + Send + 'a> {
    match format {
        ExportFormat::Html => Box::new(HtmlWriter::new(out)),
        ExportFormat::Csv => Box::new(CsvWriter::new(out)),
        ExportFormat::Json => Box::new(JsonWriter::new(out)),
        ExportFormat::Pdf => Box::new(PdfWriter::new(out)),
    }
}

/// The file name extension of `format`.
pub fn extension(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Html => "html",
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "json",
        ExportFormat::Pdf => "pdf",
    }
}

/// An instant as ISO 8601 in UTC (`2026-03-29T00:30:00Z`).
pub fn iso_utc(at: Millis) -> String {
    let day = at.div_euclid(86_400_000);
    let ms = at.rem_euclid(86_400_000);
    let (h, m, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
    format!("{}T{h:02}:{m:02}:{s:02}Z", crate::metrics::civil_day(day))
}

impl Store {
    /// The conversations `threads` for an export, each with every message, in order; their
    /// first response time and "slower than the target" in business hours when
    /// `business_hours` (see [`Store::review_row`]).
    pub fn export_batch(
        &self,
        threads: &[ThreadId],
        targets: &[ResponseTarget],
        now: Millis,
        business_hours: bool,
    ) -> Result<Vec<ExportConversation>> {
        let mut out = Vec::with_capacity(threads.len());
        for &t in threads {
            let Some(row) = self.review_row(t, targets, now, business_hours)? else {
                continue;
            };
            let mut messages = Vec::new();
            let mut after = None;
            loop {
                let page = self.transcript_page(&[t], after, MESSAGES_PER_READ)?;
                messages.extend(page.messages);
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            let annotations = self.annotations(
                &AnnotationFilter {
                    thread_id: Some(t),
                    ..Default::default()
                },
                1000,
            )?;
            let scores = self.scores(t)?;
            out.push(ExportConversation {
                row,
                messages,
                annotations,
                scores,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
