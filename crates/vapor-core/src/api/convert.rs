//! Backend and database types to generated wire models.

use chrono::{DateTime, Utc};
use vapor_api::models;
use vapor_hypervisor::{ChangeScope, Domain, DomainState, GuestInterface};

use super::nullable;
use crate::db::OperationRow;
use crate::operations::OperationStatus;

pub fn vm(d: &Domain) -> models::Vm {
    vm_with_guest(d, None)
}

/// The VM, with each NIC's addresses taken from the guest's interface of
/// the same MAC (`guest`: what the guest agent reported, `None` without an
/// answer).
pub fn vm_with_guest(d: &Domain, guest: Option<&[GuestInterface]>) -> models::Vm {
    models::Vm {
        uuid: uuid::Uuid::parse_str(&d.uuid).unwrap_or_default(),
        name: d.name.clone(),
        state: vm_state(d.state),
        domain_type: d.domain_type.clone(),
        memory: saturating_i64(d.memory_mib),
        max_memory: saturating_i64(d.max_memory_mib),
        vcpus: d.vcpus as i32,
        max_vcpus: d.max_vcpus as i32,
        autostart: d.autostart,
        persistent: d.persistent,
        created_at: nullable(d.metadata.created_at.as_deref().and_then(timestamp)),
        updated_at: nullable(d.metadata.updated_at.as_deref().and_then(timestamp)),
        os: models::VmOs {
            r_type: d.os.os_type.clone(),
            architecture: d.os.arch.clone(),
            machine: nullable(d.os.machine.clone()),
        },
        firmware: d.firmware.clone(),
        secure_boot: d.secure_boot,
        tpm: d.tpm,
        metadata: d
            .metadata
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        disks: d
            .disks
            .iter()
            .map(|disk| models::VmDisk {
                target: disk.target.clone(),
                device: disk.device.clone(),
                bus: nullable(disk.bus.clone()),
                format: nullable(disk.format.clone()),
                path: nullable(disk.path.clone()),
                capacity_bytes: nullable(disk.capacity_bytes.map(saturating_i64)),
                readonly: disk.readonly,
                cache: nullable(disk.cache.clone()),
            })
            .collect(),
        networks: d
            .interfaces
            .iter()
            .map(|nic| models::VmNetwork {
                r_type: nic.kind.clone(),
                source: nullable(nic.source.clone()),
                model: nullable(nic.model.clone()),
                mac: nullable(nic.mac.clone()),
                ip_addresses: nullable(
                    guest.map(|guest| guest_addresses(guest, nic.mac.as_deref())),
                ),
            })
            .collect(),
        graphics: d
            .graphics
            .iter()
            .map(|g| models::VmGraphics {
                r_type: g.kind.clone(),
                listen: nullable(g.listen.clone()),
                port: nullable(g.port),
                autoport: g.autoport,
            })
            .collect(),
    }
}

/// The addresses of the guest interface with this MAC; none when the guest
/// has no such interface (or the NIC has no MAC).
fn guest_addresses(guest: &[GuestInterface], mac: Option<&str>) -> Vec<models::VmIpAddress> {
    let Some(mac) = mac else { return Vec::new() };
    guest
        .iter()
        .filter(|iface| {
            iface
                .mac
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(mac))
        })
        .flat_map(|iface| &iface.addresses)
        .map(|a| models::VmIpAddress {
            family: a.family.clone(),
            address: a.address.clone(),
            prefix: i32::try_from(a.prefix).unwrap_or(i32::MAX),
        })
        .collect()
}

pub fn vm_state(state: DomainState) -> models::VmState {
    match state {
        DomainState::Running => models::VmState::Running,
        DomainState::Paused => models::VmState::Paused,
        DomainState::Shutoff => models::VmState::Shutoff,
        DomainState::Shutdown => models::VmState::Shutdown,
        DomainState::Crashed => models::VmState::Crashed,
        DomainState::PmSuspended => models::VmState::Pmsuspended,
        DomainState::Blocked => models::VmState::Blocked,
        DomainState::NoState => models::VmState::Unknown,
    }
}

pub fn domain_state(state: models::VmState) -> DomainState {
    match state {
        models::VmState::Running => DomainState::Running,
        models::VmState::Paused => DomainState::Paused,
        models::VmState::Shutoff => DomainState::Shutoff,
        models::VmState::Shutdown => DomainState::Shutdown,
        models::VmState::Crashed => DomainState::Crashed,
        models::VmState::Pmsuspended => DomainState::PmSuspended,
        models::VmState::Blocked => DomainState::Blocked,
        models::VmState::Unknown => DomainState::NoState,
    }
}

pub fn change_scope(scope: ChangeScope) -> models::ChangeScope {
    match scope {
        ChangeScope::LiveAndConfig => models::ChangeScope::LiveAndConfig,
        ChangeScope::Config => models::ChangeScope::Config,
    }
}

pub fn operation(row: &OperationRow) -> models::Operation {
    let status = match OperationStatus::parse(&row.status) {
        Some(OperationStatus::Queued) => models::OperationStatus::Queued,
        Some(OperationStatus::Running) => models::OperationStatus::Running,
        Some(OperationStatus::Succeeded) => models::OperationStatus::Succeeded,
        Some(OperationStatus::Cancelled) => models::OperationStatus::Cancelled,
        Some(OperationStatus::Failed) | None => models::OperationStatus::Failed,
    };
    let error = match (&row.error_code, &row.error_message) {
        (Some(code), message) => Some(models::ApiError {
            code: code.clone(),
            message: message.clone().unwrap_or_default(),
            details: None,
        }),
        _ => None,
    };
    models::Operation {
        id: row.id.clone(),
        kind: row.kind.clone(),
        target: row.target.clone(),
        status,
        progress: models::OperationProgress {
            phase: row.phase.clone(),
            processed: nullable(row.processed),
            total: nullable(row.total),
            percent: row.percent,
        },
        error: nullable(error),
        created_at: timestamp(&row.created_at).unwrap_or_default(),
        updated_at: timestamp(&row.updated_at).unwrap_or_default(),
        finished_at: nullable(row.finished_at.as_deref().and_then(timestamp)),
    }
}

pub(crate) fn timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn saturating_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
