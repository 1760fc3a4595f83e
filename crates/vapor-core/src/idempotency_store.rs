//! Idempotency keys of creates (table `idempotency_keys`), for the HTTP
//! layer's `Idempotency-Key` middleware.
//!
//! A key belongs to a token (by name) and names one request, known by its
//! fingerprint ([`fingerprint`]: method, path with query, body). Its row is
//! made *in progress* when the first request with the key arrives
//! ([`Database::claim_idempotency_key`]; the `UNIQUE (token_name,
//! idempotency_key)` constraint lets only one of several concurrent requests
//! make it), then either *completed* with the request's successful reply
//! ([`Database::complete_idempotency_key`]) or deleted when the request failed
//! ([`Database::release_idempotency_key`]). Every row expires [`RETENTION`]
//! after it was last written; an expired row counts as absent and is purged
//! ([`Database::purge_expired_idempotency_keys`]). Rows a dead process left in
//! progress are deleted at start ([`Database::clear_idempotency_keys_in_progress`]).

use chrono::{DateTime, Utc};
use rusqlite::params;
use sha2::{Digest, Sha256};

use crate::db::{db_error, Database};
use crate::error::Result;

/// How long a key is remembered after its request completed.
pub const RETENTION: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// The fingerprint of a request: SHA-256, in hex, of its method, its path with
/// the query, and its body bytes, each of the first two followed by a newline
/// (neither can contain one, so no two requests share the input).
pub fn fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(method.as_bytes());
    hash.update(b"\n");
    hash.update(path_and_query.as_bytes());
    hash.update(b"\n");
    hash.update(body);
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The successful reply a completed key gives again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReply {
    pub status_code: u16,
    pub content_type: Option<String>,
    /// The `Location` header, if the reply had one.
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// What a request with a key finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key was free: it is now in progress under this claim, which the
    /// caller completes or releases once the request is answered.
    Claimed(ClaimId),
    /// The same request completed: its reply.
    Completed(StoredReply),
    /// The same request is still being carried out.
    InProgress,
    /// The key was given to another request (another fingerprint), completed
    /// or not.
    Reused,
}

/// The row a [`Claim::Claimed`] made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimId(i64);

const IN_PROGRESS: &str = "in_progress";
const COMPLETED: &str = "completed";

