//! A thin, hand-written layer over [`vapor_client`], the Rust client generated
//! from Vapor's OpenAPI document.
//!
//! The generated crate has a function per operation and is the way to call
//! the API; this crate adds only what those functions make awkward:
//!
//! - [`Client`]: the generated [`Configuration`] for a server and a token
//!   (base path `/api/v1`, bearer token, user agent `vapor-sdk/<version>`).
//!   [`Client::config`] is what every generated function takes.
//! - [`wait_for_operation`]: polls `GET /operations/{id}` until the operation
//!   ends, calling back on every change.
//! - [`create_with_idempotency_key`]: a create (`POST`) that retries, with
//!   the same `Idempotency-Key` and body every time, on connection failures,
//!   lost answers, 409 `IDEMPOTENCY_KEY_IN_USE` and 5xx answers; the server
//!   carries the create out once and answers repeats with its reply.
//! - [`upload_iso`] and [`resume_upload`]: an ISO upload over TUS 1.0.0, sent in
//!   chunks and resumable from the offset the server reports.
//!
//! Errors of the generated functions convert into [`Error`], so `?` works on
//! both.
//!
//! ```no_run
//! use vapor_client::apis::virtual_machines_api;
//!
//! # async fn run() -> Result<(), vapor_sdk::Error> {
//! let client = vapor_sdk::Client::new("http://127.0.0.1:8080", "vapor_...")?;
//! let vms = virtual_machines_api::vm_list(client.config(), None, None, None, None).await?;
//! for vm in vms.data.vms {
//!     println!("{} {}", vm.name, vm.state);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! [`Configuration`]: vapor_client::apis::configuration::Configuration

mod client;
mod create;
mod error;
mod upload;
mod wait;

pub use client::{Client, RetryPolicy};
pub use create::{create_with_idempotency_key, new_idempotency_key, IDEMPOTENCY_KEY_HEADER};
pub use error::{Error, Result};
pub use upload::{
    resume_upload, upload_iso, upload_iso_with_os_type, UploadProgress, DEFAULT_CHUNK_SIZE,
};
pub use vapor_client;
pub use wait::wait_for_operation;
