//! Resource usage of running domains, from libvirt's domain statistics.
//!
//! One `virDomainListGetStats` for the domain alone (groups state, CPU
//! total, balloon, vCPU, interface and block) gives every counter QEMU
//! keeps, in one round trip; the live XML (`virDomainGetXMLDesc`) names
//! every disk and interface with its MAC and host device. Costs four calls
//! on QEMU: those two, `virDomainLookupByUUID` and `virDomainGetID`
//! (answered locally).
//!
//! Drivers that keep fewer statistics get the rest from the single-purpose
//! calls, one per missing item, so that every device is still reported:
//! `virDomainGetInfo` for CPU time, vCPUs and memory, `virDomainBlockStats`
//! per disk, `virDomainInterfaceStats` per interface with a host device.
//! libvirt's test driver reports only the state group and needs all of
//! them (its counters are derived from the time of day); a driver without
//! the statistics API also needs `virDomainGetState`.
//!
//! What neither way reports stays `None`: the guest's own view of its
//! memory (only a balloon driver with statistics enabled sends it), the
//! host process's RSS (QEMU only), and any counter of an interface without
//! a host device (QEMU's `user` networking), which libvirt cannot read.

use std::collections::HashMap;
use std::os::raw::c_char;
use std::ptr;

use roxmltree::Node;
use tracing::debug;
use vapor_hypervisor::{
    DiskStats, DomainState, DomainStats, DomainStatsEntry, HypervisorError, MemoryStats,
    MetricsBackend, NicStats,
};
use virt::domain::Domain;
use virt::error::{Error as VirtError, ErrorNumber};
use virt::sys;

use crate::counted::Dom;
use crate::error::{Error, Result};
use crate::{domain_by_uuid, xml, LibvirtHypervisor};

/// The statistics groups Vapor reads.
const GROUPS: u32 = sys::VIR_DOMAIN_STATS_STATE
    | sys::VIR_DOMAIN_STATS_CPU_TOTAL
    | sys::VIR_DOMAIN_STATS_BALLOON
    | sys::VIR_DOMAIN_STATS_VCPU
    | sys::VIR_DOMAIN_STATS_INTERFACE
    | sys::VIR_DOMAIN_STATS_BLOCK;

const KIB: u64 = 1024;

impl MetricsBackend for LibvirtHypervisor {
    fn domain_stats(&self, uuid: &str) -> Result<DomainStats, HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            read_stats(&dom, uuid)
        })
    }

    fn all_domain_stats(&self) -> Result<Vec<DomainStatsEntry>, HypervisorError> {
        self.conn.call(|c| {
            let records = c.all_domain_stats(GROUPS)?;
            Ok(records
                .into_iter()
                .filter(|r| !r.uuid.is_empty())
                .map(entry_of)
                .collect())
        })
    }
}

/// One record of the bulk statistics as a [`DomainStatsEntry`]: only what
/// the record says. A domain whose record lacks `state.state` is reported
/// as [`DomainState::NoState`].
fn entry_of(record: crate::metrics::StatsRecord) -> DomainStatsEntry {
    let params = Params::new(record.params);
    let kib = |name: &str| params.u64(name).map(|v| v.saturating_mul(KIB));
    let disks = params
        .devices("block")
        .into_iter()
        .map(|(name, i)| disk_from_params(&params, &name, i))
        .collect();
    let interfaces = params
        .devices("net")
        .into_iter()
        .map(|(name, i)| {
            let mut nic = NicStats {
                device: Some(name),
                mac: None,
                rx_bytes: None,
                tx_bytes: None,
                rx_packets: None,
                tx_packets: None,
            };
            fill_nic(&mut nic, &params, i);
            nic
        })
        .collect();
    DomainStatsEntry {
        uuid: record.uuid,
        name: record.name,
        state: params
            .u64("state.state")
            .map_or(DomainState::NoState, state_of),
        cpu_time_ns: params.u64("cpu.time"),
        vcpus: params
            .u64("vcpu.current")
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        memory_current_bytes: kib("balloon.current"),
        memory_maximum_bytes: kib("balloon.maximum"),
        rss_bytes: kib("balloon.rss"),
        guest_available_bytes: kib("balloon.available"),
        guest_unused_bytes: kib("balloon.unused"),
        disks,
        interfaces,
    }
}

/// A typed parameter's value (`virTypedParameter`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    Signed(i64),
    Unsigned(u64),
    Double(f64),
    Bool(bool),
    Text(String),
}

/// The statistics of one domain, by field name (`block.0.rd.bytes`, ...).
#[derive(Debug, Default)]
struct Params(HashMap<String, Param>);

