//! Waiting for an operation (`GET /operations/{id}`) with a progress bar.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use vapor_client::apis::configuration::Configuration;
use vapor_client::apis::operations_api;
use vapor_client::models::{Operation, OperationStatus};

use crate::error::{CliError, Result};

const POLL: Duration = Duration::from_millis(300);

/// Polls the operation until it ends; `Ok` only when it succeeded.
///
/// The bar (on stderr, drawn only on a terminal) counts bytes with rate and
/// ETA when the operation reports `processed`/`total`, else percent.
pub async fn wait(config: &Configuration, id: &str) -> Result<Operation> {
    let bar = ProgressBar::with_draw_target(Some(100), ProgressDrawTarget::stderr());
    let mut in_bytes = false;
    bar.set_style(percent_style());
    loop {
        let op = operations_api::operation_get(config, id).await?.data;
        let progress = &op.progress;
        match (progress.processed.flatten(), progress.total.flatten()) {
            (Some(done), Some(total)) if total > 0 => {
                if !in_bytes {
                    bar.set_style(bytes_style());
                    bar.set_length(total as u64);
                    in_bytes = true;
                }
                bar.set_position(done.max(0) as u64);
            }
            _ if !in_bytes => bar.set_position(progress.percent.clamp(0.0, 100.0) as u64),
            _ => {}
        }
        bar.set_message(format!("{} {}", op.kind, progress.phase));
        match op.status {
            OperationStatus::Succeeded => {
                bar.finish_and_clear();
                return Ok(op);
            }
            OperationStatus::Failed | OperationStatus::Cancelled => {
                bar.abandon();
                let (code, message) = match op.error.clone().flatten() {
                    Some(e) => (e.code, e.message),
                    None => (
                        op.status.to_string().to_uppercase(),
                        format!("operation {} {}", op.id, op.status),
                    ),
                };
                return Err(CliError::Operation { code, message });
            }
            OperationStatus::Queued | OperationStatus::Running => {}
        }
        tokio::time::sleep(POLL).await;
    }
}

fn percent_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} [{bar:40}] {pos:>3}% {msg}")
        .expect("a valid template")
        .progress_chars("=> ")
}

pub fn bytes_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{spinner} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
    )
    .expect("a valid template")
    .progress_chars("=> ")
}
