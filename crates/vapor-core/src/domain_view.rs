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

/// Where the view reads domains from: the backend (every [`Hypervisor`]).
pub trait DomainSource {
    fn list_domains(&self) -> Result<Vec<Domain>, HypervisorError>;
    fn lookup_domain(&self, id: &str) -> Result<Domain, HypervisorError>;
}

impl<H: Hypervisor + ?Sized> DomainSource for H {
    fn list_domains(&self) -> Result<Vec<Domain>, HypervisorError> {
        Hypervisor::list_domains(self)
    }

    fn lookup_domain(&self, id: &str) -> Result<Domain, HypervisorError> {
        Hypervisor::lookup_domain(self, id)
    }
}

#[derive(Default)]
struct State {
    /// Whether `entries` holds every domain the backend has.
    complete: bool,
    /// The last number handed out by a dirtying.
    seq: u64,
    /// The number of the last invalidation of everything.
    invalidated_at: u64,
    /// By UUID. Changed only through `put` and `take`, which keep `names`
    /// and `dirty` in step.
    entries: HashMap<String, Entry>,
    /// The UUID of each clean entry, by name.
    names: HashMap<String, String>,
    /// How many entries are dirty.
    dirty: usize,
}

impl State {
    fn put(&mut self, uuid: String, entry: Entry) {
        self.take(&uuid);
        match &entry.domain {
            Some(d) => {
                self.names.insert(d.name.clone(), uuid.clone());
            }
            None => self.dirty += 1,
        }
        self.entries.insert(uuid, entry);
    }

