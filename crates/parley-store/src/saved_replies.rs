//! Saved replies (`parley-core/src/saved_replies/` fills and inserts them): a reply with its
//! folder, title and default body, a body per channel where one differs, the files it carries
//! (written under the data folder by the caller before they are recorded here), and how often
//! agents inserted it. A title is unique within its folder, case ignored.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::types::StoredFile;
use parley_domain::{
    ChannelKind, Millis, SavedReply, SavedReplyFile, SavedReplyId, SavedReplyInput,
    SavedReplyVariant,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::PathBuf;

/// A saved reply to write with its files (an import: the files are already on disk).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSavedReply {
    pub input: SavedReplyInput,
    pub files: Vec<StoredFile>,
}

fn variants_of(conn: &Connection, id: SavedReplyId) -> Result<Vec<SavedReplyVariant>> {
    let mut stmt = conn.prepare_cached(
        "SELECT channel, body FROM saved_reply_variants WHERE saved_reply_id = ?1",
    )?;
    let mut out = stmt
        .query_map([id.0], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .map(|row| {
            let (channel, body) = row?;
            let channel = ChannelKind::parse(&channel)
                .ok_or_else(|| StoreError::Corrupt(format!("saved reply channel {channel:?}")))?;
            Ok(SavedReplyVariant { channel, body })
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|v| ChannelKind::ALL.iter().position(|c| *c == v.channel));
    Ok(out)
}

fn files_of(conn: &Connection, id: SavedReplyId) -> Result<Vec<SavedReplyFile>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, file_name, mime_type, size FROM saved_reply_files
         WHERE saved_reply_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([id.0], |r| {
            Ok(SavedReplyFile {
                id: r.get(0)?,
                file_name: r.get(1)?,
                mime_type: r.get(2)?,
                size: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

fn reply_of(conn: &Connection, id: SavedReplyId) -> Result<SavedReply> {
    let head = conn
        .prepare_cached(
            "SELECT folder, title, body, uses, last_used_at, updated_at FROM saved_replies
             WHERE id = ?1",
        )?
        .query_row([id.0], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .optional()?
        .ok_or(StoreError::NotFound("saved reply"))?;
    let (folder, title, body, uses, last_used_at, updated_at) = head;
    Ok(SavedReply {
        id,
        folder,
        title,
        body,
        variants: variants_of(conn, id)?,
        files: files_of(conn, id)?,
        uses,
        last_used_at,
        updated_at,
    })
}

/// Refuses a title its folder already has (another reply than `except`).
fn ensure_title_free(
    conn: &Connection,
    folder: &str,
    title: &str,
    except: Option<SavedReplyId>,
) -> Result<()> {
    let taken: Option<i64> = conn
        .prepare_cached(
            "SELECT id FROM saved_replies
             WHERE folder = ?1 COLLATE NOCASE AND title = ?2 COLLATE NOCASE",
        )?
        .query_row(params![folder, title], |r| r.get(0))
        .optional()?;
    match taken {
        Some(id) if Some(SavedReplyId(id)) != except => Err(StoreError::Duplicate),
        _ => Ok(()),
    }
}

fn write_variants(
    conn: &Connection,
    id: SavedReplyId,
    variants: &[SavedReplyVariant],
) -> Result<()> {
    conn.prepare_cached("DELETE FROM saved_reply_variants WHERE saved_reply_id = ?1")?
        .execute([id.0])?;
    for v in variants {
        conn.prepare_cached(
            "INSERT INTO saved_reply_variants (saved_reply_id, channel, body) VALUES (?1, ?2, ?3)
             ON CONFLICT (saved_reply_id, channel) DO UPDATE SET body = excluded.body",
        )?
        .execute(params![id.0, v.channel.as_str(), v.body])?;
    }
    Ok(())
}

fn insert_reply(conn: &Connection, input: &SavedReplyInput, now: Millis) -> Result<SavedReplyId> {
    ensure_title_free(conn, &input.folder, &input.title, None)?;
    let id: i64 = conn
        .prepare_cached(
            "INSERT INTO saved_replies (folder, title, body, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
        )?
        .query_row(params![input.folder, input.title, input.body, now], |r| {
            r.get(0)
        })?;
    let id = SavedReplyId(id);
    write_variants(conn, id, &input.variants)?;
    Ok(id)
}

fn insert_file(
    conn: &Connection,
    id: SavedReplyId,
    file: &StoredFile,
    now: Millis,
) -> Result<SavedReplyFile> {
    let file_id: i64 = conn
        .prepare_cached(
            "INSERT INTO saved_reply_files (saved_reply_id, file_key, path, file_name, mime_type,
                                            size, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        )?
        .query_row(
            params![
                id.0,
                file.key,
                file.path.to_string_lossy(),
                file.file_name,
                file.mime_type,
                file.size,
                now
            ],
            |r| r.get(0),
        )?;
    Ok(SavedReplyFile {
        id: file_id,
        file_name: file.file_name.clone(),
        mime_type: file.mime_type.clone(),
        size: file.size,
    })
}

fn stored_file(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredFile> {
    Ok(StoredFile {
        key: r.get(0)?,
        path: PathBuf::from(r.get::<_, String>(1)?),
        file_name: r.get(2)?,
        mime_type: r.get(3)?,
        size: r.get(4)?,
    })
}

impl Store {
    /// Every saved reply: the most used first, then by folder and title (case ignored).
    pub fn saved_replies(&self) -> Result<Vec<SavedReply>> {
        let ids: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT id FROM saved_replies
                 ORDER BY uses DESC, folder COLLATE NOCASE, title COLLATE NOCASE, id",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter()
            .map(|id| reply_of(&self.conn, SavedReplyId(id)))
            .collect()
    }

    pub fn saved_reply(&self, id: SavedReplyId) -> Result<SavedReply> {
        reply_of(&self.conn, id)
    }

    /// Creates a saved reply (its title must be free in its folder: `Duplicate`).
    pub fn create_saved_reply(
        &mut self,
        input: &SavedReplyInput,
        now: Millis,
    ) -> Result<SavedReply> {
        let tx = self.conn.transaction()?;
        let id = insert_reply(&tx, input, now)?;
        let reply = reply_of(&tx, id)?;
        tx.commit()?;
        Ok(reply)
    }

    /// Replaces a saved reply's folder, title, body and variants (its files and uses stay).
    pub fn update_saved_reply(
        &mut self,
        id: SavedReplyId,
        input: &SavedReplyInput,
        now: Millis,
    ) -> Result<SavedReply> {
        let tx = self.conn.transaction()?;
        reply_of(&tx, id)?;
        ensure_title_free(&tx, &input.folder, &input.title, Some(id))?;
        tx.prepare_cached(
            "UPDATE saved_replies SET folder = ?2, title = ?3, body = ?4, updated_at = ?5
             WHERE id = ?1",
        )?
        .execute(params![id.0, input.folder, input.title, input.body, now])?;
        write_variants(&tx, id, &input.variants)?;
        let reply = reply_of(&tx, id)?;
        tx.commit()?;
        Ok(reply)
    }

    /// Deletes a saved reply; answers its files, for the caller to delete.
    pub fn delete_saved_reply(&mut self, id: SavedReplyId) -> Result<Vec<StoredFile>> {
        let tx = self.conn.transaction()?;
        let files = {
            let mut stmt = tx.prepare_cached(
                "SELECT file_key, path, file_name, mime_type, size FROM saved_reply_files
                 WHERE saved_reply_id = ?1 ORDER BY id",
            )?;
            stmt.query_map([id.0], stored_file)?
                .collect::<rusqlite::Result<Vec<_>>>()?
        };
        let n = tx
            .prepare_cached("DELETE FROM saved_replies WHERE id = ?1")?
            .execute([id.0])?;
        if n == 0 {
            return Err(StoreError::NotFound("saved reply"));
        }
        tx.commit()?;
        Ok(files)
    }

    /// Records a file already written at `file.path` as one of the reply's.
    pub fn add_saved_reply_file(
        &mut self,
        id: SavedReplyId,
        file: &StoredFile,
        now: Millis,
    ) -> Result<SavedReplyFile> {
        let tx = self.conn.transaction()?;
        reply_of(&tx, id)?;
        let out = insert_file(&tx, id, file, now)?;
        tx.prepare_cached("UPDATE saved_replies SET updated_at = ?2 WHERE id = ?1")?
            .execute(params![id.0, now])?;
        tx.commit()?;
        Ok(out)
    }

    /// Takes a file off its saved reply; answers it, for the caller to delete.
    pub fn remove_saved_reply_file(&mut self, file_id: i64) -> Result<StoredFile> {
        self.conn
            .prepare_cached(
                "DELETE FROM saved_reply_files WHERE id = ?1
                 RETURNING file_key, path, file_name, mime_type, size",
            )?
            .query_row([file_id], stored_file)
            .optional()?
            .ok_or(StoreError::NotFound("saved reply file"))
    }

    /// The files of a saved reply, with where they are, in order.
    pub fn saved_reply_stored_files(&self, id: SavedReplyId) -> Result<Vec<StoredFile>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT file_key, path, file_name, mime_type, size FROM saved_reply_files
             WHERE saved_reply_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([id.0], stored_file)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Every saved-reply file key (the rest of the saved-replies folder can be deleted).
    pub fn saved_reply_file_keys(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT file_key FROM saved_reply_files")?;
        let rows = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// An agent inserted the reply: one more use.
    pub fn count_saved_reply_use(&mut self, id: SavedReplyId, now: Millis) -> Result<()> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE saved_replies SET uses = uses + 1, last_used_at = ?2 WHERE id = ?1",
            )?
            .execute(params![id.0, now])?;
        if n == 0 {
            return Err(StoreError::NotFound("saved reply"));
        }
        Ok(())
    }

    /// Which of these (folder, title) pairs a saved reply already has (case ignored), by
    /// position.
    pub fn saved_reply_titles_taken(&self, pairs: &[(String, String)]) -> Result<Vec<bool>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT 1 FROM saved_replies
             WHERE folder = ?1 COLLATE NOCASE AND title = ?2 COLLATE NOCASE",
        )?;
        pairs
            .iter()
            .map(|(f, t)| {
                Ok(stmt
                    .query_row(params![f, t], |_| Ok(()))
                    .optional()?
                    .is_some())
            })
            .collect()
    }

    /// Writes several saved replies with their files in one transaction: all or none (a title
    /// taken meanwhile fails the whole import with `Duplicate`).
    pub fn import_saved_replies(
        &mut self,
        replies: &[NewSavedReply],
        now: Millis,
    ) -> Result<usize> {
        let tx = self.conn.transaction()?;
        for r in replies {
            let id = insert_reply(&tx, &r.input, now)?;
            for f in &r.files {
                insert_file(&tx, id, f, now)?;
            }
        }
        tx.commit()?;
        Ok(replies.len())
    }

    /// Every saved reply with its files' paths (an export).
    pub fn saved_replies_with_files(&self) -> Result<Vec<(SavedReply, Vec<StoredFile>)>> {
        let mut files: HashMap<i64, Vec<StoredFile>> = HashMap::new();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT saved_reply_id, file_key, path, file_name, mime_type, size
                 FROM saved_reply_files ORDER BY id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                files.entry(id).or_default().push(StoredFile {
                    key: r.get(1)?,
                    path: PathBuf::from(r.get::<_, String>(2)?),
                    file_name: r.get(3)?,
                    mime_type: r.get(4)?,
                    size: r.get(5)?,
                });
            }
        }
        let mut replies = self.saved_replies()?;
        replies.sort_by(|a, b| {
            (a.folder.to_lowercase(), a.title.to_lowercase())
                .cmp(&(b.folder.to_lowercase(), b.title.to_lowercase()))
        });
        Ok(replies
            .into_iter()
            .map(|r| {
                let f = files.remove(&r.id.0).unwrap_or_default();
                (r, f)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(folder: &str, title: &str, body: &str) -> SavedReplyInput {
        SavedReplyInput {
            folder: folder.into(),
            title: title.into(),
            body: body.into(),
            variants: vec![],
        }
    }

    fn file(key: &str) -> StoredFile {
        StoredFile {
            key: key.into(),
            path: PathBuf::from(format!("/tmp/{key}")),
            file_name: "size-chart.pdf".into(),
            mime_type: "application/pdf".into(),
            size: 12,
        }
    }

    #[test]
    fn create_edit_delete_with_variants_files_and_uses() {
        let mut s = Store::open_in_memory().expect("open");
        let mut i = input("Shipping", "Times", "Ships in {{days|2}} days");
        i.variants = vec![
            SavedReplyVariant {
                channel: ChannelKind::Sms,
                body: "Ships in 2 days".into(),
            },
            SavedReplyVariant {
                channel: ChannelKind::Telegram,
                body: "Ships soon".into(),
            },
        ];
        let r = s.create_saved_reply(&i, 10).expect("create");
        // Variants come in the channel order, whatever order they were written in.
        let channels: Vec<_> = r.variants.iter().map(|v| v.channel).collect();
        assert_eq!(channels, [ChannelKind::Telegram, ChannelKind::Sms]);
        assert!(matches!(
            s.create_saved_reply(&input("shipping", "TIMES", "x"), 11),
            Err(StoreError::Duplicate)
        ));
        // The same title in another folder is another reply.
        let other = s
            .create_saved_reply(&input("Hours", "Times", "x"), 11)
            .expect("other folder");

        let f = s
            .add_saved_reply_file(r.id, &file("a/size-chart.pdf"), 12)
            .expect("file");
        let mut edited = input("Shipping", "Shipping times", "Ships in 3 days");
        edited.variants = vec![SavedReplyVariant {
            channel: ChannelKind::Email,
            body: "Dear customer".into(),
        }];
        let r2 = s.update_saved_reply(r.id, &edited, 13).expect("update");
        assert_eq!(r2.title, "Shipping times");
        assert_eq!(r2.variants.len(), 1, "variants are replaced, not added");
        assert_eq!(r2.files, vec![f.clone()]);
        assert!(matches!(
            s.update_saved_reply(other.id, &input("shipping", "shipping TIMES", "x"), 14),
            Err(StoreError::Duplicate)
        ));

        s.count_saved_reply_use(other.id, 20).expect("use");
        let listed = s.saved_replies().expect("list");
        assert_eq!(listed[0].id, other.id, "the most used first");
        assert_eq!(listed[0].uses, 1);
        assert_eq!(listed[0].last_used_at, Some(20));

        let files = s.delete_saved_reply(r.id).expect("delete");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].key, "a/size-chart.pdf");
        assert!(s.saved_reply_file_keys().expect("keys").is_empty());
        assert!(matches!(s.saved_reply(r.id), Err(StoreError::NotFound(_))));
        assert!(matches!(
            s.delete_saved_reply(r.id),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn an_import_is_all_or_nothing() {
        let mut s = Store::open_in_memory().expect("open");
        s.create_saved_reply(&input("", "Hello", "Hi"), 1)
            .expect("create");
        let batch = [
            NewSavedReply {
                input: input("A", "One", "1"),
                files: vec![file("x/one.pdf")],
            },
            NewSavedReply {
                input: input("", "hello", "taken meanwhile"),
                files: vec![],
            },
        ];
        assert!(matches!(
            s.import_saved_replies(&batch, 2),
            Err(StoreError::Duplicate)
        ));
        assert_eq!(
            s.saved_replies().expect("list").len(),
            1,
            "nothing of it was kept"
        );
        assert!(s.saved_reply_file_keys().expect("keys").is_empty());
        assert_eq!(
            s.saved_reply_titles_taken(&[("".into(), "HELLO".into()), ("A".into(), "One".into())])
                .expect("taken"),
            [true, false]
        );
        s.import_saved_replies(&batch[..1], 3).expect("import");
        let all = s.saved_replies_with_files().expect("export");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].0.title, "Hello");
        assert_eq!(all[1].1.len(), 1);
    }
}
