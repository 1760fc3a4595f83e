//! VM snapshots.

use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use chrono::{DateTime, Utc};
use headers::Host;
use http::Method;
use vapor_api::apis::snapshots::*;
use vapor_api::models;
use vapor_api::types::Nullable;
use vapor_hypervisor::{SnapshotLocation, SnapshotState};

use super::{convert, nullable, success, VaporApi};
use crate::app::{SnapshotCapabilities, SnapshotCreate, SnapshotKind, SnapshotView};
use crate::auth::Principal;
use crate::error::Error;
use crate::etag::IfMatch;

#[async_trait]
impl Snapshots<Error> for VaporApi {
    type Claims = Principal;

    async fn snapshot_capabilities_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::SnapshotCapabilitiesGetPathParams,
    ) -> Result<SnapshotCapabilitiesGetResponse, Error> {
        let caps = self.app.snapshot_capabilities(&path.id).await?;
        let (status, error) = success();
        Ok(
            SnapshotCapabilitiesGetResponse::Status200_WhatKindsOfSnapshotThisVMSupportsNow(
                models::SnapshotCapabilitiesEnvelope {
                    status,
                    data: capabilities(caps),
                    error,
                },
            ),
        )
    }

    async fn snapshot_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::SnapshotListPathParams,
    ) -> Result<SnapshotListResponse, Error> {
        let snapshots: Vec<_> = self
            .app
            .list_snapshots(&path.id)
            .await?
            .iter()
            .map(snapshot)
            .collect();
        let (status, error) = success();
        Ok(SnapshotListResponse::Status200_Snapshots(
            models::SnapshotListEnvelope {
                status,
                data: models::SnapshotList {
                    count: snapshots.len() as i32,
                    snapshots,
                },
                error,
            },
        ))
    }

    async fn snapshot_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _header_params: &models::SnapshotCreateHeaderParams,
        path: &models::SnapshotCreatePathParams,
        body: &models::SnapshotCreateRequest,
    ) -> Result<SnapshotCreateResponse, Error> {
        let request = SnapshotCreate {
            name: body.name.clone(),
            description: body.description.clone(),
            include_memory: body.include_memory.unwrap_or(false),
            quiesce: body.quiesce.unwrap_or(false),
        };
        let created = self.app.create_snapshot(&path.id, request).await?;
        let (status, error) = success();
        Ok(SnapshotCreateResponse::Status201_Created(
            models::SnapshotEnvelope {
                status,
                data: snapshot(&created),
                error,
            },
        ))
    }

    async fn snapshot_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::SnapshotGetPathParams,
    ) -> Result<SnapshotGetResponse, Error> {
        let view = self.app.get_snapshot(&path.id, &path.snapshot).await?;
        let (status, error) = success();
        Ok(SnapshotGetResponse::Status200_TheSnapshotWithItsDisks(
            models::SnapshotDetailEnvelope {
                status,
                data: detail(&view),
                error,
            },
        ))
    }

    async fn snapshot_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::SnapshotDeletePathParams,
    ) -> Result<SnapshotDeleteResponse, Error> {
        self.app.delete_snapshot(&path.id, &path.snapshot).await?;
        Ok(SnapshotDeleteResponse::Status204_Deleted)
    }

    async fn snapshot_revert(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        header_params: &models::SnapshotRevertHeaderParams,
        path: &models::SnapshotRevertPathParams,
    ) -> Result<SnapshotRevertResponse, Error> {
        let precondition = IfMatch::parse_optional(header_params.if_match.as_deref())?;
        let outcome = self
            .app
            .revert_snapshot(&path.id, &path.snapshot, precondition.as_ref())
            .await?;
        let (status, error) = success();
        Ok(SnapshotRevertResponse::Status200_Reverted(
            models::SnapshotRevertEnvelope {
                status,
                data: models::SnapshotRevertResult {
                    vm_name: outcome.vm.name.clone(),
                    snapshot_name: outcome.snapshot,
                    reverted_at: convert::timestamp(&outcome.reverted_at).unwrap_or_default(),
                    message: outcome.message,
                    vm: convert::vm(&outcome.vm),
                },
                error,
            },
        ))
    }
}

fn capabilities(c: SnapshotCapabilities) -> models::SnapshotCapabilities {
    models::SnapshotCapabilities {
        supports_snapshots: c.supports_snapshots,
        supports_internal: c.supports_internal,
        supports_external: c.supports_external,
        supports_memory: c.supports_memory,
        supports_quiesce: c.supports_quiesce,
        supports_external_revert: c.supports_external_revert,
        disk_formats: c
            .disks
            .into_iter()
            .map(|d| models::DiskSnapshotSupport {
                name: d.name,
                path: nullable(d.path),
                r_type: d.source_type,
                format: d.format.map_or(Nullable::Null, Nullable::Present),
                readonly: d.readonly,
                supports_internal: d.supports_internal,
                size_bytes: nullable(d.size_bytes.map(bytes)),
            })
            .collect(),
        warnings: c.warnings,
        recommendations: c.recommendations,
    }
}

fn snapshot(v: &SnapshotView) -> models::Snapshot {
    let i = &v.info;
    models::Snapshot {
        name: i.name.clone(),
        description: nullable(i.description.clone()),
        vm_name: v.vm_name.clone(),
        vm_uuid: v.vm_uuid.clone(),
        state: state(i.state),
        r_type: match v.kind {
            SnapshotKind::Internal => models::SnapshotType::Internal,
            SnapshotKind::InternalMemory => models::SnapshotType::InternalMemory,
            SnapshotKind::External => models::SnapshotType::External,
            SnapshotKind::ExternalMemory => models::SnapshotType::ExternalMemory,
        },
        parent: nullable(i.parent.clone()),
        created_at: DateTime::<Utc>::from_timestamp(i.created_unix_secs, 0).unwrap_or_default(),
        size_bytes: nullable(i.size_bytes.map(bytes)),
        is_current: i.is_current,
        revertible: v.revertible,
        warnings: v.warnings.clone(),
    }
}

fn detail(v: &SnapshotView) -> models::SnapshotDetail {
    let i = &v.info;
    models::SnapshotDetail {
        snapshot: snapshot(v),
        disks: i
            .disks
            .iter()
            .map(|d| models::SnapshotDisk {
                disk_name: d.target.clone(),
                r_type: d.location.as_str().to_owned(),
                file_path: nullable(d.file.clone()),
                // libvirt reports no per-disk snapshot size.
                size_bytes: nullable(None),
            })
            .collect(),
        memory_state: nullable(match i.memory {
            SnapshotLocation::No => None,
            location => Some(models::SnapshotDetailMemoryState {
                r_type: location.as_str().to_owned(),
                file_path: nullable(i.memory_file.clone()),
                size_bytes: nullable(None),
            }),
        }),
        children: i.children.clone(),
    }
}

fn state(s: SnapshotState) -> models::SnapshotState {
    match s {
        SnapshotState::NoState => models::SnapshotState::Nostate,
        SnapshotState::Running => models::SnapshotState::Running,
        SnapshotState::Blocked => models::SnapshotState::Blocked,
        SnapshotState::Paused => models::SnapshotState::Paused,
        SnapshotState::Shutdown => models::SnapshotState::Shutdown,
        SnapshotState::Shutoff => models::SnapshotState::Shutoff,
        SnapshotState::Crashed => models::SnapshotState::Crashed,
        SnapshotState::PmSuspended => models::SnapshotState::Pmsuspended,
        SnapshotState::DiskSnapshot => models::SnapshotState::DiskSnapshot,
    }
}

fn bytes(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
