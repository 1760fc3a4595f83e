//! Creates that can be retried.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{Error, Result};

/// The header that carries the key.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// A fresh key (a random UUID) for [`create_with_idempotency_key`].
pub fn new_idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The error code of a repeat that arrived while the first request with its
/// key was still being carried out.
const KEY_IN_USE: &str = "IDEMPOTENCY_KEY_IN_USE";

/// `POST path` with `body` and an `Idempotency-Key` header; the envelope's
/// `data` of a 2xx answer.
///
/// `path` is relative to `/api/v1` (`virtualization/virtualmachines`) or
/// absolute (`/api/v1/...`). Every try sends the same key and the same bytes,
/// so the server carries the create out at most once: a try that repeats a
/// create the server has done is answered with that create's reply (header
/// `Idempotent-Replayed: true`), for 24 hours after it.
///
/// Retried, with the client's [`crate::RetryPolicy`]:
/// - when no connection could be made (the request never left);
/// - when the answer was lost after the request was sent (a timeout, a
///   connection reset while reading): the retry gets the reply of a create
///   that was done, or carries out one that was not;
/// - on 409 `IDEMPOTENCY_KEY_IN_USE`: the first try is still being carried
///   out; the retry waits the policy's pause first;
/// - on a 5xx answer (Vapor undoes a create's partial work before it answers
///   with an error, and forgets the key, so a retry starts afresh).
///
/// Not retried: other 4xx answers (returned as [`Error::Api`]). When the
/// tries run out, the last failure is returned; [`Error::OutcomeUnknown`] if
/// the last answer was lost (calling again with the same key is safe).
/// Vapor honours the key on the creates whose operation declares it in the
/// spec (VMs, clones, templates, snapshots, backups and restores, pools,
/// volumes, networks, ISO registration); on any other path it ignores the
/// key, and a retry after a lost answer may act twice.
pub async fn create_with_idempotency_key<T, B>(
    client: &Client,
    path: &str,
    idempotency_key: &str,
    body: &B,
) -> Result<T>
where
    T: DeserializeOwned,
    B: Serialize + ?Sized,
{
    if idempotency_key.is_empty() {
        return Err(Error::Invalid("the idempotency key is empty".into()));
    }
    let body = serde_json::to_vec(body).map_err(|e| Error::Invalid(e.to_string()))?;
    let url = client.url(path);
    let policy = client.retry_policy();
    let attempts = policy.attempts.max(1);
    let mut tried = 0;
    loop {
        tried += 1;
        let sent = client
            .request(reqwest::Method::POST, &url)
            .header(IDEMPOTENCY_KEY_HEADER, idempotency_key)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.clone())
            .send()
            .await;
        let lost = |source| Error::OutcomeUnknown {
            idempotency_key: idempotency_key.to_owned(),
            source,
        };
        let failure = match sent {
            Ok(response) => {
                let status = response.status();
                match response.text().await {
                    Ok(text) if status.is_success() => return envelope_data(&text),
                    Ok(text) => {
                        let error = Error::from_response(status.as_u16(), &text);
                        let in_use = status == reqwest::StatusCode::CONFLICT
                            && error.code() == Some(KEY_IN_USE);
                        if !status.is_server_error() && !in_use {
                            return Err(error);
                        }
                        error
                    }
                    Err(source) => lost(source),
                }
            }
            Err(e) if e.is_connect() => Error::Transport(e),
            Err(source) => lost(source),
        };
        if tried >= attempts {
            return Err(failure);
        }
        tokio::time::sleep(policy.backoff(tried)).await;
    }
}

fn envelope_data<T: DeserializeOwned>(text: &str) -> Result<T> {
    #[derive(Deserialize)]
    struct Envelope<T> {
        data: T,
    }
    serde_json::from_str::<Envelope<T>>(text)
        .map(|e| e.data)
        .map_err(|e| Error::Decode(e.to_string()))
}
