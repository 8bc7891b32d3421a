//! Plain types shared by every Parley crate, and the DTOs the UI sees.
//!
//! Everything that crosses the IPC edge derives [`ts_rs::TS`]; the TypeScript bindings in
//! `ui/src/lib/ipc/bindings.ts` are generated from these types (see `bindings.rs`) and a test fails
//! when the committed file is stale.

mod automation;
mod backup;
pub mod bindings;
mod bot;
mod clock;
pub mod commands;
mod contact_merge;
mod contacts;
mod customer;
mod dto;
mod error;
mod identity;
mod ids;
mod import;
mod ingest;
mod kinds;
mod mood;
mod outbound;
mod prefs;
mod retention;
mod review;
mod saved_replies;
pub mod text;
mod timeline;
mod workflow;

pub use automation::*;
pub use backup::*;
pub use bot::*;
pub use clock::{Clock, SystemClock};
pub use commands::COMMANDS;
pub use contact_merge::*;
pub use contacts::*;
pub use customer::*;
pub use dto::*;
pub use error::*;
pub use identity::*;
pub use ids::*;
pub use import::*;
pub use ingest::*;
pub use mood::*;
pub use outbound::*;
pub use prefs::*;
pub use retention::*;
pub use review::*;
pub use saved_replies::*;
pub use timeline::*;
pub use workflow::*;
