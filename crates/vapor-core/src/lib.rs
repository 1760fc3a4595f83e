//! Vapor's application layer.
//!
//! - [`app`]: what Vapor does (validation, orchestration, clean-up), over an
//!   `Arc<dyn Hypervisor>`; knows neither HTTP nor libvirt.
//! - [`api`]: the generated `vapor-api` traits implemented over [`app`]; thin.
//! - [`db`], [`auth`], [`audit`], [`operations`]: Vapor's own state in SQLite.
//! - [`error`]: the one error type, mapped to HTTP in `api::error_response` only.

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod backup_store;
pub mod console_tokens;
pub mod creation_store;
pub mod db;
pub mod domain_view;
pub mod error;
pub mod etag;
pub mod events;
pub mod idempotency_store;
pub mod iso_store;
pub mod migration_store;
pub mod operations;
pub mod template_store;

pub use error::{Error, Refusal, Result};
