//! parley-store's integration tests, in one binary: one link instead of seven, and one place for
//! the builders several of them share. Proptest keeps the seeds of past failures in
//! `tests/proptest-regressions/` (its default place, the binary's root being `tests/it/main.rs`).

mod common;

mod attachments;
mod automation;
mod contact_merge;
mod contacts;
mod encryption;
mod erase;
mod html;
mod mood;
mod outbound;
mod outbox_machine;
mod retention;
mod server_changes;
mod store;
mod thread_merge;
mod threading;
mod timeline;
