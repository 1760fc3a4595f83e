//! The configured client.

use std::time::Duration;

use vapor_client::apis::configuration::Configuration;

use crate::error::{Error, Result};
use crate::upload::DEFAULT_CHUNK_SIZE;

/// How [`crate::create_with_idempotency_key`] retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (at least 1).
    pub attempts: u32,
    /// The pause before the first retry; doubled for each further one.
    pub initial_backoff: Duration,
    /// The longest pause.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The pause after the `failed`-th failed try (1-based).
    pub(crate) fn backoff(&self, failed: u32) -> Duration {
        let factor = 1u32 << failed.saturating_sub(1).min(16);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// A Vapor server and the token to present to it.
#[derive(Debug, Clone)]
pub struct Client {
    root: String,
    config: Configuration,
    retry: RetryPolicy,
    chunk_size: u64,
}

impl Client {
    /// `base_url` is the server's root (`http://host:8080`); a trailing
    /// `/api/v1` is accepted too. `token` is a bearer token from
    /// `vapor token create`.
    pub fn new(base_url: &str, token: impl Into<String>) -> Result<Client> {
        let mut root = base_url.trim().trim_end_matches('/').to_owned();
        if let Some(stripped) = root.strip_suffix("/api/v1") {
            root = stripped.to_owned();
        }
        if !(root.starts_with("http://") || root.starts_with("https://")) {
            return Err(Error::Invalid(format!(
                "{base_url:?} is not an http:// or https:// URL"
            )));
        }
        let token = token.into();
        let config = Configuration {
            base_path: format!("{root}/api/v1"),
            user_agent: Some(format!("vapor-sdk/{}", env!("CARGO_PKG_VERSION"))),
            bearer_access_token: (!token.is_empty()).then_some(token),
            ..Configuration::default()
        };
        Ok(Client {
            root,
            config,
            retry: RetryPolicy::default(),
            chunk_size: DEFAULT_CHUNK_SIZE,
        })
    }

    /// Uses this HTTP client (timeouts, proxies, TLS roots) for every call.
    pub fn with_http_client(mut self, http: reqwest::Client) -> Client {
        self.config.client = http;
        self
    }

    /// Sends this `User-Agent` instead of `vapor-sdk/<version>`, e.g. a
    /// program's own name and version.
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Client {
        self.config.user_agent = Some(user_agent.into());
        self
    }

    /// How creates are retried.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Client {
        self.retry = retry;
        self
    }

    /// Bytes per upload `PATCH` (the server refuses chunks over its
    /// `[storage] max_chunk_bytes`).
    pub fn with_upload_chunk_size(mut self, bytes: u64) -> Client {
        self.chunk_size = bytes.max(1);
        self
    }

    /// The generated client's configuration: pass it to any function of
    /// `vapor_client::apis`.
    pub fn config(&self) -> &Configuration {
        &self.config
    }

    /// The server's root, without `/api/v1`.
    pub fn root(&self) -> &str {
        &self.root
    }

    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    pub(crate) fn chunk_size(&self) -> u64 {
        self.chunk_size
    }

    /// `path` (absolute, or relative to `/api/v1`) as a URL.
    pub(crate) fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else if path.starts_with("/api/") {
            format!("{}{path}", self.root)
        } else {
            format!("{}/{}", self.config.base_path, path.trim_start_matches('/'))
        }
    }

    /// A request with the token and user agent.
    pub(crate) fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let mut builder = self.config.client.request(method, url);
        if let Some(agent) = &self.config.user_agent {
            builder = builder.header(reqwest::header::USER_AGENT, agent);
        }
        if let Some(token) = &self.config.bearer_access_token {
            builder = builder.bearer_auth(token);
        }
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_configuration() {
        let c = Client::new("http://h:8080/api/v1/", "t").unwrap();
        assert_eq!(c.root(), "http://h:8080");
        assert_eq!(c.config().base_path, "http://h:8080/api/v1");
        assert_eq!(c.config().bearer_access_token.as_deref(), Some("t"));
        assert!(c
            .config()
            .user_agent
            .as_deref()
            .unwrap()
            .starts_with("vapor-sdk/"));
        assert_eq!(c.url("/api/v1/x"), "http://h:8080/api/v1/x");
        assert_eq!(
            c.url("virtualization/x"),
            "http://h:8080/api/v1/virtualization/x"
        );
        assert_eq!(
            c.url("/virtualization/x"),
            "http://h:8080/api/v1/virtualization/x"
        );
        assert!(Client::new("h:8080", "t").is_err());
        let named = c.with_user_agent("vaporctl/1.2");
        assert_eq!(named.config().user_agent.as_deref(), Some("vaporctl/1.2"));
    }

    #[test]
    fn backoff_doubles_up_to_the_limit() {
        let p = RetryPolicy {
            attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
        };
        assert_eq!(p.backoff(1), Duration::from_millis(100));
        assert_eq!(p.backoff(2), Duration::from_millis(200));
        assert_eq!(p.backoff(3), Duration::from_millis(350));
        assert_eq!(p.backoff(40), Duration::from_millis(350));
    }
}
