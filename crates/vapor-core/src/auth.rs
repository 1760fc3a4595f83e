//! API tokens: 256 random bits, shown once, stored only as a SHA-256 hash.
//!
//! A presented token is hashed and the hash looked up; the database never sees
//! the token itself. The lookup compares hashes, not secrets: how long it takes
//! can at most tell a client how many leading bytes of the SHA-256 of its own
//! guess match a stored hash, which says nothing about any token (finding a
//! token from its hash is a preimage attack). No byte loop ever runs over a
//! stored secret.
//!
//! Each token has a [`Scope`], an optional expiry, and can be revoked. Revoked
//! and expired tokens authenticate nothing (401). Names follow the API's name
//! pattern and stay taken after a revocation, so that a name in the audit log
//! always means one token.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::{Database, TokenRow};
use crate::error::{Error, Result};

/// Prefix that makes Vapor tokens recognisable in logs and secret scanners.
const TOKEN_PREFIX: &str = "vapor_";

/// `last_used_at` is written at most this often per token.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// GET, HEAD and OPTIONS only: every other request is 403 `FORBIDDEN`.
    Read,
    /// Everything, including the audit log.
    #[default]
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Admin => "admin",
        }
    }

    /// Whether a request with this method is within the scope.
    pub fn allows(self, method: &http::Method) -> bool {
        match self {
            Scope::Admin => true,
            Scope::Read => matches!(
                *method,
                http::Method::GET | http::Method::HEAD | http::Method::OPTIONS
            ),
        }
    }
}

impl std::str::FromStr for Scope {
    type Err = Error;

    fn from_str(s: &str) -> Result<Scope> {
        match s {
            "read" => Ok(Scope::Read),
            "admin" => Ok(Scope::Admin),
            _ => Err(Error::invalid(
                "scope",
                format!("scope is 'read' or 'admin', not '{s}'"),
            )),
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who made a request: the name of the token it carried, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_name: String,
    pub scope: Scope,
}

/// Whether a token can be used, as `vapor token list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Active,
    Expired,
    Revoked,
}

impl TokenState {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::Active => "active",
            TokenState::Expired => "expired",
            TokenState::Revoked => "revoked",
        }
    }
}

/// What is known about a token, without its secret or its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub name: String,
    pub scope: Scope,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
    pub state: TokenState,
}

/// Creates an admin token called `name` that never expires; returns the token.
pub fn create_token(db: &Database, name: &str) -> Result<String> {
    create_token_with(db, name, Scope::Admin, None)
}

/// Creates a token called `name` with this scope and expiry, stores its hash
/// and returns the token. An expiry must lie in the future.
pub fn create_token_with(
    db: &Database,
    name: &str,
    scope: Scope,
    expires_at: Option<DateTime<Utc>>,
) -> Result<String> {
    crate::app::validate_name_like("name", name)?;
    if expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(Error::invalid("expires", "the expiry is in the past"));
    }
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let token = format!("{TOKEN_PREFIX}{}", hex(&secret));
    let expires_at = expires_at.map(timestamp);
    db.insert_token(
        name,
        &hash_token(&token),
        scope.as_str(),
        expires_at.as_deref(),
    )?;
    Ok(token)
}

tokio::task_local! {
    /// The token a request's gate has just verified, and whose it is.
    static VERIFIED: (String, Principal);
}

/// Runs `request` knowing that `token` was verified as `principal` for it, so
/// that a second check of the same token within the same request
/// ([`verified`]) needs no database read. Nothing outlives the request:
/// a revoked token fails the next request's check.
pub async fn with_verified<F: std::future::Future>(
    token: String,
    principal: Principal,
    request: F,
) -> F::Output {
    VERIFIED.scope((token, principal), request).await
}

/// The principal of `token` if the current request has verified it already.
pub fn verified(token: &str) -> Option<Principal> {
    VERIFIED
        .try_with(|(verified, principal)| (verified == token).then(|| principal.clone()))
        .ok()
        .flatten()
}

/// The principal for a presented token, or `Unauthorized` when it is unknown,
/// revoked or expired. Records when the token was last used.
pub fn authenticate(db: &Database, token: &str) -> Result<Principal> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Err(Error::Unauthorized);
    }
    let Some(row) = db.token_by_hash(&hash_token(token))? else {
        return Err(Error::Unauthorized);
    };
    let now = Utc::now();
    if state(&row, now) != TokenState::Active {
        return Err(Error::Unauthorized);
    }
    let scope = scope_of(&row);
    db.touch_token(&row.name, &timestamp(now), &timestamp(now - TOUCH_EVERY))?;
    Ok(Principal {
        token_name: row.name,
        scope,
    })
}

