//! Importing customers from a CSV file (issue 14, "Import customer data").
//!
//! The wizard uploads the file's bytes once ([`Parley::stage_import_file`]: the raw IPC body,
//! like a composer attachment; the window never names a path), and Rust keeps them for the
//! session. Then:
//!
//! 1. **Preview** ([`preview`]): the encoding (a byte-order mark, valid UTF-8, or `chardetng`'s
//!    guess; the agent may choose another and preview again), the separator, the header, the
//!    first rows with what is wrong with each, the counts, and a mapping guessed from the
//!    headers (`mapping.rs`).
//! 2. **Plan** (`plan.rs`), outside the store's lock: each row becomes a new customer, an update
//!    of one Parley knows (matched by normalised email or phone, the merge suggestions' own
//!    [`crate::suggest::normalize_email`] / [`crate::suggest::normalize_phone`]), or a skipped
//!    row with its reason and line.
//! 3. **Apply** (`parley-store/src/import.rs`): the whole plan in ONE transaction, with
//!    progress ([`CoreEvent::ImportProgress`]) every few hundred rows and a cancel
//!    ([`Parley::cancel_import`]) honoured up to the commit. All or nothing: a cancel, an error
//!    or a kill -9 leaves no row of the import (`tests/it/import.rs` kills a process
//!    mid-transaction and finds nothing).
//!
//! The report ([`ImportReport`]) is exact: every row's line (where its record starts, quoted
//! line breaks counted), its outcome and its reasons. Cells are customer data: they cross to
//! the window as strings and are shown as text. Parley writes no CSV here, so no cell is ever
//! evaluated as a formula by Parley; a formula-like cell (`=HYPERLINK(…)`) is kept as the text
//! it is.
//!
//! Measured on the 2-core development machine, optimised build, with the `hundred_thousand_rows`
//! test (printed, no timed assertion; `cargo test --release -p parley-core --test it
//! import::hundred_thousand -- --ignored --nocapture`): 100 000 rows (9 MB, 7 columns, a quoted
//! line break in each) against 2 000 customers Parley knows: the preview 0.16 s; read, plan and
//! the one transaction (98 000 created, 2 000 updated) 8.1 s in all. The store is held for the
//! transaction's part of that (the sync waits meanwhile); everything before it runs beside it.

pub mod mapping;
pub mod plan;
pub mod read;

use crate::errors;
use crate::facade::Parley;
use parley_domain::*;
use parley_store::{AppliedImport, MatchSource, Store};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The file staged for the wizard, and the cancel flag of the import running, if one is.
#[derive(Default)]
pub(crate) struct ImportState {
    staged: Mutex<Option<(String, Arc<Vec<u8>>)>>,
    running: Mutex<Option<Arc<AtomicBool>>>,
}

fn invalid(message: String) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

/// The file's text and rows, in `encoding` (`None`: detected).
pub fn read(bytes: &[u8], encoding: Option<&str>) -> Result<(read::Decoded, read::Table), String> {
    if bytes.len() > read::FILE_MAX_BYTES {
        return Err(format!(
            "the file is {} MB; Parley imports files of up to {} MB (split it)",
            bytes.len() / (1024 * 1024),
            read::FILE_MAX_BYTES / (1024 * 1024)
        ));
    }
    let (detected, certain) = read::detect(bytes);
    let (encoding, certain) = match encoding {
        None => (detected, certain),
        Some(name) => {
            let chosen = read::encoding_named(name)
                .ok_or_else(|| format!("{name:?} is not an encoding Parley knows"))?;
            // The agent's choice is theirs; it is certain when it is what the file says.
            (chosen, certain && chosen == detected)
        }
    };
    let decoded = read::decode(bytes, encoding, certain);
    let table = read::table(&decoded)?;
    Ok((decoded, table))
}

