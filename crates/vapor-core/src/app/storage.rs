//! Storage pools and the volumes in them: create, read, act on, delete.
//!
//! Sizes come from the backend (libvirt's own numbers), never estimated.
//! Nothing here ever removes a pool's directory or other storage: deleting a
//! pool stops and undefines it, after deleting its volumes one by one when
//! asked to.

use vapor_hypervisor::{
    is_safe_volume_name, DiskFormat, PoolAction, PoolSpec, PoolType, StoragePool, VolumeDetails,
    VolumeSpec,
};

use super::Vapor;
use crate::error::{Error, Result};

const POOL: &str = "storage pool";
const VOLUME: &str = "volume";
const GIB: u64 = 1 << 30;
/// The largest volume a request may ask for, in GiB.
pub const MAX_VOLUME_GIB: u64 = 65536;

/// What `POST /storages/pools` asks for.
#[derive(Debug, Clone)]
pub struct PoolCreate {
    pub name: String,
    pub pool_type: PoolType,
    /// The target directory (mount point for `fs` and `netfs`, `/dev/<volume group>` for `logical`).
    pub path: String,
    /// The source device (`fs`, `logical`) or export path (`netfs`).
    pub source: Option<String>,
    /// The NFS server (`netfs`).
    pub source_host: Option<String>,
    /// Start the pool with the host.
    pub autostart: bool,
}

/// What `POST /storages/pools/{name}/volumes` asks for, in Vapor's units.
#[derive(Debug, Clone)]
pub struct VolumeCreate {
    pub name: String,
    pub capacity_gib: u64,
    pub format: DiskFormat,
}

impl Vapor {
    /// Every pool on the host, sorted by name.
    pub async fn list_pools(&self) -> Result<Vec<StoragePool>> {
        let mut pools = self
            .blocking(|hv| hv.list_pools())
            .await
            .map_err(|e| Error::from_hypervisor("listing storage pools", POOL, "*", e))?;
        pools.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(pools)
    }

    pub async fn get_pool(&self, name: &str) -> Result<StoragePool> {
        if name.contains('/') {
            // libvirt refuses such names, so no pool has one.
            return Err(not_found(POOL, name));
        }
        let key = name.to_owned();
        self.blocking(move |hv| hv.lookup_pool(&key))
            .await
            .map_err(|e| Error::from_hypervisor("looking up the storage pool", POOL, name, e))
    }

    /// Defines, starts and (when asked) marks a pool for autostart. A failure
    /// after the definition removes the definition again.
    pub async fn create_pool(&self, req: PoolCreate) -> Result<StoragePool> {
        let mut spec = validate_pool(&req)?;
        // A pool's directory gives its files to VMs as volumes, and its
        // volumes are made and deleted there: it is held to the roots of
        // host files. A logical pool's path names a volume group, not a
        // directory.
        if spec.pool_type != PoolType::Logical {
            spec.path =
                super::vm::confine_pool_directory("path", &spec.path, &self.host_file_roots())?;
        }
        let _guard = self.locks.try_acquire("pool", &spec.name)?;
        let name = spec.name.clone();
        self.blocking(move |hv| hv.define_pool(&spec))
            .await
            .map_err(|e| Error::from_hypervisor("defining the storage pool", POOL, &name, e))?;

        let mut steps = vec![(PoolAction::Start, "starting the storage pool")];
        if req.autostart {
            steps.push((PoolAction::Autostart(true), "enabling autostart"));
        }
        for (action, doing) in steps {
            let key = name.clone();
            if let Err(e) = self.blocking(move |hv| hv.pool_action(&key, action)).await {
                self.undefine_after_failure(&name).await;
                return Err(Error::from_hypervisor(doing, POOL, &name, e));
            }
        }
        self.get_pool(&name).await
    }