/// Every token, oldest first, without secrets.
pub fn list_tokens(db: &Database) -> Result<Vec<TokenInfo>> {
    let now = Utc::now();
    Ok(db
        .tokens()?
        .into_iter()
        .map(|row| TokenInfo {
            state: state(&row, now),
            scope: scope_of(&row),
            name: row.name,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
        })
        .collect())
}

/// Revokes the token called `name`: from now on it authenticates nothing.
pub fn revoke_token(db: &Database, name: &str) -> Result<()> {
    db.revoke_token(name)
}

/// Parses `--expires`: a duration from `now` (`90s`, `30m`, `12h`, `30d`,
/// `2w`) or an RFC 3339 time. The result must lie in the future.
pub fn parse_expiry(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let bad = || {
        Error::invalid(
            "expires",
            format!("'{text}' is neither a duration (90s, 30m, 12h, 30d, 2w) nor an RFC 3339 time"),
        )
    };
    let at = if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        at.with_timezone(&Utc)
    } else {
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .filter(|&i| i > 0)
            .ok_or_else(bad)?;
        let (count, unit) = text.split_at(split);
        let count: i64 = count.parse().map_err(|_| bad())?;
        let seconds = match unit {
            "s" => Some(count),
            "m" => count.checked_mul(60),
            "h" => count.checked_mul(3600),
            "d" => count.checked_mul(86_400),
            "w" => count.checked_mul(7 * 86_400),
            _ => None,
        }
        .filter(|s| *s > 0 && *s <= 100 * 365 * 86_400)
        .ok_or_else(bad)?;
        now + Duration::seconds(seconds)
    };
    if at <= now {
        return Err(Error::invalid("expires", "the expiry is in the past"));
    }
    Ok(at)
}

/// The token from an `Authorization: Bearer <token>` header value.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The row's scope; one Vapor does not know (written by a newer version)
/// counts as the least: read.
fn scope_of(row: &TokenRow) -> Scope {
    row.scope.parse().unwrap_or(Scope::Read)
}

fn state(row: &TokenRow, now: DateTime<Utc>) -> TokenState {
    if row.revoked_at.is_some() {
        return TokenState::Revoked;
    }
    match row.expires_at.as_deref().map(DateTime::parse_from_rfc3339) {
        None => TokenState::Active,
        Some(Ok(at)) if at > now => TokenState::Active,
        // An expiry that cannot be read is treated as passed: fail closed.
        Some(_) => TokenState::Expired,
    }
}

