//! Live migration to another host.
//!
//! A migration moves a running (or paused) domain to the host named by a
//! destination URI (`qemu+tcp://host/system`, `qemu+ssh://host/system`,
//! `qemu+tls://host/system`). On success the domain runs on the destination,
//! is persistent there, and is no longer defined here (libvirt's
//! `PERSIST_DEST | UNDEFINE_SOURCE`, always). On failure or abort it keeps
//! running here, as it was.
//!
//! The application drives a migration in steps: it opens the destination
//! with [`MigrationBackend::connect_destination`] before anything is
//! started (and, when disks are copied, makes their volumes there through
//! that connection), then calls [`MigrationBackend::migrate`], which blocks
//! until the end, while other threads read
//! [`MigrationBackend::migration_job`] and may call
//! [`MigrationBackend::abort_migration`].

use std::sync::Arc;
use std::time::Duration;

use crate::{Hypervisor, Result};

/// Which disks are copied to the destination (libvirt's `NON_SHARED_*` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CopyStorage {
    /// None: the destination reaches the same storage (or `unsafe` is set).
    #[default]
    None,
    /// Every writable disk, whole (`VIR_MIGRATE_NON_SHARED_DISK`).
    All,
    /// The top image of every writable disk; the backing images must exist
    /// on the destination already (`VIR_MIGRATE_NON_SHARED_INC`).
    Incremental,
}

impl CopyStorage {
    pub fn as_str(self) -> &'static str {
        match self {
            CopyStorage::None => "none",
            CopyStorage::All => "all",
            CopyStorage::Incremental => "inc",
        }
    }
}

/// Everything a migration needs besides the domain.
///
/// Whatever is asked here, the domain is made persistent on the destination
/// and undefined here when the migration succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationSpec {
    /// The destination's libvirt URI.
    pub destination_uri: String,
    /// Keep the guest running while its memory is copied (`VIR_MIGRATE_LIVE`);
    /// otherwise it is paused for the whole migration.
    pub live: bool,
    /// Send the migration data through the libvirtd connection
    /// (`VIR_MIGRATE_TUNNELLED`); implies peer-to-peer (`VIR_MIGRATE_PEER2PEER`),
    /// where this host's libvirtd, not Vapor, connects to the destination.
    pub tunnelled: bool,
    /// Compress memory pages (`VIR_MIGRATE_COMPRESSED`).
    pub compressed: bool,
    /// Slow the guest's vCPUs down when memory is dirtied faster than it can
    /// be sent (`VIR_MIGRATE_AUTO_CONVERGE`).
    pub auto_converge: bool,
    /// Migrate although the hypervisor considers it unsafe, e.g. disks on
    /// storage it does not know to be shared (`VIR_MIGRATE_UNSAFE`).
    pub allow_unsafe: bool,
    pub copy_storage: CopyStorage,
    /// Bandwidth limit in MiB/s; `None` is unlimited.
    pub max_bandwidth_mib_s: Option<u64>,
    /// The longest pause tolerated at switch-over, in milliseconds; `None`
    /// leaves the hypervisor's default.
    pub max_downtime_ms: Option<u64>,
}

/// Who a host is, as its hypervisor reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostIdentity {
    /// The host's name.
    pub hostname: String,
    /// The host's UUID, when the backend reports one. Two connections with
    /// the same host UUID reach the same host.
    pub host_uuid: Option<String>,
}

/// A running migration's statistics (libvirt's `virDomainGetJobStats`).
/// Counters a backend does not report are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationJobStats {
    /// Everything to send: memory and copied disks.
    pub data_processed_bytes: Option<u64>,
    pub data_remaining_bytes: Option<u64>,
    pub data_total_bytes: Option<u64>,
    pub memory_processed_bytes: Option<u64>,
    pub memory_remaining_bytes: Option<u64>,
    pub memory_total_bytes: Option<u64>,
    pub disk_processed_bytes: Option<u64>,
    pub disk_remaining_bytes: Option<u64>,
    pub disk_total_bytes: Option<u64>,
    /// Guest memory pages dirtied per second.
    pub dirty_rate_pages_per_second: Option<u64>,
    /// The pass over guest memory being sent (1 is the first).
    pub iteration: Option<u64>,
    /// The guest's pause at switch-over (estimated while running, actual
    /// once completed), in milliseconds.
    pub downtime_ms: Option<u64>,
    /// Time since the job started, in milliseconds.
    pub elapsed_ms: Option<u64>,
}