    async fn undefine_after_failure(&self, name: &str) {
        let key = name.to_owned();
        if let Err(undo) = self.blocking(move |hv| hv.undefine_pool(&key)).await {
            tracing::error!(pool = %name, error = %undo, "could not undefine after a failed create");
        }
    }

    /// Starts, stops, refreshes or sets autostart; returns the pool as it is after.
    /// A pool that holds disks of a running VM is not stopped.
    pub async fn pool_action(&self, name: &str, action: PoolAction) -> Result<StoragePool> {
        let pool = self.get_pool(name).await?;
        let _guard = self.locks.try_acquire("pool", name)?;
        match action {
            PoolAction::Start if pool.active => {
                return Err(Error::conflict(format!(
                    "storage pool '{name}' is already running"
                )))
            }
            PoolAction::Stop | PoolAction::Refresh if !pool.active => {
                return Err(Error::conflict(format!(
                    "storage pool '{name}' is not running"
                )))
            }
            PoolAction::Stop => {
                let volumes = self.pool_volume_paths(&pool).await?;
                self.refuse_if_running_vms_use(&pool, &volumes, "stopped")
                    .await?;
            }
            _ => {}
        }
        let key = name.to_owned();
        self.blocking(move |hv| hv.pool_action(&key, action))
            .await
            .map_err(|e| {
                Error::from_hypervisor(
                    format!("{} of storage pool '{name}' was refused", verb(action)),
                    POOL,
                    name,
                    e,
                )
            })?;
        self.get_pool(name).await
    }

    /// Stops (if running) and undefines a pool. With `delete_volumes`, its
    /// volumes are deleted first; the pool's directory itself is kept.
    ///
    /// Refused with nothing changed when a running VM has a disk in the pool,
    /// or, with `delete_volumes`, when any VM has one of its volumes as a disk
    /// or the pool is not running (its volumes cannot be reached).
    pub async fn delete_pool(&self, name: &str, delete_volumes: bool) -> Result<()> {
        let pool = self.get_pool(name).await?;
        let _guard = self.locks.try_acquire("pool", name)?;
        if delete_volumes && !pool.active {
            return Err(Error::conflict(format!(
                "storage pool '{name}' is not running, so its volumes cannot be deleted; start it first"
            )));
        }
        let volumes = if pool.active {
            self.list_pool_volumes(name).await?
        } else {
            Vec::new()
        };
        let paths: Vec<String> = volumes.iter().map(|v| v.volume.path.clone()).collect();
        self.refuse_if_running_vms_use(&pool, &paths, "deleted")
            .await?;
        if delete_volumes {
            let users = self
                .vms_with_disks(|path| paths.iter().any(|p| p == path), false)
                .await?;
            if !users.is_empty() {
                return Err(Error::conflict(format!(
                    "storage pool '{name}' has volumes that are disks of virtual machines: {}; \
                     nothing was deleted",
                    describe(&users)
                )));
            }
            for v in &volumes {
                let (pool_name, vol_name) = (name.to_owned(), v.volume.name.clone());
                self.blocking(move |hv| hv.delete_volume(&pool_name, &vol_name))
                    .await
                    .map_err(|e| {
                        Error::from_hypervisor(
                            format!(
                                "deleting volume '{}' of storage pool '{name}'",
                                v.volume.name
                            ),
                            VOLUME,
                            &v.volume.name,
                            e,
                        )
                    })?;
            }
        }
        let key = name.to_owned();
        self.blocking(move |hv| hv.undefine_pool(&key))
            .await
            .map_err(|e| Error::from_hypervisor("deleting the storage pool", POOL, name, e))
    }

    /// The volumes of a running pool, sorted by name.
    pub async fn list_volumes(&self, pool: &str) -> Result<Vec<VolumeDetails>> {
        self.running_pool(pool).await?;
        self.list_pool_volumes(pool).await
    }

