//! Storage pools and volumes, following libvirt's storage rules (and, where
//! drivers differ, the test driver's: a new pool holds 100 GiB and a volume
//! takes its whole capacity).

use vapor_hypervisor::*;

use std::collections::BTreeMap;

use crate::{pool_allocation, pool_view, volume_path, MockHypervisor, MockPool, MockVolume, State};

/// The size of a new pool, as on libvirt's test driver.
const POOL_CAPACITY_BYTES: u64 = 100 << 30;

fn no_pool(name: &str) -> HypervisorError {
    HypervisorError::not_found(format!(
        "Storage pool not found: no storage pool with matching name '{name}'"
    ))
}

fn no_volume(name: &str) -> HypervisorError {
    HypervisorError::not_found(format!(
        "Storage volume not found: no storage vol with matching name '{name}'"
    ))
}

fn no_volume_path(path: &str) -> HypervisorError {
    HypervisorError::not_found(format!(
        "Storage volume not found: no storage vol with matching path '{path}'"
    ))
}

fn invalid(message: String) -> HypervisorError {
    HypervisorError::operation_invalid(format!("Requested operation is not valid: {message}"))
}

impl State {
    fn pool(&self, name: &str) -> Result<&MockPool> {
        self.pools.get(name).ok_or_else(|| no_pool(name))
    }

    fn pool_mut(&mut self, name: &str) -> Result<&mut MockPool> {
        self.pools.get_mut(name).ok_or_else(|| no_pool(name))
    }

    /// The pool, which must be active (libvirt's rule for anything about its volumes).
    fn active_pool(&self, name: &str) -> Result<&MockPool> {
        let pool = self.pool(name)?;
        if !pool.active {
            return Err(invalid(format!("storage pool '{name}' is not active")));
        }
        Ok(pool)
    }

    /// Adds a pool, refusing a taken name and, like libvirt, storage that
    /// another pool of the same type already uses.
    fn add_pool(&mut self, spec: &PoolSpec, pool: MockPool) -> Result<()> {
        if self.pools.contains_key(&spec.name) {
            return Err(HypervisorError::already_exists(format!(
                "operation failed: pool '{}' already exists",
                spec.name
            )));
        }
        let clash = self.pools.iter().find(|(_, other)| {
            other.pool_type == pool.pool_type
                && match pool.pool_type {
                    PoolType::Dir => other.path == pool.path,
                    PoolType::Netfs => {
                        other.source == pool.source && other.source_host == pool.source_host
                    }
                    PoolType::Fs | PoolType::Logical => other.source == pool.source,
                }
        });
        if let Some((other, _)) = clash {
            return Err(HypervisorError::operation_invalid(format!(
                "operation failed: Storage source conflict with pool: '{other}'"
            )));
        }
        self.pools.insert(spec.name.clone(), pool);
        Ok(())
    }
}

fn details(pool_name: &str, pool: &MockPool, name: &str, vol: &MockVolume) -> VolumeDetails {
    VolumeDetails {
        volume: StorageVolume {
            name: name.to_owned(),
            pool: pool_name.to_owned(),
            path: volume_path(pool, name),
            format: Some(vol.format.as_str().into()),
            capacity_bytes: vol.capacity_bytes,
            allocation_bytes: vol.allocation_bytes,
        },
        volume_type: Some(
            match pool.pool_type {
                PoolType::Logical => "block",
                PoolType::Dir | PoolType::Fs | PoolType::Netfs => "file",
            }
            .into(),
        ),
    }
}

