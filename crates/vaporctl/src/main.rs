//! `vaporctl`: the command line for the Vapor API.
//!
//! Every request goes through the SDK: the hand-written `vapor-sdk` for
//! waiting on operations ([`wait`]), creates (each with an `Idempotency-Key`,
//! retried by the SDK's rules) and the TUS upload of `iso upload` (see
//! [`upload`]), and the generated `vapor-client` for the rest; except the
//! graceful stop (see [`raw`]), the Server-Sent Events of `events` and
//! `vm metrics --watch` (see [`sse`]) and the serial console's WebSocket of
//! `vm console --serial` (see [`console`]). Exit codes: 0 success, 1 an API or
//! other error, 2 bad usage, 3 not found (404), 4 conflict (409).

mod cli;
mod config;
mod console;
mod error;
mod events;
mod output;
mod raw;
mod sse;
mod template;
mod upload;
mod wait;

use clap::{CommandFactory, Parser};
use serde::de::DeserializeOwned;
use serde::Serialize;
use vapor_client::apis::configuration::Configuration;
use vapor_client::apis::{
    audit_api, backups_api, console_api, devices_api, isos_api, migration_api, networks_api,
    operations_api, snapshots_api, storage_api, templates_api, virtual_machines_api as vms,
};
use vapor_client::models::{self, Operation, VmActionType};

use cli::{
    AuditCmd, BackupCmd, Cli, Command, IsoCmd, NetworkCmd, OperationCmd, PciCmd, PoolCmd,
    SnapshotCmd, TemplateCmd, VmCmd, VmPciCmd, VolumeCmd,
};
use config::Endpoint;
use error::{CliError, Result};
use output::{Column, Printer};

const VM_COLUMNS: &[Column] = &[
    ("NAME", "name"),
    ("STATE", "state"),
    ("VCPUS", "vcpus"),
    ("MEMORY_MIB", "memory"),
    ("AUTOSTART", "autostart"),
    ("UUID", "uuid"),
];
const VM_FIELDS: &[Column] = &[
    ("Name", "name"),
    ("UUID", "uuid"),
    ("State", "state"),
    ("vCPUs", "vcpus"),
    ("Max vCPUs", "max_vcpus"),
    ("Memory (MiB)", "memory"),
    ("Max memory (MiB)", "max_memory"),
    ("Autostart", "autostart"),
    ("Persistent", "persistent"),
    ("OS", "os.type"),
    ("Firmware", "firmware"),
    ("Disks", "disks"),
    ("Created", "created_at"),
];
const OPERATION_COLUMNS: &[Column] = &[
    ("ID", "id"),
    ("KIND", "kind"),
    ("TARGET", "target"),
    ("STATUS", "status"),
    ("PERCENT", "progress.percent"),
    ("PHASE", "progress.phase"),
];
const OPERATION_FIELDS: &[Column] = &[
    ("ID", "id"),
    ("Kind", "kind"),
    ("Target", "target"),
    ("Status", "status"),
    ("Phase", "progress.phase"),
    ("Percent", "progress.percent"),
    ("Processed", "progress.processed"),
    ("Total", "progress.total"),
    ("Error", "error.message"),
    ("Created", "created_at"),
    ("Finished", "finished_at"),
];
const POOL_COLUMNS: &[Column] = &[
    ("NAME", "name"),
    ("TYPE", "type"),
    ("STATE", "state"),
    ("CAPACITY_BYTES", "capacity_bytes"),
    ("AVAILABLE_BYTES", "available_bytes"),
    ("AUTOSTART", "autostart"),
    ("PATH", "path"),
];
const VOLUME_COLUMNS: &[Column] = &[
    ("NAME", "name"),
    ("POOL", "pool"),
    ("CAPACITY_BYTES", "capacity_bytes"),
    ("ALLOCATION_BYTES", "allocation_bytes"),
    ("FORMAT", "format"),
    ("PATH", "path"),
];
const NETWORK_COLUMNS: &[Column] = &[
    ("NAME", "name"),
    ("STATE", "state"),
    ("MODE", "mode"),
    ("AUTOSTART", "autostart"),
    ("ADDRESS", "ip_range.address"),
    ("BRIDGE", "bridge"),
];
const ISO_COLUMNS: &[Column] = &[
    ("ID", "id"),
    ("NAME", "name"),
    ("SIZE_BYTES", "size_bytes"),
    ("SOURCE", "source"),
    ("OS", "os_type"),
    ("PATH", "path"),
];
const TEMPLATE_COLUMNS: &[Column] = &[
    ("ID", "id"),
    ("NAME", "name"),
    ("OS", "os_type"),
    ("VARIANT", "os_variant"),
    ("MEMORY_MIB", "recommended_memory"),
    ("VCPUS", "recommended_vcpus"),
    ("DISK_GIB", "recommended_disk"),
];
const BACKUP_COLUMNS: &[Column] = &[
    ("ID", "backup_id"),
    ("VM", "vm_name"),
    ("TYPE", "backup_type"),
    ("STATUS", "status"),
    ("STARTED", "started_at"),
    ("DESTINATION", "destination_path"),
];
const SNAPSHOT_COLUMNS: &[Column] = &[
    ("NAME", "name"),
    ("STATE", "state"),
    ("TYPE", "type"),
    ("CURRENT", "is_current"),
    ("CREATED", "created_at"),
];

