//! Parley's facade: one async fn per user action. The Tauri shell forwards each command here in
//! one line; the tests call the same functions.

mod accounts;
mod adapter;
mod attachments;
pub mod automation;
pub mod avatars;
pub mod backup;
mod bot;
mod contact_merge;
mod contacts;
mod conversations;
mod customer;
pub mod customer_export;
pub mod customer_time;
mod demo;
mod demo_bot;
mod demo_history;
mod demo_workflow;
mod drops;
mod erase;
mod errors;
mod facade;
mod files;
pub mod import;
mod lifecycle;
pub mod links;
pub mod logging;
pub mod media;
mod notes;
mod notifications;
pub mod notify;
pub mod outbound;
mod provider;
mod providers;
mod replies;
mod retention;
pub mod review;
pub mod saved_replies;
mod secrets;
pub mod spike;
pub mod suggest;
mod timeline;
mod workflow;
pub mod workspace_key;
mod workspace_lock;

pub use attachments::{RawUpload, percent_decode};
pub use facade::{CoreConfig, DemoMode, Parley, Paths};
pub use parley_sync::{EngineEvent, SystemClock};
pub use provider::ApiRoots;
/// Old mail's HTML, fetched again (the tests drive it directly).
pub use providers::email::html as email_html;
pub use secrets::{KeyringSecrets, MemorySecrets, SecretStore};
pub use workflow::snooze_choices;
