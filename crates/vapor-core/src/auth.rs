//! API tokens: 256 random bits, shown once, stored only as a SHA-256 hash.
//!
//! A presented token is hashed and the hash looked up; the database never sees
//! the token itself, and equal-length hashes are compared by SQLite's index,
//! not by a byte loop over the secret.

use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::Database;
use crate::error::{Error, Result};

/// Prefix that makes Vapor tokens recognisable in logs and secret scanners.
const TOKEN_PREFIX: &str = "vapor_";

/// Who made a request: the name of the token it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_name: String,
}

/// Creates a token called `name`, stores its hash and returns the token.
pub fn create_token(db: &Database, name: &str) -> Result<String> {
    validate_token_name(name)?;
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let token = format!("{TOKEN_PREFIX}{}", hex(&secret));
    db.insert_token(name, &hash_token(&token))?;
    Ok(token)
}

/// The principal for a presented token, or `Unauthorized`.
pub fn authenticate(db: &Database, token: &str) -> Result<Principal> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Err(Error::Unauthorized);
    }
    match db.token_name_by_hash(&hash_token(token))? {
        Some(token_name) => Ok(Principal { token_name }),
        None => Err(Error::Unauthorized),
    }
}

/// The token from an `Authorization: Bearer <token>` header value.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn validate_token_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "name",
            "token names are 1-64 letters, digits, '-', '_' or '.'",
        ))
    }
}

fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_token_authenticates_and_others_do_not() {
        let db = Database::open_in_memory().unwrap();
        let token = create_token(&db, "ops").unwrap();
        assert!(token.starts_with(TOKEN_PREFIX));
        assert_eq!(token.len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(authenticate(&db, &token).unwrap().token_name, "ops");
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
        assert_eq!(db.token_name_by_hash(&token).unwrap(), None);
    }

    #[test]
    fn bad_token_names_are_rejected() {
        let db = Database::open_in_memory().unwrap();
        for name in ["", "a b", "x/y", &"n".repeat(65)] {
            assert!(
                matches!(create_token(&db, name), Err(Error::InvalidRequest { .. })),
                "{name}"
            );
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