const POOL_FIELDS: &[Column] = &[
    ("Name", "name"),
    ("Type", "type"),
    ("State", "state"),
    ("Capacity (bytes)", "capacity_bytes"),
    ("Allocation (bytes)", "allocation_bytes"),
    ("Available (bytes)", "available_bytes"),
    ("Autostart", "autostart"),
    ("Persistent", "persistent"),
    ("Path", "path"),
];
const VOLUME_FIELDS: &[Column] = &[
    ("Name", "name"),
    ("Pool", "pool"),
    ("Format", "format"),
    ("Capacity (bytes)", "capacity_bytes"),
    ("Allocation (bytes)", "allocation_bytes"),
    ("Path", "path"),
];
const NETWORK_FIELDS: &[Column] = &[
    ("Name", "name"),
    ("UUID", "uuid"),
    ("State", "state"),
    ("Mode", "mode"),
    ("Bridge", "bridge"),
    ("Address", "ip_range.address"),
    ("Netmask", "ip_range.netmask"),
    ("DHCP start", "dhcp.start"),
    ("DHCP end", "dhcp.end"),
    ("Autostart", "autostart"),
    ("Persistent", "persistent"),
];
const TEMPLATE_FIELDS: &[Column] = &[
    ("ID", "id"),
    ("Name", "name"),
    ("Display name", "display_name"),
    ("OS", "os_type"),
    ("Variant", "os_variant"),
    ("Memory (MiB)", "recommended_memory"),
    ("Minimum memory (MiB)", "min_memory"),
    ("vCPUs", "recommended_vcpus"),
    ("Minimum vCPUs", "min_vcpus"),
    ("Disk (GiB)", "recommended_disk"),
    ("Minimum disk (GiB)", "min_disk"),
    ("Disk bus", "disk_bus"),
    ("NIC model", "network_model"),
];

const PCI_COLUMNS: &[Column] = &[
    ("ID", "device_id"),
    ("ADDRESS", "pci_address"),
    ("TYPE", "device_type"),
    ("VENDOR", "vendor_name"),
    ("PRODUCT", "product_name"),
    ("DRIVER", "driver"),
    ("IOMMU_GROUP", "iommu_group"),
    ("AVAILABLE", "is_available"),
    ("VM", "assigned_to_vm"),
];
const LEASE_COLUMNS: &[Column] = &[
    ("IP", "ip_address"),
    ("PREFIX", "prefix"),
    ("MAC", "mac"),
    ("HOSTNAME", "hostname"),
    ("CLIENT_ID", "client_id"),
    ("EXPIRES", "expiry_time"),
];
const AUDIT_COLUMNS: &[Column] = &[
    ("ID", "id"),
    ("AT", "at"),
    ("TOKEN", "token_name"),
    ("METHOD", "method"),
    ("PATH", "path"),
    ("OPERATION", "operation"),
    ("TARGET", "target"),
    ("HTTP", "status_code"),
];
const METRICS_FIELDS: &[Column] = &[
    ("UUID", "uuid"),
    ("Time", "timestamp"),
    ("CPU (%)", "cpu_usage_percent"),
    ("CPU window (ms)", "cpu_usage_window_ms"),
    ("CPU time (ns)", "cpu_time_ns"),
    ("vCPUs", "vcpus"),
    ("Memory used (bytes)", "memory_used_bytes"),
    ("Memory used from", "memory_used_source"),
    ("Memory (bytes)", "memory_total_bytes"),
    ("Max memory (bytes)", "memory_max_bytes"),
];
const DISK_METRICS_COLUMNS: &[Column] = &[
    ("DISK", "target"),
    ("READ_BYTES", "read_bytes"),
    ("WRITE_BYTES", "write_bytes"),
    ("READ_REQUESTS", "read_requests"),
    ("WRITE_REQUESTS", "write_requests"),
];
const NETWORK_METRICS_COLUMNS: &[Column] = &[
    ("DEVICE", "device"),
    ("MAC", "mac"),
    ("RX_BYTES", "rx_bytes"),
    ("TX_BYTES", "tx_bytes"),
    ("RX_PACKETS", "rx_packets"),
    ("TX_PACKETS", "tx_packets"),
];

