//! parley-sync's integration tests, in one binary: one link instead of three. The crash test
//! re-executes this binary to run its harness, by the test's full name (`crash::crash_child`).

mod crash;
mod crash_encrypt;
mod engine;
mod fault_matrix;
mod progress;
