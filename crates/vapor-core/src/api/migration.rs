//! Live migration: start and status. Cancelling is `DELETE /operations/{id}`
//! of the migration's operation.

use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::Method;
use vapor_api::apis::migration::*;
use vapor_api::models;
use vapor_hypervisor::CopyStorage;

use super::convert::timestamp;
use super::{nullable, success, VaporApi};
use crate::app::MigrationRequest;
use crate::auth::Principal;
use crate::error::Error;
use crate::etag::IfMatch;
use crate::migration_store::{self as store, MigrationRow};

#[async_trait]
impl Migration<Error> for VaporApi {
    type Claims = Principal;

    async fn migration_start(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        header_params: &models::MigrationStartHeaderParams,
        path: &models::MigrationStartPathParams,
        body: &models::MigrationRequest,
    ) -> Result<MigrationStartResponse, Error> {
        let defaults = MigrationRequest::new(body.destination_host.clone());
        let request = MigrationRequest {
            destination_uri: body.destination_uri.clone(),
            live: body.live.unwrap_or(defaults.live),
            tunneled: body.tunneled.unwrap_or(defaults.tunneled),
            compressed: body.compressed.unwrap_or(defaults.compressed),
            auto_converge: body.auto_converge.unwrap_or(defaults.auto_converge),
            allow_unsafe: body.allow_unsafe.unwrap_or(defaults.allow_unsafe),
            max_bandwidth_mib_s: body.max_bandwidth.unwrap_or(defaults.max_bandwidth_mib_s),
            max_downtime_ms: body.max_downtime.unwrap_or(defaults.max_downtime_ms),
            copy_storage: match body.copy_storage {
                None | Some(models::CopyStorage::None) => CopyStorage::None,
                Some(models::CopyStorage::All) => CopyStorage::All,
                Some(models::CopyStorage::Inc) => CopyStorage::Incremental,
            },
            ..defaults
        };
        let precondition = IfMatch::parse_optional(header_params.if_match.as_deref())?;
        let row = self
            .app
            .start_migration(&path.id, request, precondition.as_ref())
            .await?;
        let (status, error) = success();
        Ok(MigrationStartResponse::Status202_MigrationStarted(
            models::MigrationEnvelope {
                status,
                data: migration(&row),
                error,
            },
        ))
    }

    async fn migration_status_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::MigrationStatusGetPathParams,
        query: &models::MigrationStatusGetQueryParams,
    ) -> Result<MigrationStatusGetResponse, Error> {
        let row = self
            .app
            .migration_status(&path.id, query.migration_id.as_deref())
            .await?;
        let (status, error) = success();
        Ok(
            MigrationStatusGetResponse::Status200_TheRunningOrLastMigrationOfThisVM(
                models::MigrationEnvelope {
                    status,
                    data: migration(&row),
                    error,
                },
            ),
        )
    }
}

fn migration(row: &MigrationRow) -> models::Migration {
    let status = match row.status.as_str() {
        store::INITIATING => models::MigrationStatus::Initiating,
        store::MIGRATING => models::MigrationStatus::Migrating,
        store::COMPLETED => models::MigrationStatus::Completed,
        store::CANCELLED => models::MigrationStatus::Cancelled,
        _ => models::MigrationStatus::Failed,
    };
    models::Migration {
        operation_id: nullable(row.operation_id.clone()),
        data_processed_bytes: nullable(row.data_processed_bytes),
        data_remaining_bytes: nullable(row.data_remaining_bytes),
        data_total_bytes: nullable(row.data_total_bytes),
        mem_processed_bytes: nullable(row.mem_processed_bytes),
        mem_remaining_bytes: nullable(row.mem_remaining_bytes),
        mem_total_bytes: nullable(row.mem_total_bytes),
        dirty_rate_pages_per_second: nullable(row.dirty_rate_pages_per_second),
        iteration: nullable(row.iteration),
        downtime_ms: nullable(row.downtime_ms),
        completed_at: nullable(row.completed_at.as_deref().and_then(timestamp)),
        error_message: nullable(row.error_message.clone()),
        ..models::Migration::new(
            row.id.clone(),
            row.vm_name.clone(),
            row.vm_uuid.clone(),
            status,
            row.progress.clamp(0.0, 100.0),
            row.source_host.clone(),
            row.dest_host.clone(),
            row.destination_uri.clone(),
            timestamp(&row.started_at).unwrap_or_default(),
        )
    }
}