const MIGRATION_FIELDS: &[Column] = &[
    ("Migration", "migration_id"),
    ("Operation", "operation_id"),
    ("VM", "vm_name"),
    ("Status", "status"),
    ("Progress", "progress"),
    ("From", "source_host"),
    ("To", "dest_host"),
    ("URI", "destination_uri"),
    ("Data processed (bytes)", "data_processed_bytes"),
    ("Data total (bytes)", "data_total_bytes"),
    ("Downtime (ms)", "downtime_ms"),
    ("Started", "started_at"),
    ("Completed", "completed_at"),
    ("Error", "error_message"),
];

fn main() {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = match runtime.block_on(run(cli)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}

async fn run(cli: Cli) -> Result<()> {
    let printer = Printer::new(cli.output);
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "vaporctl",
            &mut std::io::stdout(),
        );
        return Ok(());
    }
    let endpoint = Endpoint::resolve(cli.url, cli.token, cli.profile)?;
    let client = endpoint.client()?;
    let config = client.config().clone();
    let ctx = Ctx {
        endpoint: &endpoint,
        client: &client,
        config: &config,
        printer,
    };
    match cli.command {
        Command::Vm(cmd) => vm(&ctx, cmd).await,
        Command::Pool(cmd) => pool(&ctx, cmd).await,
        Command::Volume(cmd) => volume(&ctx, cmd).await,
        Command::Network(cmd) => network(&ctx, cmd).await,
        Command::Iso(cmd) => iso(&ctx, cmd).await,
        Command::Template(cmd) => template(&ctx, cmd).await,
        Command::Operation(cmd) => operation(&ctx, cmd).await,
        Command::Events {
            vm,
            types,
            after,
            count,
        } => {
            let request = events::EventsRequest {
                vm,
                types,
                after,
                count,
            };
            until_interrupted(events::follow_events(&config, printer, request)).await
        }
        Command::Pci(PciCmd::List { device_type }) => printer.list(
            &devices_api::pci_device_list(&config, device_type)
                .await?
                .data,
            "devices",
            PCI_COLUMNS,
        ),
        Command::Audit(AuditCmd::List { limit, before }) => {
            let page = audit_api::audit_list(&config, limit, before).await?.data;
            printer.list(&page, "entries", AUDIT_COLUMNS)?;
            if let (output::Format::Table, Some(next)) = (printer.format, page.next_before) {
                eprintln!("older entries: --before {next}");
            }
            Ok(())
        }
        Command::Completions { .. } => unreachable!("handled above"),
    }
}

