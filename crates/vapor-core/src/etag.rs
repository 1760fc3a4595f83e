//! Entity tags (`ETag`) and the `If-Match` precondition.
//!
//! An entity tag is a digest of everything a GET of the object shows that the
//! object itself holds: for a VM, the domain as the backend describes it
//! (state, sizes, devices, metadata); for a template, its row. Anything that
//! changes what a GET shows changes the tag, so a client that sends back the
//! tag it read learns, through 412, that someone else changed the object in
//! between. Facts read from elsewhere on each GET (the guest agent's
//! addresses) are not part of it.
//!
//! Tags are strong (`"…"`, 32 hex digits of SHA-256). They are stable for a
//! given object and build of Vapor; a new build may give other tags for
//! unchanged objects, which costs a client one spurious 412, never a lost
//! update.

use std::hash::{Hash, Hasher};

use sha2::{Digest, Sha256};

use crate::error::{Error, Refusal, Result};

/// The entity tag of `object`, quoted, as it goes in `ETag`.
pub fn of(object: &impl Hash) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    object.hash(&mut hasher);
    let digest = hasher.0.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// `std::hash::Hasher` over SHA-256: `Hash` impls feed it their bytes.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// Unused: [`of`] reads the whole digest.
    fn finish(&self) -> u64 {
        0
    }
}

/// The `If-Match` precondition of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: the object must exist.
    Any,
    /// One of these strong tags (quoted, as sent) must be the current one.
    /// Weak tags (`W/"…"`) are kept so that they fail: `If-Match` compares
    /// strongly.
    Tags(Vec<String>),
}

impl IfMatch {
    /// Parses the header's value: `*`, or a comma-separated list of tags.
    /// A value that is neither is a 400, never a silent pass.
    pub fn parse(value: &str) -> Result<Self> {
        let value = value.trim();
        if value == "*" {
            return Ok(IfMatch::Any);
        }
        let mut tags = Vec::new();
        for part in value.split(',') {
            let tag = part.trim();
            let opaque = tag.strip_prefix("W/").unwrap_or(tag);
            let well_formed = opaque.len() >= 2
                && opaque.starts_with('"')
                && opaque.ends_with('"')
                && !opaque[1..opaque.len() - 1].contains('"');
            if !well_formed {
                return Err(Error::invalid(
                    "If-Match",
                    format!(
                        "If-Match must be * or a list of quoted entity tags such as \"0123abcd\"; \
                         got {tag:?}"
                    ),
                ));
            }
            tags.push(tag.to_owned());
        }
        Ok(IfMatch::Tags(tags))
    }

    /// Parses an optional header value.
    pub fn parse_optional(value: Option<&str>) -> Result<Option<Self>> {
        value.map(Self::parse).transpose()
    }

    /// Whether an existing object whose tag is `current` satisfies it.
    pub fn matches(&self, current: &str) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Tags(tags) => tags.iter().any(|t| t == current),
        }
    }

    /// `Ok` when an existing object whose tag is `current` satisfies it;
    /// otherwise the 412 `PRECONDITION_FAILED` refusal for the object
    /// `kind` named `id`.
    pub fn check(&self, kind: &str, id: &str, current: &str) -> Result<()> {
        if self.matches(current) {
            return Ok(());
        }
        Err(Error::refused(
            Refusal::Precondition,
            "PRECONDITION_FAILED",
            format!(
                "{kind} '{id}' has changed: its entity tag is now {current}, not one of those \
                 in If-Match; read it again and decide anew"
            ),
        ))
    }
}

/// Checks an optional precondition (see [`IfMatch::check`]).
pub fn check(precondition: Option<&IfMatch>, kind: &str, id: &str, current: &str) -> Result<()> {
    match precondition {
        Some(p) => p.check(kind, id, current),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Hash)]
    struct Thing {
        name: String,
        size: u64,
    }

    #[test]
    fn tags_follow_the_content() {
        let a = of(&Thing {
            name: "a".into(),
            size: 1,
        });
        assert_eq!(
            a,
            of(&Thing {
                name: "a".into(),
                size: 1
            })
        );
        assert_ne!(
            a,
            of(&Thing {
                name: "a".into(),
                size: 2
            })
        );
        assert_ne!(
            a,
            of(&Thing {
                name: "b".into(),
                size: 1
            })
        );
        assert_eq!(a.len(), 34);
        assert!(a.starts_with('"') && a.ends_with('"'));
    }

    #[test]
    fn parsing() {
        assert_eq!(IfMatch::parse(" * ").unwrap(), IfMatch::Any);
        assert_eq!(
            IfMatch::parse(r#""a", W/"b" ,"c""#).unwrap(),
            IfMatch::Tags(vec![r#""a""#.into(), r#"W/"b""#.into(), r#""c""#.into()])
        );
        for bad in ["abc", r#""a"#, r#""a"b""#, "", r#""a",,"b""#, "**"] {
            let err = IfMatch::parse(bad).unwrap_err();
            assert_eq!(err.http_status(), 400, "{bad:?}");
        }
    }

    #[test]
    fn matching_is_strong() {
        let p = IfMatch::parse(r#"W/"x", "y""#).unwrap();
        assert!(p.matches(r#""y""#));
        assert!(!p.matches(r#""x""#), "a weak tag never matches");
        assert!(IfMatch::Any.matches(r#""anything""#));
        let err = p.check("virtual machine", "web", r#""z""#).unwrap_err();
        assert_eq!(err.http_status(), 412);
        assert_eq!(err.code(), "PRECONDITION_FAILED");
        assert!(check(None, "virtual machine", "web", r#""z""#).is_ok());
    }
}
