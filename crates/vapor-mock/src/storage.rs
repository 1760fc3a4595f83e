//! Storage pools and volumes.

use vapor_hypervisor::*;

use std::collections::BTreeMap;

use crate::{pool_view, volume_path, MockHypervisor, MockPool, MockVolume};

impl StorageBackend for MockHypervisor {
    fn lookup_pool(&self, name: &str) -> Result<StoragePool> {
        let state = self.lock();
        state
            .pools
            .get(name)
            .map(|p| pool_view(name, p))
            .ok_or_else(|| {
                HypervisorError::not_found(format!(
                    "Storage pool not found: no storage pool with matching name '{name}'"
                ))
            })
    }

    fn create_dir_pool(&self, name: &str, path: &str) -> Result<StoragePool> {
        let mut state = self.lock();
        if state.pools.contains_key(name) {
            return Err(HypervisorError::already_exists(format!(
                "pool '{name}' already exists"
            )));
        }
        let pool = MockPool {
            path: path.to_owned(),
            active: true,
            autostart: true,
            capacity_bytes: 1 << 40,
            volumes: BTreeMap::new(),
        };
        let view = pool_view(name, &pool);
        state.pools.insert(name.to_owned(), pool);
        Ok(view)
    }

    fn create_volume(&self, pool: &str, spec: &VolumeSpec) -> Result<StorageVolume> {
        let mut state = self.lock();
        let p = state.pools.get_mut(pool).ok_or_else(|| {
            HypervisorError::not_found(format!("Storage pool not found: '{pool}'"))
        })?;
        if !p.active {
            return Err(HypervisorError::operation_invalid(format!(
                "storage pool '{pool}' is not active"
            )));
        }
        if spec.name.is_empty() || spec.name.contains('/') {
            return Err(HypervisorError::invalid_argument(format!(
                "volume name '{}' cannot contain '/'",
                spec.name
            )));
        }
        if p.volumes.contains_key(&spec.name) {
            return Err(HypervisorError::already_exists(format!(
                "storage volume '{}' exists already",
                spec.name
            )));
        }
        p.volumes.insert(
            spec.name.clone(),
            MockVolume {
                format: spec.format,
                capacity_bytes: spec.capacity_bytes,
            },
        );
        Ok(StorageVolume {
            name: spec.name.clone(),
            pool: pool.to_owned(),
            path: volume_path(p, &spec.name),
            format: Some(spec.format.as_str().into()),
            capacity_bytes: spec.capacity_bytes,
            allocation_bytes: 0,
        })
    }

    fn lookup_volume_by_path(&self, path: &str) -> Result<StorageVolume> {
        let state = self.lock();
        let (pool_name, vol_name, _, vol) = state.volume_by_path(path).ok_or_else(|| {
            HypervisorError::not_found(format!(
                "Storage volume not found: no storage vol with matching path '{path}'"
            ))
        })?;
        Ok(StorageVolume {
            name: vol_name.to_owned(),
            pool: pool_name.to_owned(),
            path: path.to_owned(),
            format: Some(vol.format.as_str().into()),
            capacity_bytes: vol.capacity_bytes,
            allocation_bytes: 0,
        })
    }

    fn delete_volume_by_path(&self, path: &str) -> Result<()> {
        let mut state = self.lock();
        let (pool_name, vol_name) = state
            .volume_by_path(path)
            .map(|(p, v, _, _)| (p.to_owned(), v.to_owned()))
            .ok_or_else(|| {
                HypervisorError::not_found(format!(
                    "Storage volume not found: no storage vol with matching path '{path}'"
                ))
            })?;
        if let Some(pool) = state.pools.get_mut(&pool_name) {
            pool.volumes.remove(&vol_name);
        }
        Ok(())
    }
}