/// Runs a command that follows a stream until Ctrl-C, which is a success.
async fn until_interrupted(follow: impl std::future::Future<Output = Result<()>>) -> Result<()> {
    tokio::select! {
        outcome = follow => outcome,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// A PCI device's id (`pci_0000_01_00_0`), given it or its address
/// (`0000:01:00.0`, or `01:00.0` in domain 0).
async fn pci_device_id(config: &Configuration, device: &str) -> Result<String> {
    if !device.contains(':') {
        return Ok(device.to_owned());
    }
    let wanted = if device.matches(':').count() == 1 {
        format!("0000:{device}")
    } else {
        device.to_owned()
    }
    .to_ascii_lowercase();
    let devices = devices_api::pci_device_list(config, None)
        .await?
        .data
        .devices;
    devices
        .into_iter()
        .find(|d| d.pci_address.to_ascii_lowercase() == wanted)
        .map(|d| d.device_id)
        .ok_or_else(|| CliError::Api {
            status: 404,
            code: "NOT_FOUND".into(),
            message: format!("the host has no PCI device at {device}"),
        })
}

/// `virtualization/virtualmachines/{vm}/{rest}`, relative to `/api/v1`.
fn vm_path(vm: &str, rest: &str) -> String {
    format!(
        "virtualization/virtualmachines/{}/{rest}",
        vapor_client::apis::urlencode(vm)
    )
}

/// What every command needs.
struct Ctx<'a> {
    endpoint: &'a Endpoint,
    client: &'a vapor_sdk::Client,
    config: &'a Configuration,
    printer: Printer,
}

impl Ctx<'_> {
    /// After a request that started an operation: wait for it, or print its id.
    async fn follow(&self, op: Operation, no_wait: bool) -> Result<()> {
        if no_wait {
            return self.printer.message(&op, &op.id);
        }
        let done = wait::wait(self.client, &op.id).await?;
        self.printer.object(&done, OPERATION_FIELDS)
    }

    /// `POST path` (relative to `/api/v1`) through the SDK's
    /// `create_with_idempotency_key`, with a fresh key: a lost answer, a
    /// 5xx or a repeat still in progress is retried without creating twice.
    async fn create<T, B>(&self, path: &str, body: &B) -> Result<T>
    where
        T: DeserializeOwned,
        B: Serialize + ?Sized,
    {
        let key = vapor_sdk::new_idempotency_key();
        Ok(vapor_sdk::create_with_idempotency_key(self.client, path, &key, body).await?)
    }

    async fn action(&self, vm: &str, action: VmActionType) -> Result<()> {
        let request = models::VmActionRequest::new(action);
        let result = vms::vm_action(self.config, vm, request, None).await?.data;
        self.printer.message(
            &result,
            &format!("{} ({})", result.message, result.vm.state),
        )
    }
}

