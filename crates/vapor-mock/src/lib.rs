//! An in-memory [`Hypervisor`]: a state machine that follows libvirt's rules.
//!
//! The conformance suite runs the same HTTP tests against this backend and
//! against real libvirt, so every rule here mirrors what libvirt does: which
//! power transitions are valid from which state, what is `NotFound` or
//! `AlreadyExists`, where a configuration change takes effect. Where libvirt's
//! drivers differ, the mock follows the `test:///default` driver (for example a
//! graceful shutdown completes at once, as if the guest honoured ACPI).
//!
//! Architecture invariant: the mock answers from its own state only; it never
//! returns a canned value that a sequence of calls could not have produced.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use vapor_hypervisor::*;

pub use faults::MockOperation;

/// The first port handed to an automatic display, like QEMU's VNC base port.
const FIRST_DISPLAY_PORT: i32 = 5900;

#[derive(Debug, Clone)]
struct MockDomain {
    spec: DomainSpec,
    state: DomainState,
    max_memory_mib: u64,
    max_vcpus: u32,
    autostart: bool,
    /// Ports given to automatic displays while the domain runs.
    display_ports: Vec<i32>,
    /// The persistent definition, while it differs from the running domain
    /// (`spec`): after a hot removal the guest has not finished. The domain
    /// takes it when it stops.
    config: Option<DomainSpec>,
}

/// A pool. As on libvirt's test driver, a pool's size is fixed at
/// definition and its volumes are fully allocated when made.
#[derive(Debug, Clone)]
struct MockPool {
    pool_type: PoolType,
    /// The target directory (mount point, volume group directory).
    path: String,
    source: Option<String>,
    source_host: Option<String>,
    active: bool,
    autostart: bool,
    capacity_bytes: u64,
    /// Volumes outlive stopping the pool, and vanish with its definition.
    volumes: BTreeMap<String, MockVolume>,
}

#[derive(Debug, Clone)]
struct MockVolume {
    format: DiskFormat,
    capacity_bytes: u64,
    allocation_bytes: u64,
}

#[derive(Default)]
struct State {
    domains: BTreeMap<String, MockDomain>,
    pools: BTreeMap<String, MockPool>,
}

/// The mock backend. Starts empty: no domains, no pools.
pub struct MockHypervisor {
    state: Mutex<State>,
    networks: network::MockNetworks,
    snapshots: snapshot::MockSnapshots,
    metrics: metrics::MockMetrics,
    migration: migration::MockMigrations,
    devices: device::MockDevices,
    backups: backup::MockBackups,
    hotplug: hotplug::MockHotplug,
    guests: guest::MockGuests,
    events: events::MockEvents,
    faults: faults::MockFaults,
}

impl Default for MockHypervisor {
    fn default() -> Self {
        Self::new()
    }
}

