//! Per-object mutation guards.
//!
//! Mutations of one VM are serialised: while one runs, a second gets
//! `Error::Busy` (409) at once instead of waiting. Reads never take a guard, and
//! there is no lock shared by all objects.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

#[derive(Default, Clone)]
pub struct Locks {
    held: Arc<Mutex<HashSet<String>>>,
}

/// Held while a mutation of one object runs; released on drop.
#[must_use]
pub struct MutationGuard {
    held: Arc<Mutex<HashSet<String>>>,
    key: String,
}

impl Locks {
    /// Takes the guard for `kind`/`id`, or `Busy` when another mutation holds it.
    pub fn try_acquire(&self, kind: &'static str, id: &str) -> Result<MutationGuard> {
        let key = format!("{kind}/{id}");
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if !held.insert(key.clone()) {
            return Err(Error::Busy {
                kind,
                id: id.to_owned(),
            });
        }
        Ok(MutationGuard {
            held: self.held.clone(),
            key,
        })
    }
}

impl Drop for MutationGuard {
    fn drop(&mut self) {
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_mutation_is_busy_until_the_first_ends() {
        let locks = Locks::default();
        let first = locks.try_acquire("vm", "a").unwrap();
        assert!(matches!(
            locks.try_acquire("vm", "a"),
            Err(Error::Busy { .. })
        ));
        let _other = locks.try_acquire("vm", "b").unwrap();
        drop(first);
        let _again = locks.try_acquire("vm", "a").unwrap();
    }
}
