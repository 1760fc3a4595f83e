//! Tests that run the built `vapor` binary as a process: its command line,
//! and what survives a restart of Vapor or of libvirtd.

mod backup_restart;
mod cli;
mod common;
mod create_restart;
mod database_errors;
mod database_kill;
mod idempotency;
mod iso_restart;
mod libvirtd_restart;
mod migration_restart;
