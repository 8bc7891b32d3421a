//! Secrets (bot tokens, passwords) live in the OS keychain and nowhere else.

use std::collections::HashMap;
use std::sync::Mutex;

/// Where account secrets are kept. The app uses [`KeyringSecrets`]; tests use [`MemorySecrets`]
/// so they never touch the user's keychain.
pub trait SecretStore: Send + Sync + 'static {
    fn set(&self, key: &str, secret: &str) -> Result<(), String>;
    fn get(&self, key: &str) -> Result<Option<String>, String>;
    fn delete(&self, key: &str) -> Result<(), String>;
}

/// The OS keychain: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
pub struct KeyringSecrets {
    service: String,
}

impl KeyringSecrets {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, String> {
        keyring::Entry::new(&self.service, key).map_err(|e| e.to_string())
    }
}

impl SecretStore for KeyringSecrets {
    fn set(&self, key: &str, secret: &str) -> Result<(), String> {
        self.entry(key)?
            .set_password(secret)
            .map_err(|e| e.to_string())
    }

    fn get(&self, key: &str) -> Result<Option<String>, String> {
        match self.entry(key)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn delete(&self, key: &str) -> Result<(), String> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Secrets held in memory only, for tests.
///
/// Like the OS keychain, which outlives the app, the workspace database keys
/// (`workspace-database-key:<workspace id>`, see `workspace_key.rs`) are kept for the whole test
/// process: a test that restarts a workspace with a new `MemorySecrets` finds its key, as the
/// app finds it in the keychain. Workspace ids are random, so tests running side by side never
/// share one. Every other secret belongs to its instance.
#[derive(Default)]
pub struct MemorySecrets(Mutex<HashMap<String, String>>);

/// The database keys of every `MemorySecrets` (see its doc).
static DATABASE_KEYS: Mutex<Option<HashMap<String, String>>> = Mutex::new(None);

fn is_database_key(key: &str) -> bool {
    key.starts_with(crate::workspace_key::ENTRY_PREFIX)
}

impl SecretStore for MemorySecrets {
    fn set(&self, key: &str, secret: &str) -> Result<(), String> {
        if is_database_key(key) {
            DATABASE_KEYS
                .lock()
                .map_err(|e| e.to_string())?
                .get_or_insert_default()
                .insert(key.into(), secret.into());
            return Ok(());
        }
        self.0
            .lock()
            .map_err(|e| e.to_string())?
            .insert(key.into(), secret.into());
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<String>, String> {
        if is_database_key(key) {
            return Ok(DATABASE_KEYS
                .lock()
                .map_err(|e| e.to_string())?
                .as_ref()
                .and_then(|m| m.get(key).cloned()));
        }
        Ok(self.0.lock().map_err(|e| e.to_string())?.get(key).cloned())
    }

    fn delete(&self, key: &str) -> Result<(), String> {
        if is_database_key(key) {
            if let Some(m) = DATABASE_KEYS.lock().map_err(|e| e.to_string())?.as_mut() {
                m.remove(key);
            }
            return Ok(());
        }
        self.0.lock().map_err(|e| e.to_string())?.remove(key);
        Ok(())
    }
}