/// A time as stored: RFC 3339 in UTC with microseconds, so that text order is
/// time order.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Database {
    /// Claims `key` of `token_name` for the request with `fingerprint`, or
    /// says what the key already holds. A row expired at `now` counts as
    /// absent and is replaced.
    pub fn claim_idempotency_key(
        &self,
        token_name: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<Claim> {
        let expires = timestamp(now + RETENTION);
        let now = timestamp(now);
        let mut conn = self.lock();
        let tx = conn
            .transaction()
            .map_err(|e| db_error("claim idempotency key", e))?;
        tx.execute(
            "DELETE FROM idempotency_keys
             WHERE token_name = ?1 AND idempotency_key = ?2 AND expires_at <= ?3",
            params![token_name, key, now],
        )
        .map_err(|e| db_error("claim idempotency key", e))?;
        let inserted = tx
            .execute(
                "INSERT INTO idempotency_keys
                     (token_name, idempotency_key, fingerprint, state, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (token_name, idempotency_key) DO NOTHING",
                params![token_name, key, fingerprint, IN_PROGRESS, now, expires],
            )
            .map_err(|e| db_error("claim idempotency key", e))?;
        let claim = if inserted == 1 {
            Claim::Claimed(ClaimId(tx.last_insert_rowid()))
        } else {
            // Not inserted, hence there.
            let (stored, state, status_code, content_type, location, body) = tx
                .query_row(
                    "SELECT fingerprint, state, status_code, content_type, location, body
                     FROM idempotency_keys WHERE token_name = ?1 AND idempotency_key = ?2",
                    params![token_name, key],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, Option<u16>>(2)?,
                            r.get::<_, Option<String>>(3)?,
                            r.get::<_, Option<String>>(4)?,
                            r.get::<_, Option<Vec<u8>>>(5)?,
                        ))
                    },
                )
                .map_err(|e| db_error("claim idempotency key", e))?;
            if stored != fingerprint {
                Claim::Reused
            } else if state == IN_PROGRESS {
                Claim::InProgress
            } else {
                Claim::Completed(StoredReply {
                    status_code: status_code.unwrap_or(200),
                    content_type,
                    location,
                    body: body.unwrap_or_default(),
                })
            }
        };
        tx.commit()
            .map_err(|e| db_error("claim idempotency key", e))?;
        Ok(claim)
    }

    /// Stores the successful reply of a claimed request; the key is then
    /// remembered for [`RETENTION`] from `now`. False when the claim is no
    /// longer there (it expired and was purged).
    pub fn complete_idempotency_key(
        &self,
        claim: ClaimId,
        reply: &StoredReply,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let expires = timestamp(now + RETENTION);
        let changed = self
            .lock()
            .execute(
                "UPDATE idempotency_keys SET state = ?2, status_code = ?3, content_type = ?4,
                     location = ?5, body = ?6, expires_at = ?7
                 WHERE id = ?1 AND state = ?8",
                params![
                    claim.0,
                    COMPLETED,
                    reply.status_code,
                    reply.content_type,
                    reply.location,
                    reply.body,
                    expires,
                    IN_PROGRESS
                ],
            )
            .map_err(|e| db_error("complete idempotency key", e))?;
        Ok(changed == 1)
    }

    /// Forgets a claimed request that did not succeed: a retry with its key
    /// is carried out afresh.
    pub fn release_idempotency_key(&self, claim: ClaimId) -> Result<()> {
        self.lock()
            .execute(
                "DELETE FROM idempotency_keys WHERE id = ?1 AND state = ?2",
                params![claim.0, IN_PROGRESS],
            )
            .map(|_| ())
            .map_err(|e| db_error("release idempotency key", e))
    }

    /// Deletes every key expired at `now`; returns how many.
    pub fn purge_expired_idempotency_keys(&self, now: DateTime<Utc>) -> Result<usize> {
        self.lock()
            .execute(
                "DELETE FROM idempotency_keys WHERE expires_at <= ?1",
                params![timestamp(now)],
            )
            .map_err(|e| db_error("purge idempotency keys", e))
    }

    /// Deletes every key in progress: at start, those a dead process left,
    /// whose requests have no reply to give. Returns how many.
    pub fn clear_idempotency_keys_in_progress(&self) -> Result<usize> {
        self.lock()
            .execute(
                "DELETE FROM idempotency_keys WHERE state = ?1",
                params![IN_PROGRESS],
            )
            .map_err(|e| db_error("clear idempotency keys in progress", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn reply(body: &str) -> StoredReply {
        StoredReply {
            status_code: 201,
            content_type: Some("application/json".into()),
            location: Some("/api/v1/virtualization/virtualmachines/web".into()),
            body: body.as_bytes().to_vec(),
        }
    }

    fn claimed(claim: Claim) -> ClaimId {
        match claim {
            Claim::Claimed(id) => id,
            other => panic!("expected a claim, got {other:?}"),
        }
    }

    #[test]
    fn fingerprints_cover_method_path_and_body() {
        let f = fingerprint("POST", "/api/v1/x?a=1", b"{}");
        assert_eq!(f.len(), 64);
        assert_eq!(f, fingerprint("POST", "/api/v1/x?a=1", b"{}"));
        assert_ne!(f, fingerprint("PUT", "/api/v1/x?a=1", b"{}"));
        assert_ne!(f, fingerprint("POST", "/api/v1/x?a=2", b"{}"));
        assert_ne!(f, fingerprint("POST", "/api/v1/x", b"{}"));
        assert_ne!(f, fingerprint("POST", "/api/v1/x?a=1", b"{ }"));
    }

    #[test]
    fn a_completed_key_gives_its_reply_to_the_same_request_only() {
        let db = Database::open_in_memory().unwrap();
        let id = claimed(db.claim_idempotency_key("ops", "k1", "fp", at(0)).unwrap());
        // While the first request runs, a repeat waits and another request is refused.
        assert_eq!(
            db.claim_idempotency_key("ops", "k1", "fp", at(1)).unwrap(),
            Claim::InProgress
        );
        assert_eq!(
            db.claim_idempotency_key("ops", "k1", "other", at(1))
                .unwrap(),
            Claim::Reused
        );
        assert!(db
            .complete_idempotency_key(id, &reply(r#"{"data":1}"#), at(2))
            .unwrap());
        assert_eq!(
            db.claim_idempotency_key("ops", "k1", "fp", at(3)).unwrap(),
            Claim::Completed(reply(r#"{"data":1}"#))
        );
        assert_eq!(
            db.claim_idempotency_key("ops", "k1", "other", at(3))
                .unwrap(),
            Claim::Reused
        );
        // Completing again changes nothing.
        assert!(!db.complete_idempotency_key(id, &reply("x"), at(4)).unwrap());
        assert_eq!(
            db.claim_idempotency_key("ops", "k1", "fp", at(5)).unwrap(),
            Claim::Completed(reply(r#"{"data":1}"#))
        );
    }

    #[test]
    fn of_concurrent_first_requests_one_claims_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let db = std::sync::Arc::new(Database::open(&dir.path().join("v.db")).unwrap());
        let claims: Vec<Claim> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let db = db.clone();
                    s.spawn(move || db.claim_idempotency_key("ops", "k", "fp", at(0)).unwrap())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won = claims
            .iter()
            .filter(|c| matches!(c, Claim::Claimed(_)))
            .count();
        assert_eq!(won, 1, "{claims:?}");
        assert!(
            claims
                .iter()
                .all(|c| matches!(c, Claim::Claimed(_) | Claim::InProgress)),
            "{claims:?}"
        );
    }

    #[test]
    fn keys_belong_to_their_token() {
        let db = Database::open_in_memory().unwrap();
        let id = claimed(db.claim_idempotency_key("ops", "k", "fp", at(0)).unwrap());
        db.complete_idempotency_key(id, &reply("a"), at(0)).unwrap();
        claimed(db.claim_idempotency_key("ci", "k", "other", at(1)).unwrap());
        claimed(
            db.claim_idempotency_key("ops", "k2", "other", at(1))
                .unwrap(),
        );
    }

    #[test]
    fn a_released_key_is_free_again() {
        let db = Database::open_in_memory().unwrap();
        let id = claimed(db.claim_idempotency_key("ops", "k", "fp", at(0)).unwrap());
        db.release_idempotency_key(id).unwrap();
        // Free for the same request, and for another one.
        let again = claimed(db.claim_idempotency_key("ops", "k", "fp", at(1)).unwrap());
        assert_ne!(again, id);
        db.release_idempotency_key(again).unwrap();
        let other = claimed(
            db.claim_idempotency_key("ops", "k", "other", at(2))
                .unwrap(),
        );
        // A released claim cannot complete, nor release, the key's new claim.
        assert!(!db.complete_idempotency_key(id, &reply("x"), at(3)).unwrap());
        db.release_idempotency_key(id).unwrap();
        assert_eq!(
            db.claim_idempotency_key("ops", "k", "other", at(4))
                .unwrap(),
            Claim::InProgress
        );
        // Releasing a completed key keeps it.
        db.complete_idempotency_key(other, &reply("b"), at(5))
            .unwrap();
        db.release_idempotency_key(other).unwrap();
        assert_eq!(
            db.claim_idempotency_key("ops", "k", "other", at(6))
                .unwrap(),
            Claim::Completed(reply("b"))
        );
    }

    #[test]
    fn keys_expire_a_day_after_completion() {
        let db = Database::open_in_memory().unwrap();
        let day = RETENTION.num_seconds();
        let id = claimed(db.claim_idempotency_key("ops", "old", "fp", at(0)).unwrap());
        db.complete_idempotency_key(id, &reply("a"), at(100))
            .unwrap();
        let id = claimed(
            db.claim_idempotency_key("ops", "new", "fp", at(50))
                .unwrap(),
        );
        db.complete_idempotency_key(id, &reply("b"), at(200))
            .unwrap();

        // Remembered up to a day after completion, not after it was claimed.
        assert_eq!(db.purge_expired_idempotency_keys(at(day + 99)).unwrap(), 0);
        assert_eq!(
            db.claim_idempotency_key("ops", "old", "fp", at(day + 99))
                .unwrap(),
            Claim::Completed(reply("a"))
        );
        assert_eq!(db.purge_expired_idempotency_keys(at(day + 100)).unwrap(), 1);
        assert_eq!(
            db.claim_idempotency_key("ops", "new", "fp", at(day + 150))
                .unwrap(),
            Claim::Completed(reply("b"))
        );
        // An expired key not purged yet counts as absent: claimed afresh,
        // by another request too.
        let fresh = db
            .claim_idempotency_key("ops", "new", "other", at(day + 200))
            .unwrap();
        assert!(matches!(fresh, Claim::Claimed(_)), "{fresh:?}");
        let fresh = db
            .claim_idempotency_key("ops", "old", "fp", at(day + 200))
            .unwrap();
        assert!(matches!(fresh, Claim::Claimed(_)), "{fresh:?}");
    }

    #[test]
    fn keys_in_progress_are_cleared_at_start() {
        let db = Database::open_in_memory().unwrap();
        claimed(
            db.claim_idempotency_key("ops", "running", "fp", at(0))
                .unwrap(),
        );
        let done = claimed(
            db.claim_idempotency_key("ops", "done", "fp", at(0))
                .unwrap(),
        );
        db.complete_idempotency_key(done, &reply("a"), at(1))
            .unwrap();
        assert_eq!(db.clear_idempotency_keys_in_progress().unwrap(), 1);
        assert!(matches!(
            db.claim_idempotency_key("ops", "running", "other", at(2))
                .unwrap(),
            Claim::Claimed(_)
        ));
        assert_eq!(
            db.claim_idempotency_key("ops", "done", "fp", at(2))
                .unwrap(),
            Claim::Completed(reply("a"))
        );
    }

    #[test]
    fn a_reply_without_optional_headers_round_trips() {
        let db = Database::open_in_memory().unwrap();
        let id = claimed(db.claim_idempotency_key("ops", "k", "fp", at(0)).unwrap());
        let bare = StoredReply {
            status_code: 202,
            content_type: None,
            location: None,
            body: Vec::new(),
        };
        db.complete_idempotency_key(id, &bare, at(0)).unwrap();
        assert_eq!(
            db.claim_idempotency_key("ops", "k", "fp", at(1)).unwrap(),
            Claim::Completed(bare)
        );
    }
}
