//! Domain types shared by the application layer and the backends.
//!
//! Units are part of the names: `_mib` is mebibytes, `_bytes` is bytes.

/// What a backend is and what its host offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInfo {
    /// `libvirt` or `mock`.
    pub backend: String,
    /// The connection URI, e.g. `qemu:///system`.
    pub uri: String,
    /// The hypervisor driver and its version, e.g. `QEMU 7.2.0`.
    pub hypervisor: String,
    /// The libvirt library version, e.g. `9.0.0`; `None` for backends without libvirt.
    pub libvirt_version: Option<String>,
    /// The host's native architecture, e.g. `x86_64`.
    pub arch: String,
    /// Domain types the host can run for its native architecture, best first
    /// (for example `["kvm", "qemu"]`, or `["test"]` on libvirt's test driver).
    pub domain_types: Vec<String>,
}

/// A domain's run state, as libvirt reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DomainState {
    NoState,
    Running,
    Blocked,
    Paused,
    /// Being shut down: the guest was asked to power off and has not yet.
    Shutdown,
    Shutoff,
    Crashed,
    PmSuspended,
}

impl DomainState {
    pub fn is_active(self) -> bool {
        !matches!(self, DomainState::Shutoff | DomainState::NoState)
    }
}

/// A change of power state. Each maps onto one libvirt call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PowerAction {
    /// Boots a shut-off domain (`virDomainCreate`).
    Start,
    /// Asks the guest to power off through ACPI; returns at once (`virDomainShutdown`).
    Shutdown,
    /// Powers the domain off at once (`virDomainDestroy`).
    Destroy,
    /// Asks the guest to reboot (`virDomainReboot`).
    Reboot,
    /// Resets the virtual hardware at once (`virDomainReset`).
    Reset,
    /// Pauses the virtual CPUs (`virDomainSuspend`).
    Suspend,
    /// Resumes paused virtual CPUs (`virDomainResume`).
    Resume,
}

/// Where a configuration change took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeScope {
    /// The running domain and its persistent definition.
    LiveAndConfig,
    /// Only the persistent definition: it applies from the next boot.
    Config,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiskDevice {
    Disk,
    Cdrom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiskFormat {
    Qcow2,
    Raw,
}

impl DiskFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            DiskFormat::Qcow2 => "qcow2",
            DiskFormat::Raw => "raw",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiskBus {
    Virtio,
    Sata,
    Scsi,
    Ide,
}

impl DiskBus {
    pub fn as_str(self) -> &'static str {
        match self {
            DiskBus::Virtio => "virtio",
            DiskBus::Sata => "sata",
            DiskBus::Scsi => "scsi",
            DiskBus::Ide => "ide",
        }
    }

    /// The target-name prefix libvirt uses for the bus (`vd`, `sd`, `hd`).
    pub fn target_prefix(self) -> &'static str {
        match self {
            DiskBus::Virtio => "vd",
            DiskBus::Sata | DiskBus::Scsi => "sd",
            DiskBus::Ide => "hd",
        }
    }
}

/// How the host caches a disk's I/O (libvirt's `<driver cache=…>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiskCache {
    None,
    Writethrough,
    Writeback,
    Directsync,
    Unsafe,
}

impl DiskCache {
    pub fn as_str(self) -> &'static str {
        match self {
            DiskCache::None => "none",
            DiskCache::Writethrough => "writethrough",
            DiskCache::Writeback => "writeback",
            DiskCache::Directsync => "directsync",
            DiskCache::Unsafe => "unsafe",
        }
    }
}

/// The firmware a domain boots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Firmware {
    /// Legacy BIOS (SeaBIOS).
    #[default]
    Bios,
    /// UEFI (OVMF), chosen by libvirt's firmware auto-selection. With
    /// `secure_boot`, a build with Secure Boot and enrolled keys, and SMM on.
    Efi { secure_boot: bool },
}

/// A disk to attach to a new domain. The file (or volume) must exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskSpec {
    pub device: DiskDevice,
    /// Absolute path of the image on the host.
    pub path: String,
    pub format: DiskFormat,
    pub bus: DiskBus,
    /// Guest device name, e.g. `vda` or `sda`.
    pub target: String,
    pub readonly: bool,
    /// `None`: the hypervisor's default.
    pub cache: Option<DiskCache>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterfaceKind {
    /// A libvirt virtual network; `source` is its name.
    Network,
    /// An existing host bridge; `source` is its name.
    Bridge,
    /// macvtap on a host interface; `source` is its name.
    Direct,
    /// User-mode networking; no source.
    User,
}

