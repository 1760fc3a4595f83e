//! libvirt asked directly through the `virt` crate: the baselines, and the
//! clean-up of everything the bench makes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use virt::connect::Connect;
use virt::sys;

/// Times `iterations` runs of `op` after 2 untimed ones; `op` returns how
/// many domains it saw, which must be at least `min_domains`.
pub fn time_loop(
    iterations: usize,
    min_domains: usize,
    mut op: impl FnMut() -> Result<usize>,
) -> Result<Vec<Duration>> {
    for _ in 0..2 {
        op()?;
    }
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        let seen = op()?;
        times.push(t.elapsed());
        if seen < min_domains {
            bail!("libvirt listed {seen} domains, fewer than the {min_domains} defined");
        }
    }
    Ok(times)
}

/// A domain that another client (the test suite, sharing the host) removed
/// between the list and the call is not an error of the bench.
fn gone_ok<T>(r: Result<T, virt::error::Error>) -> Result<()> {
    match r {
        Ok(_) => Ok(()),
        Err(e) if e.code() == virt::error::ErrorNumber::NoDomain.into() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// `virConnectListAllDomains`, then `virDomainGetInfo` for each.
pub fn list_info(c: &Connect) -> Result<usize> {
    let doms = c.list_all_domains(0)?;
    for d in &doms {
        gone_ok(d.info())?;
    }
    Ok(doms.len())
}

/// `virConnectListAllDomains`, then `virDomainGetInfo` and
/// `virDomainGetXMLDesc` for each.
pub fn list_info_xml(c: &Connect) -> Result<usize> {
    let doms = c.list_all_domains(0)?;
    for d in &doms {
        gone_ok(d.info())?;
        gone_ok(d.xml_desc(0))?;
    }
    Ok(doms.len())
}

/// One `virConnectGetAllDomainStats` call, every stats group.
pub fn all_stats(c: &Connect) -> Result<usize> {
    let records = c.all_domain_stats(0, 0)?;
    let n = records.len();
    for r in records {
        // SAFETY: each record came from virConnectGetAllDomainStats and is
        // freed once (the virt crate freed only the array). The list free
        // function frees the list too, so it gets a heap list of one.
        unsafe {
            let list = libc::malloc(2 * std::mem::size_of::<sys::virDomainStatsRecordPtr>())
                as *mut sys::virDomainStatsRecordPtr;
            assert!(!list.is_null());
            *list = r.ptr;
            *list.add(1) = std::ptr::null_mut();
            sys::virDomainStatsRecordListFree(list);
        }
    }
    Ok(n)
}

/// `threads` threads sharing `c`, each looking up a domain by UUID and
/// reading its info and XML, back to back for `duration`. Returns every
/// lookup's latency.
pub fn get_load(
    c: &Arc<Connect>,
    uuids: &[String],
    threads: usize,
    duration: Duration,
) -> Result<Vec<Duration>> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    for t in 0..threads {
        let c = Arc::clone(c);
        let stop = Arc::clone(&stop);
        let uuids = uuids.to_vec();
        handles.push(std::thread::spawn(move || -> Result<Vec<Duration>> {
            let mut times = Vec::new();
            let mut i = t * uuids.len() / threads;
            while !stop.load(Ordering::Relaxed) {
                let uuid = &uuids[i % uuids.len()];
                i += 1;
                let started = Instant::now();
                let d = c.lookup_domain_by_uuid_string(uuid)?;
                d.info()?;
                d.xml_desc(0)?;
                times.push(started.elapsed());
            }
            Ok(times)
        }));
    }
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for h in handles {
        all.extend(
            h.join()
                .map_err(|_| anyhow::anyhow!("a load thread panicked"))??,
        );
    }
    Ok(all)
}

/// Defines `count` minimal domains (64 MiB, 1 vCPU, no devices) named
/// `<prefix><i>` on the bench's own connection (for the test driver, whose
/// state is private to each process).
pub fn define_minimal(
    c: &Connect,
    domain_type: &str,
    prefix: &str,
    range: std::ops::Range<usize>,
) -> Result<()> {
    for i in range {
        let xml = format!(
            "<domain type='{domain_type}'><name>{prefix}{i}</name><memory unit='MiB'>64</memory>\
             <vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>"
        );
        c.define_domain_xml(&xml)
            .with_context(|| format!("defining {prefix}{i}"))?;
    }
    Ok(())
}

/// Removes every domain whose name starts with `prefix` (destroyed if
/// running, undefined with its snapshot, checkpoint and NVRAM metadata),
/// every volume of the `default` pool and every file of
/// /var/lib/libvirt/images whose name starts with it. Returns how many
/// domains and volumes it removed.
pub fn sweep(uri: &str, prefix: &str) -> Result<(usize, usize)> {
    let c = Connect::open(Some(uri)).with_context(|| format!("connecting to {uri}"))?;
    let mut domains = 0;
    for d in c.list_all_domains(0)? {
        let name = d.name()?;
        if !name.starts_with(prefix) {
            continue;
        }
        if d.is_active().unwrap_or(false) {
            let _ = d.destroy();
        }
        let flags = sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
            | sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
            | sys::VIR_DOMAIN_UNDEFINE_NVRAM
            | sys::VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA;
        match d.undefine_flags(flags) {
            Ok(()) => domains += 1,
            Err(e) => eprintln!("bench clean-up: could not undefine {name}: {e}"),
        }
    }
    let mut volumes = 0;
    if let Ok(pool) = c.lookup_storage_pool_by_name("default") {
        let _ = pool.refresh(0);
        for v in pool.list_all_volumes(0).unwrap_or_default() {
            if v.name().map(|n| n.starts_with(prefix)).unwrap_or(false) && v.delete(0).is_ok() {
                volumes += 1;
            }
        }
    }
    if let Ok(dir) = std::fs::read_dir("/var/lib/libvirt/images") {
        for e in dir.flatten() {
            if e.file_name().to_string_lossy().starts_with(prefix) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok((domains, volumes))
}