async fn vm(ctx: &Ctx<'_>, cmd: VmCmd) -> Result<()> {
    let (c, p) = (ctx.config, ctx.printer);
    match cmd {
        VmCmd::List { state, name } => {
            let state = state
                .map(|s| {
                    serde_json::from_value::<vapor_client::models::VmState>(
                        serde_json::Value::String(s.clone()),
                    )
                    .map_err(|_| CliError::Usage(format!("unknown VM state '{s}'")))
                })
                .transpose()?;
            let list = vms::vm_list(c, None, None, state, name.as_deref()).await?;
            p.list(&list.data, "vms", VM_COLUMNS)
        }
        VmCmd::Get(v) => p.object(&vms::vm_get(c, &v.vm).await?.data, VM_FIELDS),
        VmCmd::Create {
            name,
            memory,
            vcpus,
            disk_size,
            pool,
            network,
            iso,
            autostart,
        } => {
            let mut request = models::VmCreateRequest::new(name, memory, vcpus);
            request.disk_size = disk_size;
            request.storage_pool = pool;
            request.iso_path = iso;
            request.autostart = autostart.then_some(true);
            request.network = network.map(|source| models::NetworkAttachment {
                r#type: Some(models::NetworkType::Network),
                source: Some(source),
                model: None,
                mac: None,
            });
            let created: models::VmCreated = ctx
                .create("virtualization/virtualmachines", &request)
                .await?;
            p.message(
                &created,
                &format!("{} ({})", created.message, created.vm.uuid),
            )
        }
        VmCmd::Update {
            vm,
            memory,
            vcpus,
            autostart,
        } => {
            if memory.is_none() && vcpus.is_none() && autostart.is_none() {
                return Err(CliError::Usage(
                    "nothing to change: give --memory, --vcpus or --autostart".into(),
                ));
            }
            let request = models::VmUpdateRequest {
                memory,
                vcpus,
                autostart,
            };
            let updated = vms::vm_update(c, &vm, request, None).await?.data;
            p.message(&updated, &updated.message)
        }
        VmCmd::Delete { vm, remove_disks } => {
            vms::vm_delete(c, &vm, None, remove_disks.then_some(true)).await?;
            p.message(&serde_json::Value::Null, &format!("deleted VM {vm}"))
        }
        VmCmd::Clone {
            source,
            new_name,
            pool,
            wait,
        } => {
            let mut request = models::VmCloneRequest::new(new_name);
            request.storage_pool = pool;
            let op = ctx.create(&vm_path(&source, "clone"), &request).await?;
            ctx.follow(op, wait.no_wait).await
        }
        VmCmd::Metrics {
            vm, watch: false, ..
        } => {
            let sample = vms::vm_metrics_get(c, &vm).await?.data;
            p.object(&sample, METRICS_FIELDS)?;
            if p.format == output::Format::Table {
                println!();
                p.list(&sample, "disks", DISK_METRICS_COLUMNS)?;
                println!();
                p.list(&sample, "networks", NETWORK_METRICS_COLUMNS)?;
            }
            Ok(())
        }
        VmCmd::Metrics {
            vm,
            interval,
            count,
            ..
        } => until_interrupted(events::watch_metrics(c, p, &vm, interval, count)).await,
        VmCmd::Pci(VmPciCmd::Attach {
            vm,
            device,
            unmanaged,
            display,
            x_vga,
            romfile,
        }) => {
            let mut request = models::PciAttachRequest::new(pci_device_id(c, &device).await?);
            request.managed = unmanaged.then_some(false);
            if display.is_some() || x_vga || romfile.is_some() {
                request.vfio_options = Some(models::PciAttachRequestVfioOptions {
                    display,
                    x_vga: x_vga.then_some(true),
                    romfile,
                });
            }
            let assigned = devices_api::pci_device_attach(c, &vm, request, None)
                .await?
                .data;
            p.message(&assigned, &assigned.message)
        }
        VmCmd::Pci(VmPciCmd::Detach { vm, device }) => {
            let device = pci_device_id(c, &device).await?;
            let detached = devices_api::pci_device_detach(c, &vm, &device, None)
                .await?
                .data;
            p.message(&detached, &detached.message)
        }
        VmCmd::Start(v) => ctx.action(&v.vm, VmActionType::Start).await,
        VmCmd::Stop {
            vm, force: true, ..
        } => ctx.action(&vm, VmActionType::ForceStop).await,
        VmCmd::Stop {
            vm, timeout, wait, ..
        } => {
            let mut request = models::VmActionRequest::new(VmActionType::Shutdown);
            request.timeout_seconds = timeout;
            match raw::vm_action(c, &vm, &request).await? {
                raw::ActionReply::Done(result) => p.message(
                    &result,
                    &format!("{} ({})", result.message, result.vm.state),
                ),
                raw::ActionReply::Started(op) => ctx.follow(*op, wait.no_wait).await,
            }
        }
        VmCmd::Restart(v) => ctx.action(&v.vm, VmActionType::Restart).await,
        VmCmd::Pause(v) => ctx.action(&v.vm, VmActionType::Pause).await,
        VmCmd::Resume(v) => ctx.action(&v.vm, VmActionType::Resume).await,
        VmCmd::Reset(v) => ctx.action(&v.vm, VmActionType::Reset).await,
        VmCmd::Snapshot(cmd) => snapshot(ctx, cmd).await,
        VmCmd::Backup(cmd) => backup(ctx, cmd).await,
        VmCmd::Restore {
            backup_id,
            name,
            overwrite,
            memory,
            pool,
            wait,
        } => {
            let request = models::BackupRestoreRequest {
                backup_id,
                new_vm_name: name,
                overwrite: overwrite.then_some(true),
                restore_memory: memory.then_some(true),
                storage_pool: pool,
            };
            let op = ctx
                .create("virtualization/virtualmachines/restore", &request)
                .await?;
            ctx.follow(op, wait.no_wait).await
        }
        VmCmd::Migrate {
            vm,
            destination_host,
            destination_uri,
            copy_storage,
            tunneled,
            compressed,
            auto_converge,
            max_bandwidth,
            max_downtime,
            wait,
        } => {
            let mut request = models::MigrationRequest::new(destination_host);
            request.destination_uri = destination_uri;
            request.copy_storage = copy_storage;
            request.tunneled = tunneled.then_some(true);
            request.compressed = compressed.then_some(true);
            request.auto_converge = auto_converge.then_some(true);
            request.max_bandwidth = max_bandwidth;
            request.max_downtime = max_downtime;
            let migration = migration_api::migration_start(c, &vm, request, None)
                .await?
                .data;
            match migration.operation_id.clone().flatten() {
                Some(op) if !wait.no_wait => {
                    let outcome = wait::wait(ctx.client, &op).await;
                    let last =
                        migration_api::migration_status_get(c, &vm, Some(&migration.migration_id))
                            .await?
                            .data;
                    outcome?;
                    p.object(&last, MIGRATION_FIELDS)
                }
                Some(op) => p.message(&migration, &op),
                None => p.object(&migration, MIGRATION_FIELDS),
            }
        }
        VmCmd::MigrationStatus { vm, migration_id } => p.object(
            &migration_api::migration_status_get(c, &vm, migration_id.as_deref())
                .await?
                .data,
            MIGRATION_FIELDS,
        ),
        VmCmd::Hotplug {
            vm,
            resource,
            action,
            config,
        } => {
            let request = models::HotplugRequest::new(resource, action, config);
            let result = devices_api::vm_hotplug(c, &vm, request, None).await?.data;
            p.message(&result, &result.message)
        }
        VmCmd::Console {
            vm, serial: true, ..
        } => {
            let session = console_api::vm_console_get(c, &vm, Some(models::ConsoleType::Serial))
                .await?
                .data;
            let url = console::websocket_url(&ctx.endpoint.root, &session.ws_path)?;
            console::attach(&url, &vm).await.map(|_| ())
        }
        VmCmd::Console {
            vm, console_type, ..
        } => {
            let session = console_api::vm_console_get(c, &vm, console_type)
                .await?
                .data;
            let url = format!(
                "{}/console/{}#token={}&type={}",
                ctx.endpoint.root,
                vapor_client::apis::urlencode(&vm),
                session.token,
                session.r#type
            );
            p.message(&serde_json::json!({ "url": url, "session": session }), &url)
        }
    }
}

