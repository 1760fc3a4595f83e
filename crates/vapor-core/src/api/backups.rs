//! Backups: create and restore (operations), list, delete.

use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::Method;
use vapor_api::apis::backups::*;
use vapor_api::models;

use super::convert::{self, timestamp};
use super::{nullable, success, VaporApi};
use crate::app::{BackupCreate, BackupKind, BackupRestore, Compression};
use crate::auth::Principal;
use crate::backup_store::{self as store, BackupRow};
use crate::error::Error;

#[async_trait]
impl Backups<Error> for VaporApi {
    type Claims = Principal;

    async fn backup_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _header_params: &models::BackupCreateHeaderParams,
        path: &models::BackupCreatePathParams,
        body: &models::BackupCreateRequest,
    ) -> Result<BackupCreateResponse, Error> {
        let defaults = BackupCreate::default();
        let request = BackupCreate {
            destination_path: body.destination_path.clone(),
            kind: match body.backup_type {
                None | Some(models::BackupType::Full) => BackupKind::Full,
                Some(models::BackupType::Incremental) => BackupKind::Incremental,
            },
            compression: match body.compression {
                None | Some(models::BackupCompression::None) => Compression::None,
                Some(models::BackupCompression::Zstd) => Compression::Zstd,
            },
            include_memory: body.include_memory.unwrap_or(defaults.include_memory),
            retention_days: body
                .retention_days
                .map_or(defaults.retention_days, u32::from),
            description: body.description.clone(),
        };
        let op = self.app.create_backup(&path.id, request).await?;
        let (status, error) = success();
        Ok(BackupCreateResponse::Status202_BackupStarted(
            models::OperationEnvelope {
                status,
                data: convert::operation(&op),
                error,
            },
        ))
    }

    async fn backup_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::BackupDeletePathParams,
        query: &models::BackupDeleteQueryParams,
    ) -> Result<BackupDeleteResponse, Error> {
        self.app
            .delete_backup(&path.backup_id, query.cascade.unwrap_or(false))
            .await?;
        Ok(BackupDeleteResponse::Status204_DeletedWithItsFiles)
    }

    async fn backup_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::BackupListPathParams,
    ) -> Result<BackupListResponse, Error> {
        let rows = self.app.list_backups(&path.id).await?;
        let (status, error) = success();
        Ok(BackupListResponse::Status200_BackupsOfThisVM(
            models::BackupListEnvelope {
                status,
                data: models::BackupList {
                    count: rows.len().try_into().unwrap_or(i32::MAX),
                    backups: rows.iter().map(backup).collect(),
                },
                error,
            },
        ))
    }

    async fn backup_restore(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _header_params: &models::BackupRestoreHeaderParams,
        body: &models::BackupRestoreRequest,
    ) -> Result<BackupRestoreResponse, Error> {
        let op = self
            .app
            .restore_backup(BackupRestore {
                backup_id: body.backup_id.clone(),
                new_vm_name: body.new_vm_name.clone(),
                overwrite: body.overwrite.unwrap_or(false),
                restore_memory: body.restore_memory.unwrap_or(false),
                storage_pool: body.storage_pool.clone(),
            })
            .await?;
        let (status, error) = success();
        Ok(BackupRestoreResponse::Status202_RestoreStarted(
            models::OperationEnvelope {
                status,
                data: convert::operation(&op),
                error,
            },
        ))
    }
}

fn backup(row: &BackupRow) -> models::Backup {
    models::Backup {
        backup_id: row.id.clone(),
        vm_uuid: row.vm_uuid.clone(),
        vm_name: row.vm_name.clone(),
        backup_type: match row.backup_type.as_str() {
            store::INCREMENTAL => models::BackupType::Incremental,
            _ => models::BackupType::Full,
        },
        status: match row.status.as_str() {
            store::RUNNING => models::BackupStatus::Running,
            store::COMPLETED => models::BackupStatus::Completed,
            _ => models::BackupStatus::Failed,
        },
        destination_path: row.directory.clone(),
        disks: row
            .disks
            .iter()
            .map(|d| models::BackupDisk {
                target: d.target.clone(),
                file_path: d.file_path.clone(),
                size_bytes: nullable(d.size_bytes.map(|s| i64::try_from(s).unwrap_or(i64::MAX))),
            })
            .collect(),
        skipped_disks: row
            .skipped
            .iter()
            .map(|s| models::BackupSkippedDisk {
                target: s.target.clone(),
                reason: s.reason.clone(),
            })
            .collect(),
        size_bytes: nullable(row.size_bytes),
        compression: match row.compression.as_str() {
            "zstd" => models::BackupCompression::Zstd,
            _ => models::BackupCompression::None,
        },
        parent_backup_id: nullable(row.parent_id.clone()),
        checkpoint: nullable(row.checkpoint.clone()),
        operation_id: nullable(row.operation_id.clone()),
        description: nullable(row.description.clone()),
        started_at: timestamp(&row.started_at).unwrap_or_default(),
        completed_at: nullable(row.completed_at.as_deref().and_then(timestamp)),
        retention_days: i32::try_from(row.retention_days).unwrap_or(i32::MAX),
        include_memory: row.include_memory,
        error_message: nullable(row.error_message.clone()),
    }
}
