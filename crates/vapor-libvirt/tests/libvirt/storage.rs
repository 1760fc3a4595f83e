//! Storage pools and volumes against libvirt's test driver (`test:///default`).
//!
//! The driver keeps pools and volumes in memory (no directory is made or
//! mounted), shared by all connections of the process, and starts with the
//! directory pool `default-pool`. Every test names its pools `vapor-ls-...`
//! and undefines them when it ends, even on failure.

use vapor_hypervisor::{
    DiskFormat, HypervisorErrorKind, PoolAction, PoolSpec, PoolType, StorageBackend, VolumeSpec,
};
use vapor_libvirt::LibvirtHypervisor;

const URI: &str = "test:///default";
const GIB: u64 = 1 << 30;

fn connect() -> LibvirtHypervisor {
    LibvirtHypervisor::connect(URI).expect("test:///default opens")
}

fn unique(prefix: &str) -> String {
    format!(
        "vapor-ls-{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

fn dir(name: &str) -> PoolSpec {
    PoolSpec {
        name: name.to_owned(),
        pool_type: PoolType::Dir,
        path: format!("/{name}"),
        source: None,
        source_host: None,
    }
}

fn volume(name: &str, format: DiskFormat) -> VolumeSpec {
    VolumeSpec {
        name: name.to_owned(),
        capacity_bytes: GIB,
        format,
    }
}

/// Undefines the pool when dropped.
struct PoolGuard<'a> {
    hv: &'a LibvirtHypervisor,
    name: String,
}

impl Drop for PoolGuard<'_> {
    fn drop(&mut self) {
        match self.hv.undefine_pool(&self.name) {
            Ok(()) => {}
            Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
            Err(e) => eprintln!("could not undefine pool {}: {e}", self.name),
        }
    }
}

fn define<'a>(hv: &'a LibvirtHypervisor, spec: &PoolSpec) -> PoolGuard<'a> {
    hv.define_pool(spec).expect("the pool is defined");
    PoolGuard {
        hv,
        name: spec.name.clone(),
    }
}

#[test]
fn a_dir_pool_from_definition_to_removal() {
    let hv = connect();
    let spec = dir(&unique("life"));
    let name = spec.name.clone();
    let _guard = define(&hv, &spec);

    let pool = hv.lookup_pool(&name).unwrap();
    assert_eq!(pool.pool_type, "dir");
    assert_eq!(pool.path.as_deref(), Some(spec.path.as_str()));
    assert!(!pool.active && !pool.autostart && pool.persistent);
    assert!(hv.list_pools().unwrap().contains(&pool));
    let names: Vec<String> = hv
        .list_pools()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "pools are listed by name");

    for (action, what) in [
        (PoolAction::Stop, "stop an inactive pool"),
        (PoolAction::Refresh, "refresh an inactive pool"),
    ] {
        let err = hv.pool_action(&name, action).unwrap_err();
        assert_eq!(
            err.kind,
            HypervisorErrorKind::OperationInvalid,
            "{what}: {err}"
        );
    }
    let err = hv.list_volumes(&name).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid, "{err}");

    hv.pool_action(&name, PoolAction::Start).unwrap();
    let err = hv.pool_action(&name, PoolAction::Start).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid, "{err}");
    hv.pool_action(&name, PoolAction::Refresh).unwrap();
    hv.pool_action(&name, PoolAction::Autostart(true)).unwrap();
    let pool = hv.lookup_pool(&name).unwrap();
    assert!(pool.active && pool.autostart);
    assert!(pool.capacity_bytes > 0);
    hv.pool_action(&name, PoolAction::Autostart(false)).unwrap();
    assert!(!hv.lookup_pool(&name).unwrap().autostart);

    // Volumes: made, listed, read back, deleted.
    assert_eq!(hv.list_volumes(&name).unwrap(), vec![]);
    let raw = hv
        .create_volume(&name, &volume("b.img", DiskFormat::Raw))
        .unwrap();
    let qcow = hv
        .create_volume(&name, &volume("a.qcow2", DiskFormat::Qcow2))
        .unwrap();
    let listed = hv.list_volumes(&name).unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|v| v.volume.name.as_str())
            .collect::<Vec<_>>(),
        ["a.qcow2", "b.img"]
    );
    assert_eq!(listed[0].volume, qcow);
    assert_eq!(listed[1].volume, raw);
    for v in &listed {
        assert_eq!(v.volume_type.as_deref(), Some("file"));
        assert_eq!(v.volume.pool, name);
        assert_eq!(v.volume.capacity_bytes, GIB);
        assert_eq!(v.volume.path, format!("{}/{}", spec.path, v.volume.name));
    }
    assert_eq!(qcow.format.as_deref(), Some("qcow2"));
    assert_eq!(raw.format.as_deref(), Some("raw"));
    let got = hv.lookup_volume(&name, "b.img").unwrap();
    assert_eq!(got, listed[1]);
    assert_eq!(hv.lookup_volume_by_path(&raw.path).unwrap(), raw);
    // The test driver counts a volume as fully allocated, and so does its pool.
    let pool = hv.lookup_pool(&name).unwrap();
    assert_eq!(
        pool.allocation_bytes,
        raw.allocation_bytes + qcow.allocation_bytes
    );

    hv.delete_volume(&name, "b.img").unwrap();
    for err in [
        hv.lookup_volume(&name, "b.img").unwrap_err(),
        hv.delete_volume(&name, "b.img").unwrap_err(),
    ] {
        assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{err}");
    }

    // Stopping keeps the volumes; they are out of reach until the pool runs.
    hv.pool_action(&name, PoolAction::Stop).unwrap();
    assert!(!hv.lookup_pool(&name).unwrap().active);
    let err = hv.lookup_volume(&name, "a.qcow2").unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid, "{err}");
    hv.pool_action(&name, PoolAction::Start).unwrap();
    assert_eq!(hv.lookup_volume(&name, "a.qcow2").unwrap().volume, qcow);

    // An active pool is stopped, then undefined.
    hv.undefine_pool(&name).unwrap();
    for kind in [
        hv.lookup_pool(&name).unwrap_err().kind,
        hv.undefine_pool(&name).unwrap_err().kind,
        hv.pool_action(&name, PoolAction::Start).unwrap_err().kind,
        hv.list_volumes(&name).unwrap_err().kind,
        hv.lookup_volume(&name, "a.qcow2").unwrap_err().kind,
        hv.delete_volume(&name, "a.qcow2").unwrap_err().kind,
    ] {
        assert_eq!(kind, HypervisorErrorKind::NotFound);
    }
    assert!(hv.list_pools().unwrap().iter().all(|p| p.name != name));
}