async fn snapshot(ctx: &Ctx<'_>, cmd: SnapshotCmd) -> Result<()> {
    let (c, p) = (ctx.config, ctx.printer);
    match cmd {
        SnapshotCmd::List(v) => p.list(
            &snapshots_api::snapshot_list(c, &v.vm).await?.data,
            "snapshots",
            SNAPSHOT_COLUMNS,
        ),
        SnapshotCmd::Create {
            vm,
            name,
            description,
            memory,
            quiesce,
        } => {
            let request = models::SnapshotCreateRequest {
                name,
                description,
                include_memory: memory.then_some(true),
                quiesce: quiesce.then_some(true),
            };
            let snap: models::Snapshot = ctx.create(&vm_path(&vm, "snapshots"), &request).await?;
            p.message(&snap, &format!("created snapshot {} of {}", snap.name, vm))
        }
        SnapshotCmd::Revert { vm, snapshot } => {
            let result = snapshots_api::snapshot_revert(c, &vm, &snapshot, None)
                .await?
                .data;
            p.message(&result, &result.message)
        }
        SnapshotCmd::Delete { vm, snapshot } => {
            snapshots_api::snapshot_delete(c, &vm, &snapshot).await?;
            p.message(
                &serde_json::Value::Null,
                &format!("deleted snapshot {snapshot} of {vm}"),
            )
        }
        SnapshotCmd::Capabilities(v) => p.object(
            &snapshots_api::snapshot_capabilities_get(c, &v.vm)
                .await?
                .data,
            &[
                ("Snapshots", "supports_snapshots"),
                ("Internal", "supports_internal"),
                ("External", "supports_external"),
                ("Memory", "supports_memory"),
                ("Quiesce", "supports_quiesce"),
                ("External revert", "supports_external_revert"),
                ("Warnings", "warnings"),
                ("Recommendations", "recommendations"),
            ],
        ),
    }
}

