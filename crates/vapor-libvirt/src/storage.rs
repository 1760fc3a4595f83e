//! Storage pools and volumes.

use vapor_hypervisor::{HypervisorError, StorageBackend, StoragePool, StorageVolume, VolumeSpec};

use virt::error::ErrorNumber;

use crate::counted::{Pool, Vol};
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
            let pool = c.define_storage_pool_xml(&definition, 0)?;
            let mut started = false;
            let result = (|| {
                if let Err(e) = pool.build(0) {
                    // An existing directory is what we want.
                    let exists = e.code().is(ErrorNumber::StoragePoolBuilt)
                        || e.message().to_ascii_lowercase().contains("exists");
                    if !exists {
                        return Err(Error::from(e));
                    }
                }
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
        if spec.name.is_empty() || spec.name.contains('/') {
            return Err(HypervisorError::invalid_argument(format!(
                "invalid volume name '{}': it must be non-empty and contain no '/'",
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
    let info = vol.info()?;
    Ok(StorageVolume {
        name: vol.name()?,
        pool: vol.lookup_storage_pool()?.name()?,
        path: vol.path()?,
        format: xml::storage::parse_volume_format(&vol.xml_desc(0)?)?,
        capacity_bytes: info.capacity,
        allocation_bytes: info.allocation,
    })
}
