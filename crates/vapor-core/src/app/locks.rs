//! Per-object mutation guards.
//!
//! Mutations of one VM are serialised: while one runs, a second gets
//! `Error::Busy` (409) at once instead of waiting. Reads never take a guard, and
//! there is no lock shared by all objects.
//!
//! VM guards are taken by UUID (kind `vm`). Taking and releasing one marks the
//! VM changed in the domain view, so that reads during and after the mutation
//! see the backend's state, not a remembered one.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::domain_view::DomainView;
use crate::error::{Error, Result};

#[derive(Default, Clone)]
pub struct Locks {
    held: Arc<Mutex<HashSet<String>>>,
    view: Option<Arc<DomainView>>,
}

/// Held while a mutation of one object runs; released on drop.
#[must_use]
pub struct MutationGuard {
    held: Arc<Mutex<HashSet<String>>>,
    key: String,
    /// The view to tell, and the VM's UUID, for a VM's guard.
    changed: Option<(Arc<DomainView>, String)>,
}

/// The kind of a VM's guard, taken by UUID.
const VM: &str = "vm";

impl Locks {
    /// Guards whose VM mutations mark VMs changed in `view`.
    pub fn new(view: Arc<DomainView>) -> Self {
        Locks {
            held: Arc::default(),
            view: Some(view),
        }
    }

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
        let changed = match &self.view {
            Some(view) if kind == VM => {
                view.touch(id);
                Some((view.clone(), id.to_owned()))
            }
            _ => None,
        };
        Ok(MutationGuard {
            held: self.held.clone(),
            key,
            changed,
        })
    }
}

impl Drop for MutationGuard {
    fn drop(&mut self) {
        if let Some((view, uuid)) = &self.changed {
            view.touch(uuid);
        }
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
