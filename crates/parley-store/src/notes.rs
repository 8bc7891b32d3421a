//! What the business keeps about a customer beside the conversations: private notes (who wrote
//! them, when, edits) and typed attributes (text, number, date, link; one value per key, keys
//! compared without case). Both go with the contact.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use parley_domain::*;
use rusqlite::{OptionalExtension, params};

const NOTE_MAX_CHARS: usize = 10_000;
const KEY_MAX_CHARS: usize = 40;
const VALUE_MAX_CHARS: usize = 2_000;

fn note_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<ContactNote> {
    Ok(ContactNote {
        id: NoteId(r.get(0)?),
        body: r.get(1)?,
        author: r.get(2)?,
        created_at: r.get(3)?,
        updated_at: r.get(4)?,
    })
}

fn check_body(body: &str) -> Result<String> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > NOTE_MAX_CHARS {
        return Err(StoreError::Invalid(format!(
            "a note is 1 to {NOTE_MAX_CHARS} characters"
        )));
    }
    Ok(body.to_owned())
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The value as stored for its kind, or why it is not one.
fn check_value(kind: AttributeKind, value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > VALUE_MAX_CHARS {
        return Err(StoreError::Invalid(format!(
            "a value is 1 to {VALUE_MAX_CHARS} characters"
        )));
    }
    let bad = |what: &str| StoreError::Invalid(format!("{value:?} is not {what}"));
    match kind {
        AttributeKind::Text => {}
        AttributeKind::Number => {
            let n: f64 = value.parse().map_err(|_| bad("a number"))?;
            if !n.is_finite() {
                return Err(bad("a number"));
            }
        }
        AttributeKind::Date => {
            let parts: Vec<&str> = value.split('-').collect();
            let ok = match parts.as_slice() {
                [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                    match (y.parse::<i64>(), m.parse::<i64>(), d.parse::<i64>()) {
                        (Ok(y), Ok(m), Ok(d)) => {
                            (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
                        }
                        _ => false,
                    }
                }
                _ => false,
            };
            if !ok {
                return Err(bad("a date (YYYY-MM-DD)"));
            }
        }
        AttributeKind::Link => {
            let lower = value.to_ascii_lowercase();
            let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
                && !value.chars().any(char::is_whitespace);
            if !ok {
                return Err(bad("a web link (https://…)"));
            }
        }
    }
    Ok(value.to_owned())
}

fn check_key(key: &str) -> Result<String> {
    let key = key.trim();
    if key.is_empty() || key.chars().count() > KEY_MAX_CHARS || key.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "an attribute's name is 1 to {KEY_MAX_CHARS} characters"
        )));
    }
    Ok(key.to_owned())
}

/// An attribute as it would be stored (name and value trimmed), or why it cannot be: the rules
/// of [`Store::set_contact_attribute`], for callers that check many values before writing them
/// (the import).
pub fn checked_attribute(attribute: &ContactAttribute) -> Result<ContactAttribute> {
    Ok(ContactAttribute {
        key: check_key(&attribute.key)?,
        kind: attribute.kind,
        value: check_value(attribute.kind, &attribute.value)?,
    })
}

