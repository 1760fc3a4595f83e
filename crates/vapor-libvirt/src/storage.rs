//! Storage pools and volumes.
//!
//! Pools are defined from XML written in `xml::storage` and read back with
//! `virStoragePoolGetInfo` (capacity, allocation, available: libvirt's own
//! numbers) and their XML (type, target path). Volumes are read with
//! `virStorageVolGetInfo` (type, capacity, allocation), their path and their
//! XML (format). `virStoragePoolDelete`, which removes a pool's directory or
//! formats nothing but deletes storage, is never called.

use tracing::debug;
use vapor_hypervisor::{
    is_safe_volume_name, DiskFormat, HypervisorError, HypervisorErrorKind, PoolAction, PoolSpec,
    PoolType, StorageBackend, StoragePool, StorageVolume, VolumeDetails, VolumeSpec,
};
use virt::error::{Error as VirtError, ErrorDomain, ErrorNumber};

use crate::counted::{Conn, Pool, Vol};
use crate::error::{Error, Result};
use crate::{xml, LibvirtHypervisor};

impl StorageBackend for LibvirtHypervisor {
    fn lookup_pool(&self, name: &str) -> Result<StoragePool, HypervisorError> {
        self.conn
            .call(|c| read_pool(&c.lookup_storage_pool_by_name(name)?))
    }

    /// On failure after the pool was defined, the pool is stopped and
    /// undefined again (its directory stays).
    fn create_dir_pool(&self, name: &str, path: &str) -> Result<StoragePool, HypervisorError> {
        let definition = xml::storage::dir_pool_xml(name, path)?;
        self.conn.call(|c| {
            let pool = define(c, name, &definition)?;
            let mut started = false;
            let result = (|| {
                build(&pool, PoolType::Dir)?;
                pool.create(0)?;
                started = true;
                pool.set_autostart(true)?;
                read_pool(&pool)
            })();
            if result.is_err() {
                if started {
                    let _ = pool.destroy();
                }
                let _ = pool.undefine();
            }
            result
        })
    }

    fn create_volume(
        &self,
        pool: &str,
        spec: &VolumeSpec,
    ) -> Result<StorageVolume, HypervisorError> {
        if !is_safe_volume_name(&spec.name) {
            return Err(HypervisorError::invalid_argument(format!(
                "invalid volume name '{}': it must be non-empty, not '.' or '..', and contain no '/'",
                spec.name
            )));
        }
        let definition = xml::storage::volume_xml(spec)?;
        self.conn.call(|c| {
            let p = c.lookup_storage_pool_by_name(pool)?;
            match p.lookup_storage_vol_by_name(&spec.name) {
                Ok(_) => {
                    return Err(HypervisorError::already_exists(format!(
                        "volume '{}' already exists in pool '{pool}'",
                        spec.name
                    ))
                    .into())
                }
                Err(e) if e.code().is(ErrorNumber::NoStorageVolume) => {}
                Err(e) => return Err(e.into()),
            }
            let vol = p.create_volume_xml(&definition, 0)?;
            read_volume(&vol)
        })
    }

    fn clone_volume(
        &self,
        pool: &str,
        source_path: &str,
        name: &str,
        format: DiskFormat,
    ) -> Result<StorageVolume, HypervisorError> {
        if !is_safe_volume_name(name) {
            return Err(HypervisorError::invalid_argument(format!(
                "invalid volume name '{name}'"
            )));
        }
        self.conn.call(|c| {
            let source = c.lookup_storage_vol_by_path(source_path)?;
            let capacity_bytes = source.info()?.capacity;
            let p = c.lookup_storage_pool_by_name(pool)?;
            match p.lookup_storage_vol_by_name(name) {
                Ok(_) => {
                    return Err(HypervisorError::already_exists(format!(
                        "volume '{name}' already exists in pool '{pool}'"
                    ))
                    .into())
                }
                Err(e) if e.code().is(ErrorNumber::NoStorageVolume) => {}
                Err(e) => return Err(e.into()),
            }
            let spec = VolumeSpec {
                name: name.to_owned(),
                capacity_bytes,
                format,
            };
            let definition = xml::storage::volume_xml(&spec)?;
            let vol = p.clone_volume_xml(&definition, &source, 0)?;
            read_volume(&vol)
        })
    }

    fn lookup_volume_by_path(&self, path: &str) -> Result<StorageVolume, HypervisorError> {
        self.conn
            .call(|c| read_volume(&c.lookup_storage_vol_by_path(path)?))
    }