async fn backup(ctx: &Ctx<'_>, cmd: BackupCmd) -> Result<()> {
    let (c, p) = (ctx.config, ctx.printer);
    match cmd {
        BackupCmd::List(v) => p.list(
            &backups_api::backup_list(c, &v.vm).await?.data,
            "backups",
            BACKUP_COLUMNS,
        ),
        BackupCmd::Create {
            vm,
            destination,
            backup_type,
            compression,
            memory,
            retention_days,
            description,
            wait,
        } => {
            let request = models::BackupCreateRequest {
                destination_path: destination,
                backup_type,
                compression,
                include_memory: memory.then_some(true),
                retention_days,
                description,
            };
            let op = ctx.create(&vm_path(&vm, "backups"), &request).await?;
            ctx.follow(op, wait.no_wait).await
        }
        BackupCmd::Delete { backup_id, cascade } => {
            backups_api::backup_delete(c, &backup_id, cascade.then_some(true)).await?;
            p.message(
                &serde_json::Value::Null,
                &format!("deleted backup {backup_id}"),
            )
        }
    }
}

async fn pool(ctx: &Ctx<'_>, cmd: PoolCmd) -> Result<()> {
    let (c, p) = (ctx.config, ctx.printer);
    match cmd {
        PoolCmd::List => p.list(
            &storage_api::pool_list(c).await?.data,
            "pools",
            POOL_COLUMNS,
        ),
        PoolCmd::Get { name } => {
            p.object(&storage_api::pool_get(c, &name).await?.data, POOL_FIELDS)
        }
        PoolCmd::Create {
            name,
            pool_type,
            path,
            source,
            source_host,
            autostart,
        } => {
            let request = models::PoolCreateRequest {
                name,
                r#type: pool_type,
                path,
                source,
                source_host,
                autostart: autostart.then_some(true),
            };
            let pool: models::StoragePool = ctx
                .create("virtualization/storages/pools", &request)
                .await?;
            p.message(
                &pool,
                &format!("created pool {} ({})", pool.name, pool.state),
            )
        }
        PoolCmd::Delete {
            name,
            delete_volumes,
        } => {
            storage_api::pool_delete(c, &name, delete_volumes.then_some(true)).await?;
            p.message(&serde_json::Value::Null, &format!("deleted pool {name}"))
        }
    }
}

async fn volume(ctx: &Ctx<'_>, cmd: VolumeCmd) -> Result<()> {
    let (c, p) = (ctx.config, ctx.printer);
    match cmd {
        VolumeCmd::List { pool } => p.list(
            &storage_api::volume_list(c, &pool).await?.data,
            "volumes",
            VOLUME_COLUMNS,
        ),
        VolumeCmd::Get { pool, name } => p.object(
            &storage_api::volume_get(c, &pool, &name).await?.data,
            VOLUME_FIELDS,
        ),
        VolumeCmd::Create {
            pool,
            name,
            capacity,
            format,
        } => {
            let request = models::VolumeCreateRequest {
                name,
                capacity,
                format,
            };
            let path = format!(
                "virtualization/storages/pools/{}/volumes",
                vapor_client::apis::urlencode(&pool)
            );
            let vol: models::StorageVolume = ctx.create(&path, &request).await?;
            p.message(
                &vol,
                &format!("created volume {} at {}", vol.name, vol.path),
            )
        }
        VolumeCmd::Delete { pool, name } => {
            storage_api::volume_delete(c, &pool, &name).await?;
            p.message(
                &serde_json::Value::Null,
                &format!("deleted volume {name} of pool {pool}"),
            )
        }
    }
}

