//! Settings: one JSON document per key, so a feature can add fields without a migration.

use crate::Store;
use crate::error::Result;
use parley_domain::Millis;
use rusqlite::{OptionalExtension, params};

impl Store {
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str, now: Millis) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                                                 updated_at = excluded.updated_at",
            )?
            .execute(params![key, value, now])?;
        Ok(())
    }

    /// Writes several settings in one transaction: all of them or none.
    pub fn set_settings(&mut self, entries: &[(String, String)], now: Millis) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (key, value) in entries {
            tx.prepare_cached(
                "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                                                 updated_at = excluded.updated_at",
            )?
            .execute(params![key, value, now])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Unread messages across every thread but blocked customers' (the tray and the dock badge).
    pub fn unread_total(&self) -> Result<i64> {
        // Kept by triggers (migration 28): the sum over every conversation would hold the store
        // for most of a second on a large workspace.
        Ok(self
            .conn
            .prepare_cached("SELECT n FROM view_counts WHERE key = 'unread_messages'")?
            .query_row([], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn settings_round_trip_and_overwrite() {
        let mut s = Store::open_in_memory().expect("open");
        assert_eq!(s.setting("notifications").expect("read"), None);
        s.set_setting("notifications", "{\"a\":1}", 1)
            .expect("write");
        s.set_setting("notifications", "{\"a\":2}", 2)
            .expect("overwrite");
        assert_eq!(
            s.setting("notifications").expect("read").as_deref(),
            Some("{\"a\":2}")
        );
        assert_eq!(s.unread_total().expect("unread"), 0);
    }
}