    pub async fn get_volume(&self, pool: &str, name: &str) -> Result<VolumeDetails> {
        if !is_safe_volume_name(name) {
            return Err(not_found(VOLUME, name));
        }
        self.running_pool(pool).await?;
        let (pool_name, vol_name) = (pool.to_owned(), name.to_owned());
        self.blocking(move |hv| hv.lookup_volume(&pool_name, &vol_name))
            .await
            .map_err(|e| Error::from_hypervisor("looking up the volume", VOLUME, name, e))
    }

    /// Creates a volume in a running pool and reads it back from the backend.
    pub async fn create_volume(&self, pool: &str, req: VolumeCreate) -> Result<VolumeDetails> {
        validate_volume(&req)?;
        self.running_pool(pool).await?;
        let _guard = self
            .locks
            .try_acquire("volume", &format!("{pool}/{}", req.name))?;
        let spec = VolumeSpec {
            name: req.name.clone(),
            capacity_bytes: req.capacity_gib * GIB,
            format: req.format,
        };
        let pool_name = pool.to_owned();
        self.blocking(move |hv| hv.create_volume(&pool_name, &spec))
            .await
            .map_err(|e| {
                Error::from_hypervisor(
                    format!("creating volume '{}' in storage pool '{pool}'", req.name),
                    VOLUME,
                    &req.name,
                    e,
                )
            })?;
        let (pool_name, vol_name) = (pool.to_owned(), req.name.clone());
        match self
            .blocking(move |hv| hv.lookup_volume(&pool_name, &vol_name))
            .await
        {
            Ok(volume) => Ok(volume),
            Err(e) => {
                let (pool_name, vol_name) = (pool.to_owned(), req.name.clone());
                if let Err(undo) = self
                    .blocking(move |hv| hv.delete_volume(&pool_name, &vol_name))
                    .await
                {
                    tracing::error!(volume = %req.name, error = %undo, "could not delete after a failed create");
                }
                Err(Error::from_hypervisor(
                    "reading the new volume",
                    VOLUME,
                    &req.name,
                    e,
                ))
            }
        }
    }

    /// Deletes a volume with its data. Refused while a VM (running or not)
    /// has it as a disk.
    pub async fn delete_volume(&self, pool: &str, name: &str) -> Result<()> {
        let volume = self.get_volume(pool, name).await?;
        let _guard = self
            .locks
            .try_acquire("volume", &format!("{pool}/{name}"))?;
        let path = volume.volume.path.clone();
        let users = self.vms_with_disks(|p| p == path, false).await?;
        if !users.is_empty() {
            let vms: Vec<&str> = users.iter().map(|(vm, _)| vm.as_str()).collect();
            return Err(Error::conflict(format!(
                "volume '{name}' is a disk of virtual machine '{}'; remove the VM or its disk first",
                vms.join("', '")
            )));
        }
        let (pool_name, vol_name) = (pool.to_owned(), name.to_owned());
        self.blocking(move |hv| hv.delete_volume(&pool_name, &vol_name))
            .await
            .map_err(|e| Error::from_hypervisor("deleting the volume", VOLUME, name, e))
    }

    /// The pool, which must be running for its volumes to be reached.
    async fn running_pool(&self, name: &str) -> Result<StoragePool> {
        let pool = self.get_pool(name).await?;
        if !pool.active {
            return Err(Error::conflict(format!(
                "storage pool '{name}' is not running; start it to reach its volumes"
            )));
        }
        Ok(pool)
    }

    async fn list_pool_volumes(&self, pool: &str) -> Result<Vec<VolumeDetails>> {
        let key = pool.to_owned();
        let mut volumes = self
            .blocking(move |hv| hv.list_volumes(&key))
            .await
            .map_err(|e| Error::from_hypervisor("listing volumes", POOL, pool, e))?;
        volumes.sort_by(|a, b| a.volume.name.cmp(&b.volume.name));
        Ok(volumes)
    }