/// Checks the fields a pool type needs, as libvirt's XML parser does.
fn check_spec(spec: &PoolSpec) -> Result<()> {
    let kind = spec.pool_type.as_str();
    let bad = |m: &str| {
        Err(HypervisorError::invalid_argument(format!(
            "a {kind} pool {m}"
        )))
    };
    match spec.pool_type {
        PoolType::Dir if spec.source.is_some() || spec.source_host.is_some() => {
            bad("has no source")
        }
        PoolType::Fs | PoolType::Logical if spec.source.is_none() => bad("needs a source device"),
        PoolType::Fs | PoolType::Logical if spec.source_host.is_some() => bad("has no source host"),
        // libvirt names a logical pool's target after its volume group.
        PoolType::Logical
            if spec
                .path
                .strip_prefix("/dev/")
                .is_none_or(|g| g.is_empty() || g.contains('/')) =>
        {
            bad("has the path /dev/<volume group>")
        }
        PoolType::Netfs if spec.source.is_none() || spec.source_host.is_none() => {
            bad("needs a source host and export path")
        }
        _ if spec.name.is_empty() || spec.path.is_empty() => Err(
            HypervisorError::invalid_argument("a pool needs a name and a target path"),
        ),
        _ => Ok(()),
    }
}

impl StorageBackend for MockHypervisor {
    fn lookup_pool(&self, name: &str) -> Result<StoragePool> {
        let state = self.lock();
        Ok(pool_view(name, state.pool(name)?))
    }

    fn create_dir_pool(&self, name: &str, path: &str) -> Result<StoragePool> {
        let mut state = self.lock();
        let spec = PoolSpec {
            name: name.to_owned(),
            pool_type: PoolType::Dir,
            path: path.to_owned(),
            source: None,
            source_host: None,
        };
        let pool = MockPool {
            pool_type: PoolType::Dir,
            path: path.to_owned(),
            source: None,
            source_host: None,
            active: true,
            autostart: true,
            capacity_bytes: POOL_CAPACITY_BYTES,
            volumes: BTreeMap::new(),
        };
        let view = pool_view(name, &pool);
        state.add_pool(&spec, pool)?;
        Ok(view)
    }

    fn create_volume(&self, pool: &str, spec: &VolumeSpec) -> Result<StorageVolume> {
        let mut state = self.lock();
        state.active_pool(pool)?;
        let p = state.pool_mut(pool)?;
        if !is_safe_volume_name(&spec.name) {
            return Err(HypervisorError::invalid_argument(format!(
                "volume name '{}' must be non-empty, not '.' or '..', and contain no '/'",
                spec.name
            )));
        }
        if p.volumes.contains_key(&spec.name) {
            return Err(HypervisorError::already_exists(format!(
                "storage volume '{}' exists already",
                spec.name
            )));
        }
        let free = p.capacity_bytes.saturating_sub(pool_allocation(p));
        if spec.capacity_bytes > free {
            return Err(HypervisorError::failed(format!(
                "internal error: Not enough free space in pool for volume '{}'",
                spec.name
            )));
        }
        let vol = MockVolume {
            format: spec.format,
            capacity_bytes: spec.capacity_bytes,
            allocation_bytes: spec.capacity_bytes,
        };
        let made = details(pool, p, &spec.name, &vol).volume;
        p.volumes.insert(spec.name.clone(), vol);
        Ok(made)
    }

    fn clone_volume(
        &self,
        pool: &str,
        source_path: &str,
        name: &str,
        format: DiskFormat,
    ) -> Result<StorageVolume> {
        let capacity_bytes = {
            let state = self.lock();
            let (_, _, _, source) = state
                .volume_by_path(source_path)
                .ok_or_else(|| no_volume_path(source_path))?;
            source.capacity_bytes
        };
        // As libvirt: the copy is a new volume of the source's size, made by the same rules.
        self.create_volume(
            pool,
            &VolumeSpec {
                name: name.to_owned(),
                capacity_bytes,
                format,
            },
        )
    }

    fn lookup_volume_by_path(&self, path: &str) -> Result<StorageVolume> {
        let state = self.lock();
        let (pool_name, vol_name, pool, vol) = state
            .volume_by_path(path)
            .ok_or_else(|| no_volume_path(path))?;
        Ok(details(pool_name, pool, vol_name, vol).volume)
    }