    fn delete_volume_by_path(&self, path: &str) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            c.lookup_storage_vol_by_path(path)?.delete(0)?;
            Ok(())
        })
    }

    /// `virConnectListAllStoragePools`, then each pool read as in
    /// [`StorageBackend::lookup_pool`]; a pool undefined meanwhile is skipped.
    fn list_pools(&self) -> Result<Vec<StoragePool>, HypervisorError> {
        self.conn.call(|c| {
            let mut out = Vec::new();
            for pool in c.list_all_storage_pools(0)? {
                match read_pool(&pool) {
                    Ok(p) => out.push(p),
                    Err(e) if e.kind() == HypervisorErrorKind::NotFound => {
                        debug!(error = %e.into_hypervisor(), "pool vanished while listing");
                    }
                    Err(e) => return Err(e),
                }
            }
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        })
    }

    fn define_pool(&self, spec: &PoolSpec) -> Result<StoragePool, HypervisorError> {
        let definition = xml::storage::pool_xml(spec)?;
        self.conn.call(|c| {
            let pool = define(c, &spec.name, &definition)?;
            let result = build(&pool, spec.pool_type).and_then(|()| read_pool(&pool));
            if result.is_err() {
                if let Err(e) = pool.undefine() {
                    debug!(pool = %spec.name, error = %e, "could not undefine after a failed build");
                }
            }
            result
        })
    }

    /// Start, stop and refresh are left to libvirt, which refuses them with
    /// `VIR_ERR_OPERATION_INVALID` when the pool's state does not fit.
    fn pool_action(&self, name: &str, action: PoolAction) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            let pool = c.lookup_storage_pool_by_name(name)?;
            let done = match action {
                PoolAction::Start => pool.create(0),
                PoolAction::Stop => pool.destroy(),
                PoolAction::Refresh => pool.refresh(0),
                PoolAction::Autostart(on) => pool.set_autostart(on),
            };
            done.map_err(storage_error)
        })
    }

    fn undefine_pool(&self, name: &str) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            let pool = c.lookup_storage_pool_by_name(name)?;
            if pool.is_active()? {
                match pool.destroy() {
                    Ok(()) => {}
                    // Stopped by someone else in the meantime.
                    Err(e) if e.code().is(ErrorNumber::OperationInvalid) => {}
                    Err(e) => return Err(storage_error(e)),
                }
            }
            pool.undefine().map_err(storage_error)
        })
    }

    fn list_volumes(&self, pool: &str) -> Result<Vec<VolumeDetails>, HypervisorError> {
        self.conn.call(|c| {
            let p = c.lookup_storage_pool_by_name(pool)?;
            let mut out = Vec::new();
            for vol in p.list_all_volumes(0)? {
                match read_volume_details(pool, &vol) {
                    Ok(v) => out.push(v),
                    Err(e) if e.kind() == HypervisorErrorKind::NotFound => {
                        debug!(error = %e.into_hypervisor(), "volume vanished while listing");
                    }
                    Err(e) => return Err(e),
                }
            }
            out.sort_by(|a, b| a.volume.name.cmp(&b.volume.name));
            Ok(out)
        })
    }

    fn lookup_volume(&self, pool: &str, name: &str) -> Result<VolumeDetails, HypervisorError> {
        self.conn.call(|c| {
            let vol = volume_by_name(c, pool, name)?;
            read_volume_details(pool, &vol)
        })
    }

    fn delete_volume(&self, pool: &str, name: &str) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            volume_by_name(c, pool, name)?
                .delete(0)
                .map_err(storage_error)
        })
    }
}

/// Defines a persistent pool named `name`, unless one exists (libvirt would
/// redefine it). A clash of storage with another pool is `OperationInvalid`.
fn define<'a>(c: &Conn<'a>, name: &str, definition: &str) -> Result<Pool<'a>> {
    match c.lookup_storage_pool_by_name(name) {
        Ok(_) => {
            return Err(HypervisorError::already_exists(format!(
                "storage pool '{name}' already exists"
            ))
            .into())
        }
        Err(e) if e.code().is(ErrorNumber::NoStoragePool) => {}
        Err(e) => return Err(e.into()),
    }
    c.define_storage_pool_xml(definition, 0).map_err(|e| {
        // libvirt: "operation failed: Storage source conflict with pool: 'x'".
        if e.message().to_ascii_lowercase().contains("source conflict") {
            Error::from(e).with_kind(HypervisorErrorKind::OperationInvalid)
        } else {
            storage_error(e)
        }
    })
}