impl Store {
    /// A contact's notes, newest first.
    pub fn contact_notes(&self, contact: ContactId) -> Result<Vec<ContactNote>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, body, author, created_at, updated_at FROM notes
             WHERE contact_id = ?1 ORDER BY created_at DESC, id DESC",
        )?;
        rows::collect(&mut stmt, [contact.0], |r| Ok(note_of(r)?))
    }

    pub fn add_note(
        &mut self,
        contact: ContactId,
        body: &str,
        author: &str,
        now: Millis,
    ) -> Result<ContactNote> {
        let body = check_body(body)?;
        let exists: Option<i64> = self
            .conn
            .prepare_cached("SELECT 1 FROM contacts WHERE id = ?1")?
            .query_row([contact.0], |r| r.get(0))
            .optional()?;
        if exists.is_none() {
            return Err(StoreError::NotFound("contact"));
        }
        Ok(self
            .conn
            .prepare_cached(
                "INSERT INTO notes (contact_id, body, author, created_at) VALUES (?1, ?2, ?3, ?4)
                 RETURNING id, body, author, created_at, updated_at",
            )?
            .query_row(params![contact.0, body, author, now], note_of)?)
    }

    pub fn update_note(&mut self, note: NoteId, body: &str, now: Millis) -> Result<ContactNote> {
        let body = check_body(body)?;
        self.conn
            .prepare_cached(
                "UPDATE notes SET body = ?2, updated_at = ?3 WHERE id = ?1
                 RETURNING id, body, author, created_at, updated_at",
            )?
            .query_row(params![note.0, body, now], note_of)
            .optional()?
            .ok_or(StoreError::NotFound("note"))
    }

    pub fn delete_note(&mut self, note: NoteId) -> Result<()> {
        let gone = self
            .conn
            .prepare_cached("DELETE FROM notes WHERE id = ?1")?
            .execute([note.0])?;
        if gone == 0 {
            return Err(StoreError::NotFound("note"));
        }
        Ok(())
    }

    /// A contact's attributes, by name.
    pub fn contact_attributes(&self, contact: ContactId) -> Result<Vec<ContactAttribute>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key, kind, value FROM contact_attributes WHERE contact_id = ?1 ORDER BY key",
        )?;
        rows::collect(&mut stmt, [contact.0], |r| {
            let kind: String = r.get(1)?;
            Ok(ContactAttribute {
                key: r.get(0)?,
                kind: AttributeKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("attribute kind {kind:?}")))?,
                value: r.get(2)?,
            })
        })
    }

    /// Sets (adds or replaces) one attribute, checked against its kind; answers them all.
    pub fn set_contact_attribute(
        &mut self,
        contact: ContactId,
        attribute: &ContactAttribute,
        now: Millis,
    ) -> Result<Vec<ContactAttribute>> {
        let key = check_key(&attribute.key)?;
        let value = check_value(attribute.kind, &attribute.value)?;
        let changed = self
            .conn
            .prepare_cached(
                "INSERT INTO contact_attributes (contact_id, key, kind, value, updated_at)
                 SELECT id, ?2, ?3, ?4, ?5 FROM contacts WHERE id = ?1
                 ON CONFLICT (contact_id, key) DO UPDATE
                    SET key = excluded.key, kind = excluded.kind, value = excluded.value,
                        updated_at = excluded.updated_at",
            )?
            .execute(params![contact.0, key, attribute.kind.as_str(), value, now])?;
        if changed == 0 {
            return Err(StoreError::NotFound("contact"));
        }
        self.contact_attributes(contact)
    }

    pub fn remove_contact_attribute(
        &mut self,
        contact: ContactId,
        key: &str,
    ) -> Result<Vec<ContactAttribute>> {
        let gone = self
            .conn
            .prepare_cached("DELETE FROM contact_attributes WHERE contact_id = ?1 AND key = ?2")?
            .execute(params![contact.0, key.trim()])?;
        if gone == 0 {
            return Err(StoreError::NotFound("attribute"));
        }
        self.contact_attributes(contact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(s: &mut Store) -> ContactId {
        let a = crate::test_support::account(s, ChannelKind::Telegram, "shop");
        let thread = crate::test_support::write(s, a, "42", "42:1", 1);
        s.contact_context(thread)
            .expect("context")
            .expect("contact")
            .contact_id
    }

    #[test]
    fn notes_are_written_edited_and_deleted_newest_first() {
        let mut s = Store::open_in_memory().expect("open");
        let c = contact(&mut s);
        let first = s
            .add_note(c, "  Prefers email  ", "Alex", 10)
            .expect("note");
        assert_eq!(
            (first.body.as_str(), first.author.as_str()),
            ("Prefers email", "Alex")
        );
        let second = s.add_note(c, "VIP since 2021", "Sam", 20).expect("note");
        assert!(matches!(
            s.add_note(c, "   ", "Alex", 30),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.add_note(ContactId(999), "x", "Alex", 30),
            Err(StoreError::NotFound(_))
        ));
        let edited = s
            .update_note(first.id, "Prefers email, not calls", 40)
            .expect("edit");
        assert_eq!(edited.updated_at, Some(40));
        assert_eq!(edited.created_at, 10);
        let notes = s.contact_notes(c).expect("notes");
        assert_eq!(
            notes.iter().map(|n| n.id).collect::<Vec<_>>(),
            [second.id, first.id]
        );
        s.delete_note(second.id).expect("delete");
        assert!(matches!(
            s.delete_note(second.id),
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(s.contact_notes(c).expect("notes").len(), 1);
    }

    #[test]
    fn attributes_are_checked_by_kind_and_named_once() {
        let mut s = Store::open_in_memory().expect("open");
        let c = contact(&mut s);
        let set = |s: &mut Store, key: &str, kind, value: &str| {
            s.set_contact_attribute(
                c,
                &ContactAttribute {
                    key: key.into(),
                    kind,
                    value: value.into(),
                },
                5,
            )
        };
        set(&mut s, "Order total", AttributeKind::Number, "129.90").expect("number");
        set(&mut s, "Customer since", AttributeKind::Date, "2024-02-29").expect("date");
        set(
            &mut s,
            "Shop profile",
            AttributeKind::Link,
            "https://shop.example/u/7",
        )
        .expect("link");
        for (kind, bad) in [
            (AttributeKind::Number, "twelve"),
            (AttributeKind::Number, "inf"),
            (AttributeKind::Date, "2023-02-29"),
            (AttributeKind::Date, "29.02.2024"),
            (AttributeKind::Link, "javascript:alert(1)"),
            (AttributeKind::Link, "https://a b"),
            (AttributeKind::Text, "   "),
        ] {
            assert!(
                matches!(set(&mut s, "x", kind, bad), Err(StoreError::Invalid(_))),
                "{kind:?} {bad}"
            );
        }
        // The same name in another case replaces it.
        let all = set(&mut s, "order TOTAL", AttributeKind::Number, "200").expect("replace");
        assert_eq!(all.len(), 3);
        let total = all
            .iter()
            .find(|a| a.key == "order TOTAL")
            .expect("renamed");
        assert_eq!(total.value, "200");
        let all = s
            .remove_contact_attribute(c, "Order Total")
            .expect("remove");
        assert_eq!(
            all.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(),
            ["Customer since", "Shop profile"]
        );
    }

    #[test]
    fn the_pane_lists_every_conversation_of_the_customer_newest_first() {
        let mut s = Store::open_in_memory().expect("open");
        let a = crate::test_support::account(&mut s, ChannelKind::Email, "Shop mail");
        let anna = RemotePerson {
            remote_id: "anna@customer.test".into(),
            display_name: "Anna".into(),
            handle: None,
        };
        let mail = |id: &str, at: Millis| IncomingMessage {
            remote_thread_id: id.into(),
            remote_id: id.into(),
            direction: Direction::Inbound,
            sender: anna.clone(),
            customer: anna.clone(),
            text: format!("about {id}"),
            attachments: vec![],
            sent_at: at,
            reply_to_remote_id: None,
            subject: None,
            quoted_text: None,
        };
        let thread = |s: &mut Store, id: &str, at: Millis| {
            let batch = IngestBatch {
                messages: vec![mail(id, at)],
                ..Default::default()
            };
            s.apply_batch(a, &batch, None, at)
                .expect("ingest")
                .changed_threads[0]
        };
        let older = thread(&mut s, "invoice@x", 10);
        let newer = thread(&mut s, "refund@x", 20);
        s.change_threads(&[older], &ThreadChange::Resolve { send_queued: None }, 30)
            .expect("resolve");
        let ctx = s.contact_context(older).expect("read").expect("contact");
        assert_eq!(
            ctx.conversations
                .iter()
                .map(|c| (c.thread_id, c.status, c.snippet.as_str()))
                .collect::<Vec<_>>(),
            [
                (newer, ThreadStatus::Open, "about refund@x"),
                (older, ThreadStatus::Resolved, "about invoice@x")
            ]
        );
        assert_eq!(ctx.conversations[0].account_name, "Shop mail");
    }
}
