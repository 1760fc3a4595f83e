//! The command line's shape.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde::de::DeserializeOwned;
use vapor_client::models;

use crate::output::Format;

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
    /// Print the operation's id at once instead of waiting for it.
    #[arg(long)]
    pub no_wait: bool,
}

#[derive(Debug, Subcommand)]
pub enum VmCmd {
    /// Lists VMs.
    List,
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
    /// Prints the URL of the VM's console page (with a one-time token).
    Console {
        vm: String,
        /// vnc, spice or serial; the VM's first display when absent.
        #[arg(long = "type", value_parser = api_enum::<models::ConsoleType>)]
        console_type: Option<models::ConsoleType>,
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
        #[arg(long, value_parser = crate::tus::parse_size, default_value = "4M")]
        chunk_size: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum TemplateCmd {
    /// Lists templates.
    List,
    /// Shows one template.
    Get { id: i64 },
    /// Deletes a template.
    Delete { id: i64 },
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
