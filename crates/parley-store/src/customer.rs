//! The rest of the customer pane: the agents' tags on a customer, the time zone an agent set by
//! hand, and what the core needs to work out the customer's local time (what it means:
//! `parley-domain/src/customer.rs`). Tags follow merges (`contact_merge.rs`); the Contacts
//! screen finds customers by tag (`search_text`, migration 22).

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use parley_domain::*;
use rusqlite::{Connection, OptionalExtension, params};

/// What the core works the customer's local time out from, beyond the pane's identities and
/// attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimeHints {
    /// The zone an agent set by hand: the contact's own, else the latest set on a contact
    /// merged into it.
    pub zone_set: Option<String>,
    /// The UTC offset (minutes east) of the customer's latest inbound email that had one, and
    /// when it was sent.
    pub email_offset: Option<(i32, Millis)>,
}

/// A tag as stored: trimmed, inner runs of white space made one space; 1 to
/// [`TAG_MAX_CHARS`] characters, no control characters.
pub fn clean_tag(raw: &str) -> Result<String> {
    let tag = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let tag = tag.trim_start_matches('#').trim().to_owned();
    if tag.is_empty() || tag.chars().count() > TAG_MAX_CHARS || tag.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "a tag is 1 to {TAG_MAX_CHARS} characters"
        )));
    }
    Ok(tag)
}

/// A contact's tags, A to Z (case ignored).
pub(crate) fn tags_of(conn: &Connection, contact: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT tag FROM contact_tags WHERE contact_id = ?1 ORDER BY tag COLLATE NOCASE, id",
    )?;
    rows::collect(&mut stmt, [contact], |r| Ok(r.get(0)?))
}

/// Adds `tag` to a contact unless it has it (in any case); answers the new row's id.
pub(crate) fn put_tag(
    conn: &Connection,
    contact: i64,
    tag: &str,
    now: Millis,
) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO contact_tags (contact_id, tag, added_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (contact_id, tag) DO NOTHING RETURNING id",
        )?
        .query_row(params![contact, tag, now], |r| r.get(0))
        .optional()?)
}

impl Store {
    /// A contact's tags, A to Z.
    pub fn contact_tags(&self, contact: ContactId) -> Result<Vec<String>> {
        tags_of(&self.conn, contact.0)
    }

    /// Tags a customer (a tag they have in any case is left as it is); answers all their tags.
    pub fn add_contact_tag(
        &mut self,
        contact: ContactId,
        tag: &str,
        now: Millis,
    ) -> Result<Vec<String>> {
        let tag = clean_tag(tag)?;
        let tx = self.conn.transaction()?;
        let exists = tx
            .prepare_cached("SELECT 1 FROM contacts WHERE id = ?1")?
            .exists([contact.0])?;
        if !exists {
            return Err(StoreError::NotFound("contact"));
        }
        let count: i64 = tx
            .prepare_cached("SELECT count(*) FROM contact_tags WHERE contact_id = ?1")?
            .query_row([contact.0], |r| r.get(0))?;
        if put_tag(&tx, contact.0, &tag, now)?.is_some() && count as usize >= TAGS_PER_CONTACT_MAX {
            return Err(StoreError::Invalid(format!(
                "a customer has at most {TAGS_PER_CONTACT_MAX} tags"
            )));
        }
        let tags = tags_of(&tx, contact.0)?;
        tx.commit()?;
        Ok(tags)
    }

    /// Takes a tag off a customer (case ignored); answers the tags left.
    pub fn remove_contact_tag(&mut self, contact: ContactId, tag: &str) -> Result<Vec<String>> {
        let tag = tag.split_whitespace().collect::<Vec<_>>().join(" ");
        let gone = self
            .conn
            .prepare_cached("DELETE FROM contact_tags WHERE contact_id = ?1 AND tag = ?2")?
            .execute(params![contact.0, tag])?;
        if gone == 0 {
            return Err(StoreError::NotFound("tag"));
        }
        self.contact_tags(contact)
    }