/// How a finished migration went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationOutcome {
    /// The completed job's statistics, when the backend still has them.
    pub stats: Option<MigrationJobStats>,
}

/// Live migration to another host. Part of [`crate::Hypervisor`].
pub trait MigrationBackend {
    /// This host's name and UUID.
    fn host_identity(&self) -> Result<HostIdentity>;

    /// Opens a connection to the destination host, giving up after
    /// `timeout`; the application uses it to check the destination and to
    /// prepare storage there before it migrates. The connection closes when
    /// the last reference is dropped.
    ///
    /// `Unsupported` when this backend cannot migrate at all (decided
    /// without contacting the destination); `Unavailable` when the
    /// destination cannot be reached or does not answer within `timeout`;
    /// `InvalidArgument` for a URI the backend cannot use.
    fn connect_destination(
        &self,
        destination_uri: &str,
        timeout: Duration,
    ) -> Result<Arc<dyn Hypervisor>>;

    /// Migrates the domain and blocks until the migration has ended. On
    /// success the domain runs on the destination, persistently, and is
    /// undefined here; on failure it is left running here.
    ///
    /// Disks are copied into files at the same paths on the destination,
    /// which must exist there (the application creates them first) or lie
    /// in a pool of the destination that covers their directory.
    ///
    /// `NotFound` without the domain; `OperationInvalid` when it is not
    /// running or already migrating; `Unsupported` when the backend cannot
    /// migrate; `Unavailable` when the destination cannot be reached;
    /// `InvalidArgument` when the hypervisor refuses the options (e.g. a
    /// migration without copying disks it does not know to be shared);
    /// `Failed` with the hypervisor's message otherwise, including after
    /// [`abort_migration`](Self::abort_migration).
    fn migrate(&self, uuid: &str, spec: &MigrationSpec) -> Result<MigrationOutcome>;

    /// The statistics of the domain's running migration; `None` when no
    /// migration job runs (not yet, or no more).
    fn migration_job(&self, uuid: &str) -> Result<Option<MigrationJobStats>>;

    /// Aborts the domain's running migration (`virDomainAbortJob`); the
    /// blocked [`migrate`](Self::migrate) then fails and the domain keeps
    /// running here. `OperationInvalid` when no job runs.
    fn abort_migration(&self, uuid: &str) -> Result<()>;
}

/// How a destination URI reaches the destination's libvirtd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MigrationTransport {
    /// `qemu+ssh://`: an SSH tunnel to the destination.
    Ssh,
    /// `qemu+tcp://`: plain TCP (port 16509), no encryption.
    Tcp,
    /// `qemu+tls://`: TLS (port 16514).
    Tls,
}

/// The parts of a destination URI, `qemu+<transport>://[user@]host[:port]/system[?query]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationUri {
    pub transport: MigrationTransport,
    pub user: Option<String>,
    /// A host name, an IPv4 address, or an IPv6 address (without brackets).
    pub host: String,
    pub port: Option<u16>,
    /// libvirt's URI parameters after `?`, unparsed.
    pub query: Option<String>,
}

/// The URI used when a request names only the destination host:
/// `qemu+ssh://<host>/system` (an IPv6 address in brackets).
pub fn default_destination_uri(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("qemu+ssh://[{host}]/system")
    } else {
        format!("qemu+ssh://{host}/system")
    }
}