impl InterfaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InterfaceKind::Network => "network",
            InterfaceKind::Bridge => "bridge",
            InterfaceKind::Direct => "direct",
            InterfaceKind::User => "user",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceSpec {
    pub kind: InterfaceKind,
    pub source: Option<String>,
    /// NIC model, e.g. `virtio`, `e1000`.
    pub model: String,
    /// MAC address, `52:54:00:xx:xx:xx` form.
    pub mac: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GraphicsKind {
    Vnc,
    Spice,
}

impl GraphicsKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GraphicsKind::Vnc => "vnc",
            GraphicsKind::Spice => "spice",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphicsSpec {
    pub kind: GraphicsKind,
    /// Address the display server listens on.
    pub listen: String,
    /// A fixed port; `None` lets the hypervisor pick one (autoport).
    pub port: Option<u16>,
    pub password: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BootDevice {
    Hd,
    Cdrom,
}

/// Facts Vapor keeps inside the domain definition itself, so that they live
/// and die with the domain (libvirt: a `<metadata>` element in Vapor's namespace).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct VaporMetadata {
    /// RFC 3339 time the domain was created through Vapor.
    pub created_at: Option<String>,
    /// RFC 3339 time of the last change made through Vapor.
    pub updated_at: Option<String>,
    /// Paths of volumes Vapor created for this domain; removed with it on request.
    pub owned_volumes: Vec<String>,
    /// Paths of volumes that exist only for this domain (a cloud-init seed);
    /// always removed with it.
    pub ephemeral_volumes: Vec<String>,
    /// The user's own key-value pairs, kept with the domain.
    pub labels: std::collections::BTreeMap<String, String>,
}

/// Everything needed to define a new domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSpec {
    pub name: String,
    pub uuid: String,
    /// libvirt domain type: `kvm`, `qemu`, or what the host offers (see [`HostInfo::domain_types`]).
    pub domain_type: String,
    pub arch: String,
    pub memory_mib: u64,
    pub vcpus: u32,
    pub disks: Vec<DiskSpec>,
    pub interfaces: Vec<InterfaceSpec>,
    pub graphics: Vec<GraphicsSpec>,
    /// Boot order, first tried first.
    pub boot: Vec<BootDevice>,
    pub firmware: Firmware,
    /// An emulated TPM 2.0 (swtpm).
    pub tpm: bool,
    pub metadata: VaporMetadata,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OsInfo {
    /// `hvm` for full virtualization.
    pub os_type: String,
    pub arch: String,
    pub machine: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DiskInfo {
    pub device: String,
    pub target: String,
    pub bus: Option<String>,
    pub format: Option<String>,
    pub path: Option<String>,
    pub readonly: bool,
    /// The cache mode, when one is set.
    pub cache: Option<String>,
    /// Virtual size of the image; `None` when the backend cannot tell (e.g. an empty cdrom).
    pub capacity_bytes: Option<u64>,
}

/// A network interface inside a guest, as its guest agent reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestInterface {
    /// The guest's name for it (`eth0`, `lo`).
    pub name: String,
    /// Lowercase, colon-separated; `None` when the agent gives none.
    pub mac: Option<String>,
    pub addresses: Vec<GuestIpAddress>,
}

/// One address of a [`GuestInterface`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestIpAddress {
    /// `ipv4` or `ipv6`.
    pub family: String,
    pub address: String,
    pub prefix: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InterfaceInfo {
    /// `network`, `bridge`, `direct`, `user`, or another libvirt interface type.
    pub kind: String,
    pub source: Option<String>,
    pub model: Option<String>,
    pub mac: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GraphicsInfo {
    pub kind: String,
    pub listen: Option<String>,
    /// The port in use; `None` while the domain is off and the port is automatic.
    pub port: Option<i32>,
    pub autoport: bool,
}

/// A domain as the backend reports it now.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Domain {
    pub uuid: String,
    pub name: String,
    pub state: DomainState,
    pub domain_type: String,
    /// Current memory (the balloon target while running).
    pub memory_mib: u64,
    pub max_memory_mib: u64,
    pub vcpus: u32,
    pub max_vcpus: u32,
    pub autostart: bool,
    pub persistent: bool,
    pub os: OsInfo,
    pub disks: Vec<DiskInfo>,
    pub interfaces: Vec<InterfaceInfo>,
    pub graphics: Vec<GraphicsInfo>,
    /// `efi` or `bios`.
    pub firmware: String,
    pub secure_boot: bool,
    pub tpm: bool,
    pub metadata: VaporMetadata,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoragePool {
    pub name: String,
    /// libvirt pool type: `dir`, `fs`, `netfs`, `logical`, …
    pub pool_type: String,
    pub path: Option<String>,
    pub active: bool,
    pub autostart: bool,
    pub persistent: bool,
    pub capacity_bytes: u64,
    pub allocation_bytes: u64,
    pub available_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeSpec {
    pub name: String,
    pub capacity_bytes: u64,
    pub format: DiskFormat,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageVolume {
    pub name: String,
    pub pool: String,
    pub path: String,
    pub format: Option<String>,
    pub capacity_bytes: u64,
    pub allocation_bytes: u64,
}
