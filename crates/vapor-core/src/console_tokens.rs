//! One-time console tokens.
//!
//! A token grants one WebSocket connection to one console (VM and kind) and
//! expires soon after it is issued. Like API tokens it is 256 random bits,
//! and only its SHA-256 hash is kept; unlike them it lives in memory only:
//! it is valid for seconds, so a restart that forgets every token
//! outstanding costs a client one more request, and nothing about consoles
//! needs to be written to disk.
//!
//! A token is spent by the first connection that presents it, whatever the
//! outcome: presented for another VM, expired, or accepted, it is gone.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use vapor_hypervisor::ConsoleKind;

/// Prefix that tells console tokens from API tokens (`vapor_`).
const TOKEN_PREFIX: &str = "vcon_";

/// What a token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleGrant {
    pub vm_uuid: String,
    pub vm_name: String,
    pub kind: ConsoleKind,
}

/// A token as issued: shown to the client once.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Why a presented token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Never issued, or already used (the two cannot be told apart, since
    /// used tokens are forgotten).
    Unknown,
    Expired,
    /// Issued for another VM.
    OtherVm,
}

impl TokenRefusal {
    pub fn message(self) -> &'static str {
        match self {
            TokenRefusal::Unknown => {
                "the console token is not valid: it was never issued, or it was already used"
            }
            TokenRefusal::Expired => "the console token has expired; request a new one",
            TokenRefusal::OtherVm => "the console token was issued for another virtual machine",
        }
    }
}

struct Entry {
    grant: ConsoleGrant,
    expires: Instant,
}

/// The outstanding tokens, by the hash of the token.
pub struct ConsoleTokens {
    ttl: Duration,
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

impl ConsoleTokens {
    /// A store whose tokens are valid for `ttl` after they are issued.
    pub fn new(ttl: Duration) -> Self {
        ConsoleTokens {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<[u8; 32], Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Issues a token for `grant`. Tokens that expired unused are dropped.
    pub fn issue(&self, grant: ConsoleGrant) -> IssuedToken {
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let token = format!("{TOKEN_PREFIX}{}", hex(&secret));
        let now = Instant::now();
        let mut entries = self.lock();
        entries.retain(|_, e| e.expires > now);
        entries.insert(
            hash(&token),
            Entry {
                grant,
                expires: now + self.ttl,
            },
        );
        IssuedToken {
            token,
            expires_at: Utc::now()
                + chrono::Duration::from_std(self.ttl).unwrap_or(chrono::Duration::MAX),
        }
    }

    /// Spends `token` and returns what it grants, if it was issued for the
    /// VM `vm_id` (its UUID or its name) and has not expired.
    pub fn redeem(&self, token: &str, vm_id: &str) -> Result<ConsoleGrant, TokenRefusal> {
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
            return Err(TokenRefusal::Unknown);
        }
        let entry = self
            .lock()
            .remove(&hash(token))
            .ok_or(TokenRefusal::Unknown)?;
        if entry.expires <= Instant::now() {
            return Err(TokenRefusal::Expired);
        }
        let grant = entry.grant;
        if !(grant.vm_uuid.eq_ignore_ascii_case(vm_id) || grant.vm_name == vm_id) {
            return Err(TokenRefusal::OtherVm);
        }
        Ok(grant)
    }

    /// How many tokens are outstanding (expired ones included until the next issue).
    pub fn outstanding(&self) -> usize {
        self.lock().len()
    }
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> ConsoleGrant {
        ConsoleGrant {
            vm_uuid: "5f3a4c1e-0000-4000-8000-000000000001".into(),
            vm_name: "web".into(),
            kind: ConsoleKind::Vnc,
        }
    }

    #[test]
    fn a_token_is_spent_by_its_first_use() {
        let tokens = ConsoleTokens::new(Duration::from_secs(60));
        let issued = tokens.issue(grant());
        assert!(issued.token.starts_with(TOKEN_PREFIX));
        assert_eq!(issued.token.len(), TOKEN_PREFIX.len() + 64);
        assert!(issued.expires_at > Utc::now());
        assert_eq!(tokens.redeem(&issued.token, "web"), Ok(grant()));
        assert_eq!(
            tokens.redeem(&issued.token, "web"),
            Err(TokenRefusal::Unknown)
        );
        assert_eq!(tokens.outstanding(), 0);
    }

    #[test]
    fn a_token_names_its_vm_by_uuid_or_name() {
        let tokens = ConsoleTokens::new(Duration::from_secs(60));
        let t = tokens.issue(grant()).token;
        assert!(tokens
            .redeem(&t, "5F3A4C1E-0000-4000-8000-000000000001")
            .is_ok());
        let t = tokens.issue(grant()).token;
        assert_eq!(tokens.redeem(&t, "db"), Err(TokenRefusal::OtherVm));
        // Presented for the wrong VM, it is spent all the same.
        assert_eq!(tokens.redeem(&t, "web"), Err(TokenRefusal::Unknown));
    }

    #[test]
    fn tokens_expire() {
        let tokens = ConsoleTokens::new(Duration::from_millis(20));
        let t = tokens.issue(grant()).token;
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(tokens.redeem(&t, "web"), Err(TokenRefusal::Expired));
        // Issuing drops tokens that expired unused.
        let _ = tokens.issue(grant());
        std::thread::sleep(Duration::from_millis(40));
        let _ = tokens.issue(grant());
        assert_eq!(tokens.outstanding(), 1);
    }

    #[test]
    fn only_hashes_are_kept_and_strangers_are_refused() {
        let tokens = ConsoleTokens::new(Duration::from_secs(60));
        let t = tokens.issue(grant()).token;
        assert!(tokens.lock().contains_key(&hash(&t)));
        assert_eq!(
            tokens.redeem("vapor_abc", "web"),
            Err(TokenRefusal::Unknown)
        );
        assert_eq!(
            tokens.redeem(&format!("{TOKEN_PREFIX}{}", "0".repeat(64)), "web"),
            Err(TokenRefusal::Unknown)
        );
    }
}