impl Params {
    fn new(list: Vec<(String, Param)>) -> Params {
        Params(list.into_iter().collect())
    }

    /// An integer counter; `None` when missing, negative or not a number.
    fn u64(&self, name: &str) -> Option<u64> {
        match self.0.get(name)? {
            Param::Unsigned(v) => Some(*v),
            Param::Signed(v) => u64::try_from(*v).ok(),
            _ => None,
        }
    }

    fn text(&self, name: &str) -> Option<&str> {
        match self.0.get(name)? {
            Param::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The `prefix.N.name` entries (`block`, `net`), by name, with their
    /// index. Indices run from 0 to `prefix.count`; QEMU counts interfaces
    /// it has no statistics for (no host device) and leaves them out.
    fn devices(&self, prefix: &str) -> Vec<(String, usize)> {
        let count = self.u64(&format!("{prefix}.count")).unwrap_or(0);
        (0..count as usize)
            .filter_map(|i| {
                let name = self.text(&format!("{prefix}.{i}.name"))?;
                Some((name.to_owned(), i))
            })
            .collect()
    }
}

/// The devices the live definition lists.
#[derive(Debug, Default, PartialEq, Eq)]
struct Devices {
    /// Disk targets (`vda`, `sda`), in order.
    disks: Vec<String>,
    /// Interfaces: MAC and host device, in order.
    interfaces: Vec<(Option<String>, Option<String>)>,
}

/// Reads `<devices>` of a domain's XML.
fn parse_devices(definition: &str) -> Result<Devices, HypervisorError> {
    let doc = xml::parse(definition, "domain")?;
    let mut out = Devices::default();
    let Some(devices) = xml::child(doc.root_element(), "devices") else {
        return Ok(out);
    };
    let attr = |node: Node<'_, '_>, child: &str, name: &str| {
        xml::child(node, child)
            .and_then(|n| n.attribute(name))
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    for node in devices.children().filter(|n| n.is_element()) {
        match node.tag_name().name() {
            "disk" => {
                if let Some(target) = attr(node, "target", "dev") {
                    out.disks.push(target);
                }
            }
            "interface" => out
                .interfaces
                .push((attr(node, "mac", "address"), attr(node, "target", "dev"))),
            _ => {}
        }
    }
    Ok(out)
}

/// One sample of the domain's counters; see the module docs for the calls.
fn read_stats(dom: &Dom<'_>, uuid: &str) -> Result<DomainStats> {
    let params = match dom.stats(GROUPS) {
        Ok(list) => Params::new(list),
        Err(e) if e.code().is(ErrorNumber::NoSupport) => {
            debug!(error = %e, "no domain statistics API; using single-purpose calls");
            Params::default()
        }
        Err(e) => return Err(e.into()),
    };
    let state = match params.u64("state.state") {
        Some(raw) => state_of(raw),
        None => dom.state()?,
    };
    if !state.is_active() {
        return Err(HypervisorError::operation_invalid(
            "Requested operation is not valid: domain is not running",
        )
        .into());
    }
    let devices = parse_devices(&dom.xml_desc(0)?)?;

    // virDomainGetInfo, once, for whatever the statistics lack.
    let mut cached_info = None;
    let mut info = |dom: &Dom<'_>| -> Result<virt::domain::DomainInfo> {
        if cached_info.is_none() {
            cached_info = Some(dom.info()?);
        }
        Ok(cached_info.clone().expect("just read"))
    };
    let cpu_time_ns = match params.u64("cpu.time") {
        Some(ns) => ns,
        None => info(dom)?.cpu_time,
    };
    let vcpus = match params.u64("vcpu.current") {
        Some(n) => u32::try_from(n).unwrap_or(u32::MAX),
        None => info(dom)?.nr_virt_cpu,
    };
    let current_kib = match params.u64("balloon.current") {
        Some(kib) => kib,
        None => info(dom)?.memory,
    };
    let maximum_kib = match params.u64("balloon.maximum") {
        Some(kib) => kib,
        None => info(dom)?.max_mem,
    };
    let kib = |name: &str| params.u64(name).map(|v| v.saturating_mul(KIB));
    let memory = MemoryStats {
        current_bytes: current_kib.saturating_mul(KIB),
        maximum_bytes: maximum_kib.saturating_mul(KIB),
        rss_bytes: kib("balloon.rss"),
        guest_available_bytes: kib("balloon.available"),
        guest_unused_bytes: kib("balloon.unused"),
    };

    Ok(DomainStats {
        uuid: uuid.to_owned(),
        run_id: dom.id().map(u64::from),
        state,
        cpu_time_ns,
        vcpus,
        memory,
        disks: disks(dom, &params, &devices)?,
        interfaces: interfaces(dom, &params, &devices)?,
    })
}

/// Every disk of the definition, with its `block.N` counters, or else
/// `virDomainBlockStats`; then any disk only the statistics name.
fn disks(dom: &Dom<'_>, params: &Params, devices: &Devices) -> Result<Vec<DiskStats>> {
    let mut by_name: HashMap<String, usize> = params.devices("block").into_iter().collect();
    let mut out = Vec::new();
    for target in &devices.disks {
        let disk = match by_name.remove(target) {
            Some(i) => disk_from_params(params, target, i),
            None => match fallback(dom.block_stats(target))? {
                Some(s) => DiskStats {
                    target: target.clone(),
                    read_bytes: counter(s.rd_bytes),
                    write_bytes: counter(s.wr_bytes),
                    read_requests: counter(s.rd_req),
                    write_requests: counter(s.wr_req),
                },
                None => DiskStats {
                    target: target.clone(),
                    read_bytes: None,
                    write_bytes: None,
                    read_requests: None,
                    write_requests: None,
                },
            },
        };
        out.push(disk);
    }
    let mut rest: Vec<_> = by_name.into_iter().collect();
    rest.sort_by_key(|(_, i)| *i);
    out.extend(
        rest.into_iter()
            .map(|(name, i)| disk_from_params(params, &name, i)),
    );
    Ok(out)
}

fn disk_from_params(params: &Params, target: &str, i: usize) -> DiskStats {
    let get = |what: &str| params.u64(&format!("block.{i}.{what}"));
    DiskStats {
        target: target.to_owned(),
        read_bytes: get("rd.bytes"),
        write_bytes: get("wr.bytes"),
        read_requests: get("rd.reqs"),
        write_requests: get("wr.reqs"),
    }
}

/// Every interface of the definition with its MAC, with its `net.N`
/// counters (matched by host device), or else `virDomainInterfaceStats`;
/// then any device only the statistics name.
fn interfaces(dom: &Dom<'_>, params: &Params, devices: &Devices) -> Result<Vec<NicStats>> {
    let mut by_name: HashMap<String, usize> = params.devices("net").into_iter().collect();
    let mut out = Vec::new();
    for (mac, device) in &devices.interfaces {
        let mut nic = NicStats {
            device: device.clone(),
            mac: mac.clone(),
            rx_bytes: None,
            tx_bytes: None,
            rx_packets: None,
            tx_packets: None,
        };
        if let Some(name) = device {
            if let Some(i) = by_name.remove(name) {
                fill_nic(&mut nic, params, i);
            } else if let Some(s) = fallback(dom.interface_stats(name))? {
                nic.rx_bytes = counter(s.rx_bytes);
                nic.tx_bytes = counter(s.tx_bytes);
                nic.rx_packets = counter(s.rx_packets);
                nic.tx_packets = counter(s.tx_packets);
            }
        }
        out.push(nic);
    }
    let mut rest: Vec<_> = by_name.into_iter().collect();
    rest.sort_by_key(|(_, i)| *i);
    for (name, i) in rest {
        let mut nic = NicStats {
            device: Some(name),
            mac: None,
            rx_bytes: None,
            tx_bytes: None,
            rx_packets: None,
            tx_packets: None,
        };
        fill_nic(&mut nic, params, i);
        out.push(nic);
    }
    Ok(out)
}

fn fill_nic(nic: &mut NicStats, params: &Params, i: usize) {
    let get = |what: &str| params.u64(&format!("net.{i}.{what}"));
    nic.rx_bytes = get("rx.bytes");
    nic.tx_bytes = get("tx.bytes");
    nic.rx_packets = get("rx.pkts");
    nic.tx_packets = get("tx.pkts");
}

/// The result of a single-purpose statistics call: `None` when the driver
/// cannot tell for this device; an error only when the domain itself is
/// gone or stopped meanwhile.
fn fallback<T>(result: Result<T, VirtError>) -> Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e)
            if e.code().is(ErrorNumber::NoDomain) || e.code().is(ErrorNumber::OperationInvalid) =>
        {
            Err(Error::from(e))
        }
        Err(e) => {
            debug!(error = %e, "no statistics for a device");
            Ok(None)
        }
    }
}

