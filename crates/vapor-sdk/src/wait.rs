//! Waiting for an operation.

use std::time::{Duration, Instant};

use vapor_client::apis::operations_api;
use vapor_client::models::{Operation, OperationStatus};

use crate::client::Client;
use crate::error::{Error, Result};

const FIRST_POLL: Duration = Duration::from_millis(100);
const MAX_POLL: Duration = Duration::from_secs(1);

/// Polls `GET /operations/{id}` until the operation ends or `timeout` passes.
///
/// `progress` is called with the first state read and then whenever the
/// operation changes (status, phase, percent, bytes, ...), the final state
/// included. Polls start 100 ms apart and slow to one a second while nothing
/// changes.
///
/// `Ok` with the operation when it succeeded; [`Error::Operation`] when it
/// failed or was cancelled; [`Error::Timeout`] with the last state seen when
/// it was still running at the deadline (the operation itself goes on).
pub async fn wait_for_operation(
    client: &Client,
    id: &str,
    timeout: Duration,
    mut progress: impl FnMut(&Operation),
) -> Result<Operation> {
    let deadline = Instant::now() + timeout;
    let mut last: Option<Operation> = None;
    let mut pause = FIRST_POLL;
    loop {
        let op = operations_api::operation_get(client.config(), id)
            .await?
            .data;
        if last.as_ref() != Some(&op) {
            progress(&op);
            pause = FIRST_POLL;
        } else {
            pause = (pause * 2).min(MAX_POLL);
        }
        match op.status {
            OperationStatus::Succeeded => return Ok(op),
            OperationStatus::Failed | OperationStatus::Cancelled => {
                return Err(Error::Operation(Box::new(op)))
            }
            OperationStatus::Queued | OperationStatus::Running => {}
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::Timeout(Box::new(op)));
        }
        last = Some(op);
        tokio::time::sleep(pause.min(deadline - now)).await;
    }
}
