//! Per-customer export (a data-subject access request, issue 18): everything Parley holds about
//! a customer and everyone merged into them — identities with their opt-out, conversations on
//! every channel with every message, the downloaded attachments themselves, notes, details,
//! tags, local time — as one zip:
//!
//! - `customer.json`: the versioned schema `parley.customer` (`docs/export-schema.md`); its
//!   conversations are the Review export's (`parley_store::export::JsonConversation`);
//! - `customer.html`: readable offline, written by the Review export's HTML writer (every piece
//!   of text escaped, a CSP that allows no script) after a profile section;
//! - `files/`: each attachment Parley downloaded, named `{message id}-{part}-{name}`.
//!
//! Where it goes: the save dialog as the Review export (`PARLEY_EXPORT_PATH` overrides it).
//! Written to `.name.partial` beside the target and renamed once complete; conversations are
//! read [`EXPORT_BATCH`] at a time.

use crate::errors;
use crate::facade::Parley;
use crate::review::export::{EXPORT_BATCH, safe_name};
use parley_domain::*;
use parley_store::export::ExportWriter;
use parley_store::export::{ExportMeta, HtmlWriter, JsonConversation, html_escape, iso_utc};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Bumped when a field changes meaning or goes away (adding one does not bump it).
pub const CUSTOMER_SCHEMA_VERSION: u32 = 1;
pub const CUSTOMER_SCHEMA: &str = "parley.customer";

/// The person, as `customer.json` holds it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonCustomer<'a> {
    id: i64,
    name: &'a str,
    first_seen_at: String,
    vip: bool,
    blocked: bool,
    identities: &'a [IdentityView],
    merged_contacts: Vec<JsonMerged>,
    notes: &'a [ContactNote],
    attributes: &'a [ContactAttribute],
    tags: &'a [String],
    local_time: &'a Option<CustomerTime>,
    imported: &'a Option<ImportedFrom>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonMerged {
    id: i64,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFile {
    message_id: i64,
    name: String,
    /// Its path in the zip; `null` when Parley never downloaded it (it lives at the provider).
    path: Option<String>,
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

fn io(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl Parley {
    /// Exports everything about the customer `contact` to a zip the owner picks (see the module
    /// doc).
    pub async fn export_customer(
        &self,
        contact: ContactId,
    ) -> Result<CustomerExportOutcome, IpcError> {
        let ctx = self.contact_by_id(contact).await?;
        let (merged, threads, files) = self
            .db
            .call(move |s| {
                Ok((
                    s.customer_merged(contact)?,
                    s.customer_threads(contact)?,
                    s.customer_files(contact)?,
                ))
            })
            .await
            .map_err(errors::store)?;
        let name = format!("parley-customer-{}", safe_name(&ctx.display_name));
        let Some(target) = self.export_target(name, "zip").await? else {
            return Ok(CustomerExportOutcome {
                path: None,
                conversations: 0,
                messages: 0,
                files: 0,
            });
        };
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| storage(&target, e))?;
        }
        let now = self.clock.now();
        // The conversations, a batch at a time, kept as their JSON form and HTML (one
        // customer's history; the Review export streams whole workspaces).
        let mut conversations = Vec::new();
        let mut html = Vec::new();
        let mut messages = 0i64;
        {
            let mut writer = HtmlWriter::new(&mut html);
            writer
                .begin(&ExportMeta {
                    exported_at: now,
                    checklist: vec![],
                })
                .map_err(|e| storage(&target, e))?;
            writer
                .raw(&profile_html(&ctx, &merged))
                .map_err(|e| storage(&target, e))?;
            for chunk in threads.chunks(EXPORT_BATCH as usize) {
                let chunk = chunk.to_vec();
                let batch = self
                    .db
                    .call(move |s| s.export_batch(&chunk, &[], now, false))
                    .await
                    .map_err(errors::store)?;
                for c in &batch {
                    messages += c.messages.len() as i64;
                    writer.conversation(c).map_err(|e| storage(&target, e))?;
                    conversations.push(JsonConversation::from_export(c));
                }
            }
            writer.finish().map_err(|e| storage(&target, e))?;
        }
        // The files on disk, by account.
        let base = self.paths().attachments();
        let mut listed = Vec::new();
        for f in &files {
            let dir = crate::files::account_files(&base, f.channel, &f.external_id);
            for (index, a) in f.attachments.iter().enumerate() {
                let name =
                    crate::files::safe_file_name(a.file_name.as_deref(), a.mime_type.as_deref());
                let on_disk = a
                    .remote_ref
                    .as_deref()
                    .map(|r| crate::files::attachment_file(&dir, &f.key, index, r, &name));
                let on_disk = on_disk.filter(|p| p.is_file());
                let zip_path = on_disk
                    .as_ref()
                    .map(|_| format!("files/{}-{index}-{name}", f.message_id.0));
                listed.push((
                    JsonFile {
                        message_id: f.message_id.0,
                        name: name.clone(),
                        path: zip_path,
                    },
                    on_disk,
                ));
            }
        }
        let customer = JsonCustomer {
            id: ctx.contact_id.0,
            name: &ctx.display_name,
            first_seen_at: iso_utc(ctx.first_seen_at),
            vip: ctx.vip,
            blocked: ctx.blocked,
            identities: &ctx.identities,
            merged_contacts: merged
                .iter()
                .map(|(id, name)| JsonMerged {
                    id: id.0,
                    name: name.clone(),
                })
                .collect(),
            notes: &ctx.notes,
            attributes: &ctx.attributes,
            tags: &ctx.tags,
            local_time: &ctx.local_time,
            imported: &ctx.imported,
        };
        let json_files: Vec<&JsonFile> = listed.iter().map(|(f, _)| f).collect();
        let json = serde_json::to_vec_pretty(&serde_json::json!({
            "schema": CUSTOMER_SCHEMA,
            "version": CUSTOMER_SCHEMA_VERSION,
            "exportedAt": iso_utc(now),
            "customer": customer,
            "conversations": conversations,
            "files": json_files,
        }))
        .map_err(|e| storage(&target, e))?;
        let file_count = listed.iter().filter(|(_, p)| p.is_some()).count() as i64;
        let conversation_count = conversations.len() as i64;
        let partial = target.with_file_name(format!(
            ".{}.partial",
            target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "export".into())
        ));
        let (p, t) = (partial.clone(), target.clone());
        let written = tokio::task::spawn_blocking(move || {
            let file = std::fs::File::create(&p)?;
            let mut zip = zip::ZipWriter::new(file);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("customer.json", options).map_err(io)?;
            zip.write_all(&json)?;
            zip.start_file("customer.html", options).map_err(io)?;
            zip.write_all(&html)?;
            for (f, on_disk) in &listed {
                if let (Some(zip_path), Some(path)) = (&f.path, on_disk) {
                    let mut src = match std::fs::File::open(path) {
                        Ok(s) => s,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(e),
                    };
                    zip.start_file(zip_path.as_str(), options).map_err(io)?;
                    std::io::copy(&mut src, &mut zip)?;
                }
            }
            let file = zip.finish().map_err(io)?;
            file.sync_all()?;
            std::fs::rename(&p, &t)
        })
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(storage(&target, e));
        }
        Ok(CustomerExportOutcome {
            path: Some(target.to_string_lossy().into_owned()),
            conversations: conversation_count,
            messages,
            files: file_count,
        })
    }
}

