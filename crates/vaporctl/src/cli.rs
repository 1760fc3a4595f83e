// The command line's shape.
//
// build.rs compiles this file too (`include!`), to write the man pages and
// shell completions, so it uses nothing of the crate but itself: clap, serde,
// serde_json, and the API's types through `vapor_client::models`, for which
// build.rs has stand-ins (see its comment). Plain comments rather than inner
// doc comments here, since the file is included into another.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::de::DeserializeOwned;
use vapor_client::models;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Yaml,
}

/// Manage Vapor's virtual machines, storage, networks, ISOs and operations.
///
/// The server and token come from --url/--token, else VAPOR_URL/VAPOR_TOKEN,
/// else the profile (--profile, VAPOR_PROFILE or `default_profile`) in
/// ~/.config/vapor/client.toml.
#[derive(Debug, Parser)]
#[command(name = "vaporctl", version)]
pub struct Cli {
    /// The server's root URL, e.g. http://127.0.0.1:8080.
    #[arg(long, global = true, env = "VAPOR_URL")]
    pub url: Option<String>,
    /// A bearer token from `vapor token create`.
    #[arg(long, global = true, env = "VAPOR_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// A profile of ~/.config/vapor/client.toml.
    #[arg(long, global = true, env = "VAPOR_PROFILE")]
    pub profile: Option<String>,
    /// How to print results: tables for people, or the response's data as JSON or YAML.
    #[arg(short, long, global = true, value_enum, default_value_t = Format::Table)]
    pub output: Format,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Virtual machines.
    #[command(subcommand)]
    Vm(VmCmd),
    /// Storage pools.
    #[command(subcommand)]
    Pool(PoolCmd),
    /// Volumes in a storage pool.
    #[command(subcommand)]
    Volume(VolumeCmd),
    /// Virtual networks.
    #[command(subcommand)]
    Network(NetworkCmd),
    /// The ISO library.
    #[command(subcommand)]
    Iso(IsoCmd),
    /// VM templates.
    #[command(subcommand)]
    Template(TemplateCmd),
    /// Long-running work.
    #[command(subcommand)]
    Operation(OperationCmd),
    /// Follows what happens to VMs, operations and the backend, one line per event.
    ///
    /// Reconnects by itself when the connection drops, resuming after the last
    /// event seen; Ctrl-C stops it.
    Events {
        /// Only events of this VM (name or UUID): its vm.* events and operations on it.
        #[arg(long)]
        vm: Option<String>,
        /// Only these types, comma-separated: names (vm.started) or prefixes (vm.*, operation.*).
        #[arg(long)]
        types: Option<String>,
        /// Start after this event id: the events since then are replayed first.
        #[arg(long)]
        after: Option<String>,
        /// Exit after this many events.
        #[arg(long)]
        count: Option<u64>,
    },
    /// The host's PCI devices.
    #[command(subcommand)]
    Pci(PciCmd),
    /// The audit log (needs an admin token).
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Prints a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct VmName {
    /// The VM's name or UUID.
    pub vm: String,
}

#[derive(Debug, Args)]
pub struct Wait {
    /// Wait for the operation to end, with a progress bar (the default).
    #[arg(long, conflicts_with = "no_wait")]
    pub wait: bool,
    /// Print the operation's id at once instead of waiting for it.
    #[arg(long)]
    pub no_wait: bool,
}

#[derive(Debug, Subcommand)]
pub enum VmCmd {
    /// Lists VMs, sorted by name.
    List {
        /// Only VMs in this state (running, paused, shutoff, ...).
        #[arg(long)]
        state: Option<String>,
        /// Only VMs whose name starts with this.
        #[arg(long)]
        name: Option<String>,
    },
    /// Shows one VM.
    Get(VmName),
    /// Defines a VM.
    Create {
        #[arg(long)]
        name: String,
        /// Memory in MiB.
        #[arg(long)]
        memory: i64,
        #[arg(long)]
        vcpus: i32,
        /// Size of a new system disk in GiB.
        #[arg(long)]
        disk_size: Option<i64>,
        /// The storage pool for the new disk.
        #[arg(long)]
        pool: Option<String>,
        /// The virtual network to attach.
        #[arg(long)]
        network: Option<String>,
        /// An ISO image's path, attached as a CD-ROM.
        #[arg(long)]
        iso: Option<String>,
        /// Start the VM when the host boots.
        #[arg(long)]
        autostart: bool,
    },
    /// Changes memory, vCPUs or autostart.
    Update {
        vm: String,
        /// Memory in MiB.
        #[arg(long)]
        memory: Option<i64>,
        #[arg(long)]
        vcpus: Option<i32>,
        #[arg(long)]
        autostart: Option<bool>,
    },
    /// Deletes a VM.
    Delete {
        vm: String,
        /// Also delete its disks.
        #[arg(long)]
        remove_disks: bool,
    },
    /// Copies a VM and its disks into a new, stopped VM, waiting for the operation.
    Clone {
        /// The VM to copy (name or UUID).
        source: String,
        /// The new VM's name.
        new_name: String,
        /// The storage pool for the copied disks; the source's when absent.
        #[arg(long)]
        pool: Option<String>,
        #[command(flatten)]
        wait: Wait,
    },
    /// CPU, memory, disk and network usage of a running VM.
    Metrics {
        vm: String,
        /// Print a line every --interval seconds until the VM stops (or Ctrl-C).
        #[arg(long)]
        watch: bool,
        /// Seconds between samples with --watch, 1 to 60.
        #[arg(long, requires = "watch", default_value_t = 5,
              value_parser = clap::value_parser!(u32).range(1..=60))]
        interval: u32,
        /// Exit after this many samples with --watch.
        #[arg(long, requires = "watch")]
        count: Option<u64>,
    },
    /// PCI passthrough: host devices given to a VM.
    #[command(subcommand)]
    Pci(VmPciCmd),
    /// Starts a VM.
    Start(VmName),
    /// Asks the guest to shut down (ACPI) and waits until it is off, or powers it off with --force.
    Stop {
        vm: String,
        /// Power off at once.
        #[arg(long, conflicts_with_all = ["timeout", "no_wait"])]
        force: bool,
        /// Seconds the guest has to shut down before the operation fails with TIMEOUT.
        #[arg(long)]
        timeout: Option<i32>,
        #[command(flatten)]
        wait: Wait,
    },
    /// Reboots a VM.
    Restart(VmName),
    /// Pauses a VM.
    Pause(VmName),
    /// Resumes a paused VM.
    Resume(VmName),
    /// Resets a VM (a hard reboot).
    Reset(VmName),
    /// Snapshots of a VM.
    #[command(subcommand)]
    Snapshot(SnapshotCmd),
    /// Backups of a VM.
    #[command(subcommand)]
    Backup(BackupCmd),
    /// Restores a backup (as a new VM with --name, or over the original with --overwrite).
    Restore {
        backup_id: String,
        /// The restored VM's name.
        #[arg(long)]
        name: Option<String>,
        /// Replace the existing VM.
        #[arg(long)]
        overwrite: bool,
        /// Restore the saved memory state too.
        #[arg(long)]
        memory: bool,
        /// The storage pool for the restored disks.
        #[arg(long)]
        pool: Option<String>,
        #[command(flatten)]
        wait: Wait,
    },
    /// Live-migrates a running VM to another host and waits for it.
    Migrate {
        vm: String,
        /// The destination host's name or address.
        #[arg(long = "to")]
        destination_host: String,
        /// The destination's libvirt URI; qemu+ssh://HOST/system when absent.
        #[arg(long = "uri")]
        destination_uri: Option<String>,
        /// Copy the disks too: all, inc (only what the destination lacks) or none.
        #[arg(long, value_parser = api_enum::<models::CopyStorage>)]
        copy_storage: Option<models::CopyStorage>,
        /// Tunnel the migration through libvirtd.
        #[arg(long)]
        tunneled: bool,
        /// Compress the memory stream.
        #[arg(long)]
        compressed: bool,
        /// Slow the guest down if the migration does not converge.
        #[arg(long)]
        auto_converge: bool,
        /// Bandwidth limit in MiB/s.
        #[arg(long)]
        max_bandwidth: Option<i64>,
        /// Allowed downtime in milliseconds.
        #[arg(long)]
        max_downtime: Option<i64>,
        #[command(flatten)]
        wait: Wait,
    },
    /// The VM's running or last migration.
    MigrationStatus {
        vm: String,
        /// A particular migration (`mig-...`).
        #[arg(long)]
        migration_id: Option<String>,
    },
    /// Adds or removes a device, vCPUs or memory of a running VM.
    Hotplug {
        vm: String,
        /// cpu, memory, disk, network or usb.
        #[arg(long, value_parser = api_enum::<models::HotplugResourceType>)]
        resource: models::HotplugResourceType,
        /// add or remove.
        #[arg(long, value_parser = api_enum::<models::HotplugAction>)]
        action: models::HotplugAction,
        /// The configuration as JSON, e.g. '{"vcpus": 4}' or '{"source": "/p/d.qcow2", "target": "vdb"}'.
        #[arg(long, value_parser = api_json::<models::HotplugConfiguration>)]
        config: models::HotplugConfiguration,
    },
    /// Prints the URL of the VM's console page (with a one-time token), or
    /// with --serial attaches this terminal to the VM's serial console.
    Console {
        vm: String,
        /// vnc, spice or serial; the VM's first display when absent.
        #[arg(long = "type", value_parser = api_enum::<models::ConsoleType>)]
        console_type: Option<models::ConsoleType>,
        /// Attach this terminal to the serial console (raw mode; Ctrl-] detaches)
        /// instead of printing the page's URL.
        #[arg(long, conflicts_with = "console_type")]
        serial: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum VmPciCmd {
    /// Gives a host PCI device to a VM (needs an IOMMU on the host).
    Attach {
        vm: String,
        /// The device: its id (pci_0000_01_00_0) or PCI address (0000:01:00.0), as `pci list` shows.
        device: String,
        /// Do not let libvirt detach the device from its host driver.
        #[arg(long)]
        unmanaged: bool,
        /// The device's display (VFIO mediated devices): on, off or auto.
        #[arg(long, value_parser = api_enum::<models::VfioDisplay>)]
        display: Option<models::VfioDisplay>,
        /// Make the device the VM's primary VGA.
        #[arg(long)]
        x_vga: bool,
        /// A ROM file on the host for the device.
        #[arg(long)]
        romfile: Option<String>,
    },
    /// Takes a PCI device back from a VM.
    Detach {
        vm: String,
        /// The device: its id or PCI address.
        device: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PciCmd {
    /// Lists the host's PCI devices and who has them.
    List {
        /// Only devices of this type: gpu, network, storage, usb or other.
        #[arg(long = "type", value_parser = api_enum::<models::PciDeviceType>)]
        device_type: Option<models::PciDeviceType>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Lists the audit log's entries, newest first.
    List {
        /// At most this many entries (1-1000; the server's default is 100).
        #[arg(long)]
        limit: Option<i32>,
        /// Only entries older than this id: the previous page's `next_before`.
        #[arg(long)]
        before: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCmd {
    /// Lists a VM's snapshots.
    List(VmName),
    /// Takes a snapshot.
    Create {
        vm: String,
        name: String,
        #[arg(long)]
        description: Option<String>,
        /// Include the memory state.
        #[arg(long)]
        memory: bool,
        /// Quiesce the guest's file systems first (needs the guest agent).
        #[arg(long)]
        quiesce: bool,
    },
    /// Reverts the VM to a snapshot.
    Revert { vm: String, snapshot: String },
    /// Deletes a snapshot.
    Delete { vm: String, snapshot: String },
    /// What kinds of snapshot the VM supports.
    Capabilities(VmName),
}

#[derive(Debug, Subcommand)]
pub enum BackupCmd {
    /// Lists a VM's backups.
    List(VmName),
    /// Backs a VM up.
    Create {
        vm: String,
        /// A directory on the host for the backup.
        #[arg(long)]
        destination: Option<String>,
        /// full or incremental.
        #[arg(long = "type", value_parser = api_enum::<models::BackupType>)]
        backup_type: Option<models::BackupType>,
        /// none or zstd.
        #[arg(long, value_parser = api_enum::<models::BackupCompression>)]
        compression: Option<models::BackupCompression>,
        /// Include the memory state.
        #[arg(long)]
        memory: bool,
        #[arg(long)]
        retention_days: Option<i32>,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        wait: Wait,
    },
    /// Deletes a backup.
    Delete {
        backup_id: String,
        /// Also delete the backups that depend on it.
        #[arg(long)]
        cascade: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PoolCmd {
    /// Lists storage pools.
    List,
    /// Shows one pool.
    Get { name: String },
    /// Defines and starts a pool.
    Create {
        name: String,
        /// dir, fs, netfs or logical.
        #[arg(long = "type", value_parser = api_enum::<models::PoolType>, default_value = "dir")]
        pool_type: models::PoolType,
        /// The target directory.
        #[arg(long)]
        path: String,
        /// The source device or export (fs, netfs, logical).
        #[arg(long)]
        source: Option<String>,
        /// The NFS server (netfs).
        #[arg(long)]
        source_host: Option<String>,
        #[arg(long)]
        autostart: bool,
    },
    /// Deletes a pool.
    Delete {
        name: String,
        /// Delete its volumes first.
        #[arg(long)]
        delete_volumes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum VolumeCmd {
    /// Lists the volumes of a pool.
    List { pool: String },
    /// Shows one volume.
    Get { pool: String, name: String },
    /// Creates a volume.
    Create {
        pool: String,
        name: String,
        /// Capacity in GiB.
        #[arg(long)]
        capacity: i64,
        /// qcow2 or raw.
        #[arg(long, value_parser = api_enum::<models::DiskFormat>)]
        format: Option<models::DiskFormat>,
    },
    /// Deletes a volume.
    Delete { pool: String, name: String },
}

#[derive(Debug, Subcommand)]
pub enum NetworkCmd {
    /// Lists virtual networks.
    List,
    /// Shows one network.
    Get { name: String },
    /// Defines and starts a network.
    Create {
        name: String,
        /// nat, route, isolated, bridge or open.
        #[arg(long, value_parser = api_enum::<models::NetworkMode>, default_value = "nat")]
        mode: models::NetworkMode,
        /// The host bridge (bridge mode) or the bridge's name.
        #[arg(long)]
        bridge: Option<String>,
        /// The host's address on the network, e.g. 192.168.150.1.
        #[arg(long, requires = "netmask")]
        address: Option<String>,
        #[arg(long, requires = "address")]
        netmask: Option<String>,
        /// First DHCP address.
        #[arg(long, requires_all = ["dhcp_end", "address"])]
        dhcp_start: Option<String>,
        /// Last DHCP address.
        #[arg(long, requires = "dhcp_start")]
        dhcp_end: Option<String>,
        #[arg(long)]
        autostart: bool,
    },
    /// Deletes a network.
    Delete { name: String },
    /// Starts a network.
    Start { name: String },
    /// Stops a network.
    Stop { name: String },
    /// Lists the network's current DHCP leases.
    Leases { name: String },
}

#[derive(Debug, Subcommand)]
pub enum IsoCmd {
    /// Lists the ISO library.
    List,
    /// Deletes an ISO.
    Delete { id: String },
    /// Uploads an ISO (resumable: run it again after an interruption).
    Upload {
        file: PathBuf,
        /// The name in the library; the file's name when absent.
        #[arg(long)]
        name: Option<String>,
        /// linux, windows, ...
        #[arg(long)]
        os_type: Option<String>,
        /// Bytes per request (K, M and G suffixes), at most the server's limit.
        #[arg(long, value_parser = parse_size, default_value = "4M")]
        chunk_size: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum TemplateCmd {
    /// Lists templates.
    List,
    /// Shows one template.
    Get { id: i64 },
    /// Adds a template, from flags, a file, or a file with flags overriding it.
    Create(Box<TemplateCreate>),
    /// Deletes a template.
    Delete { id: i64 },
}

/// `template create`: each flag sets the field of the API's `TemplateCreateRequest`.
#[derive(Debug, Args)]
pub struct TemplateCreate {
    /// A TemplateCreateRequest as JSON or YAML (`-` for stdin); flags override its fields.
    #[arg(long, short)]
    pub file: Option<PathBuf>,
    /// The unique name: lower case, digits, `.`, `_` and `-`.
    #[arg(long)]
    pub name: Option<String>,
    /// The name people see.
    #[arg(long)]
    pub display_name: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// linux, windows, bsd or other.
    #[arg(long, value_parser = api_enum::<models::OsType>)]
    pub os_type: Option<models::OsType>,
    /// The libosinfo short id, e.g. debian12.
    #[arg(long)]
    pub os_variant: Option<String>,
    /// Minimum memory in MiB.
    #[arg(long)]
    pub min_memory: Option<i64>,
    /// Recommended memory in MiB.
    #[arg(long)]
    pub memory: Option<i64>,
    #[arg(long)]
    pub min_vcpus: Option<i32>,
    /// Recommended vCPUs.
    #[arg(long)]
    pub vcpus: Option<i32>,
    /// Minimum disk in GiB.
    #[arg(long)]
    pub min_disk: Option<i64>,
    /// Recommended disk in GiB.
    #[arg(long)]
    pub disk: Option<i64>,
    /// virtio, scsi, sata or ide.
    #[arg(long, value_parser = api_enum::<models::DiskBus>)]
    pub disk_bus: Option<models::DiskBus>,
    /// virtio, e1000, e1000e or rtl8139.
    #[arg(long, value_parser = api_enum::<models::NicModel>)]
    pub nic_model: Option<models::NicModel>,
    /// Boot with UEFI.
    #[arg(long)]
    pub uefi: bool,
    /// UEFI secure boot.
    #[arg(long)]
    pub secure_boot: bool,
    /// An emulated TPM.
    #[arg(long)]
    pub tpm: bool,
    /// The guest has no virtio drivers.
    #[arg(long)]
    pub no_virtio_drivers: bool,
    /// The image supports cloud-init.
    #[arg(long)]
    pub cloud_init: bool,
    #[arg(long)]
    pub default_user: Option<String>,
    #[arg(long)]
    pub icon: Option<String>,
    /// A tag; repeat it, or separate tags with commas.
    #[arg(long = "tag", value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Create the template inactive: it cannot be used to create VMs.
    #[arg(long)]
    pub inactive: bool,
}

#[derive(Debug, Subcommand)]
pub enum OperationCmd {
    /// Lists operations.
    List {
        /// queued, running, succeeded, failed or cancelled.
        #[arg(long, value_parser = api_enum::<models::OperationStatus>)]
        status: Option<models::OperationStatus>,
        /// Only those on this target (e.g. a VM's name).
        #[arg(long)]
        target: Option<String>,
    },
    /// Shows one operation.
    Get { id: String },
    /// Asks an operation to stop.
    Cancel { id: String },
    /// Waits for an operation to end, with a progress bar.
    Wait { id: String },
}

/// Parses one of the API's enums by its wire name (`force_stop`, `nat`, ...).
fn api_enum<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| format!("{text:?} is not one of the accepted values"))
}

/// Parses one of the API's objects from JSON.
fn api_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("not valid here: {e}"))
}

/// `4M`, `512K`, `1G` or plain bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 4M, 512K, 1048576)"))?;
    let factor = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KIB" => 1 << 10,
        "M" | "MIB" => 1 << 20,
        "G" | "GIB" => 1 << 30,
        _ => return Err(format!("unknown unit {unit:?} (use K, M or G)")),
    };
    let size = n
        .checked_mul(factor)
        .ok_or_else(|| format!("{text:?} is too large"))?;
    if size == 0 {
        return Err("the size must be positive".into());
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_units() {
        assert_eq!(parse_size("4M"), Ok(4 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("3X").is_err());
        assert!(parse_size("99999999999999G").is_err());
    }
}