impl MockHypervisor {
    pub fn new() -> Self {
        MockHypervisor {
            state: Mutex::new(State::default()),
            networks: network::MockNetworks::default(),
            snapshots: snapshot::MockSnapshots::default(),
            metrics: metrics::MockMetrics::default(),
            migration: migration::MockMigrations::default(),
            devices: device::MockDevices::default(),
            backups: backup::MockBackups::default(),
            hotplug: hotplug::MockHotplug::default(),
            guests: guest::MockGuests::default(),
            events: events::MockEvents::default(),
            faults: faults::MockFaults::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The definition a domain was given (by name or UUID), as a libvirt
    /// backend would write it into XML; `None` when no such domain exists.
    pub fn domain_spec(&self, name_or_uuid: &str) -> Option<DomainSpec> {
        let state = self.lock();
        let uuid = state.find_uuid(name_or_uuid)?;
        state.domains.get(&uuid).map(|d| d.spec.clone())
    }
}

fn no_domain(id: &str) -> HypervisorError {
    HypervisorError::not_found(format!(
        "Domain not found: no domain with matching name or uuid '{id}'"
    ))
}

impl State {
    fn find_uuid(&self, name_or_uuid: &str) -> Option<String> {
        self.domains
            .values()
            .find(|d| d.spec.name == name_or_uuid)
            .or_else(|| self.domains.get(&name_or_uuid.to_ascii_lowercase()))
            .map(|d| d.spec.uuid.clone())
    }

    fn domain_mut(&mut self, uuid: &str) -> Result<&mut MockDomain> {
        self.domains.get_mut(uuid).ok_or_else(|| no_domain(uuid))
    }

    /// A volume of an active pool by path (libvirt looks in active pools only).
    fn volume_by_path(&self, path: &str) -> Option<(&str, &str, &MockPool, &MockVolume)> {
        self.pools
            .iter()
            .filter(|(_, pool)| pool.active)
            .find_map(|(pool_name, pool)| {
                pool.volumes
                    .iter()
                    .find(|(vol_name, _)| volume_path(pool, vol_name) == path)
                    .map(|(vol_name, vol)| (pool_name.as_str(), vol_name.as_str(), pool, vol))
            })
    }

    fn next_display_port(&self) -> i32 {
        let used: Vec<i32> = self
            .domains
            .values()
            .flat_map(|d| d.display_ports.iter().copied())
            .collect();
        (FIRST_DISPLAY_PORT..)
            .find(|p| !used.contains(p))
            .unwrap_or(FIRST_DISPLAY_PORT)
    }

    fn view(&self, d: &MockDomain) -> Domain {
        let mut auto_ports = d.display_ports.iter();
        Domain {
            uuid: d.spec.uuid.clone(),
            name: d.spec.name.clone(),
            state: d.state,
            domain_type: d.spec.domain_type.clone(),
            memory_mib: d.spec.memory_mib,
            max_memory_mib: d.max_memory_mib,
            vcpus: d.spec.vcpus,
            max_vcpus: d.max_vcpus,
            autostart: d.autostart,
            persistent: true,
            os: OsInfo {
                os_type: "hvm".into(),
                arch: d.spec.arch.clone(),
                machine: Some("pc".into()),
            },
            disks: d
                .spec
                .disks
                .iter()
                .map(|disk| DiskInfo {
                    device: match disk.device {
                        DiskDevice::Disk => "disk".into(),
                        DiskDevice::Cdrom => "cdrom".into(),
                    },
                    target: disk.target.clone(),
                    bus: Some(disk.bus.as_str().into()),
                    format: Some(disk.format.as_str().into()),
                    path: Some(disk.path.clone()),
                    readonly: disk.readonly,
                    cache: disk.cache.map(|c| c.as_str().into()),
                    capacity_bytes: self
                        .volume_by_path(&disk.path)
                        .map(|(_, _, _, v)| v.capacity_bytes),
                })
                .collect(),
            interfaces: d
                .spec
                .interfaces
                .iter()
                .map(|nic| InterfaceInfo {
                    kind: nic.kind.as_str().into(),
                    source: nic.source.clone(),
                    model: Some(nic.model.clone()),
                    mac: Some(nic.mac.clone()),
                })
                .collect(),
            graphics: d
                .spec
                .graphics
                .iter()
                .map(|g| GraphicsInfo {
                    kind: g.kind.as_str().into(),
                    listen: Some(g.listen.clone()),
                    port: match g.port {
                        Some(p) => Some(i32::from(p)),
                        None => auto_ports.next().copied(),
                    },
                    autoport: g.port.is_none(),
                })
                .collect(),
            firmware: match d.spec.firmware {
                Firmware::Bios => "bios".into(),
                Firmware::Efi { .. } => "efi".into(),
            },
            secure_boot: matches!(d.spec.firmware, Firmware::Efi { secure_boot: true }),
            tpm: d.spec.tpm,
            metadata: d.spec.metadata.clone(),
        }
    }
}

fn volume_path(pool: &MockPool, name: &str) -> String {
    format!("{}/{}", pool.path.trim_end_matches('/'), name)
}

fn pool_view(name: &str, pool: &MockPool) -> StoragePool {
    let allocation = pool_allocation(pool);
    StoragePool {
        name: name.to_owned(),
        pool_type: pool.pool_type.as_str().into(),
        path: Some(pool.path.clone()),
        active: pool.active,
        autostart: pool.autostart,
        persistent: true,
        capacity_bytes: pool.capacity_bytes,
        allocation_bytes: allocation.min(pool.capacity_bytes),
        available_bytes: pool.capacity_bytes.saturating_sub(allocation),
    }
}

/// Bytes taken by a pool's volumes.
fn pool_allocation(pool: &MockPool) -> u64 {
    pool.volumes.values().map(|v| v.allocation_bytes).sum()
}

impl Hypervisor for MockHypervisor {
    fn host_info(&self) -> Result<HostInfo> {
        Ok(HostInfo {
            backend: "mock".into(),
            uri: "mock:///default".into(),
            hypervisor: "Mock 1.0.0".into(),
            libvirt_version: None,
            arch: "x86_64".into(),
            domain_types: vec!["kvm".into(), "qemu".into()],
        })
    }

    fn list_domains(&self) -> Result<Vec<Domain>> {
        let state = self.lock();
        Ok(state.domains.values().map(|d| state.view(d)).collect())
    }

    fn lookup_domain(&self, name_or_uuid: &str) -> Result<Domain> {
        let state = self.lock();
        let uuid = state
            .find_uuid(name_or_uuid)
            .ok_or_else(|| no_domain(name_or_uuid))?;
        Ok(state.view(&state.domains[&uuid]))
    }

    fn define_domain(&self, spec: &DomainSpec) -> Result<Domain> {
        self.injected_failure(MockOperation::Define)?;
        let mut state = self.lock();
        if let Some(existing) = state.domains.values().find(|d| d.spec.name == spec.name) {
            return Err(HypervisorError::already_exists(format!(
                "domain '{}' already exists with uuid {}",
                spec.name, existing.spec.uuid
            )));
        }
        let uuid = spec.uuid.to_ascii_lowercase();
        if state.domains.contains_key(&uuid) {
            return Err(HypervisorError::already_exists(format!(
                "domain with uuid {uuid} already exists"
            )));
        }
        if spec.memory_mib == 0 || spec.vcpus == 0 {
            return Err(HypervisorError::invalid_argument(
                "memory and vcpus must be positive",
            ));
        }
        let mut spec = spec.clone();
        spec.uuid = uuid.clone();
        let domain = MockDomain {
            max_memory_mib: spec.memory_mib,
            max_vcpus: spec.vcpus,
            spec,
            state: DomainState::Shutoff,
            autostart: false,
            display_ports: Vec::new(),
            config: None,
        };
        state.domains.insert(uuid.clone(), domain);
        let d = &state.domains[&uuid];
        self.events
            .of(&d.spec, DomainEventKind::Defined, Some("added"));
        Ok(state.view(d))
    }

    /// A running domain is destroyed first, as our libvirt backend does.
    fn undefine_domain(&self, uuid: &str) -> Result<()> {
        let mut state = self.lock();
        let d = state.domains.remove(uuid).ok_or_else(|| no_domain(uuid))?;
        if d.state.is_active() {
            self.events
                .of(&d.spec, DomainEventKind::Stopped, Some("destroyed"));
        }
        self.events
            .of(&d.spec, DomainEventKind::Undefined, Some("removed"));
        Ok(())
    }

    fn power(&self, uuid: &str, action: PowerAction) -> Result<()> {
        let mut state = self.lock();
        let port = state.next_display_port();
        let d = state.domain_mut(uuid)?;
        let running = matches!(d.state, DomainState::Running | DomainState::Blocked);
        let active = d.state.is_active();
        let invalid = |msg: &str| {
            Err(HypervisorError::operation_invalid(format!(
                "Requested operation is not valid: {msg}"
            )))
        };
        use DomainEventKind as E;
        let events: &[(E, Option<&str>)] = match action {
            PowerAction::Start if active => return invalid("domain is already running"),
            PowerAction::Start => {
                self.injected_failure(MockOperation::Start)?;
                d.state = DomainState::Running;
                let autos = d.spec.graphics.iter().filter(|g| g.port.is_none()).count() as i32;
                d.display_ports = (0..autos).map(|i| port + i).collect();
                &[(E::Started, Some("booted"))]
            }
            PowerAction::Shutdown | PowerAction::Destroy if !active => {
                return invalid("domain is not running")
            }
            // As on libvirt's test driver, the guest honours the ACPI request at once.
            PowerAction::Shutdown | PowerAction::Destroy => {
                d.state = DomainState::Shutoff;
                d.display_ports.clear();
                if let Some(config) = d.config.take() {
                    d.spec = config;
                }
                if action == PowerAction::Shutdown {
                    &[
                        (E::Shutdown, Some("finished")),
                        (E::Stopped, Some("shutdown")),
                    ]
                } else {
                    &[(E::Stopped, Some("destroyed"))]
                }
            }
            PowerAction::Reboot | PowerAction::Reset if !active => {
                return invalid("domain is not running")
            }
            PowerAction::Reboot | PowerAction::Reset => &[(E::Rebooted, None)],
            PowerAction::Suspend if !active => return invalid("domain is not running"),
            PowerAction::Suspend if d.state == DomainState::Paused => {
                return invalid("domain is already paused")
            }
            PowerAction::Suspend => {
                d.state = DomainState::Paused;
                &[(E::Suspended, Some("paused"))]
            }
            PowerAction::Resume if d.state != DomainState::Paused => {
                return invalid(if running {
                    "domain is already running"
                } else {
                    "domain is not running"
                })
            }
            PowerAction::Resume => {
                d.state = DomainState::Running;
                &[(E::Resumed, Some("unpaused"))]
            }
        };
        for (kind, detail) in events {
            self.events.of(&d.spec, *kind, *detail);
        }
        Ok(())
    }

    fn set_memory(&self, uuid: &str, memory_mib: u64) -> Result<ChangeScope> {
        let mut state = self.lock();
        let d = state.domain_mut(uuid)?;
        if d.state.is_active() {
            if memory_mib > d.max_memory_mib {
                return Err(HypervisorError::operation_invalid(format!(
                    "memory can only grow up to the maximum ({} MiB) while the VM runs",
                    d.max_memory_mib
                )));
            }
            d.spec.memory_mib = memory_mib;
            if let Some(config) = &mut d.config {
                config.memory_mib = memory_mib;
            }
            Ok(ChangeScope::LiveAndConfig)
        } else {
            d.spec.memory_mib = memory_mib;
            d.max_memory_mib = memory_mib;
            Ok(ChangeScope::Config)
        }
    }

    fn set_vcpus(&self, uuid: &str, vcpus: u32) -> Result<ChangeScope> {
        let mut state = self.lock();
        let d = state.domain_mut(uuid)?;
        if d.state.is_active() {
            if vcpus > d.max_vcpus {
                return Err(HypervisorError::operation_invalid(format!(
                    "vCPUs can only grow up to the maximum ({}) while the VM runs",
                    d.max_vcpus
                )));
            }
            d.spec.vcpus = vcpus;
            if let Some(config) = &mut d.config {
                config.vcpus = vcpus;
            }
            Ok(ChangeScope::LiveAndConfig)
        } else {
            d.spec.vcpus = vcpus;
            d.max_vcpus = vcpus;
            Ok(ChangeScope::Config)
        }
    }

    fn set_autostart(&self, uuid: &str, autostart: bool) -> Result<()> {
        self.injected_failure(MockOperation::SetAutostart)?;
        let mut state = self.lock();
        state.domain_mut(uuid)?.autostart = autostart;
        Ok(())
    }

    fn guest_interfaces(&self, uuid: &str) -> Result<Vec<GuestInterface>> {
        self.mock_guest_interfaces(uuid)
    }
}

mod backup;
mod console;
mod device;
mod events;
mod faults;
mod guest;
mod hotplug;
mod metrics;
mod migration;
mod network;
mod snapshot;
mod storage;

#[cfg(test)]
mod tests;