async fn network(ctx: &Ctx<'_>, cmd: NetworkCmd) -> Result<()> {
    let (c, p) = (ctx.config, ctx.printer);
    let act = |name: String, action: models::NetworkActionType| async move {
        let request = models::NetworkActionRequest::new(action);
        let net = networks_api::network_action(c, &name, request).await?.data;
        p.message(&net, &format!("network {} is {}", net.name, net.state))
    };
    match cmd {
        NetworkCmd::List => p.list(
            &networks_api::network_list(c).await?.data,
            "networks",
            NETWORK_COLUMNS,
        ),
        NetworkCmd::Get { name } => p.object(
            &networks_api::network_get(c, &name).await?.data,
            NETWORK_FIELDS,
        ),
        NetworkCmd::Create {
            name,
            mode,
            bridge,
            address,
            netmask,
            dhcp_start,
            dhcp_end,
            autostart,
        } => {
            let request = models::NetworkCreateRequest {
                name,
                mode,
                bridge,
                ip_range: address
                    .zip(netmask)
                    .map(|(address, netmask)| models::IpRange { address, netmask }),
                dhcp: dhcp_start
                    .zip(dhcp_end)
                    .map(|(start, end)| models::DhcpConfig::new(start, end)),
                autostart: autostart.then_some(true),
            };
            let net: models::VirtualNetwork =
                ctx.create("virtualization/networks", &request).await?;
            p.message(
                &net,
                &format!("created network {} ({})", net.name, net.state),
            )
        }
        NetworkCmd::Delete { name } => {
            networks_api::network_delete(c, &name).await?;
            p.message(&serde_json::Value::Null, &format!("deleted network {name}"))
        }
        NetworkCmd::Start { name } => act(name, models::NetworkActionType::Start).await,
        NetworkCmd::Stop { name } => act(name, models::NetworkActionType::Stop).await,
        NetworkCmd::Leases { name } => p.list(
            &networks_api::network_dhcp_leases_list(c, &name).await?.data,
            "leases",
            LEASE_COLUMNS,
        ),
    }
}

async fn iso(ctx: &Ctx<'_>, cmd: IsoCmd) -> Result<()> {
    let (c, p) = (ctx.config, ctx.printer);
    match cmd {
        IsoCmd::List => p.list(&isos_api::iso_list(c).await?.data, "isos", ISO_COLUMNS),
        IsoCmd::Delete { id } => {
            isos_api::iso_delete(c, &id).await?;
            p.message(&serde_json::Value::Null, &format!("deleted ISO {id}"))
        }
        IsoCmd::Upload {
            file,
            name,
            os_type,
            chunk_size,
        } => {
            let iso = upload::upload(
                ctx.endpoint,
                ctx.client,
                upload::Upload {
                    file: &file,
                    name: name.as_deref(),
                    os_type: os_type.as_deref(),
                    chunk_size,
                },
            )
            .await?;
            p.object(
                &iso,
                &[
                    ("ID", "id"),
                    ("Name", "name"),
                    ("Size (bytes)", "size_bytes"),
                    ("SHA-256", "checksum"),
                    ("Path", "path"),
                ],
            )
        }
    }
}

async fn template(ctx: &Ctx<'_>, cmd: TemplateCmd) -> Result<()> {
    let (c, p) = (ctx.config, ctx.printer);
    match cmd {
        TemplateCmd::List => p.list(
            &templates_api::template_list(c).await?.data,
            "templates",
            TEMPLATE_COLUMNS,
        ),
        TemplateCmd::Get { id } => p.object(
            &templates_api::template_get(c, id).await?.data,
            TEMPLATE_FIELDS,
        ),
        TemplateCmd::Create(args) => {
            let request = template::request(&args)?;
            let created: models::Template = ctx
                .create("virtualization/virtualmachines/templates", &request)
                .await?;
            p.message(
                &created,
                &format!("created template {} (id {})", created.name, created.id),
            )
        }
        TemplateCmd::Delete { id } => {
            templates_api::template_delete(c, id, None).await?;
            p.message(&serde_json::Value::Null, &format!("deleted template {id}"))
        }
    }
}

async fn operation(ctx: &Ctx<'_>, cmd: OperationCmd) -> Result<()> {
    let (c, p) = (ctx.config, ctx.printer);
    match cmd {
        OperationCmd::List { status, target } => p.list(
            &operations_api::operation_list(c, status, target.as_deref())
                .await?
                .data,
            "operations",
            OPERATION_COLUMNS,
        ),
        OperationCmd::Get { id } => p.object(
            &operations_api::operation_get(c, &id).await?.data,
            OPERATION_FIELDS,
        ),
        OperationCmd::Cancel { id } => {
            let op = operations_api::operation_cancel(c, &id).await?.data;
            p.message(&op, &format!("operation {} is {}", op.id, op.status))
        }
        OperationCmd::Wait { id } => {
            let op = wait::wait(ctx.client, &id).await?;
            p.object(&op, OPERATION_FIELDS)
        }
    }
}