/// Timestamps are stored as RFC 3339 in UTC with microseconds, like every other.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {

    #[tokio::test]
    async fn a_verified_token_is_known_only_inside_its_request() {
        let principal = Principal {
            token_name: "ci".into(),
            scope: Scope::Read,
        };
        assert_eq!(verified("vapor_a"), None);
        let inside = with_verified("vapor_a".into(), principal.clone(), async {
            tokio::task::yield_now().await;
            (verified("vapor_a"), verified("vapor_b"))
        })
        .await;
        assert_eq!(inside, (Some(principal), None));
        assert_eq!(verified("vapor_a"), None);
    }

    use super::*;

    #[test]
    fn created_token_authenticates_and_others_do_not() {
        let db = Database::open_in_memory().unwrap();
        let token = create_token(&db, "ops").unwrap();
        assert!(token.starts_with(TOKEN_PREFIX));
        assert_eq!(token.len(), TOKEN_PREFIX.len() + 64);
        let principal = authenticate(&db, &token).unwrap();
        assert_eq!(principal.token_name, "ops");
        assert_eq!(principal.scope, Scope::Admin);
        let mut wrong = token.clone();
        wrong.pop();
        wrong.push('x');
        assert!(matches!(
            authenticate(&db, &wrong),
            Err(Error::Unauthorized)
        ));
        assert!(matches!(
            authenticate(&db, "not-a-token"),
            Err(Error::Unauthorized)
        ));
    }

    #[test]
    fn tokens_are_stored_hashed() {
        let db = Database::open_in_memory().unwrap();
        let token = create_token(&db, "ops").unwrap();
        assert_eq!(db.token_by_hash(&token).unwrap(), None);
        let row = db.token_by_hash(&hash_token(&token)).unwrap().unwrap();
        assert_ne!(row.token_hash, token);
    }

    #[test]
    fn bad_token_names_are_rejected() {
        let db = Database::open_in_memory().unwrap();
        for name in ["", "a b", "x/y", "-rf", ".hidden", &"n".repeat(65)] {
            assert!(
                matches!(create_token(&db, name), Err(Error::InvalidRequest { .. })),
                "{name}"
            );
        }
    }

    #[test]
    fn scopes_decide_by_method() {
        assert!(Scope::Read.allows(&http::Method::GET));
        assert!(Scope::Read.allows(&http::Method::HEAD));
        assert!(Scope::Read.allows(&http::Method::OPTIONS));
        for m in [
            http::Method::POST,
            http::Method::PUT,
            http::Method::PATCH,
            http::Method::DELETE,
        ] {
            assert!(!Scope::Read.allows(&m), "{m}");
            assert!(Scope::Admin.allows(&m), "{m}");
        }
        assert_eq!("read".parse::<Scope>().unwrap(), Scope::Read);
        assert_eq!("admin".parse::<Scope>().unwrap(), Scope::Admin);
        assert!("root".parse::<Scope>().is_err());
    }

    #[test]
    fn read_tokens_keep_their_scope() {
        let db = Database::open_in_memory().unwrap();
        let token = create_token_with(&db, "viewer", Scope::Read, None).unwrap();
        assert_eq!(authenticate(&db, &token).unwrap().scope, Scope::Read);
    }

    #[test]
    fn revoked_tokens_fail_and_keep_their_name() {
        let db = Database::open_in_memory().unwrap();
        let token = create_token(&db, "ops").unwrap();
        revoke_token(&db, "ops").unwrap();
        assert!(matches!(
            authenticate(&db, &token),
            Err(Error::Unauthorized)
        ));
        assert!(matches!(
            create_token(&db, "ops"),
            Err(Error::AlreadyExists { .. })
        ));
        assert!(matches!(
            revoke_token(&db, "nobody"),
            Err(Error::NotFound { .. })
        ));
        let listed = list_tokens(&db).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].state, TokenState::Revoked);
    }

    #[test]
    fn expired_tokens_fail() {
        let db = Database::open_in_memory().unwrap();
        let soon = Utc::now() + Duration::milliseconds(300);
        let token = create_token_with(&db, "brief", Scope::Admin, Some(soon)).unwrap();
        assert!(authenticate(&db, &token).is_ok());
        std::thread::sleep(std::time::Duration::from_millis(400));
        assert!(matches!(
            authenticate(&db, &token),
            Err(Error::Unauthorized)
        ));
        assert_eq!(list_tokens(&db).unwrap()[0].state, TokenState::Expired);
        let past = Utc::now() - Duration::seconds(1);
        assert!(create_token_with(&db, "late", Scope::Admin, Some(past)).is_err());
    }

    #[test]
    fn last_use_is_recorded() {
        let db = Database::open_in_memory().unwrap();
        let token = create_token(&db, "ops").unwrap();
        assert_eq!(list_tokens(&db).unwrap()[0].last_used_at, None);
        authenticate(&db, &token).unwrap();
        assert!(list_tokens(&db).unwrap()[0].last_used_at.is_some());
    }

    #[test]
    fn expiry_parsing() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_expiry("30d", now).unwrap(), now + Duration::days(30));
        assert_eq!(parse_expiry("12h", now).unwrap(), now + Duration::hours(12));
        assert_eq!(
            parse_expiry("90s", now).unwrap(),
            now + Duration::seconds(90)
        );
        assert_eq!(parse_expiry("2w", now).unwrap(), now + Duration::weeks(2));
        assert_eq!(
            parse_expiry("2026-02-01T10:00:00+01:00", now).unwrap(),
            DateTime::parse_from_rfc3339("2026-02-01T09:00:00Z").unwrap()
        );
        for bad in [
            "",
            "d",
            "0d",
            "-1d",
            "10y",
            "1.5h",
            "tomorrow",
            "2025-01-01T00:00:00Z",
            "99999999999999999999d",
        ] {
            assert!(parse_expiry(bad, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn bearer_header_parsing() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer"), None);
    }
}