/// libvirt's legacy statistics use -1 for "not supported".
fn counter(value: i64) -> Option<u64> {
    u64::try_from(value).ok()
}

/// `state.state` as a [`DomainState`].
fn state_of(raw: u64) -> DomainState {
    match u32::try_from(raw).unwrap_or(u32::MAX) {
        sys::VIR_DOMAIN_RUNNING => DomainState::Running,
        sys::VIR_DOMAIN_BLOCKED => DomainState::Blocked,
        sys::VIR_DOMAIN_PAUSED => DomainState::Paused,
        sys::VIR_DOMAIN_SHUTDOWN => DomainState::Shutdown,
        sys::VIR_DOMAIN_SHUTOFF => DomainState::Shutoff,
        sys::VIR_DOMAIN_CRASHED => DomainState::Crashed,
        sys::VIR_DOMAIN_PMSUSPENDED => DomainState::PmSuspended,
        _ => DomainState::NoState,
    }
}

/// Releases what `virDomainListGetStats` returned.
struct Records(*mut sys::virDomainStatsRecordPtr);

impl Drop for Records {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer is the NULL-terminated record list libvirt
            // allocated and gave us; it is freed here once (with each
            // record's parameters and domain reference) and never read again.
            unsafe { sys::virDomainStatsRecordListFree(self.0) }
        }
    }
}

