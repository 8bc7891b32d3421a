//! PDF: A4 pages of real, selectable text (krilla embeds subsets of the fonts with their
//! Unicode maps), each page headed by the customer and the conversation's period and footed
//! "Page N of M". Each conversation starts on a new page: a title, then each message in a box
//! (the customer's on the left, the agent's and the bot's indented, each with its time,
//! channel, author, delivery state and attachments), the manager's notes in yellow boxes with
//! a bar; a long message breaks across pages.
//!
//! "of M" needs the page count before the first page is drawn, so the writer asks for two
//! passes ([`ExportWriter::passes`]): the first lays each conversation out and counts its
//! pages ([`ExportWriter::plan`]); the second lays it out again and draws it. Neither keeps a
//! conversation once it is drawn: what stays is the PDF itself as krilla builds it (its page
//! streams, compressed at the end, and the fonts' subsets), written out by `finish`.
//!
//! krilla's document is not `Send` and the core moves a writer between worker threads, so the
//! document lives on a thread of its own ([`Engine`] in `engine.rs`): the writer hands it one
//! conversation at a time over a channel holding at most one, and waits for its answer, so
//! errors come back from the call that caused them. The finished PDF comes back as bytes and
//! is written to the file.
//!
//! Fonts come from the machine (`fonts.rs`); a character no font has is drawn as `[U+XXXX]`
//! in grey and listed in [`ExportWriter::notes`], never a failed export.

mod engine;
mod flow;
mod fonts;
mod layout;

use self::engine::Engine;
use super::{ExportConversation, ExportMeta, ExportWriter};
use std::io::Write;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

enum Job {
    Plan(Box<ExportConversation>),
    Begin(i64),
    Draw(Box<ExportConversation>),
    Finish,
}

enum Reply {
    Done(std::io::Result<()>),
    Finished(std::io::Result<Vec<u8>>, Vec<String>),
}

/// Writes a PDF to `out` (see the module doc).
pub struct PdfWriter<W: Write> {
    out: W,
    jobs: SyncSender<Job>,
    replies: Receiver<Reply>,
    notes: Vec<String>,
}

fn gone() -> std::io::Error {
    std::io::Error::other("the PDF writer stopped unexpectedly")
}

impl<W: Write> PdfWriter<W> {
    pub fn new(out: W) -> Self {
        let (jobs, inbox) = sync_channel::<Job>(1);
        let (answer, replies) = sync_channel::<Reply>(1);
        // Ends when the writer is dropped (its sender closes) or after `Finish`.
        let _ = std::thread::Builder::new()
            .name("pdf-export".into())
            .spawn(move || {
                let mut engine = Engine::new();
                while let Ok(job) = inbox.recv() {
                    let reply = match job {
                        Job::Plan(c) => Reply::Done(engine.plan(&c)),
                        Job::Begin(at) => {
                            engine.begin(at);
                            Reply::Done(Ok(()))
                        }
                        Job::Draw(c) => Reply::Done(engine.conversation(&c)),
                        Job::Finish => {
                            let bytes = engine.finish();
                            let _ = answer.send(Reply::Finished(bytes, engine.notes()));
                            return;
                        }
                    };
                    if answer.send(reply).is_err() {
                        return;
                    }
                }
            });
        PdfWriter {
            out,
            jobs,
            replies,
            notes: Vec::new(),
        }
    }

    fn ask(&self, job: Job) -> std::io::Result<()> {
        self.jobs.send(job).map_err(|_| gone())?;
        match self.replies.recv() {
            Ok(Reply::Done(r)) => r,
            _ => Err(gone()),
        }
    }
}

impl<W: Write> ExportWriter for PdfWriter<W> {
    fn passes(&self) -> u32 {
        2
    }

    fn plan(&mut self, c: &ExportConversation) -> std::io::Result<()> {
        self.ask(Job::Plan(Box::new(c.clone())))
    }

    fn begin(&mut self, meta: &ExportMeta) -> std::io::Result<()> {
        self.ask(Job::Begin(meta.exported_at))
    }

    fn conversation(&mut self, c: &ExportConversation) -> std::io::Result<()> {
        self.ask(Job::Draw(Box::new(c.clone())))
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.jobs.send(Job::Finish).map_err(|_| gone())?;
        let Ok(Reply::Finished(bytes, notes)) = self.replies.recv() else {
            return Err(gone());
        };
        self.notes = notes;
        self.out.write_all(&bytes?)?;
        self.out.flush()
    }

    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }
}

#[cfg(test)]
mod tests;