    fn delete_volume_by_path(&self, path: &str) -> Result<()> {
        let mut state = self.lock();
        let (pool_name, vol_name) = state
            .volume_by_path(path)
            .map(|(p, v, _, _)| (p.to_owned(), v.to_owned()))
            .ok_or_else(|| no_volume_path(path))?;
        state.pool_mut(&pool_name)?.volumes.remove(&vol_name);
        Ok(())
    }

    fn list_pools(&self) -> Result<Vec<StoragePool>> {
        let state = self.lock();
        Ok(state
            .pools
            .iter()
            .map(|(name, pool)| pool_view(name, pool))
            .collect())
    }

    fn define_pool(&self, spec: &PoolSpec) -> Result<StoragePool> {
        check_spec(spec)?;
        let mut state = self.lock();
        let pool = MockPool {
            pool_type: spec.pool_type,
            path: spec.path.clone(),
            source: spec.source.clone(),
            source_host: spec.source_host.clone(),
            active: false,
            autostart: false,
            capacity_bytes: POOL_CAPACITY_BYTES,
            volumes: BTreeMap::new(),
        };
        let view = pool_view(&spec.name, &pool);
        state.add_pool(spec, pool)?;
        Ok(view)
    }

    fn pool_action(&self, name: &str, action: PoolAction) -> Result<()> {
        let mut state = self.lock();
        let pool = state.pool_mut(name)?;
        match action {
            PoolAction::Start if pool.active => {
                return Err(invalid(format!("storage pool '{name}' is active")))
            }
            PoolAction::Start => pool.active = true,
            PoolAction::Stop | PoolAction::Refresh if !pool.active => {
                return Err(invalid(format!("storage pool '{name}' is not active")))
            }
            PoolAction::Stop => pool.active = false,
            PoolAction::Refresh => {}
            PoolAction::Autostart(on) => pool.autostart = on,
        }
        Ok(())
    }

    fn undefine_pool(&self, name: &str) -> Result<()> {
        let mut state = self.lock();
        state.pool(name)?;
        state.pools.remove(name);
        Ok(())
    }

    fn list_volumes(&self, pool: &str) -> Result<Vec<VolumeDetails>> {
        let state = self.lock();
        let p = state.active_pool(pool)?;
        Ok(p.volumes
            .iter()
            .map(|(name, vol)| details(pool, p, name, vol))
            .collect())
    }

    fn lookup_volume(&self, pool: &str, name: &str) -> Result<VolumeDetails> {
        let state = self.lock();
        let p = state.active_pool(pool)?;
        let vol = p.volumes.get(name).ok_or_else(|| no_volume(name))?;
        Ok(details(pool, p, name, vol))
    }