/// What the wizard shows of a file.
pub fn preview(
    file_name: &str,
    bytes: &[u8],
    encoding: Option<&str>,
) -> Result<ImportPreview, String> {
    let (decoded, table) = read(bytes, encoding)?;
    let suggested = mapping::suggest(&table.headers, &table.rows);
    let mut choices: Vec<String> = read::ENCODING_CHOICES
        .iter()
        .map(|s| s.to_string())
        .collect();
    let name = decoded.encoding.name().to_string();
    if !choices.contains(&name) {
        choices.insert(0, name.clone());
    }
    Ok(ImportPreview {
        file_name: file_name.to_string(),
        byte_count: bytes.len() as u64,
        encoding: name,
        encoding_certain: decoded.certain,
        encoding_choices: choices,
        delimiter: read::delimiter_name(table.delimiter),
        rows: table
            .rows
            .iter()
            .take(IMPORT_PREVIEW_ROWS)
            .map(|r| ImportPreviewRow {
                line: r.line,
                cells: r.cells.clone(),
                problem: r.problem.clone(),
            })
            .collect(),
        row_count: table.rows.len() as u32,
        broken_count: table.rows.iter().filter(|r| r.problem.is_some()).count() as u32,
        headers: table.headers,
        suggested,
    })
}

/// Reads and plans an import against what the store knows (no lock held: `sources` were read
/// before).
pub fn prepare(
    file_name: &str,
    bytes: &[u8],
    request: &ImportRequest,
    sources: &[(ContactId, MatchSource)],
) -> Result<plan::Planned, String> {
    let (_, table) = read(bytes, Some(&request.encoding))?;
    plan::check_request(&table, request)?;
    let index = plan::Index::build(sources, request.phone_region.as_deref());
    Ok(plan::plan(&table, request, file_name, &index))
}

/// The report of a committed import: skipped rows, then updated, unchanged and created, each
/// by line.
pub fn report(
    skipped: Vec<ImportRowReport>,
    mut notes: HashMap<u32, Vec<String>>,
    applied: &AppliedImport,
    now: Millis,
) -> ImportReport {
    let count = |o: ImportOutcome| applied.rows.iter().filter(|r| r.outcome == o).count() as u32;
    let mut out = ImportReport {
        cancelled: false,
        created: count(ImportOutcome::Created),
        updated: count(ImportOutcome::Updated),
        unchanged: count(ImportOutcome::Unchanged),
        skipped: skipped.len() as u32,
        rows: skipped,
        rows_omitted: 0,
        imported_at: now,
    };
    out.rows.sort_by_key(|r| r.line);
    for outcome in [
        ImportOutcome::Updated,
        ImportOutcome::Unchanged,
        ImportOutcome::Created,
    ] {
        for r in applied.rows.iter().filter(|r| r.outcome == outcome) {
            out.rows.push(ImportRowReport {
                line: r.line,
                outcome,
                name: r.name.clone(),
                contact_id: Some(r.contact),
                notes: notes.remove(&r.line).unwrap_or_default(),
            });
        }
    }
    if out.rows.len() > IMPORT_REPORT_ROWS_MAX {
        out.rows_omitted = (out.rows.len() - IMPORT_REPORT_ROWS_MAX) as u32;
        out.rows.truncate(IMPORT_REPORT_ROWS_MAX);
    }
    out
}

/// The report of an import cancelled before its commit: nothing was written.
fn cancelled(now: Millis) -> ImportReport {
    ImportReport {
        cancelled: true,
        created: 0,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        rows: Vec::new(),
        rows_omitted: 0,
        imported_at: now,
    }
}

/// The whole import on a store the caller holds (tests, the benchmark, the crash test's
/// child): read, plan, apply in one transaction. `progress` as in [`Store::import_contacts`].
pub fn import_into(
    store: &mut Store,
    file_name: &str,
    bytes: &[u8],
    request: &ImportRequest,
    now: Millis,
    progress: &mut dyn FnMut(u32) -> bool,
) -> Result<ImportReport, String> {
    let sources = store.import_match_sources().map_err(|e| e.to_string())?;
    let planned = prepare(file_name, bytes, request, &sources)?;
    match store
        .import_contacts(&planned.plan, now, progress)
        .map_err(|e| e.to_string())?
    {
        None => Ok(cancelled(now)),
        Some(applied) => Ok(report(planned.skipped, planned.notes, &applied, now)),
    }
}