/// `virDomainListGetStats` for one domain: its statistics in `groups`, as
/// (field, value) pairs. The `virt` crate wraps only the all-domains call
/// (and leaks its records). Called only from `counted.rs`, which counts it.
pub(crate) fn domain_stats(dom: &Domain, groups: u32) -> Result<Vec<(String, Param)>, VirtError> {
    let mut raw: *mut sys::virDomainStatsRecordPtr = ptr::null_mut();
    // SAFETY: `doms` is a NULL-terminated array holding one valid
    // virDomainPtr that `dom` keeps referenced for the whole call (libvirt
    // takes its own reference for each record); `raw` is a live out-pointer
    // that libvirt sets to a list it allocates.
    let n = unsafe {
        let mut doms: [sys::virDomainPtr; 2] = [dom.as_ptr(), ptr::null_mut()];
        sys::virDomainListGetStats(doms.as_mut_ptr(), groups, &mut raw, 0)
    };
    if n < 0 {
        return Err(VirtError::last_error());
    }
    let records = Records(raw);
    Ok(read_records(&records, n)
        .into_iter()
        .flat_map(|r| r.params)
        .collect())
}

/// One domain's record of a statistics list.
#[derive(Debug)]
pub(crate) struct StatsRecord {
    pub name: String,
    pub uuid: String,
    pub params: Vec<(String, Param)>,
}

/// `virConnectGetAllDomainStats`: the statistics in `groups` of every
/// domain of the connection, active or not, in one call. Each record's
/// domain name and UUID are read from the domain object libvirt returned
/// with it (`virDomainGetName`, `virDomainGetUUIDString`: copies of fields
/// of that object, no request to the daemon). Called only from
/// `counted.rs`, which counts the whole as one call.
pub(crate) fn all_domain_stats(
    conn: &virt::connect::Connect,
    groups: u32,
) -> Result<Vec<StatsRecord>, VirtError> {
    let mut raw: *mut sys::virDomainStatsRecordPtr = ptr::null_mut();
    // SAFETY: `conn` is an open connection, referenced for the whole call;
    // `raw` is a live out-pointer that libvirt sets to a list it allocates.
    let n = unsafe { sys::virConnectGetAllDomainStats(conn.as_ptr(), groups, &mut raw, 0) };
    if n < 0 {
        return Err(VirtError::last_error());
    }
    let records = Records(raw);
    Ok(read_records(&records, n))
}

/// Copies the `n` records of a list libvirt returned.
fn read_records(records: &Records, n: i32) -> Vec<StatsRecord> {
    let mut out = Vec::new();
    if records.0.is_null() {
        return out;
    }
    for i in 0..n.max(0) as usize {
        // SAFETY: libvirt returned `n` record pointers (followed by NULL);
        // `records` keeps them alive until the caller drops it.
        let record = unsafe { *records.0.add(i) };
        if record.is_null() {
            continue;
        }
        // SAFETY: a non-null record from the list, alive as above.
        let record = unsafe { &*record };
        let (name, uuid) = if record.dom.is_null() {
            (String::new(), String::new())
        } else {
            let mut buf = [0 as c_char; sys::VIR_UUID_STRING_BUFLEN as usize];
            // SAFETY: `record.dom` is the record's own referenced domain;
            // virDomainGetName returns a string owned by it (or NULL), and
            // virDomainGetUUIDString writes at most VIR_UUID_STRING_BUFLEN
            // bytes, NUL included, into `buf`.
            unsafe {
                let name = c_string(sys::virDomainGetName(record.dom));
                let uuid = if sys::virDomainGetUUIDString(record.dom, buf.as_mut_ptr()) == 0 {
                    c_string(buf.as_ptr())
                } else {
                    String::new()
                };
                (name, uuid)
            }
        };
        let mut params = Vec::new();
        if !record.params.is_null() {
            for j in 0..record.nparams.max(0) as usize {
                // SAFETY: `params` holds `nparams` initialised parameters.
                let param = unsafe { &*record.params.add(j) };
                if let Some(entry) = read_param(param) {
                    params.push(entry);
                }
            }
        }
        out.push(StatsRecord { name, uuid, params });
    }
    out
}

