//! Files of replies: staged in a thread's composer (they survive a restart with the draft),
//! then carried by outbox items. The bytes are in the data folder; the caller writes a file
//! before staging it and deletes the files the store says are no longer anyone's.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::threads::ensure_thread;
use crate::types::StoredFile;
use parley_domain::{
    Attachment, AttachmentKind, MessageId, Millis, OutboxId, StagedAttachment, ThreadId,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::PathBuf;

/// The prefix of `Attachment.remote_ref` for a file of an outbound reply, kept on this computer.
pub const LOCAL_REF_PREFIX: &str = "local:";

fn stored_file(r: &rusqlite::Row<'_>, from: usize) -> rusqlite::Result<StoredFile> {
    Ok(StoredFile {
        key: r.get(from)?,
        path: PathBuf::from(r.get::<_, String>(from + 1)?),
        file_name: r.get(from + 2)?,
        mime_type: r.get(from + 3)?,
        size: r.get(from + 4)?,
    })
}

/// The files staged in `thread`, in the order they were added.
pub(crate) fn staged_in(conn: &Connection, thread: ThreadId) -> Result<Vec<StoredFile>> {
    let mut stmt = conn.prepare_cached(
        "SELECT file_key, path, file_name, mime_type, size FROM staged_files
         WHERE thread_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([thread.0], |r| stored_file(r, 0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub(crate) fn attach_to_outbox(
    conn: &Connection,
    outbox: OutboxId,
    position: usize,
    f: &StoredFile,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO outbox_files (outbox_id, position, file_key, path, file_name, mime_type, size)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        outbox.0,
        position as i64,
        f.key,
        f.path.to_string_lossy(),
        f.file_name,
        f.mime_type,
        f.size
    ])?;
    Ok(())
}

/// How an outbound message shows one of its files (opened from this computer).
pub(crate) fn attachment_of(f: &StoredFile) -> Attachment {
    let kind = match f.mime_type.split('/').next().unwrap_or("") {
        "image" => AttachmentKind::Photo,
        "video" => AttachmentKind::Video,
        "audio" => AttachmentKind::Audio,
        _ => AttachmentKind::Document,
    };
    Attachment {
        kind,
        remote_ref: Some(format!("{LOCAL_REF_PREFIX}{}", f.key)),
        file_name: Some(f.file_name.clone()),
        mime_type: Some(f.mime_type.clone()),
        size: Some(f.size),
        description: None,
    }
}

impl Store {
    /// Records a file already written at `file.path` as staged in `thread`'s composer.
    pub fn stage_file(
        &mut self,
        thread: ThreadId,
        file: &StoredFile,
        now: Millis,
    ) -> Result<StagedAttachment> {
        ensure_thread(&self.conn, thread)?;
        let id: i64 = self
            .conn
            .prepare_cached(
                "INSERT INTO staged_files (thread_id, file_key, path, file_name, mime_type, size,
                                           created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            )?
            .query_row(
                params![
                    thread.0,
                    file.key,
                    file.path.to_string_lossy(),
                    file.file_name,
                    file.mime_type,
                    file.size,
                    now
                ],
                |r| r.get(0),
            )?;
        Ok(StagedAttachment {
            id,
            file_name: file.file_name.clone(),
            mime_type: file.mime_type.clone(),
            size: file.size,
        })
    }

    /// The files staged in `thread`'s composer, oldest first.
    pub fn staged_files(&self, thread: ThreadId) -> Result<Vec<StagedAttachment>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, file_name, mime_type, size FROM staged_files
             WHERE thread_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([thread.0], |r| {
                Ok(StagedAttachment {
                    id: r.get(0)?,
                    file_name: r.get(1)?,
                    mime_type: r.get(2)?,
                    size: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Takes a staged file off the composer; returns its file, for the caller to delete.
    pub fn unstage_file(&mut self, id: i64) -> Result<StoredFile> {
        self.conn
            .prepare_cached(
                "DELETE FROM staged_files WHERE id = ?1
                 RETURNING file_key, path, file_name, mime_type, size",
            )?
            .query_row([id], |r| stored_file(r, 0))
            .optional()?
            .ok_or(StoreError::NotFound("staged file"))
    }

    /// The files an outbox item carries, in order.
    pub fn outbox_files(&self, id: OutboxId) -> Result<Vec<StoredFile>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT file_key, path, file_name, mime_type, size FROM outbox_files
             WHERE outbox_id = ?1 ORDER BY position",
        )?;
        let rows = stmt
            .query_map([id.0], |r| stored_file(r, 0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The files of the reply `message` (for deleting them after it is discarded).
    pub fn message_files(&self, message: MessageId) -> Result<Vec<StoredFile>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.file_key, f.path, f.file_name, f.mime_type, f.size
             FROM outbox_files f JOIN outbox o ON o.id = f.outbox_id
             WHERE o.message_id = ?1 ORDER BY f.position",
        )?;
        let rows = stmt
            .query_map([message.0], |r| stored_file(r, 0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The local file behind an outbound message's attachment (`remote_ref` = `"local:" + key`),
    /// while its message exists.
    pub fn local_file(&self, key: &str) -> Result<Option<StoredFile>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT file_key, path, file_name, mime_type, size FROM outbox_files
                 WHERE file_key = ?1
                 UNION ALL
                 SELECT file_key, path, file_name, mime_type, size FROM staged_files
                 WHERE file_key = ?1
                 LIMIT 1",
            )?
            .query_row([key], |r| stored_file(r, 0))
            .optional()?)
    }

    /// Every file key still someone's (staged, or carried by a reply that exists): the rest of
    /// the outgoing folder can be deleted.
    pub fn file_keys_in_use(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT file_key FROM staged_files UNION SELECT file_key FROM outbox_files",
        )?;
        let rows = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}