/// Clears the running import's flag when the import ends, however it ends.
struct Running<'a>(&'a ImportState);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        *self.0.running.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl Parley {
    /// Keeps an uploaded file for the wizard (in place of any earlier one) and previews it.
    /// `body` is `None` when the bytes did not arrive as a raw IPC body.
    pub async fn stage_import_file(
        &self,
        body: Option<Vec<u8>>,
        file_name: Option<String>,
    ) -> Result<ImportPreview, IpcError> {
        let bytes = body.ok_or_else(|| {
            invalid("The file's bytes did not arrive. Choose the file again.".into())
        })?;
        let name = file_name
            .map(|n| crate::files::display_name(&n, "text/csv"))
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "customers.csv".into());
        let bytes = Arc::new(bytes);
        let shown = name.clone();
        let for_preview = bytes.clone();
        let preview = tokio::task::spawn_blocking(move || preview(&shown, &for_preview, None))
            .await
            .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?
            .map_err(|why| invalid(format!("\"{name}\" cannot be imported: {why}.")))?;
        *self.import.staged.lock().unwrap_or_else(|e| e.into_inner()) = Some((name, bytes));
        Ok(preview)
    }

    fn staged_import(&self) -> Result<(String, Arc<Vec<u8>>), IpcError> {
        self.import
            .staged
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| invalid("Choose a file to import first.".into()))
    }

    /// The staged file again, read in `encoding` (`None`: as detected).
    pub async fn preview_import(
        &self,
        encoding: Option<String>,
    ) -> Result<ImportPreview, IpcError> {
        let (name, bytes) = self.staged_import()?;
        tokio::task::spawn_blocking(move || {
            preview(&name, &bytes, encoding.as_deref())
                .map_err(|why| invalid(format!("\"{name}\" cannot be imported: {why}.")))
        })
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?
    }

    /// Imports the staged file as `request` says, in one transaction (see the module doc),
    /// reporting progress as [`CoreEvent::ImportProgress`]. Answers the exact report, or a
    /// report marked `cancelled` (nothing written) after [`Parley::cancel_import`].
    pub async fn run_import(&self, request: ImportRequest) -> Result<ImportReport, IpcError> {
        let (name, bytes) = self.staged_import()?;
        let cancel = Arc::new(AtomicBool::new(false));
        {
            let mut running = self
                .import
                .running
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if running.is_some() {
                return Err(invalid(
                    "An import is already running; wait for it or cancel it.".into(),
                ));
            }
            *running = Some(cancel.clone());
        }
        let _running = Running(&self.import);
        let now = self.clock.now();
        let sources = self
            .db
            .call(|s| s.import_match_sources())
            .await
            .map_err(errors::store)?;
        let planned = tokio::task::spawn_blocking(move || {
            prepare(&name, &bytes, &request, &sources)
                .map_err(|why| invalid(format!("Nothing was imported: {why}.")))
        })
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))??;
        if cancel.load(Ordering::SeqCst) {
            return Ok(cancelled(now));
        }
        let total = planned.plan.rows.len() as u32;
        let events = self.events.clone();
        let _ = events.send(CoreEvent::ImportProgress { done: 0, total });
        let plan = planned.plan;
        let flag = cancel.clone();
        let applied = self
            .db
            .call(move |s| {
                s.import_contacts(&plan, now, &mut |done| {
                    let _ = events.send(CoreEvent::ImportProgress { done, total });
                    !flag.load(Ordering::SeqCst)
                })
            })
            .await
            .map_err(|e| match e {
                parley_store::StoreError::Invalid(why) => {
                    invalid(format!("Nothing was imported: {why}."))
                }
                other => errors::store(other),
            })?;
        let Some(applied) = applied else {
            return Ok(cancelled(now));
        };
        let _ = self.events.send(CoreEvent::ContactsChanged);
        Ok(report(planned.skipped, planned.notes, &applied, now))
    }

    /// Cancels the running import, if one is: it stops before its commit and writes nothing.
    /// Answers whether one was running.
    pub fn cancel_import(&self) -> bool {
        match &*self
            .import
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
        {
            Some(flag) => {
                flag.store(true, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }
}