    fn delete_volume(&self, pool: &str, name: &str) -> Result<()> {
        let mut state = self.lock();
        state.active_pool(pool)?;
        state
            .pool_mut(pool)?
            .volumes
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| no_volume(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    fn dir(name: &str, path: &str) -> PoolSpec {
        PoolSpec {
            name: name.into(),
            pool_type: PoolType::Dir,
            path: path.into(),
            source: None,
            source_host: None,
        }
    }

    fn vol(name: &str, format: DiskFormat) -> VolumeSpec {
        VolumeSpec {
            name: name.into(),
            capacity_bytes: GIB,
            format,
        }
    }

    fn kind<T: std::fmt::Debug>(r: Result<T>) -> HypervisorErrorKind {
        r.unwrap_err().kind
    }

    #[test]
    fn a_pool_is_defined_inactive_then_started() {
        let hv = MockHypervisor::new();
        let p = hv.define_pool(&dir("p", "/srv/p")).unwrap();
        assert!(!p.active && !p.autostart && p.persistent);
        assert_eq!(p.pool_type, "dir");
        assert_eq!(p.path.as_deref(), Some("/srv/p"));
        assert_eq!(p.capacity_bytes, POOL_CAPACITY_BYTES);
        assert_eq!(
            kind(hv.list_volumes("p")),
            HypervisorErrorKind::OperationInvalid
        );
        assert_eq!(
            kind(hv.create_volume("p", &vol("v", DiskFormat::Raw))),
            HypervisorErrorKind::OperationInvalid
        );
        assert_eq!(
            kind(hv.pool_action("p", PoolAction::Stop)),
            HypervisorErrorKind::OperationInvalid
        );
        assert_eq!(
            kind(hv.pool_action("p", PoolAction::Refresh)),
            HypervisorErrorKind::OperationInvalid
        );
        hv.pool_action("p", PoolAction::Start).unwrap();
        assert_eq!(
            kind(hv.pool_action("p", PoolAction::Start)),
            HypervisorErrorKind::OperationInvalid
        );
        hv.pool_action("p", PoolAction::Refresh).unwrap();
        hv.pool_action("p", PoolAction::Autostart(true)).unwrap();
        let p = hv.lookup_pool("p").unwrap();
        assert!(p.active && p.autostart);
        assert_eq!(hv.list_pools().unwrap(), vec![p]);
    }

    #[test]
    fn names_and_storage_are_unique() {
        let hv = MockHypervisor::new();
        hv.define_pool(&dir("p", "/srv/p")).unwrap();
        assert_eq!(
            kind(hv.define_pool(&dir("p", "/srv/q"))),
            HypervisorErrorKind::AlreadyExists
        );
        assert_eq!(
            kind(hv.define_pool(&dir("q", "/srv/p"))),
            HypervisorErrorKind::OperationInvalid
        );
        assert_eq!(
            kind(hv.create_dir_pool("q", "/srv/p")),
            HypervisorErrorKind::OperationInvalid
        );
        let fs = |name: &str, device: &str| PoolSpec {
            pool_type: PoolType::Fs,
            source: Some(device.into()),
            ..dir(name, &format!("/mnt/{name}"))
        };
        hv.define_pool(&fs("f1", "/dev/sdb1")).unwrap();
        assert_eq!(
            kind(hv.define_pool(&fs("f2", "/dev/sdb1"))),
            HypervisorErrorKind::OperationInvalid
        );
        // A pool of another type may share the target directory.
        hv.define_pool(&fs("f3", "/dev/sdb2")).unwrap();
        assert_eq!(
            kind(hv.define_pool(&PoolSpec {
                source: None,
                ..fs("f4", "")
            })),
            HypervisorErrorKind::InvalidArgument
        );
    }

    #[test]
    fn volumes_follow_their_pool() {
        let hv = MockHypervisor::new();
        hv.create_dir_pool("p", "/srv/p/").unwrap();
        let made = hv
            .create_volume("p", &vol("b.raw", DiskFormat::Raw))
            .unwrap();
        hv.create_volume("p", &vol("a.qcow2", DiskFormat::Qcow2))
            .unwrap();
        assert_eq!(made.path, "/srv/p/b.raw");
        assert_eq!(made.allocation_bytes, GIB);
        for bad in ["", ".", "..", "x/y"] {
            assert_eq!(
                kind(hv.create_volume("p", &vol(bad, DiskFormat::Raw))),
                HypervisorErrorKind::InvalidArgument,
                "{bad:?}"
            );
        }
        assert_eq!(
            kind(hv.create_volume("p", &vol("b.raw", DiskFormat::Raw))),
            HypervisorErrorKind::AlreadyExists
        );
        let listed = hv.list_volumes("p").unwrap();
        let names: Vec<_> = listed.iter().map(|v| v.volume.name.as_str()).collect();
        assert_eq!(names, ["a.qcow2", "b.raw"]);
        assert_eq!(listed[1].volume, made);
        assert_eq!(listed[1].volume_type.as_deref(), Some("file"));
        assert_eq!(hv.lookup_volume("p", "b.raw").unwrap(), listed[1]);
        let pool = hv.lookup_pool("p").unwrap();
        assert_eq!(pool.allocation_bytes, 2 * GIB);
        assert_eq!(pool.available_bytes, POOL_CAPACITY_BYTES - 2 * GIB);

        // A stopped pool keeps its volumes but does not show them.
        hv.pool_action("p", PoolAction::Stop).unwrap();
        assert_eq!(
            kind(hv.lookup_volume("p", "b.raw")),
            HypervisorErrorKind::OperationInvalid
        );
        assert_eq!(
            kind(hv.lookup_volume_by_path("/srv/p/b.raw")),
            HypervisorErrorKind::NotFound
        );
        hv.pool_action("p", PoolAction::Start).unwrap();
        assert_eq!(hv.lookup_volume_by_path("/srv/p/b.raw").unwrap(), made);

        hv.delete_volume("p", "b.raw").unwrap();
        assert_eq!(
            kind(hv.delete_volume("p", "b.raw")),
            HypervisorErrorKind::NotFound
        );
        assert_eq!(
            kind(hv.lookup_volume("nope", "a.qcow2")),
            HypervisorErrorKind::NotFound
        );
        assert_eq!(
            hv.lookup_pool("p").unwrap().allocation_bytes,
            GIB,
            "the pool's allocation follows its volumes"
        );
        let big = VolumeSpec {
            capacity_bytes: POOL_CAPACITY_BYTES,
            ..vol("big", DiskFormat::Raw)
        };
        assert_eq!(
            kind(hv.create_volume("p", &big)),
            HypervisorErrorKind::Failed
        );
    }

    #[test]
    fn undefining_stops_and_forgets_the_pool() {
        let hv = MockHypervisor::new();
        hv.create_dir_pool("p", "/srv/p").unwrap();
        hv.create_volume("p", &vol("v", DiskFormat::Raw)).unwrap();
        hv.undefine_pool("p").unwrap();
        assert_eq!(kind(hv.lookup_pool("p")), HypervisorErrorKind::NotFound);
        assert_eq!(kind(hv.undefine_pool("p")), HypervisorErrorKind::NotFound);
        assert_eq!(
            kind(hv.pool_action("p", PoolAction::Start)),
            HypervisorErrorKind::NotFound
        );
        assert_eq!(
            kind(hv.lookup_volume_by_path("/srv/p/v")),
            HypervisorErrorKind::NotFound
        );
        // The same storage can be defined again.
        hv.define_pool(&dir("p2", "/srv/p")).unwrap();
    }

    #[test]
    fn netfs_and_logical_pools() {
        let hv = MockHypervisor::new();
        let nfs = PoolSpec {
            name: "nfs".into(),
            pool_type: PoolType::Netfs,
            path: "/mnt/nfs".into(),
            source: Some("/export".into()),
            source_host: Some("nas".into()),
        };
        assert_eq!(hv.define_pool(&nfs).unwrap().pool_type, "netfs");
        let lvm = PoolSpec {
            name: "vg".into(),
            pool_type: PoolType::Logical,
            path: "/dev/vg".into(),
            source: Some("/dev/sdc".into()),
            source_host: None,
        };
        hv.define_pool(&lvm).unwrap();
        hv.pool_action("vg", PoolAction::Start).unwrap();
        hv.create_volume("vg", &vol("lv", DiskFormat::Raw)).unwrap();
        let lv = hv.lookup_volume("vg", "lv").unwrap();
        assert_eq!(lv.volume_type.as_deref(), Some("block"));
        assert_eq!(lv.volume.path, "/dev/vg/lv");
        assert_eq!(
            kind(hv.define_pool(&PoolSpec {
                source_host: None,
                ..nfs
            })),
            HypervisorErrorKind::InvalidArgument
        );
    }
}