    /// The paths of a running pool's volumes; none for a stopped pool.
    async fn pool_volume_paths(&self, pool: &StoragePool) -> Result<Vec<String>> {
        if !pool.active {
            return Ok(Vec::new());
        }
        Ok(self
            .list_pool_volumes(&pool.name)
            .await?
            .into_iter()
            .map(|v| v.volume.path)
            .collect())
    }

    /// `Conflict` when a running VM has a disk in the pool: one of its
    /// volumes, or any file under its directory.
    async fn refuse_if_running_vms_use(
        &self,
        pool: &StoragePool,
        volume_paths: &[String],
        what: &str,
    ) -> Result<()> {
        let users = self
            .vms_with_disks(|path| in_pool(pool, volume_paths, path), true)
            .await?;
        if users.is_empty() {
            return Ok(());
        }
        Err(Error::conflict(format!(
            "storage pool '{}' cannot be {what}: running virtual machines have disks in it: {}",
            pool.name,
            describe(&users)
        )))
    }

    /// `(vm name, disk path)` for every disk whose path matches, of running
    /// VMs only or of every defined VM.
    async fn vms_with_disks(
        &self,
        matches: impl Fn(&str) -> bool,
        running_only: bool,
    ) -> Result<Vec<(String, String)>> {
        let domains = self.blocking(|hv| hv.list_domains()).await.map_err(|e| {
            Error::from_hypervisor("listing virtual machines", "virtual machine", "*", e)
        })?;
        let mut users = Vec::new();
        for d in domains {
            if running_only && !d.state.is_active() {
                continue;
            }
            for path in d.disks.iter().filter_map(|disk| disk.path.as_deref()) {
                if matches(path) {
                    users.push((d.name.clone(), path.to_owned()));
                }
            }
        }
        users.sort();
        Ok(users)
    }
}

fn not_found(kind: &'static str, id: &str) -> Error {
    Error::NotFound {
        kind,
        id: id.to_owned(),
    }
}

