//! Parley's local store: one SQLite file in WAL mode.
//!
//! [`Store`] owns one connection and is `Send`; the caller wraps it in a mutex and calls it from
//! blocking tasks. Every write that must be atomic (a sync page with its cursor, an outbox
//! transition) is one transaction. Paging is keyset on (time, id), never OFFSET.

// Column lists as macros so queries are built with `concat!` at compile time: static strings are
// what `prepare_cached` keys on, with no formatting per call. Each matches a mapper in `rows`.
macro_rules! message_columns {
    () => {
        "m.id, m.thread_id, m.direction, m.author_name, m.text, m.attachments, m.sent_at, \
         m.edited_at, m.delivery, m.delivery_note, \
         CASE WHEN m.delivery = 'held' THEN \
           (SELECT o.hold_reason FROM outbox o WHERE o.message_id = m.id) END, \
         m.subject, m.quoted_text, \
         (SELECT json_array_length(h.remote_images) FROM message_html h \
          WHERE h.message_id = m.id) AS html_remote_images, \
         m.deleted_on_server_at IS NOT NULL AS deleted_on_server, \
         m.automated_kind AS automated_kind, m.automated_rule AS automated_rule"
    };
}
macro_rules! thread_columns {
    () => {
        "t.id, t.account_id, a.channel, t.contact_id, c.display_name, t.snippet, \
         t.snippet_direction, t.last_activity_at, t.unread_count, t.status, t.priority, \
         t.owner, t.owner_app_id, t.snoozed_until, t.waiting_since, \
         (SELECT group_concat(tl.label_id) FROM thread_labels tl WHERE tl.thread_id = t.id), \
         c.vip, c.blocked, t.mood, t.mood_severity, t.mood_level, t.mood_at"
    };
}
macro_rules! thread_from {
    () => {
        "threads t JOIN accounts a ON a.id = t.account_id JOIN contacts c ON c.id = t.contact_id"
    };
}
macro_rules! account_columns {
    () => {
        "id, channel, name, handle, external_id, is_demo, created_at, last_error, last_sync_at, \
         removed_at"
    };
}
macro_rules! outbox_columns {
    () => {
        "id, message_id, thread_id, account_id, body, state, attempts, next_attempt_at, \
         last_error, created_at, hold_reason, resends, client_message_id, send_options"
    };
}

mod accounts;
mod annotations;
mod automation;
mod avatars;
pub mod backup;
mod bot;
mod cipher;
mod client_ids;
mod contact_merge;
mod contacts;
mod customer;
mod customer_export;
mod decisions;
mod directory;
mod drafts;
mod erase;
mod error;
pub mod export;
mod files;
mod html;
mod import;
mod ingest;
mod merge;
mod metrics;
pub mod migrations;
mod mood;
mod notes;
mod open_hours;
mod outbound;
mod outbox;
mod retention;
mod review;
mod rows;
mod saved_replies;
mod search;
mod server_changes;
mod settings;
#[cfg(test)]
mod test_support;
mod text;
mod threads;
mod timeline;
mod types;
mod views;
mod workflow;

pub use automation::{AutomatedQueued, AutomationContext};
pub use avatars::AvatarDue;
pub use bot::{BotContext, BotPending, BotSessionRow, BotTurn, HANDOFF_PRIORITY, PENDING_MAX};
pub use cipher::{
    DatabaseFile, DbKey, KEY_BYTES, connect, database_file, encrypt_database, encrypt_in_place,
    encrypting_path, export as export_database,
};
pub use customer::{TimeHints, clean_tag};
pub use customer_export::CustomerFiles;
pub use directory::search_patterns;
pub use erase::ErasedFiles;
pub use error::{Result, StoreError};
pub use files::LOCAL_REF_PREFIX;
pub use html::{HtmlToFetch, StoredHtml};
pub use import::{AppliedImport, AppliedRow, ImportPlan, MatchSource, PlannedRow};
pub use merge::NOTIFICATION_PREFS_KEY;
pub use metrics::{LocalOffsets, civil_day, stats_of_sorted};
pub use mood::QueueStats;
pub use notes::checked_attribute;
pub use open_hours::{Calendar, OpenHours};
pub use outbound::OPTED_OUT_REFUSAL;
pub use retention::{PurgedBatch, PurgedFile, RetentionCount, RetentionRow};
pub use review::{TARGETS_KEY, default_target_minutes, targets_from_json};
pub use saved_replies::NewSavedReply;
/// Public for the fuzzing suite (`fuzz/`, the `search_query` target), which checks the query's
/// shape for any input.
#[doc(hidden)]
pub use text::fts_query;
pub use timeline::{ChannelThread, TimelinePage};
pub use types::*;
pub use workflow::WokenThread;

use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

/// Long enough to ride out a checkpoint or a second connection (a backup, a CLI) holding the lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The page cache, in KiB (negative `cache_size` means KiB, not pages).
const CACHE_KIB: i64 = -16 * 1024;

/// Pages written to the WAL before it is copied back into the database.
const WAL_AUTOCHECKPOINT_FRAMES: i64 = 8192;

/// Bytes a checkpointed WAL file is truncated to.
const WAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// More than the number of distinct hot statements, so none is evicted and re-prepared.
const STATEMENT_CACHE: usize = 96;

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path)?;
        Self::setup(conn)
    }

    /// A private database that vanishes when dropped, for tests.
    pub fn open_in_memory() -> Result<Store> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Store> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL: readers never block the writer, and commits are one sequential append.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // FULL: a committed draft or outbox item must survive a power cut, not only a crash.
        conn.pragma_update(None, "synchronous", "FULL")?;
        // A sync batch dirties a few pages per message at random (the thread row, its place in
        // the inbox order, the thread's message index), so the default 2 MiB page cache re-reads
        // them from the OS for every batch. 16 MiB holds them; 32 or 64 MiB bought nothing
        // measurable at 200k messages and would count against the memory budget (P5).
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        // Statement journals and the ingest staging table (`ingest.rs`) stay in memory.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // One batch writes ~1000 WAL frames, so the default checkpoint (every 1000 frames) ran
        // after every commit, copying each page to the database (and syncing it) again. Every
        // 8192 frames (32 MiB) the pages the batches keep rewriting are copied once per
        // checkpoint instead. Durability is the WAL's; this only moves the copying.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_FRAMES)?;
        // A WAL that grew while a reader held back the checkpoint is cut back to this.
        conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        migrations::migrate(&mut conn, None)?;
        Ok(Store { conn })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32> {
        migrations::version(&self.conn)
    }
}
