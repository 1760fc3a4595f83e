//! The backend's domains, kept in memory so that listing and reading VMs
//! costs no backend call per VM.
//!
//! Invariants:
//! - An entry is either clean (holds the domain as the backend last
//!   described it, with no change reported since) or dirty (must be re-read).
//!   A domain event, a mutation guard taken or released on the VM, or a
//!   definition made by Vapor dirties its entry before anyone can observe the
//!   change through the API; reads re-read dirty entries.
//! - Every dirtying takes a new number from one sequence. A read that began
//!   before an entry was last dirtied never stores its result, so a slow read
//!   cannot overwrite a newer change with an older state.
//! - Until a full read has completed, and again from a lost backend
//!   connection until the next full read, the view is incomplete and lists go
//!   to the backend.
//! - Changes the backend reports no event for (autostart flipped by another
//!   tool, a disk's volume resized outside Vapor) are picked up by the
//!   periodic full read.

use std::collections::HashMap;
use std::sync::Mutex;

use vapor_hypervisor::{Domain, Hypervisor, HypervisorError, HypervisorErrorKind};

#[derive(Default)]
struct State {
    /// Whether `entries` holds every domain the backend has.
    complete: bool,
    /// The last number handed out by a dirtying.
    seq: u64,
    /// The number of the last invalidation of everything.
    invalidated_at: u64,
    entries: HashMap<String, Entry>,
}

struct Entry {
    /// `None` while dirty.
    domain: Option<Domain>,
    /// The number of this entry's last dirtying.
    dirtied_at: u64,
}

/// See the module documentation.
#[derive(Default)]
pub struct DomainView {
    state: Mutex<State>,
}

impl DomainView {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks the domain with this UUID as changed: the next read re-reads it.
    pub fn touch(&self, uuid: &str) {
        let mut state = self.lock();
        state.seq += 1;
        let seq = state.seq;
        state.entries.insert(
            uuid.to_owned(),
            Entry {
                domain: None,
                dirtied_at: seq,
            },
        );
    }

    /// Forgets that the view is complete (the backend connection was lost,
    /// or changes may have gone unreported): lists go to the backend until
    /// the next full read.
    pub fn invalidate(&self) {
        let mut state = self.lock();
        state.seq += 1;
        state.invalidated_at = state.seq;
        state.complete = false;
    }

    /// Whether a full read has completed since the last invalidation.
    pub fn is_complete(&self) -> bool {
        self.lock().complete
    }

    /// Reads every domain from the backend and replaces the view with them,
    /// except entries dirtied while it read. Costs one `list_domains`.
    pub fn reload(&self, hv: &dyn Hypervisor) -> Result<Vec<Domain>, HypervisorError> {
        let started = self.lock().seq;
        let domains = hv.list_domains()?;
        let mut state = self.lock();
        if state.invalidated_at > started {
            return Ok(domains);
        }
        let mut fresh: HashMap<String, Entry> = state
            .entries
            .drain()
            .filter(|(_, e)| e.dirtied_at > started)
            .collect();
        for d in &domains {
            fresh.entry(d.uuid.clone()).or_insert_with(|| Entry {
                domain: Some(d.clone()),
                dirtied_at: 0,
            });
        }
        state.entries = fresh;
        state.complete = true;
        Ok(domains)
    }

    /// Every domain, sorted by name: from memory, re-reading dirty entries
    /// one by one; from the backend in full while the view is incomplete.
    pub fn list(&self, hv: &dyn Hypervisor) -> Result<Vec<Domain>, HypervisorError> {
        let (started, clean, dirty) = {
            let state = self.lock();
            if !state.complete {
                drop(state);
                let mut domains = self.reload(hv)?;
                domains.sort_by(|a, b| a.name.cmp(&b.name));
                return Ok(domains);
            }
            let mut clean = Vec::with_capacity(state.entries.len());
            let mut dirty = Vec::new();
            for (uuid, entry) in &state.entries {
                match &entry.domain {
                    Some(d) => clean.push(d.clone()),
                    None => dirty.push(uuid.clone()),
                }
            }
            (state.seq, clean, dirty)
        };
        let mut domains = clean;
        for uuid in dirty {
            match hv.lookup_domain(&uuid) {
                Ok(d) => {
                    self.store(&d, started);
                    domains.push(d);
                }
                Err(e) if e.kind == HypervisorErrorKind::NotFound => self.forget(&uuid, started),
                Err(e) => return Err(e),
            }
        }
        domains.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(domains)
    }

    /// A domain by UUID or name: from memory when its entry is clean, else
    /// from the backend (and then remembered).
    pub fn get(&self, hv: &dyn Hypervisor, id: &str) -> Result<Domain, HypervisorError> {
        let started = {
            let state = self.lock();
            let found = state
                .entries
                .get(id)
                .and_then(|e| e.domain.as_ref())
                .or_else(|| {
                    state
                        .entries
                        .values()
                        .filter_map(|e| e.domain.as_ref())
                        .find(|d| d.name == id)
                });
            // Entries of an incomplete view may have missed changes; a name
            // found clean is only trusted when no dirty entry could have
            // taken that name since.
            match found {
                Some(d)
                    if state.complete
                        && (d.uuid == id || state.entries.values().all(|e| e.domain.is_some())) =>
                {
                    return Ok(d.clone())
                }
                _ => state.seq,
            }
        };
        match hv.lookup_domain(id) {
            Ok(d) => {
                self.store(&d, started);
                Ok(d)
            }
            Err(e) => {
                if e.kind == HypervisorErrorKind::NotFound {
                    self.forget(id, started);
                }
                Err(e)
            }
        }
    }

    /// Remembers `d` as read by a read that began at `started`, unless its
    /// entry was dirtied since.
    fn store(&self, d: &Domain, started: u64) {
        let mut state = self.lock();
        match state.entries.get_mut(&d.uuid) {
            Some(entry) if entry.dirtied_at > started => {}
            Some(entry) => entry.domain = Some(d.clone()),
            None => {
                state.entries.insert(
                    d.uuid.clone(),
                    Entry {
                        domain: Some(d.clone()),
                        dirtied_at: 0,
                    },
                );
            }
        }
    }

    /// Drops the entry of a domain found gone by a read that began at
    /// `started`, unless it was dirtied since.
    fn forget(&self, uuid: &str, started: u64) {
        let mut state = self.lock();
        if state
            .entries
            .get(uuid)
            .is_some_and(|e| e.dirtied_at <= started)
        {
            state.entries.remove(uuid);
        }
    }
}