#[test]
fn names_and_storage_cannot_be_taken_twice() {
    let hv = connect();
    let first = dir(&unique("dup"));
    let _guard = define(&hv, &first);
    let err = hv
        .define_pool(&PoolSpec {
            path: format!("{}-elsewhere", first.path),
            ..first.clone()
        })
        .unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::AlreadyExists, "{err}");
    let second = PoolSpec {
        name: unique("dup"),
        ..first.clone()
    };
    let err = hv.define_pool(&second).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid, "{err}");
    assert!(err.message.contains(&first.name), "{err}");
    let err = hv.lookup_pool(&second.name).unwrap_err();
    assert_eq!(
        err.kind,
        HypervisorErrorKind::NotFound,
        "nothing was left: {err}"
    );
    // The existing pool is untouched.
    assert_eq!(
        hv.lookup_pool(&first.name).unwrap().path.as_deref(),
        Some(first.path.as_str())
    );
}

#[test]
fn volume_names_cannot_leave_the_pool() {
    let hv = connect();
    let spec = dir(&unique("names"));
    let _guard = define(&hv, &spec);
    hv.pool_action(&spec.name, PoolAction::Start).unwrap();
    for bad in ["", ".", "..", "../x", "a/b", "/etc/passwd"] {
        let err = hv
            .create_volume(&spec.name, &volume(bad, DiskFormat::Raw))
            .unwrap_err();
        assert_eq!(
            err.kind,
            HypervisorErrorKind::InvalidArgument,
            "{bad:?}: {err}"
        );
        for err in [
            hv.lookup_volume(&spec.name, bad).unwrap_err(),
            hv.delete_volume(&spec.name, bad).unwrap_err(),
        ] {
            assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{bad:?}: {err}");
        }
    }
    assert_eq!(hv.list_volumes(&spec.name).unwrap(), vec![]);
}

#[test]
fn fs_netfs_and_logical_pools_are_defined_as_written() {
    let hv = connect();
    let fs = PoolSpec {
        name: unique("fs"),
        pool_type: PoolType::Fs,
        path: format!("/mnt/{}", unique("fs")),
        source: Some("/dev/vapor-test-sdb1".into()),
        source_host: None,
    };
    let netfs = PoolSpec {
        name: unique("netfs"),
        pool_type: PoolType::Netfs,
        path: format!("/mnt/{}", unique("nfs")),
        source: Some("/exports/vapor".into()),
        source_host: Some("nfs.example.org".into()),
    };
    let vg = unique("vg");
    let logical = PoolSpec {
        name: unique("lvm"),
        pool_type: PoolType::Logical,
        path: format!("/dev/{vg}"),
        source: Some("/dev/vapor-test-sdc".into()),
        source_host: None,
    };
    for spec in [&fs, &netfs, &logical] {
        let _guard = define(&hv, spec);
        let pool = hv.lookup_pool(&spec.name).unwrap();
        assert_eq!(pool.pool_type, spec.pool_type.as_str());
        assert_eq!(pool.path.as_deref(), Some(spec.path.as_str()));
        assert!(!pool.active);
    }
    // A type's required source is checked before libvirt is asked.
    let err = hv
        .define_pool(&PoolSpec {
            source_host: None,
            ..netfs.clone()
        })
        .unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::InvalidArgument, "{err}");
    let err = hv
        .define_pool(&PoolSpec {
            path: "/srv/not-dev".into(),
            ..logical.clone()
        })
        .unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::InvalidArgument, "{err}");
    for name in [&netfs.name, &logical.name] {
        assert_eq!(
            hv.lookup_pool(name).unwrap_err().kind,
            HypervisorErrorKind::NotFound
        );
    }
}

#[test]
fn the_default_pool_is_listed() {
    let hv = connect();
    let pools = hv.list_pools().unwrap();
    let default = pools
        .iter()
        .find(|p| p.name == "default-pool")
        .expect("the test driver's pool");
    assert_eq!(default, &hv.lookup_pool("default-pool").unwrap());
    assert!(default.active);
    assert_eq!(default.capacity_bytes, 100 * GIB);
    assert_eq!(
        default.allocation_bytes + default.available_bytes,
        default.capacity_bytes
    );
}