/// The customer's profile as an HTML section (every value escaped).
fn profile_html(ctx: &ContactContext, merged: &[(ContactId, String)]) -> String {
    let e = html_escape;
    let mut s = format!(
        "<section><h2>Customer: {}</h2><p class=\"meta\">Customer {} · first seen {}{}{}</p>\n",
        e(&ctx.display_name),
        ctx.contact_id.0,
        e(&iso_utc(ctx.first_seen_at)),
        if ctx.vip { " · VIP" } else { "" },
        if ctx.blocked { " · blocked" } else { "" },
    );
    s.push_str("<h3>Identities</h3><ul>\n");
    for i in &ctx.identities {
        s.push_str(&format!(
            "<li>{} on {} ({}): {}{}{}</li>\n",
            e(&i.display_name),
            e(i.channel.display_name()),
            e(&i.account_name),
            e(&i.remote_id),
            i.handle
                .as_deref()
                .map(|h| format!(" · {}", e(h)))
                .unwrap_or_default(),
            if i.opted_out {
                " · opted out"
            } else {
                " · not opted out"
            },
        ));
    }
    s.push_str("</ul>\n");
    if !merged.is_empty() {
        s.push_str("<h3>Merged into this customer</h3><ul>\n");
        for (id, name) in merged {
            s.push_str(&format!("<li>{} (customer {})</li>\n", e(name), id.0));
        }
        s.push_str("</ul>\n");
    }
    if !ctx.attributes.is_empty() {
        s.push_str("<h3>Details</h3><ul>\n");
        for a in &ctx.attributes {
            s.push_str(&format!("<li>{}: {}</li>\n", e(&a.key), e(&a.value)));
        }
        s.push_str("</ul>\n");
    }
    if !ctx.tags.is_empty() {
        let tags: Vec<String> = ctx.tags.iter().map(|t| e(t)).collect();
        s.push_str(&format!("<h3>Tags</h3><p>{}</p>\n", tags.join(", ")));
    }
    if !ctx.notes.is_empty() {
        s.push_str("<h3>Notes</h3>\n");
        for n in &ctx.notes {
            s.push_str(&format!(
                "<div class=\"note\"><span class=\"who\">{} · {}</span>: {}</div>\n",
                e(&n.author),
                e(&iso_utc(n.created_at)),
                e(&n.body)
            ));
        }
    }
    s.push_str("</section>\n");
    s
}
