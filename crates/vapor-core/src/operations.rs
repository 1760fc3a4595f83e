//! Long-running operations: work that outlives the request that started it.
//!
//! An operation is persisted in SQLite at every change of status, so that a
//! client can follow it and a restart cannot lose it: on start-up, operations a
//! previous process left queued or running are marked failed with a reason.
//! Cancellation is cooperative: the task checks its [`OperationHandle`].
//! Every start, change of phase or whole percentage, and end is also
//! published on the event stream.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::db::{now, Database, OperationRow};
use crate::error::{Error, Result};
use crate::events::{EventBus, EventKind};

/// The state an operation is in. Terminal states never change again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl OperationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationStatus::Queued => "queued",
            OperationStatus::Running => "running",
            OperationStatus::Succeeded => "succeeded",
            OperationStatus::Failed => "failed",
            OperationStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => OperationStatus::Queued,
            "running" => OperationStatus::Running,
            "succeeded" => OperationStatus::Succeeded,
            "failed" => OperationStatus::Failed,
            "cancelled" => OperationStatus::Cancelled,
            _ => return None,
        })
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OperationStatus::Succeeded | OperationStatus::Failed | OperationStatus::Cancelled
        )
    }
}

/// How an operation's task ended when it did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationFailure {
    pub code: String,
    pub message: String,
}

impl From<Error> for OperationFailure {
    fn from(err: Error) -> Self {
        OperationFailure {
            code: err.code().to_owned(),
            message: err.to_string(),
        }
    }
}

/// Creates, tracks and cancels operations.
pub struct Operations {
    db: Arc<Database>,
    events: Arc<EventBus>,
    cancels: Mutex<HashMap<String, watch::Sender<bool>>>,
}

/// Given to an operation's task: reports progress and tells it when to stop.
pub struct OperationHandle {
    id: String,
    db: Arc<Database>,
    events: Arc<EventBus>,
    /// The phase and whole percentage last published, so that progress
    /// events come only when one of them changes.
    published: Mutex<(String, i64)>,
    cancelled: watch::Receiver<bool>,
}

impl OperationHandle {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether a client asked to cancel.
    pub fn is_cancelled(&self) -> bool {
        *self.cancelled.borrow()
    }

    /// Resolves when a client asks to cancel.
    pub async fn cancelled(&mut self) {
        while !*self.cancelled.borrow() {
            if self.cancelled.changed().await.is_err() {
                // The sender is gone: nobody can cancel any more.
                std::future::pending::<()>().await;
            }
        }
    }

    /// Records progress. Errors are logged, not returned: progress is advisory.
    pub fn progress(&self, phase: &str, processed: Option<i64>, total: Option<i64>, percent: f64) {
        let result = self.db.operation(&self.id).and_then(|row| match row {
            Some(mut row)
                if !OperationStatus::parse(&row.status).is_some_and(|s| s.is_terminal()) =>
            {
                row.phase = phase.to_owned();
                row.processed = processed;
                row.total = total;
                row.percent = percent.clamp(0.0, 100.0);
                row.updated_at = now();
                self.db.upsert_operation(&row)?;
                self.publish_progress(&row);
                Ok(())
            }
            _ => Ok(()),
        });
        if let Err(err) = result {
            tracing::warn!(operation = %self.id, error = %err, "could not record progress");
        }
    }
}

impl OperationHandle {
    fn publish_progress(&self, row: &OperationRow) {
        let now = (row.phase.clone(), row.percent.floor() as i64);
        let mut published = self.published.lock().unwrap_or_else(|p| p.into_inner());
        if *published != now {
            *published = now;
            self.events
                .publish_operation(EventKind::OperationProgress, row);
        }
    }
}

impl Operations {
    pub fn new(db: Arc<Database>, events: Arc<EventBus>) -> Self {
        Operations {
            db,
            events,
            cancels: Mutex::new(HashMap::new()),
        }
    }

    /// Fails operations a previous process left unfinished.
    pub fn recover_after_restart(&self) -> Result<usize> {
        self.db
            .fail_interrupted_operations("the Vapor service restarted while the operation ran")
    }

    /// Records a new running operation and runs `work` for it in the background.
    /// `work` returns `Ok(())` on success; its error is recorded on the operation.
    pub fn spawn<F, Fut>(
        &self,
        kind: &str,
        target: &str,
        phase: &str,
        work: F,
    ) -> Result<OperationRow>
    where
        F: FnOnce(OperationHandle) -> Fut + Send + 'static,
        Fut: Future<Output = std::result::Result<(), OperationFailure>> + Send + 'static,
    {
        let ts = now();
        let row = OperationRow {
            id: format!("op-{}", uuid::Uuid::new_v4()),
            kind: kind.to_owned(),
            target: target.to_owned(),
            status: OperationStatus::Running.as_str().to_owned(),
            phase: phase.to_owned(),
            processed: None,
            total: None,
            percent: 0.0,
            error_code: None,
            error_message: None,
            created_at: ts.clone(),
            updated_at: ts,
            finished_at: None,
        };
        self.db.upsert_operation(&row)?;
        self.events
            .publish_operation(EventKind::OperationCreated, &row);
        let (tx, rx) = watch::channel(false);
        self.cancels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(row.id.clone(), tx);
        let handle = OperationHandle {
            id: row.id.clone(),
            db: self.db.clone(),
            events: self.events.clone(),
            published: Mutex::new((row.phase.clone(), 0)),
            cancelled: rx,
        };
        let db = self.db.clone();
        let events = self.events.clone();
        let id = row.id.clone();
        tokio::spawn(async move {
            let cancelled_rx = handle.cancelled.clone();
            let outcome = work(handle).await;
            let status = match (&outcome, *cancelled_rx.borrow()) {
                (Ok(()), _) => OperationStatus::Succeeded,
                (Err(_), true) => OperationStatus::Cancelled,
                (Err(_), false) => OperationStatus::Failed,
            };
            if let Err(err) = finish(&db, &events, &id, status, outcome.err()) {
                tracing::error!(operation = %id, error = %err, "could not record the end of an operation");
            }
        });
        Ok(row)
    }

