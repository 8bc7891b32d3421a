//! Exports to a file (issue 16): one transcript, a selection, or everything a review filter
//! matches, as HTML, CSV, JSON or PDF (the formats: `parley-store/src/export/`), or a zip of
//! that file and the attachments on this computer (`export_zip.rs`).
//!
//! Where the file goes: the system's save dialog when the shell gave one
//! ([`Parley::set_save_picker`]); `PARLEY_EXPORT_PATH` overrides it (the end-to-end tests, like
//! the other file pickers' overrides): a file, or an existing folder that gets the suggested
//! name (so one run can export several formats); with neither, the data folder's `exports/`.
//!
//! How: the conversations' ids first (the filter walked page by page), then
//! [`EXPORT_BATCH`] conversations at a time read from the store and written to a temporary
//! file beside the target (`.name.partial`), so memory holds one batch whatever the export's
//! size and the store is free between batches. Progress goes out as
//! [`CoreEvent::ExportProgress`]; a cancel ([`Parley::cancel_export`]) is honoured between
//! batches. A format that needs the whole export before it writes (the PDF counts its pages
//! for "Page N of M") gets the batches twice, a planning pass first; progress counts both.
//! Only a complete file is renamed to the chosen name (after it is flushed to disk):
//! a cancel, an error or a crash leaves nothing under that name, and the temporary file is
//! removed (after a crash, the next export to the same name replaces it).

use crate::errors;
use crate::facade::Parley;
use parley_domain::*;
use parley_store::export::{ExportMeta, extension, writer};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Conversations read and written per step.
pub const EXPORT_BATCH: u32 = 25;
/// Conversations one export holds at most (ids only are kept in memory).
pub const EXPORT_MAX: usize = 200_000;
/// The largest chart CSV the window may hand over (a year of days × channels is a few KiB).
const NUMBERS_CSV_MAX: usize = 4 << 20;
/// The suffix of the temporary file an export writes.
const PARTIAL: &str = ".partial";

/// The system's save dialog, as the shell provides it. Blocking: called on the blocking pool.
pub trait SavePicker: Send + Sync {
    /// The path the user chose for a file suggested as `name`, or `None` when they cancelled.
    fn pick(&self, name: &str, extension: &str) -> Option<PathBuf>;
    /// The save dialog under another title than the review export's.
    fn pick_titled(&self, _title: &str, name: &str, extension: &str) -> Option<PathBuf> {
        self.pick(name, extension)
    }
    /// The open dialog for one existing file (a backup to restore).
    fn pick_file(&self, _title: &str) -> Option<PathBuf> {
        None
    }
    /// The folder dialog (where scheduled backups go).
    fn pick_folder(&self, _title: &str) -> Option<PathBuf> {
        None
    }
}

/// The save dialog, and the cancel flag of the export running, if one is.
#[derive(Default)]
pub(crate) struct ExportState {
    picker: OnceLock<Arc<dyn SavePicker>>,
    running: Mutex<Option<Arc<AtomicBool>>>,
}

struct Running<'a>(&'a ExportState);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        *self.0.running.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// A file name made of safe characters only (letters, digits, `-`, `_`), never empty.
pub fn safe_name(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
        if out.chars().count() >= 40 {
            break;
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        "conversations".into()
    } else {
        out
    }
}

fn storage(path: &Path, e: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorCode::Storage,
        format!(
            "The export could not be written to {} ({e}). Check the folder and its free space, then try again.",
            path.display()
        ),
    )
}

/// The temporary file beside `target`.
fn partial_of(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    target.with_file_name(format!(".{name}{PARTIAL}"))
}

/// What an export's rows are measured with: the response targets, the instant, and the calendar
/// of business hours when they count.
type Measured<'a> = (
    &'a [ResponseTarget],
    Millis,
    Option<Arc<parley_store::OpenHours>>,
);

impl Parley {
    /// The shell's save dialog (set once at start).
    pub fn set_save_picker(&self, picker: Arc<dyn SavePicker>) {
        let _ = self.export.picker.set(picker);
    }

    /// The shell's dialogs, when it gave them.
    pub(crate) fn save_picker(&self) -> Option<Arc<dyn SavePicker>> {
        self.export.picker.get().cloned()
    }

