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

/// `POST path` with `body` and an `Idempotency-Key` header; the envelope's
/// `data` of a 2xx answer.
///
/// `path` is relative to `/api/v1` (`virtualization/virtualmachines`) or
/// absolute (`/api/v1/...`). Every try sends the same key and the same bytes.
///
/// Retried, with the client's [`crate::RetryPolicy`]:
/// - when no connection could be made (the request never left), and
/// - on a 5xx answer (Vapor undoes a create's partial work before it answers
///   with an error, so nothing of the failed try is left).
///
/// Not retried: 4xx answers (returned as [`Error::Api`]), and a request whose
/// answer was lost after it was sent ([`Error::OutcomeUnknown`]). Vapor's API
/// does not declare `Idempotency-Key` on any operation, so the server would not
/// recognise the second try as the first one; the caller has to look (list by
/// name, say) before trying again. The header is still sent, for proxies and
/// servers that honour it.
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
        let failure = match sent {
            Ok(response) => {
                let status = response.status();
                let text = match response.text().await {
                    Ok(text) => text,
                    Err(source) => {
                        return Err(Error::OutcomeUnknown {
                            idempotency_key: idempotency_key.to_owned(),
                            source,
                        })
                    }
                };
                if status.is_success() {
                    return envelope_data(&text);
                }
                let error = Error::from_response(status.as_u16(), &text);
                if !status.is_server_error() {
                    return Err(error);
                }
                error
            }
            Err(e) if e.is_connect() => Error::Transport(e),
            Err(source) => {
                return Err(Error::OutcomeUnknown {
                    idempotency_key: idempotency_key.to_owned(),
                    source,
                })
            }
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