    pub fn get(&self, id: &str) -> Result<OperationRow> {
        self.db.operation(id)?.ok_or_else(|| Error::NotFound {
            kind: "operation",
            id: id.to_owned(),
        })
    }

    pub fn list(
        &self,
        status: Option<OperationStatus>,
        target: Option<&str>,
    ) -> Result<Vec<OperationRow>> {
        self.db
            .operations(status.map(OperationStatus::as_str), target)
    }

    /// Asks a running operation to stop. `Conflict` when it has already ended.
    pub fn cancel(&self, id: &str) -> Result<OperationRow> {
        let row = self.get(id)?;
        if OperationStatus::parse(&row.status).is_some_and(|s| s.is_terminal()) {
            return Err(Error::conflict(format!(
                "operation {id} has already ended ({})",
                row.status
            )));
        }
        let sender = self
            .cancels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned();
        match sender {
            Some(tx) => {
                let _ = tx.send(true);
            }
            None => {
                // Not ours: left by another process. Nothing runs it, so end it here.
                finish(&self.db, &self.events, id, OperationStatus::Cancelled, None)?;
            }
        }
        self.get(id)
    }

    /// Waits until the operation has ended, polling the database. For tests and tools.
    pub async fn wait(&self, id: &str, timeout: std::time::Duration) -> Result<OperationRow> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let row = self.get(id)?;
            if OperationStatus::parse(&row.status).is_some_and(|s| s.is_terminal()) {
                return Ok(row);
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(row);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

fn finish(
    db: &Database,
    events: &EventBus,
    id: &str,
    status: OperationStatus,
    failure: Option<OperationFailure>,
) -> Result<()> {
    let Some(mut row) = db.operation(id)? else {
        return Ok(());
    };
    let ts = now();
    row.status = status.as_str().to_owned();
    if status == OperationStatus::Succeeded {
        row.percent = 100.0;
        row.phase = "done".to_owned();
    }
    if status == OperationStatus::Cancelled {
        row.phase = "cancelled".to_owned();
        row.error_code = Some("CANCELLED".to_owned());
        row.error_message = Some("cancelled on request".to_owned());
    } else if let Some(failure) = failure {
        row.error_code = Some(failure.code);
        row.error_message = Some(failure.message);
    }
    row.updated_at = ts.clone();
    row.finished_at = Some(ts);
    db.upsert_operation(&row)?;
    events.publish_operation(EventKind::OperationEnded(status), &row);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ops() -> Operations {
        Operations::new(
            Arc::new(Database::open_in_memory().unwrap()),
            Arc::new(EventBus::new(16)),
        )
    }

    #[tokio::test]
    async fn success_and_failure_are_recorded() {
        let ops = ops();
        let ok = ops
            .spawn("test", "t", "working", |_| async { Ok(()) })
            .unwrap();
        let bad = ops
            .spawn("test", "t", "working", |_| async {
                Err(OperationFailure {
                    code: "TIMEOUT".into(),
                    message: "too slow".into(),
                })
            })
            .unwrap();
        let ok = ops.wait(&ok.id, Duration::from_secs(5)).await.unwrap();
        assert_eq!(ok.status, "succeeded");
        assert_eq!(ok.percent, 100.0);
        let bad = ops.wait(&bad.id, Duration::from_secs(5)).await.unwrap();
        assert_eq!(bad.status, "failed");
        assert_eq!(bad.error_code.as_deref(), Some("TIMEOUT"));
        assert_eq!(bad.error_message.as_deref(), Some("too slow"));
    }

    #[tokio::test]
    async fn cancel_stops_a_running_operation_and_not_a_finished_one() {
        let ops = ops();
        let op = ops
            .spawn("test", "t", "waiting", |mut h| async move {
                h.cancelled().await;
                Err(OperationFailure {
                    code: "CANCELLED".into(),
                    message: "stopped".into(),
                })
            })
            .unwrap();
        let now = ops.cancel(&op.id).unwrap();
        assert_eq!(now.id, op.id);
        let done = ops.wait(&op.id, Duration::from_secs(5)).await.unwrap();
        assert_eq!(done.status, "cancelled");
        assert!(matches!(ops.cancel(&op.id), Err(Error::Conflict { .. })));
        assert!(matches!(
            ops.cancel("op-missing"),
            Err(Error::NotFound { .. })
        ));
    }
}