    /// Sets the customer's time zone by hand (an IANA name the caller checked), or clears it
    /// (`None`): clearing also clears the zones of the contacts merged into it, which the pane
    /// would otherwise show instead.
    pub fn set_contact_time_zone(
        &mut self,
        contact: ContactId,
        zone: Option<&str>,
        now: Millis,
    ) -> Result<()> {
        let changed = match zone {
            Some(zone) => self
                .conn
                .prepare_cached(
                    "UPDATE contacts SET time_zone = ?2, time_zone_set_at = ?3 WHERE id = ?1",
                )?
                .execute(params![contact.0, zone, now])?,
            None => self
                .conn
                .prepare_cached(
                    "WITH RECURSIVE family(id) AS (
                        SELECT ?1 UNION SELECT c.id FROM contacts c JOIN family f ON c.merged_into = f.id)
                     UPDATE contacts SET time_zone = NULL, time_zone_set_at = NULL
                     WHERE id IN family",
                )?
                .execute([contact.0])?,
        };
        if changed == 0 {
            return Err(StoreError::NotFound("contact"));
        }
        Ok(())
    }

    /// What the customer's local time is worked out from, beyond the pane.
    pub fn contact_time_hints(&self, contact: ContactId) -> Result<TimeHints> {
        let zone_set: Option<String> = self
            .conn
            .prepare_cached(
                "WITH RECURSIVE family(id, own) AS (
                    SELECT ?1, 1 UNION SELECT c.id, 0 FROM contacts c JOIN family f ON c.merged_into = f.id)
                 SELECT c.time_zone FROM contacts c JOIN family f ON f.id = c.id
                 WHERE c.time_zone IS NOT NULL
                 ORDER BY f.own DESC, c.time_zone_set_at DESC, c.id DESC LIMIT 1",
            )?
            .query_row([contact.0], |r| r.get(0))
            .optional()?;
        let email_offset: Option<(i32, Millis)> = self
            .conn
            .prepare_cached(
                "SELECT m.utc_offset_minutes, m.sent_at FROM threads t
                   JOIN messages m ON m.thread_id = t.id AND m.utc_offset_minutes IS NOT NULL
                 WHERE t.contact_id = ?1
                 ORDER BY m.sent_at DESC, m.id DESC LIMIT 1",
            )?
            .query_row([contact.0], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(TimeHints {
            zone_set,
            email_offset,
        })
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
    fn tags_are_cleaned_kept_once_whatever_the_case_and_listed_a_to_z() {
        let mut s = Store::open_in_memory().expect("open");
        let c = contact(&mut s);
        s.add_contact_tag(c, "  wholesale  ", 1).expect("tag");
        s.add_contact_tag(c, "#Returns   often", 2).expect("tag");
        let tags = s.add_contact_tag(c, "WHOLESALE", 3).expect("same tag");
        assert_eq!(tags, ["Returns often", "wholesale"]);
        for bad in ["", "   ", "#", &"x".repeat(TAG_MAX_CHARS + 1), "a\u{7}b"] {
            assert!(
                matches!(s.add_contact_tag(c, bad, 4), Err(StoreError::Invalid(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            s.add_contact_tag(ContactId(999), "x", 4),
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(
            s.remove_contact_tag(c, "returns often").expect("remove"),
            ["wholesale"]
        );
        assert!(matches!(
            s.remove_contact_tag(c, "returns often"),
            Err(StoreError::NotFound(_))
        ));
        let ctx = s.contact_by_id(c).expect("read").expect("contact");
        assert_eq!(ctx.tags, ["wholesale"]);
    }

    #[test]
    fn a_customer_has_a_bounded_number_of_tags() {
        let mut s = Store::open_in_memory().expect("open");
        let c = contact(&mut s);
        for i in 0..TAGS_PER_CONTACT_MAX {
            s.add_contact_tag(c, &format!("t{i}"), 1).expect("tag");
        }
        assert!(matches!(
            s.add_contact_tag(c, "one more", 2),
            Err(StoreError::Invalid(_))
        ));
        // Adding one it already has is still fine.
        s.add_contact_tag(c, "T0", 3).expect("already there");
        assert_eq!(s.contact_tags(c).expect("tags").len(), TAGS_PER_CONTACT_MAX);
    }

    #[test]
    fn the_contacts_search_finds_a_customer_by_tag_until_it_is_removed() {
        let mut s = Store::open_in_memory().expect("open");
        let c = contact(&mut s);
        let found = |s: &Store, q: &str| {
            s.list_contacts(q, ContactSort::Name, None, 10)
                .expect("list")
                .contacts
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        };
        assert!(found(&s, "wholesale").is_empty());
        s.add_contact_tag(c, "Wholesale", 1).expect("tag");
        assert_eq!(found(&s, "wholesale"), [c]);
        assert_eq!(found(&s, "WHOLE"), [c]);
        s.remove_contact_tag(c, "wholesale").expect("remove");
        assert!(found(&s, "wholesale").is_empty());
        // The name is still found.
        assert_eq!(found(&s, "customer 42"), [c]);
    }

    #[test]
    fn a_zone_set_by_hand_is_kept_and_cleared() {
        let mut s = Store::open_in_memory().expect("open");
        let c = contact(&mut s);
        assert_eq!(
            s.contact_time_hints(c).expect("hints"),
            TimeHints::default()
        );
        s.set_contact_time_zone(c, Some("Asia/Tokyo"), 5)
            .expect("set");
        assert_eq!(
            s.contact_time_hints(c).expect("hints").zone_set.as_deref(),
            Some("Asia/Tokyo")
        );
        s.set_contact_time_zone(c, None, 6).expect("clear");
        assert_eq!(s.contact_time_hints(c).expect("hints").zone_set, None);
        assert!(matches!(
            s.set_contact_time_zone(ContactId(999), Some("UTC"), 7),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn the_latest_inbound_emails_offset_is_the_hint() {
        let mut s = Store::open_in_memory().expect("open");
        let a = crate::test_support::account(&mut s, ChannelKind::Email, "mail");
        let batch = |id: &str, at: Millis, minutes: Option<i32>| IngestBatch {
            messages: vec![crate::test_support::inbound("anna", id, "hi", at)],
            sender_offsets: minutes
                .map(|minutes| SenderOffset {
                    remote_id: id.into(),
                    minutes,
                })
                .into_iter()
                .collect(),
            ..Default::default()
        };
        let t = s
            .apply_batch(a, &batch("m1", 10, Some(540)), None, 10)
            .expect("ingest")
            .changed_threads[0];
        let c = s
            .contact_context(t)
            .expect("read")
            .expect("contact")
            .contact_id;
        assert_eq!(
            s.contact_time_hints(c).expect("hints").email_offset,
            Some((540, 10))
        );
        // A later mail without an offset leaves the hint; one with an offset replaces it.
        s.apply_batch(a, &batch("m2", 20, None), None, 20)
            .expect("ingest");
        assert_eq!(
            s.contact_time_hints(c).expect("hints").email_offset,
            Some((540, 10))
        );
        s.apply_batch(a, &batch("m3", 30, Some(-300)), None, 30)
            .expect("ingest");
        assert_eq!(
            s.contact_time_hints(c).expect("hints").email_offset,
            Some((-300, 30))
        );
    }
}
