//! Waiting for an operation with a progress bar: the SDK's
//! `wait_for_operation` polls, its progress callback moves the bar.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use vapor_client::models::Operation;
use vapor_sdk::Client;

use crate::error::Result;

/// How long one call of the SDK's wait lasts; the command waits on, with
/// further calls, until the operation ends.
const WAIT_ROUND: Duration = Duration::from_secs(24 * 60 * 60);

/// Follows the operation until it ends; `Ok` only when it succeeded.
///
/// The bar (on stderr, drawn only on a terminal) counts bytes with rate and
/// ETA when the operation reports `processed`/`total`, else percent.
pub async fn wait(client: &Client, id: &str) -> Result<Operation> {
    let bar = OperationBar::new();
    loop {
        match vapor_sdk::wait_for_operation(client, id, WAIT_ROUND, |op| bar.show(op)).await {
            Ok(op) => {
                bar.bar.finish_and_clear();
                return Ok(op);
            }
            Err(vapor_sdk::Error::Timeout(_)) => continue,
            Err(e) => {
                bar.bar.abandon();
                return Err(e.into());
            }
        }
    }
}

/// The bar of one operation: percent until the operation reports bytes.
struct OperationBar {
    bar: ProgressBar,
    in_bytes: std::cell::Cell<bool>,
}

impl OperationBar {
    fn new() -> OperationBar {
        let bar = ProgressBar::with_draw_target(Some(100), ProgressDrawTarget::stderr());
        bar.set_style(percent_style());
        OperationBar {
            bar,
            in_bytes: std::cell::Cell::new(false),
        }
    }

    fn show(&self, op: &Operation) {
        let progress = &op.progress;
        match (progress.processed.flatten(), progress.total.flatten()) {
            (Some(done), Some(total)) if total > 0 => {
                if !self.in_bytes.replace(true) {
                    self.bar.set_style(bytes_style());
                    self.bar.set_length(total as u64);
                }
                self.bar.set_position(done.max(0) as u64);
            }
            _ if !self.in_bytes.get() => self
                .bar
                .set_position(progress.percent.clamp(0.0, 100.0) as u64),
            _ => {}
        }
        self.bar
            .set_message(format!("{} {}", op.kind, progress.phase));
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