/// One typed parameter as (field, value); `None` for an unknown type.
fn read_param(param: &sys::virTypedParameter) -> Option<(String, Param)> {
    let field: Vec<u8> = param
        .field
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    let field = String::from_utf8_lossy(&field).into_owned();
    // SAFETY: `type_` says which member of the union libvirt set; only that
    // member is read. A string member is a NUL-terminated string owned by
    // the record, alive while the record is.
    let value = unsafe {
        match param.type_ as sys::virTypedParameterType {
            sys::VIR_TYPED_PARAM_INT => Param::Signed(i64::from(param.value.i)),
            sys::VIR_TYPED_PARAM_UINT => Param::Unsigned(u64::from(param.value.ui)),
            sys::VIR_TYPED_PARAM_LLONG => Param::Signed(param.value.l),
            sys::VIR_TYPED_PARAM_ULLONG => Param::Unsigned(param.value.ul),
            sys::VIR_TYPED_PARAM_DOUBLE => Param::Double(param.value.d),
            sys::VIR_TYPED_PARAM_BOOLEAN => Param::Bool(param.value.b != 0),
            sys::VIR_TYPED_PARAM_STRING => Param::Text(c_string(param.value.s)),
            _ => return None,
        }
    };
    Some((field, value))
}

/// Copies a C string; empty for NULL.
///
/// # Safety
/// `s` is NULL or a valid NUL-terminated string.
unsafe fn c_string(s: *const c_char) -> String {
    if s.is_null() {
        return String::new();
    }
    // SAFETY: the caller guarantees a valid NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(s) }
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(list: &[(&str, Param)]) -> Params {
        Params::new(
            list.iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn devices_are_read_from_the_live_definition() {
        let xml = r#"<domain type='kvm'><name>x</name><devices>
            <disk type='file' device='disk'><source file='/a'/><target dev='vda' bus='virtio'/></disk>
            <disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>
            <disk type='file' device='disk'><source file='/b'/></disk>
            <interface type='network'><mac address='52:54:00:00:00:01'/><target dev='vnet7'/></interface>
            <interface type='user'><mac address='52:54:00:00:00:02'/></interface>
        </devices></domain>"#;
        let d = parse_devices(xml).unwrap();
        assert_eq!(d.disks, vec!["vda", "sda"]);
        assert_eq!(
            d.interfaces,
            vec![
                (Some("52:54:00:00:00:01".into()), Some("vnet7".into())),
                (Some("52:54:00:00:00:02".into()), None),
            ]
        );
    }

    #[test]
    fn indexed_devices_skip_missing_entries() {
        // QEMU counts an interface without a host device and lists nothing for it.
        let p = params(&[
            ("net.count", Param::Unsigned(2)),
            ("net.1.name", Param::Text("vnet3".into())),
            ("block.count", Param::Unsigned(1)),
            ("block.0.name", Param::Text("vda".into())),
            ("block.0.rd.bytes", Param::Unsigned(512)),
            ("block.0.wr.reqs", Param::Signed(-1)),
        ]);
        assert_eq!(p.devices("net"), vec![("vnet3".to_owned(), 1)]);
        assert_eq!(
            disk_from_params(&p, "vda", 0),
            DiskStats {
                target: "vda".into(),
                read_bytes: Some(512),
                write_bytes: None,
                read_requests: None,
                write_requests: None,
            }
        );
    }

    #[test]
    fn states_and_counters() {
        assert_eq!(state_of(1), DomainState::Running);
        assert_eq!(state_of(3), DomainState::Paused);
        assert_eq!(state_of(5), DomainState::Shutoff);
        assert_eq!(state_of(99), DomainState::NoState);
        assert_eq!(counter(-1), None);
        assert_eq!(counter(7), Some(7));
    }
}