/// Prepares a defined pool without touching data: `virStoragePoolBuild`
/// with no flags makes a `dir` pool's directory and an `fs`/`netfs` pool's
/// mount point (no file system is made without a flag asking for it).
/// A logical pool is not built: that would create a volume group on its device.
fn build(pool: &Pool<'_>, pool_type: PoolType) -> Result<()> {
    if pool_type == PoolType::Logical {
        return Ok(());
    }
    match pool.build(0) {
        Ok(()) => Ok(()),
        // An existing directory is what we want.
        Err(e)
            if e.code().is(ErrorNumber::StoragePoolBuilt)
                || e.message().to_ascii_lowercase().contains("exists") =>
        {
            Ok(())
        }
        Err(e) => Err(storage_error(e)),
    }
}

/// A volume of the pool `pool` by name. A name that cannot be a volume's is
/// `NotFound` without asking libvirt.
fn volume_by_name<'a>(c: &Conn<'a>, pool: &str, name: &str) -> Result<Vol<'a>> {
    if !is_safe_volume_name(name) {
        return Err(HypervisorError::not_found(format!(
            "Storage volume not found: no storage vol with matching name '{name}'"
        ))
        .into());
    }
    Ok(c.lookup_storage_pool_by_name(pool)?
        .lookup_storage_vol_by_name(name)?)
}

/// A libvirt error from a storage call. The storage drivers report failures
/// of the host (a missing directory, a failed mount) as system errors, which
/// elsewhere mean a lost connection; here they are plain failures.
fn storage_error(e: VirtError) -> Error {
    let host_failure = e.code().is(ErrorNumber::SystemError)
        && !e
            .domain()
            .is_any(vec![ErrorDomain::Rpc, ErrorDomain::Remote]);
    let err = Error::from(e);
    if host_failure {
        err.with_kind(HypervisorErrorKind::Failed)
    } else {
        err
    }
}

fn read_pool(pool: &Pool<'_>) -> Result<StoragePool> {
    let parsed = xml::storage::parse_pool(&pool.xml_desc(0)?)?;
    let info = pool.info()?;
    Ok(StoragePool {
        name: pool.name()?,
        pool_type: parsed.pool_type,
        path: parsed.path,
        active: pool.is_active()?,
        autostart: pool.autostart()?,
        persistent: pool.is_persistent()?,
        capacity_bytes: info.capacity,
        allocation_bytes: info.allocation,
        available_bytes: info.available,
    })
}

fn read_volume(vol: &Vol<'_>) -> Result<StorageVolume> {
    let pool = vol.lookup_storage_pool()?.name()?;
    Ok(read_volume_details(&pool, vol)?.volume)
}

/// A volume of the pool named `pool`: `virStorageVolGetInfo`,
/// `virStorageVolGetName`, `virStorageVolGetPath`, `virStorageVolGetXMLDesc`.
fn read_volume_details(pool: &str, vol: &Vol<'_>) -> Result<VolumeDetails> {
    let info = vol.info()?;
    Ok(VolumeDetails {
        volume: StorageVolume {
            name: vol.name()?,
            pool: pool.to_owned(),
            path: vol.path()?,
            format: xml::storage::parse_volume_format(&vol.xml_desc(0)?)?,
            capacity_bytes: info.capacity,
            allocation_bytes: info.allocation,
        },
        volume_type: volume_type(info.kind).map(str::to_owned),
    })
}

/// libvirt's `virStorageVolType` by name.
fn volume_type(kind: u32) -> Option<&'static str> {
    use virt::sys;
    Some(match kind {
        sys::VIR_STORAGE_VOL_FILE => "file",
        sys::VIR_STORAGE_VOL_BLOCK => "block",
        sys::VIR_STORAGE_VOL_DIR => "dir",
        sys::VIR_STORAGE_VOL_NETWORK => "network",
        sys::VIR_STORAGE_VOL_NETDIR => "netdir",
        sys::VIR_STORAGE_VOL_PLOOP => "ploop",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_types() {
        assert_eq!(volume_type(0), Some("file"));
        assert_eq!(volume_type(1), Some("block"));
        assert_eq!(volume_type(2), Some("dir"));
        assert_eq!(volume_type(3), Some("network"));
        assert_eq!(volume_type(4), Some("netdir"));
        assert_eq!(volume_type(5), Some("ploop"));
        assert_eq!(volume_type(99), None);
    }
}
