//! qemu:///system only: create-to-running against virsh, and backup
//! throughput against `qemu-img convert`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use hyper::{Method, StatusCode};
use serde_json::json;

use super::http::Conn;

const VMS: &str = "/api/v1/virtualization/virtualmachines";
const POOL_DIR: &str = "/var/lib/libvirt/images";

/// Runs `program args`, failing with its stderr when it fails.
pub fn run(program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("running {program}"))?;
    if !out.status.success() {
        bail!(
            "{program} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Per iteration: the API's create (blank VM, new 1 GiB qcow2 volume in
/// `default`) and start, then one `virsh` process running `vol-create-as`
/// (1 GiB qcow2 in `default`), `define` of the API VM's inactive XML (new
/// name, no UUID, the new volume) and `start`. Both VMs are removed before
/// the next iteration. Returns (API times, virsh times).
pub async fn create_to_running(
    conn: &mut Conn,
    prefix: &str,
    dir: &Path,
    iterations: usize,
) -> Result<(Vec<Duration>, Vec<Duration>)> {
    let (mut api_times, mut virsh_times) = (Vec::new(), Vec::new());
    let mut template: Option<(String, String, String)> = None; // xml, name, disk path
    for i in 0..iterations {
        let name = format!("{prefix}c2r-api-{i}");
        let started = Instant::now();
        let created = conn
            .expect(
                Method::POST,
                VMS,
                Some(&json!({"name": name, "memory": 256, "vcpus": 1, "disk_size": 1})),
                StatusCode::CREATED,
            )
            .await?;
        let uuid = created["data"]["vm"]["uuid"]
            .as_str()
            .context("create: no data.vm.uuid")?
            .to_owned();
        conn.expect(
            Method::POST,
            &format!("{VMS}/{uuid}/action"),
            Some(&json!({"action": "start"})),
            StatusCode::OK,
        )
        .await?;
        api_times.push(started.elapsed());
        let vm = conn
            .expect(Method::GET, &format!("{VMS}/{uuid}"), None, StatusCode::OK)
            .await?;
        if vm["data"]["state"] != "running" {
            bail!("after start, {name} is {}", vm["data"]["state"]);
        }

        if template.is_none() {
            let xml = run(
                "virsh",
                &["-c", "qemu:///system", "dumpxml", "--inactive", &name],
            )?;
            let disk = xml
                .split("<source file='")
                .nth(1)
                .and_then(|s| s.split('\'').next())
                .context("the API VM's XML names no disk file")?
                .to_owned();
            template = Some((xml, name.clone(), disk));
        }
        let (xml, old_name, old_disk) = template.as_ref().unwrap();
        let vname = format!("{prefix}c2r-virsh-{i}");
        let vol = format!("{vname}.qcow2");
        let uuid_start = xml.find("<uuid>").context("no <uuid>")?;
        let uuid_end = xml.find("</uuid>").context("no </uuid>")? + "</uuid>".len();
        let vxml = format!("{}{}", &xml[..uuid_start], &xml[uuid_end..])
            .replace(
                &format!("<name>{old_name}</name>"),
                &format!("<name>{vname}</name>"),
            )
            .replace(old_disk.as_str(), &format!("{POOL_DIR}/{vol}"));
        let xml_path = dir.join(format!("{vname}.xml"));
        std::fs::write(&xml_path, vxml)?;
        let script = format!(
            "vol-create-as default {vol} 1G --format qcow2; define {}; start {vname}",
            xml_path.display()
        );
        let started = Instant::now();
        run("virsh", &["-c", "qemu:///system", &script])?;
        virsh_times.push(started.elapsed());
        let state = run("virsh", &["-c", "qemu:///system", "domstate", &vname])?;
        if state.trim() != "running" {
            bail!("after virsh start, {vname} is {}", state.trim());
        }

        conn.expect(
            Method::DELETE,
            &format!("{VMS}/{uuid}?remove_disks=true"),
            None,
            StatusCode::NO_CONTENT,
        )
        .await?;
        run(
            "virsh",
            &[
                "-c",
                "qemu:///system",
                &format!("destroy {vname}; undefine {vname}; vol-delete {vol} --pool default"),
            ],
        )?;
    }
    Ok((api_times, virsh_times))
}

/// What the backup comparison measured.
pub struct BackupResult {
    pub data_bytes: u64,
    pub disk_bytes: u64,
    pub api: Duration,
    pub convert: Duration,
    pub backup_file_bytes: u64,
}

/// A qcow2 image of `disk_bytes` holding `data_bytes` of non-zero data
/// (written with `qemu-io`), copied once by `qemu-img convert` (then
/// fsynced) into `dir`, then backed up through the API (full, no
/// compression, into the server's backup root under `dir`) from a running
/// VM that has it as its disk: from `POST .../backups` to the operation's
/// `succeeded`, which covers libvirt's push backup job, Vapor's fsync and
/// its checksums.
pub async fn backup(
    conn: &mut Conn,
    prefix: &str,
    dir: &Path,
    disk_bytes: u64,
    data_bytes: u64,
) -> Result<BackupResult> {
    let src = format!("{POOL_DIR}/{prefix}backup-src.qcow2");
    run(
        "qemu-img",
        &["create", "-q", "-f", "qcow2", &src, &disk_bytes.to_string()],
    )?;
    let chunk = 1u64 << 30;
    let mut args = vec!["-f".to_owned(), "qcow2".to_owned()];
    let mut offset = 0;
    while offset < data_bytes {
        let len = chunk.min(data_bytes - offset);
        let pattern = if (offset / chunk) % 2 == 0 {
            "0x5a"
        } else {
            "0xa5"
        };
        args.push("-c".into());
        args.push(format!("write -q -P {pattern} {offset} {len}"));
        offset += len;
    }
    args.push(src.clone());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run("qemu-io", &args)?;

    let copy = dir.join("convert.qcow2");
    let copy_s = copy.display().to_string();
    let started = Instant::now();
    run(
        "qemu-img",
        &["convert", "-f", "qcow2", "-O", "qcow2", &src, &copy_s],
    )?;
    run("sync", &[&copy_s])?;
    let convert = started.elapsed();
    std::fs::remove_file(&copy)?;

    let name = format!("{prefix}backup");
    let created = conn
        .expect(
            Method::POST,
            VMS,
            Some(&json!({"name": name, "memory": 256, "vcpus": 1, "disk_path": src})),
            StatusCode::CREATED,
        )
        .await?;
    let uuid = created["data"]["vm"]["uuid"]
        .as_str()
        .context("create: no data.vm.uuid")?
        .to_owned();
    conn.expect(
        Method::POST,
        &format!("{VMS}/{uuid}/action"),
        Some(&json!({"action": "start"})),
        StatusCode::OK,
    )
    .await?;

    let started = Instant::now();
    let op = conn
        .expect(
            Method::POST,
            &format!("{VMS}/{uuid}/backups"),
            Some(&json!({"backup_type": "full", "compression": "none"})),
            StatusCode::ACCEPTED,
        )
        .await?;
    let op_id = op["data"]["id"]
        .as_str()
        .context("no operation id")?
        .to_owned();
    let status = loop {
        let o = conn
            .expect(
                Method::GET,
                &format!("/api/v1/operations/{op_id}"),
                None,
                StatusCode::OK,
            )
            .await?;
        match o["data"]["status"].as_str() {
            Some("queued" | "running") => tokio::time::sleep(Duration::from_millis(20)).await,
            _ => break o,
        }
    };
    let api = started.elapsed();
    if status["data"]["status"] != "succeeded" {
        bail!(
            "the backup operation ended {}: {}",
            status["data"]["status"],
            status["data"]["error"]
        );
    }
    let list = conn
        .expect(
            Method::GET,
            &format!("{VMS}/{uuid}/backups"),
            None,
            StatusCode::OK,
        )
        .await?;
    let b = &list["data"]["backups"][0];
    if b["status"] != "completed" {
        bail!("the backup is {}, not completed", b["status"]);
    }
    let backup_file_bytes = b["disks"][0]["size_bytes"].as_u64().unwrap_or(0);
    if backup_file_bytes < data_bytes {
        bail!(
            "the backup's disk holds {backup_file_bytes} bytes, less than the {data_bytes} written"
        );
    }
    let backup_id = b["backup_id"].as_str().context("no backup_id")?.to_owned();
    conn.expect(
        Method::DELETE,
        &format!("{VMS}/backups/{backup_id}"),
        None,
        StatusCode::NO_CONTENT,
    )
    .await?;
    conn.expect(
        Method::DELETE,
        &format!("{VMS}/{uuid}"),
        None,
        StatusCode::NO_CONTENT,
    )
    .await?;
    std::fs::remove_file(&src)?;
    Ok(BackupResult {
        data_bytes,
        disk_bytes,
        api,
        convert,
        backup_file_bytes,
    })
}
