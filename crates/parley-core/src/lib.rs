//! Parley's facade: one async fn per user action. The Tauri shell forwards each command here in
//! one line; the tests call the same functions.

mod accounts;
mod attachments;
mod conversations;
mod demo;
mod drops;
mod email;
pub mod email_html;
mod errors;
mod facade;
mod graph;
pub mod links;
pub mod media;
mod notifications;
pub mod notify;
mod replies;
mod secrets;
mod twilio;
mod workspace_lock;

pub use attachments::{RawUpload, percent_decode};
pub use facade::{CoreConfig, DemoMode, Parley, Paths};
pub use parley_sync::{EngineEvent, SystemClock};
pub use secrets::{KeyringSecrets, MemorySecrets, SecretStore};