/// Whether `host` is a host name (letters, digits, `-`, dot-separated
/// labels of 1-63 characters, 253 at most), an IPv4 address or an IPv6
/// address (bare or in brackets).
pub fn is_valid_host(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    if bare.len() != host.len() {
        // Brackets hold IPv6 addresses only.
        return false;
    }
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Parses a destination URI. Only the remote QEMU system URIs are
/// accepted: `qemu+ssh`, `qemu+tcp` and `qemu+tls` with a host and the
/// path `/system`. The error says what is wrong.
pub fn parse_destination_uri(uri: &str) -> std::result::Result<DestinationUri, String> {
    if uri
        .bytes()
        .any(|b| b.is_ascii_control() || b == b' ' || !b.is_ascii())
    {
        return Err("it may not contain spaces, control or non-ASCII characters".into());
    }
    let (scheme, rest) = uri
        .split_once("://")
        .ok_or_else(|| "it must look like qemu+tcp://host/system".to_owned())?;
    let transport = match scheme {
        "qemu+ssh" => MigrationTransport::Ssh,
        "qemu+tcp" => MigrationTransport::Tcp,
        "qemu+tls" => MigrationTransport::Tls,
        other => {
            return Err(format!(
                "the scheme must be qemu+ssh, qemu+tcp or qemu+tls, not '{other}'"
            ))
        }
    };
    if rest.contains('#') {
        return Err("it may not have a fragment ('#')".into());
    }
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q.to_owned()).filter(|q| !q.is_empty())),
        None => (rest, None),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if path != "/system" {
        return Err(format!(
            "the path must be /system (the destination's system libvirtd), not '{path}'"
        ));
    }
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => {
            if u.is_empty()
                || !u
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            {
                return Err(format!("invalid user name '{u}'"));
            }
            (Some(u.to_owned()), h)
        }
        None => (None, authority),
    };
    // An IPv6 address is in brackets; a port follows the last ':' outside them.
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let (addr, after) = inner
            .split_once(']')
            .ok_or_else(|| "an IPv6 address needs its closing ']'".to_owned())?;
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("'{addr}' is not an IPv6 address"));
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("junk after the IPv6 address")?),
        };
        (addr, port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err("it must name the destination host".into());
    }
    if !host.contains(':') && !is_valid_host(host) {
        return Err(format!("'{host}' is not a valid host name or address"));
    }
    let port = match port {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("'{p}' is not a port number"))?,
        ),
    };
    Ok(DestinationUri {
        transport,
        user,
        host: host.to_owned(),
        port,
        query,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in [
            "b",
            "host-b.example.org",
            "10.77.0.2",
            "::1",
            "[fe80::1]",
            "a1",
        ] {
            assert!(is_valid_host(ok), "{ok}");
        }
        for bad in [
            "", "-a", "a-", "a..b", "a b", "a/b", "user@b", "[b]", "a_b", "a:1",
        ] {
            assert!(!is_valid_host(bad), "{bad}");
        }
        assert_eq!(default_destination_uri("b"), "qemu+ssh://b/system");
        assert_eq!(
            default_destination_uri("fe80::1"),
            "qemu+ssh://[fe80::1]/system"
        );
    }

    #[test]
    fn destination_uris() {
        let u = parse_destination_uri("qemu+tcp://10.77.0.2/system").unwrap();
        assert_eq!(u.transport, MigrationTransport::Tcp);
        assert_eq!(u.host, "10.77.0.2");
        assert_eq!((u.user, u.port, u.query), (None, None, None));
        let u = parse_destination_uri("qemu+ssh://root@b.example:2222/system?keyfile=/k").unwrap();
        assert_eq!(u.transport, MigrationTransport::Ssh);
        assert_eq!(u.user.as_deref(), Some("root"));
        assert_eq!(u.host, "b.example");
        assert_eq!(u.port, Some(2222));
        assert_eq!(u.query.as_deref(), Some("keyfile=/k"));
        let u = parse_destination_uri("qemu+tls://[fe80::2]:16514/system").unwrap();
        assert_eq!(
            (u.transport, u.host.as_str(), u.port),
            (MigrationTransport::Tls, "fe80::2", Some(16514))
        );
        for bad in [
            "qemu:///system",
            "qemu+tcp:///system",
            "qemu+tcp://b/session",
            "qemu+tcp://b",
            "qemu+tcp://b/system#x",
            "qemu+unix://b/system",
            "test:///default",
            "qemu+tcp://b:0/system",
            "qemu+tcp://b:x/system",
            "qemu+tcp://b c/system",
            "qemu+tcp://[zz]/system",
            "qemu+tcp://@b/system",
            "xen+ssh://b/system",
        ] {
            assert!(parse_destination_uri(bad).is_err(), "{bad}");
        }
    }
}
