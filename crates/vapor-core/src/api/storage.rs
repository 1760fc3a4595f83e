//! Storage pools and volumes: the generated `Storage` trait over `app`.

use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::Method;
use vapor_api::apis::storage::*;
use vapor_api::models;
use vapor_hypervisor::{DiskFormat, PoolAction, PoolType, StoragePool, VolumeDetails};

use super::{nullable, success, VaporApi};
use crate::app::{PoolCreate, VolumeCreate};
use crate::auth::Principal;
use crate::error::Error;

#[async_trait]
impl Storage<Error> for VaporApi {
    type Claims = Principal;

    async fn pool_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
    ) -> Result<PoolListResponse, Error> {
        let pools: Vec<_> = self.app.list_pools().await?.iter().map(pool).collect();
        let (status, error) = success();
        Ok(PoolListResponse::Status200_StoragePools(
            models::PoolListEnvelope {
                status,
                data: models::PoolList {
                    count: pools.len() as i32,
                    pools,
                },
                error,
            },
        ))
    }

    async fn pool_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _header_params: &models::PoolCreateHeaderParams,
        body: &models::PoolCreateRequest,
    ) -> Result<PoolCreateResponse, Error> {
        let request = PoolCreate {
            name: body.name.clone(),
            pool_type: match body.r_type {
                models::PoolType::Dir => PoolType::Dir,
                models::PoolType::Fs => PoolType::Fs,
                models::PoolType::Netfs => PoolType::Netfs,
                models::PoolType::Logical => PoolType::Logical,
            },
            path: body.path.clone(),
            source: body.source.clone(),
            source_host: body.source_host.clone(),
            autostart: body.autostart.unwrap_or(true),
        };
        let created = self.app.create_pool(request).await?;
        let (status, error) = success();
        Ok(PoolCreateResponse::Status201_CreatedAndStarted(
            models::PoolEnvelope {
                status,
                data: pool(&created),
                error,
            },
        ))
    }

    async fn pool_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::PoolGetPathParams,
    ) -> Result<PoolGetResponse, Error> {
        let found = self.app.get_pool(&path.name).await?;
        let (status, error) = success();
        Ok(PoolGetResponse::Status200_ThePool(models::PoolEnvelope {
            status,
            data: pool(&found),
            error,
        }))
    }

    async fn pool_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::PoolDeletePathParams,
        query: &models::PoolDeleteQueryParams,
    ) -> Result<PoolDeleteResponse, Error> {
        self.app
            .delete_pool(&path.name, query.delete_volumes.unwrap_or(false))
            .await?;
        Ok(PoolDeleteResponse::Status204_StoppedAndUndefined)
    }

    async fn pool_action(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::PoolActionPathParams,
        body: &models::PoolActionRequest,
    ) -> Result<PoolActionResponse, Error> {
        let action = match body.action {
            models::PoolActionType::Start => PoolAction::Start,
            models::PoolActionType::Stop => PoolAction::Stop,
            models::PoolActionType::Refresh => PoolAction::Refresh,
            models::PoolActionType::AutostartOn => PoolAction::Autostart(true),
            models::PoolActionType::AutostartOff => PoolAction::Autostart(false),
        };
        let after = self.app.pool_action(&path.name, action).await?;
        let (status, error) = success();
        Ok(PoolActionResponse::Status200_Done(models::PoolEnvelope {
            status,
            data: pool(&after),
            error,
        }))
    }

    async fn volume_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::VolumeListPathParams,
    ) -> Result<VolumeListResponse, Error> {
        let volumes: Vec<_> = self
            .app
            .list_volumes(&path.name)
            .await?
            .iter()
            .map(volume)
            .collect();
        let (status, error) = success();
        Ok(VolumeListResponse::Status200_VolumesInThePool(
            models::VolumeListEnvelope {
                status,
                data: models::VolumeList {
                    count: volumes.len() as i32,
                    volumes,
                },
                error,
            },
        ))
    }

    async fn volume_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _header_params: &models::VolumeCreateHeaderParams,
        path: &models::VolumeCreatePathParams,
        body: &models::VolumeCreateRequest,
    ) -> Result<VolumeCreateResponse, Error> {
        let request = VolumeCreate {
            name: body.name.clone(),
            capacity_gib: body.capacity,
            format: match body.format.unwrap_or(models::DiskFormat::Qcow2) {
                models::DiskFormat::Qcow2 => DiskFormat::Qcow2,
                models::DiskFormat::Raw => DiskFormat::Raw,
            },
        };
        let created = self.app.create_volume(&path.name, request).await?;
        let (status, error) = success();
        Ok(VolumeCreateResponse::Status201_Created(
            models::VolumeEnvelope {
                status,
                data: volume(&created),
                error,
            },
        ))
    }

    async fn volume_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::VolumeGetPathParams,
    ) -> Result<VolumeGetResponse, Error> {
        let found = self.app.get_volume(&path.name, &path.vol_name).await?;
        let (status, error) = success();
        Ok(VolumeGetResponse::Status200_TheVolume(
            models::VolumeEnvelope {
                status,
                data: volume(&found),
                error,
            },
        ))
    }

    async fn volume_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::VolumeDeletePathParams,
    ) -> Result<VolumeDeleteResponse, Error> {
        self.app.delete_volume(&path.name, &path.vol_name).await?;
        Ok(VolumeDeleteResponse::Status204_Deleted)
    }
}

fn pool(p: &StoragePool) -> models::StoragePool {
    models::StoragePool {
        name: p.name.clone(),
        r_type: p.pool_type.clone(),
        path: nullable(p.path.clone()),
        state: if p.active { "running" } else { "inactive" }.into(),
        capacity_bytes: saturating_i64(p.capacity_bytes),
        allocation_bytes: saturating_i64(p.allocation_bytes),
        available_bytes: saturating_i64(p.available_bytes),
        autostart: p.autostart,
        persistent: p.persistent,
    }
}

fn volume(v: &VolumeDetails) -> models::StorageVolume {
    models::StorageVolume {
        name: v.volume.name.clone(),
        pool: v.volume.pool.clone(),
        path: v.volume.path.clone(),
        r_type: nullable(v.volume_type.clone()),
        format: nullable(v.volume.format.clone()),
        capacity_bytes: saturating_i64(v.volume.capacity_bytes),
        allocation_bytes: saturating_i64(v.volume.allocation_bytes),
    }
}

fn saturating_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