    /// Stops the running export between two batches (nothing is left behind).
    pub fn cancel_export(&self) {
        if let Some(flag) = self
            .export
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            flag.store(true, Ordering::SeqCst);
        }
    }

    /// Where the file goes (see the module doc); `None` when the user cancelled the dialog.
    pub(crate) async fn export_target(
        &self,
        name: String,
        ext: &'static str,
    ) -> Result<Option<PathBuf>, IpcError> {
        if let Some(path) = std::env::var_os("PARLEY_EXPORT_PATH").filter(|p| !p.is_empty()) {
            let path = PathBuf::from(path);
            if path.is_dir() {
                return Ok(Some(path.join(format!("{name}.{ext}"))));
            }
            return Ok(Some(path));
        }
        if let Some(picker) = self.export.picker.get().cloned() {
            let file = format!("{name}.{ext}");
            return tokio::task::spawn_blocking(move || picker.pick(&file, ext))
                .await
                .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()));
        }
        let stamp = jiff::Timestamp::from_millisecond(self.clock.now())
            .map(|t| t.strftime("%Y-%m-%d-%H%M%S").to_string())
            .unwrap_or_else(|_| "export".into());
        Ok(Some(
            self.paths()
                .data_dir
                .join("exports")
                .join(format!("{name}-{stamp}.{ext}")),
        ))
    }

    /// Saves a chart's numbers, as CSV the window made from the metrics (numbers, channel and
    /// day names), to a file the user chooses through the same dialog as exports (a Blob link
    /// downloads nothing in the app's window); written beside it and renamed, so nothing partial
    /// is left. `None` when the user cancelled.
    pub async fn save_numbers_csv(
        &self,
        name: String,
        csv: String,
    ) -> Result<Option<String>, IpcError> {
        if csv.len() > NUMBERS_CSV_MAX {
            return Err(super::invalid(
                "These numbers are too large to save as one file; choose a shorter period.",
            ));
        }
        let stem = safe_name(name.trim_end_matches(".csv"));
        let Some(target) = self.export_target(stem, "csv").await? else {
            return Ok(None);
        };
        let partial = partial_of(&target);
        let write = async {
            if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
                tokio::fs::create_dir_all(dir).await?;
            }
            tokio::fs::write(&partial, csv.as_bytes()).await?;
            tokio::fs::rename(&partial, &target).await
        };
        if let Err(e) = write.await {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(storage(&target, e));
        }
        Ok(Some(target.to_string_lossy().into_owned()))
    }

    /// Exports `request` to a file the user chooses (see the module doc).
    pub async fn export_review(&self, request: ExportRequest) -> Result<ExportOutcome, IpcError> {
        let cancel = Arc::new(AtomicBool::new(false));
        {
            let mut running = self
                .export
                .running
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if running.is_some() {
                return Err(super::invalid(
                    "An export is already running; wait for it or cancel it.",
                ));
            }
            *running = Some(cancel.clone());
        }
        let _running = Running(&self.export);
        let targets = self.review_targets().await?;
        let now = self.clock.now();
        // First response times and "slower than the target" in business hours, as the review
        // list counts them (its filter's toggle), when a schedule is set.
        let hours = match &request.scope {
            ExportScope::Threads { .. } if request.business_hours => {
                self.review_open_hours(now).await?
            }
            ExportScope::Filter { filter } if filter.business_hours => {
                self.review_open_hours(now).await?
            }
            _ => None,
        };

        // The conversations, in order (ids only).
        let ids: Vec<ThreadId> = match &request.scope {
            ExportScope::Threads { threads } => threads.clone(),
            ExportScope::Filter { filter } => {
                let mut filter = filter.clone();
                filter.business_hours = hours.is_some();
                let mut ids = Vec::new();
                let mut after = None;
                loop {
                    let (f, t, h) = (filter.clone(), targets.clone(), hours.clone());
                    let (page, next) = self
                        .db
                        .call(move |s| {
                            if let Some(h) = h {
                                s.set_open_hours(h)?;
                            }
                            s.review_ids(&f, &t, now, after, 500)
                        })
                        .await
                        .map_err(errors::store)?;
                    ids.extend(page);
                    if ids.len() > EXPORT_MAX {
                        return Err(super::invalid(format!(
                            "More than {EXPORT_MAX} conversations match: narrow the filter (a shorter period, a channel) and export in parts."
                        )));
                    }
                    match next {
                        Some(n) if !cancel.load(Ordering::SeqCst) => after = Some(n),
                        _ => break,
                    }
                }
                ids
            }
        };
        if ids.is_empty() {
            return Err(super::invalid(
                "No conversation to export: choose one or change the filter.",
            ));
        }

        let name = if ids.len() == 1 {
            let id = ids[0];
            let row = self
                .db
                .call(move |s| s.review_row(id, &[], now, false))
                .await
                .map_err(errors::store)?
                .ok_or_else(|| errors::not_found("conversation"))?;
            format!("parley-{}", safe_name(&row.contact_name))
        } else {
            format!("parley-{}-conversations", ids.len())
        };
        let ext = if request.attachments {
            "zip"
        } else {
            extension(request.format)
        };
        let Some(target) = self.export_target(name, ext).await? else {
            return Ok(ExportOutcome {
                path: None,
                conversations: 0,
                messages: 0,
                cancelled: true,
                notes: Vec::new(),
            });
        };
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| storage(&target, e))?;
        }
        let partial = partial_of(&target);
        let outcome = self
            .write_export(&request, &ids, (&targets, now, hours), &partial, &cancel)
            .await;
        match outcome {
            Ok((conversations, messages, notes)) if !cancel.load(Ordering::SeqCst) => {
                tokio::fs::rename(&partial, &target)
                    .await
                    .map_err(|e| storage(&target, e))?;
                Ok(ExportOutcome {
                    path: Some(target.to_string_lossy().into_owned()),
                    conversations,
                    messages,
                    cancelled: false,
                    notes,
                })
            }
            Ok(_) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Ok(ExportOutcome {
                    path: None,
                    conversations: 0,
                    messages: 0,
                    cancelled: true,
                    notes: Vec::new(),
                })
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Err(e)
            }
        }
    }

    /// Writes the whole export into `partial` (each conversation measured against `targets` at
    /// `now`, in the business hours of `hours` when given), batch by batch; answers what it wrote and the
    /// writer's notes.
    async fn write_export(
        &self,
        request: &ExportRequest,
        ids: &[ThreadId],
        (targets, now, hours): Measured<'_>,
        partial: &Path,
        cancel: &AtomicBool,
    ) -> Result<(i64, i64, Vec<String>), IpcError> {
        let checklist = self
            .db
            .call(|s| s.checklist())
            .await
            .map_err(errors::store)?;
        let file = std::fs::File::create(partial).map_err(|e| storage(partial, e))?;
        // With attachments: the transcript is the zip's first entry (`export_zip.rs`).
        let (mut out, zip) = if request.attachments {
            // Named as the zip is (`chosen.zip` holds `chosen.csv`).
            let zip_name = partial
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let stem = zip_name
                .trim_start_matches('.')
                .trim_end_matches(PARTIAL)
                .trim_end_matches(".zip");
            let stem = if stem.is_empty() {
                "conversations"
            } else {
                stem
            };
            let entry = format!("{stem}.{}", extension(request.format));
            let zip = super::export_zip::open(file, &entry).map_err(|e| storage(partial, e))?;
            (
                writer(request.format, super::export_zip::ZipEntry(zip.clone())),
                Some(zip),
            )
        } else {
            (writer(request.format, BufWriter::new(file)), None)
        };
        let mut planned = Vec::new();
        let meta = ExportMeta {
            exported_at: now,
            checklist,
        };
        let passes = out.passes().max(1);
        let total = ids.len() as u32 * passes;
        let (mut conversations, mut messages) = (0i64, 0i64);
        let mut done = 0u32;
        let _ = self
            .events
            .send(CoreEvent::ExportProgress { done: 0, total });
        for pass in 1..=passes {
            let planning = pass < passes;
            if !planning {
                out.begin(&meta).map_err(|e| storage(partial, e))?;
            }
            for chunk in ids.chunks(EXPORT_BATCH as usize) {
                if cancel.load(Ordering::SeqCst) {
                    return Ok((conversations, messages, Vec::new()));
                }
                let (chunk, t, h) = (chunk.to_vec(), targets.to_vec(), hours.clone());
                let batch = self
                    .db
                    .call(move |s| {
                        let business_hours = h.is_some();
                        if let Some(h) = h {
                            s.set_open_hours(h)?;
                        }
                        s.export_batch(&chunk, &t, now, business_hours)
                    })
                    .await
                    .map_err(errors::store)?;
                if zip.is_some() && !planning {
                    for c in &batch {
                        super::export_zip::plan(c, &mut planned);
                    }
                }
                let path = partial.to_path_buf();
                let (back, written) = tokio::task::spawn_blocking(move || {
                    let mut n = 0i64;
                    for c in &batch {
                        if planning {
                            out.plan(c)
                        } else {
                            out.conversation(c)
                        }
                        .map_err(|e| storage(&path, e))?;
                        n += c.messages.len() as i64;
                    }
                    Ok::<_, IpcError>((out, (batch.len() as i64, n)))
                })
                .await
                .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))??;
                out = back;
                done += written.0 as u32;
                if !planning {
                    conversations += written.0;
                    messages += written.1;
                }
                let _ = self.events.send(CoreEvent::ExportProgress { done, total });
            }
        }
        let path = partial.to_path_buf();
        let notes = tokio::task::spawn_blocking(move || {
            out.finish().map_err(|e| storage(&path, e))?;
            let notes = out.notes();
            drop(out);
            Ok::<_, IpcError>(notes)
        })
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))??;
        if let Some(zip) = zip {
            self.finish_zip(zip, planned)
                .await
                .map_err(|e| storage(partial, e))?;
        }
        let path = partial.to_path_buf();
        tokio::task::spawn_blocking(move || {
            // On disk before the rename makes it the chosen file.
            std::fs::File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| storage(&path, e))
        })
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))??;
        Ok((conversations, messages, notes))
    }
}