    fn take(&mut self, uuid: &str) -> Option<Entry> {
        let old = self.entries.remove(uuid)?;
        match &old.domain {
            Some(d) => {
                if self.names.get(&d.name).is_some_and(|u| u == uuid) {
                    self.names.remove(&d.name);
                }
            }
            None => self.dirty -= 1,
        }
        Some(old)
    }
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
    /// Held by a full read, so that reads waiting for the view to be
    /// complete wait for the one running rather than start their own.
    reloading: Mutex<()>,
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
        state.put(
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
    pub fn reload(
        &self,
        hv: &(impl DomainSource + ?Sized),
    ) -> Result<Vec<Domain>, HypervisorError> {
        let _one = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        self.reload_alone(hv)
    }

    /// [`DomainView::reload`], with `reloading` held by the caller.
    fn reload_alone(
        &self,
        hv: &(impl DomainSource + ?Sized),
    ) -> Result<Vec<Domain>, HypervisorError> {
        let started = self.lock().seq;
        let domains = hv.list_domains()?;
        let mut state = self.lock();
        if state.invalidated_at > started {
            return Ok(domains);
        }
        let kept: Vec<(String, Entry)> = state
            .entries
            .drain()
            .filter(|(_, e)| e.dirtied_at > started)
            .collect();
        state.names.clear();
        state.dirty = 0;
        for (uuid, entry) in kept {
            state.put(uuid, entry);
        }
        for d in &domains {
            if !state.entries.contains_key(&d.uuid) {
                state.put(
                    d.uuid.clone(),
                    Entry {
                        domain: Some(d.clone()),
                        dirtied_at: 0,
                    },
                );
            }
        }
        state.complete = true;
        Ok(domains)
    }

    /// Every domain, sorted by name: from memory, re-reading dirty entries
    /// one by one; from the backend in full while the view is incomplete.
    pub fn list(&self, hv: &(impl DomainSource + ?Sized)) -> Result<Vec<Domain>, HypervisorError> {
        let (started, clean, dirty) = {
            let mut state = self.lock();
            if !state.complete {
                drop(state);
                // Wait for a full read that is under way; if the view is
                // still incomplete after it, read everything here.
                let _one = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
                if !self.is_complete() {
                    let mut domains = self.reload_alone(hv)?;
                    domains.sort_by(|a, b| a.name.cmp(&b.name));
                    return Ok(domains);
                }
                state = self.lock();
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
    pub fn get(
        &self,
        hv: &(impl DomainSource + ?Sized),
        id: &str,
    ) -> Result<Domain, HypervisorError> {
        let started = {
            let state = self.lock();
            // Entries of an incomplete view may have missed changes; a name
            // found clean is only trusted when no dirty entry could have
            // taken that name since.
            let found = match state.entries.get(id).and_then(|e| e.domain.as_ref()) {
                Some(d) => Some(d),
                None if state.dirty == 0 => state
                    .names
                    .get(id)
                    .and_then(|uuid| state.entries.get(uuid))
                    .and_then(|e| e.domain.as_ref()),
                None => None,
            };
            match found {
                Some(d) if state.complete => return Ok(d.clone()),
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
        let dirtied_at = match state.entries.get(&d.uuid) {
            Some(entry) if entry.dirtied_at > started => return,
            Some(entry) => entry.dirtied_at,
            None => 0,
        };
        state.put(
            d.uuid.clone(),
            Entry {
                domain: Some(d.clone()),
                dirtied_at,
            },
        );
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
            state.take(uuid);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use vapor_hypervisor::DomainState;

    use super::*;

    fn domain(name: &str, state: DomainState) -> Domain {
        Domain {
            uuid: format!("uuid-{name}"),
            name: name.to_owned(),
            state,
            domain_type: "kvm".into(),
            memory_mib: 64,
            max_memory_mib: 64,
            vcpus: 1,
            max_vcpus: 1,
            autostart: false,
            persistent: true,
            os: vapor_hypervisor::OsInfo {
                os_type: "hvm".into(),
                arch: "x86_64".into(),
                machine: None,
            },
            disks: vec![],
            interfaces: vec![],
            graphics: vec![],
            firmware: "bios".into(),
            secure_boot: false,
            tpm: false,
            metadata: Default::default(),
        }
    }

    /// A backend of domains in a map, counting reads; `during_lookup` runs
    /// in the middle of each single read.
    #[derive(Default)]
    struct Fake {
        domains: Mutex<Vec<Domain>>,
        lists: AtomicUsize,
        lookups: AtomicUsize,
        during_lookup: Mutex<Option<Box<dyn Fn() + Send>>>,
        /// How long a full read takes.
        list_time: Mutex<std::time::Duration>,
    }

    impl Fake {
        fn with(domains: Vec<Domain>) -> Self {
            Fake {
                domains: Mutex::new(domains),
                ..Fake::default()
            }
        }

        fn set(&self, d: Domain) {
            let mut all = self.domains.lock().unwrap();
            all.retain(|x| x.uuid != d.uuid);
            all.push(d);
        }

        fn reads(&self) -> (usize, usize) {
            (
                self.lists.load(Ordering::SeqCst),
                self.lookups.load(Ordering::SeqCst),
            )
        }
    }

    impl DomainSource for Fake {
        fn list_domains(&self) -> Result<Vec<Domain>, HypervisorError> {
            self.lists.fetch_add(1, Ordering::SeqCst);
            let took = *self.list_time.lock().unwrap();
            std::thread::sleep(took);
            Ok(self.domains.lock().unwrap().clone())
        }

        fn lookup_domain(&self, id: &str) -> Result<Domain, HypervisorError> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            let found = self
                .domains
                .lock()
                .unwrap()
                .iter()
                .find(|d| d.uuid == id || d.name == id)
                .cloned();
            if let Some(hook) = self.during_lookup.lock().unwrap().as_ref() {
                hook();
            }
            found.ok_or_else(|| {
                HypervisorError::new(HypervisorErrorKind::NotFound, "no such domain")
            })
        }
    }

    fn names(list: &[Domain]) -> Vec<&str> {
        list.iter().map(|d| d.name.as_str()).collect()
    }

    #[test]
    fn a_complete_view_answers_from_memory() {
        let fake = Fake::with(vec![
            domain("b", DomainState::Running),
            domain("a", DomainState::Shutoff),
        ]);
        let view = DomainView::default();
        assert_eq!(names(&view.list(&fake).unwrap()), ["a", "b"]);
        assert_eq!(fake.reads(), (1, 0));
        for _ in 0..3 {
            assert_eq!(view.list(&fake).unwrap().len(), 2);
            assert_eq!(view.get(&fake, "a").unwrap().uuid, "uuid-a");
            assert_eq!(view.get(&fake, "uuid-b").unwrap().name, "b");
        }
        assert_eq!(fake.reads(), (1, 0));
    }

    #[test]
    fn reads_while_the_view_loads_wait_for_that_load() {
        let fake = Arc::new(Fake::with(vec![domain("a", DomainState::Shutoff)]));
        *fake.list_time.lock().unwrap() = std::time::Duration::from_millis(200);
        let view = Arc::new(DomainView::default());
        let loader = {
            let (fake, view) = (fake.clone(), view.clone());
            std::thread::spawn(move || view.reload(fake.as_ref()).unwrap())
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(names(&view.list(fake.as_ref()).unwrap()), ["a"]);
        loader.join().unwrap();
        assert_eq!(fake.reads(), (1, 0));
    }

    #[test]
    fn a_touched_entry_is_read_again_once() {
        let fake = Fake::with(vec![
            domain("a", DomainState::Shutoff),
            domain("b", DomainState::Shutoff),
        ]);
        let view = DomainView::default();
        view.list(&fake).unwrap();
        fake.set(domain("a", DomainState::Running));
        view.touch("uuid-a");
        let listed = view.list(&fake).unwrap();
        assert_eq!(listed[0].state, DomainState::Running);
        assert_eq!(fake.reads(), (1, 1));
        view.list(&fake).unwrap();
        assert_eq!(fake.reads(), (1, 1));
        // A new domain is known once touched; a vanished one is forgotten.
        fake.set(domain("c", DomainState::Shutoff));
        view.touch("uuid-c");
        fake.domains.lock().unwrap().retain(|d| d.name != "b");
        view.touch("uuid-b");
        assert_eq!(names(&view.list(&fake).unwrap()), ["a", "c"]);
        assert_eq!(names(&view.list(&fake).unwrap()), ["a", "c"]);
        assert_eq!(fake.reads(), (1, 3));
    }

    #[test]
    fn a_read_overtaken_by_a_change_is_not_remembered() {
        let fake = Arc::new(Fake::with(vec![domain("a", DomainState::Shutoff)]));
        let view = Arc::new(DomainView::default());
        view.list(fake.as_ref()).unwrap();
        view.touch("uuid-a");
        // While the view reads `a`, it changes again and is touched again:
        // what the read saw must not be kept.
        {
            let (fake2, view2) = (fake.clone(), view.clone());
            *fake.during_lookup.lock().unwrap() = Some(Box::new(move || {
                fake2.set(domain("a", DomainState::Paused));
                view2.touch("uuid-a");
            }));
        }
        assert_eq!(
            view.list(fake.as_ref()).unwrap()[0].state,
            DomainState::Shutoff
        );
        *fake.during_lookup.lock().unwrap() = None;
        assert_eq!(
            view.list(fake.as_ref()).unwrap()[0].state,
            DomainState::Paused
        );
    }

    #[test]
    fn an_invalidated_view_reads_everything_again() {
        let fake = Fake::with(vec![domain("a", DomainState::Shutoff)]);
        let view = DomainView::default();
        view.list(&fake).unwrap();
        view.invalidate();
        assert!(!view.is_complete());
        fake.set(domain("z", DomainState::Shutoff));
        // An incomplete view does not answer a get from memory either.
        view.get(&fake, "a").unwrap();
        assert_eq!(fake.reads(), (1, 1));
        assert_eq!(names(&view.list(&fake).unwrap()), ["a", "z"]);
        assert!(view.is_complete());
        assert_eq!(fake.reads(), (2, 1));
    }

    #[test]
    fn a_name_is_read_through_while_any_entry_is_dirty() {
        let fake = Fake::with(vec![domain("a", DomainState::Shutoff)]);
        let view = DomainView::default();
        view.list(&fake).unwrap();
        // `a` was deleted and another domain took its name.
        let mut reborn = domain("a", DomainState::Running);
        reborn.uuid = "uuid-new".into();
        *fake.domains.lock().unwrap() = vec![reborn];
        view.touch("uuid-new");
        assert_eq!(view.get(&fake, "a").unwrap().uuid, "uuid-new");
    }
}