/// Whether a disk at `path` lives in the pool: it is one of the pool's
/// volumes, or a file under the pool's directory.
fn in_pool(pool: &StoragePool, volume_paths: &[String], path: &str) -> bool {
    volume_paths.iter().any(|v| v == path)
        || pool.path.as_deref().is_some_and(|dir| {
            let dir = dir.trim_end_matches('/');
            !dir.is_empty()
                && path
                    .strip_prefix(dir)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

/// `'vm' (path), ...`
fn describe(users: &[(String, String)]) -> String {
    users
        .iter()
        .map(|(vm, path)| format!("'{vm}' ({path})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn verb(action: PoolAction) -> &'static str {
    match action {
        PoolAction::Start => "start",
        PoolAction::Stop => "stop",
        PoolAction::Refresh => "refresh",
        PoolAction::Autostart(true) => "enabling autostart",
        PoolAction::Autostart(false) => "disabling autostart",
    }
}

/// Checks a pool request and turns it into the backend's definition, with
/// paths in canonical form.
fn validate_pool(req: &PoolCreate) -> Result<PoolSpec> {
    check_name("name", &req.name, 64)?;
    let path = absolute_path("path", &req.path)?;
    let source = req
        .source
        .as_deref()
        .map(|s| absolute_path("source", s))
        .transpose()?;
    let source_host = req
        .source_host
        .as_deref()
        .map(|h| host("source_host", h))
        .transpose()?;
    let kind = req.pool_type.as_str();
    let refuse = |field: &'static str, what: &str| {
        Err(Error::invalid(field, format!("a {kind} pool {what}")))
    };
    match req.pool_type {
        PoolType::Dir if source.is_some() => return refuse("source", "has no source"),
        PoolType::Dir | PoolType::Fs | PoolType::Logical if source_host.is_some() => {
            return refuse("source_host", "has no source_host")
        }
        PoolType::Fs | PoolType::Logical if source.is_none() => {
            return refuse("source", "needs source: the block device")
        }
        PoolType::Netfs if source_host.is_none() => {
            return refuse("source_host", "needs source_host: the NFS server")
        }
        PoolType::Netfs if source.is_none() => {
            return refuse("source", "needs source: the exported directory")
        }
        _ => {}
    }
    if req.pool_type == PoolType::Logical {
        let group = path.strip_prefix("/dev/").unwrap_or_default();
        if group.contains('/') || check_name("path", group, 64).is_err() {
            return refuse("path", "has the path /dev/<volume group name>");
        }
    }
    Ok(PoolSpec {
        name: req.name.clone(),
        pool_type: req.pool_type,
        path,
        source,
        source_host,
    })
}

fn validate_volume(req: &VolumeCreate) -> Result<()> {
    check_name("name", &req.name, 255)?;
    debug_assert!(is_safe_volume_name(&req.name));
    if !(1..=MAX_VOLUME_GIB).contains(&req.capacity_gib) {
        return Err(Error::invalid(
            "capacity",
            format!("capacity is in GiB, from 1 to {MAX_VOLUME_GIB}"),
        ));
    }
    Ok(())
}

/// Names of pools and volumes: like VM names, 1 to `max` letters, digits,
/// `.`, `_` or `-`, starting with a letter or digit (so never `.` or `..`,
/// never a `/`).
fn check_name(field: &'static str, value: &str, max: usize) -> Result<()> {
    let mut chars = value.chars();
    let ok = value.len() <= max
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!(
                "'{value}' is not a valid {field}: 1-{max} letters, digits, '.', '_' or '-', \
                 starting with a letter or digit"
            ),
        ))
    }
}

/// An absolute path on the host without `.` or `..` components and not the
/// root, returned with repeated and trailing slashes removed.
fn absolute_path(field: &'static str, value: &str) -> Result<String> {
    let bad = |why: &str| Err(Error::invalid(field, format!("{field} {why}")));
    if !value.starts_with('/') {
        return bad("must be an absolute path");
    }
    if value.chars().any(char::is_control) {
        return bad("must not contain control characters");
    }
    let parts: Vec<&str> = value.split('/').filter(|p| !p.is_empty()).collect();
    if parts.iter().any(|p| *p == "." || *p == "..") {
        return bad("must not contain '.' or '..' components");
    }
    if parts.is_empty() {
        return bad("must not be the root directory");
    }
    Ok(format!("/{}", parts.join("/")))
}

/// A host name or IP address.
fn host(field: &'static str, value: &str) -> Result<String> {
    let ok = !value.is_empty()
        && value.len() <= 255
        && !value.starts_with('-')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(Error::invalid(
            field,
            format!("'{value}' is not a host name or IP address"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(pool_type: PoolType, path: &str) -> PoolCreate {
        PoolCreate {
            name: "images".into(),
            pool_type,
            path: path.into(),
            source: None,
            source_host: None,
            autostart: true,
        }
    }

    fn field(e: Error) -> Option<&'static str> {
        match e {
            Error::InvalidRequest { field, .. } => field,
            other => panic!("not a validation error: {other}"),
        }
    }

    #[test]
    fn pool_paths_are_absolute_and_canonical() {
        let spec = validate_pool(&pool(PoolType::Dir, "//srv//vapor/images/")).unwrap();
        assert_eq!(spec.path, "/srv/vapor/images");
        for bad in [
            "relative",
            "",
            "/",
            "//",
            "/srv/../etc",
            "/srv/./x",
            "/a\nb",
            "~/x",
        ] {
            assert_eq!(
                field(validate_pool(&pool(PoolType::Dir, bad)).unwrap_err()),
                Some("path"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn pool_names() {
        for bad in ["", "-x", "a b", "a/b", ".", "..", &"x".repeat(65)] {
            let mut req = pool(PoolType::Dir, "/srv/p");
            req.name = bad.into();
            assert_eq!(
                field(validate_pool(&req).unwrap_err()),
                Some("name"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn sources_fit_the_type() {
        let with = |t: PoolType, path: &str, source: Option<&str>, host: Option<&str>| {
            let mut req = pool(t, path);
            req.source = source.map(str::to_owned);
            req.source_host = host.map(str::to_owned);
            validate_pool(&req)
        };
        assert_eq!(
            field(with(PoolType::Dir, "/p", Some("/dev/sdb"), None).unwrap_err()),
            Some("source")
        );
        assert_eq!(
            field(with(PoolType::Dir, "/p", None, Some("nas")).unwrap_err()),
            Some("source_host")
        );
        assert_eq!(
            field(with(PoolType::Fs, "/mnt/p", None, None).unwrap_err()),
            Some("source")
        );
        assert_eq!(
            field(with(PoolType::Fs, "/mnt/p", Some("dev/sdb"), None).unwrap_err()),
            Some("source")
        );
        assert_eq!(
            field(with(PoolType::Netfs, "/mnt/p", Some("/export"), None).unwrap_err()),
            Some("source_host")
        );
        assert_eq!(
            field(with(PoolType::Netfs, "/mnt/p", None, Some("nas")).unwrap_err()),
            Some("source")
        );
        assert_eq!(
            field(with(PoolType::Netfs, "/mnt/p", Some("/e"), Some("nas;rm")).unwrap_err()),
            Some("source_host")
        );
        assert_eq!(
            field(with(PoolType::Logical, "/srv/vg", Some("/dev/sdc"), None).unwrap_err()),
            Some("path")
        );
        assert_eq!(
            field(with(PoolType::Logical, "/dev/a/b", Some("/dev/sdc"), None).unwrap_err()),
            Some("path")
        );
        let nfs = with(
            PoolType::Netfs,
            "/mnt/p",
            Some("/export/"),
            Some("10.0.0.2"),
        )
        .unwrap();
        assert_eq!(nfs.source.as_deref(), Some("/export"));
        assert_eq!(nfs.source_host.as_deref(), Some("10.0.0.2"));
        let lvm = with(PoolType::Logical, "/dev/vg0", Some("/dev/sdc"), None).unwrap();
        assert_eq!(lvm.path, "/dev/vg0");
        with(PoolType::Fs, "/mnt/p", Some("/dev/sdb1"), None).unwrap();
    }

    #[test]
    fn volumes() {
        let vol = |name: &str, gib: u64| VolumeCreate {
            name: name.into(),
            capacity_gib: gib,
            format: DiskFormat::Qcow2,
        };
        validate_volume(&vol("disk-1.qcow2", 1)).unwrap();
        validate_volume(&vol(&"v".repeat(255), MAX_VOLUME_GIB)).unwrap();
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "a/b",
            "/etc/passwd",
            ".hidden",
            &"v".repeat(256),
        ] {
            assert_eq!(
                field(validate_volume(&vol(bad, 1)).unwrap_err()),
                Some("name"),
                "{bad:?}"
            );
        }
        for gib in [0, MAX_VOLUME_GIB + 1] {
            assert_eq!(
                field(validate_volume(&vol("v", gib)).unwrap_err()),
                Some("capacity")
            );
        }
    }

    #[test]
    fn disks_in_pools() {
        let p = StoragePool {
            name: "p".into(),
            pool_type: "dir".into(),
            path: Some("/srv/p/".into()),
            active: true,
            autostart: false,
            persistent: true,
            capacity_bytes: 0,
            allocation_bytes: 0,
            available_bytes: 0,
        };
        let vols = vec!["/dev/elsewhere/v".to_owned()];
        assert!(in_pool(&p, &vols, "/srv/p/a.qcow2"));
        assert!(in_pool(&p, &vols, "/dev/elsewhere/v"));
        assert!(!in_pool(&p, &vols, "/srv/p2/a.qcow2"));
        assert!(!in_pool(&p, &vols, "/srv/p"));
    }
}
