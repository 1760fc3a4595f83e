use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use bytes::Bytes;
use headers::Host;
use http::Method;
use vapor_api::apis::isos::*;
use vapor_api::models;

use super::{nullable, success, VaporApi};
use crate::app::TUS_VERSION;
use crate::auth::Principal;
use crate::error::Error;
use crate::iso_store::{IsoRow, UploadRow};

/// Where an upload session lives, as clients address it.
pub fn upload_url(id: &str) -> String {
    format!("/api/v1/virtualization/storages/isos/upload/{id}")
}

fn iso(row: &IsoRow) -> models::Iso {
    models::Iso {
        id: row.id.clone(),
        name: row.name.clone(),
        path: row.path.clone(),
        size_bytes: row.size_bytes,
        checksum: nullable(row.sha256.clone()),
        os_type: nullable(row.os_type.clone()),
        os_variant: nullable(row.os_variant.clone()),
        description: nullable(row.description.clone()),
        source: match row.source.as_str() {
            "uploaded" => models::IsoSource::Uploaded,
            "registered" => models::IsoSource::Registered,
            _ => models::IsoSource::System,
        },
        created_at: super::convert::timestamp(&row.created_at).unwrap_or_default(),
        last_used: nullable(row.last_used.as_deref().and_then(super::convert::timestamp)),
    }
}

fn upload(row: &UploadRow) -> models::IsoUpload {
    let meta: serde_json::Value = serde_json::from_str(&row.metadata).unwrap_or_default();
    let text = |k: &str| meta.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    models::IsoUpload {
        upload_id: row.id.clone(),
        upload_url: upload_url(&row.id),
        status: match row.status.as_str() {
            "created" => models::IsoUploadStatus::Created,
            "in_progress" => models::IsoUploadStatus::InProgress,
            "completed" => models::IsoUploadStatus::Completed,
            "cancelled" => models::IsoUploadStatus::Cancelled,
            "expired" => models::IsoUploadStatus::Expired,
            _ => models::IsoUploadStatus::Failed,
        },
        total_size_bytes: row.total_bytes,
        uploaded_size_bytes: row.offset_bytes,
        progress_percent: if row.total_bytes > 0 {
            (row.offset_bytes as f64 * 100.0 / row.total_bytes as f64).clamp(0.0, 100.0)
        } else {
            0.0
        },
        metadata: models::IsoUploadMetadata {
            filename: row.filename.clone(),
            os_type: nullable(text("os_type")),
            os_variant: nullable(text("os_variant")),
            architecture: nullable(text("architecture")),
            description: nullable(text("description")),
            tags: Some(
                text("tags")
                    .map(|t| {
                        t.split(',')
                            .map(str::trim)
                            .filter(|t| !t.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
        },
        created_at: super::convert::timestamp(&row.created_at).unwrap_or_default(),
        updated_at: super::convert::timestamp(&row.updated_at).unwrap_or_default(),
        expires_at: super::convert::timestamp(&row.expires_at).unwrap_or_default(),
    }
}

fn upload_envelope(row: &UploadRow) -> models::IsoUploadEnvelope {
    let (status, error) = success();
    models::IsoUploadEnvelope {
        status,
        data: upload(row),
        error,
    }
}

fn iso_envelope(row: &IsoRow) -> models::IsoEnvelope {
    let (status, error) = success();
    models::IsoEnvelope {
        status,
        data: iso(row),
        error,
    }
}

/// `Tus-Resumable` must be absent or the version spoken.
fn check_tus_version(header: Option<&String>) -> Result<(), Error> {
    match header {
        Some(v) if v != TUS_VERSION => Err(Error::refused(
            crate::Refusal::Invalid,
            "UNSUPPORTED_TUS_VERSION",
            format!("Tus-Resumable {v} is not supported; this server speaks {TUS_VERSION}"),
        )),
        _ => Ok(()),
    }
}

#[async_trait]
impl Isos<Error> for VaporApi {
    type Claims = Principal;

    async fn iso_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
    ) -> Result<IsoListResponse, Error> {
        let isos: Vec<_> = self.app.iso_list().await?.iter().map(iso).collect();
        let (status, error) = success();
        Ok(IsoListResponse::Status200_ISOImagesInTheLibrary(
            models::IsoListEnvelope {
                status,
                data: models::IsoList {
                    count: isos.len() as i32,
                    isos,
                },
                error,
            },
        ))
    }

    async fn iso_register(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _header_params: &models::IsoRegisterHeaderParams,
        body: &models::IsoRegisterRequest,
    ) -> Result<IsoRegisterResponse, Error> {
        let row = self
            .app
            .iso_register(
                &body.path,
                body.name.as_deref(),
                body.description.as_deref(),
                body.os_type.as_deref(),
                body.os_variant.as_deref(),
            )
            .await?;
        Ok(IsoRegisterResponse::Status201_Registered(iso_envelope(
            &row,
        )))
    }

    async fn iso_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::IsoDeletePathParams,
    ) -> Result<IsoDeleteResponse, Error> {
        self.app.iso_delete(&path.iso_id).await?;
        Ok(IsoDeleteResponse::Status204_Deleted)
    }

    async fn iso_upload_options(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
    ) -> Result<IsoUploadOptionsResponse, Error> {
        Ok(IsoUploadOptionsResponse::Status204_TheTUSVersions {
            tus_resumable: Some(TUS_VERSION.into()),
            tus_version: Some(TUS_VERSION.into()),
            tus_extension: Some("creation,termination,expiration".into()),
            tus_max_size: Some(
                i64::try_from(self.app.upload_limits().max_size).unwrap_or(i64::MAX),
            ),
        })
    }

    async fn iso_upload_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        headers: &models::IsoUploadCreateHeaderParams,
    ) -> Result<IsoUploadCreateResponse, Error> {
        check_tus_version(headers.tus_resumable.as_ref())?;
        let row = self
            .app
            .upload_create(headers.upload_length, headers.upload_metadata.as_deref())
            .await?;
        Ok(IsoUploadCreateResponse::Status201_UploadSessionCreated {
            body: upload_envelope(&row),
            location: Some(upload_url(&row.id)),
            upload_offset: Some(row.offset_bytes),
            tus_resumable: Some(TUS_VERSION.into()),
        })
    }

    async fn iso_upload_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
    ) -> Result<IsoUploadListResponse, Error> {
        let uploads: Vec<_> = self.app.upload_list()?.iter().map(upload).collect();
        let (status, error) = success();
        Ok(IsoUploadListResponse::Status200_UploadSessions(
            models::IsoUploadListEnvelope {
                status,
                data: models::IsoUploadList {
                    count: uploads.len() as i32,
                    uploads,
                },
                error,
            },
        ))
    }

    async fn iso_upload_head(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::IsoUploadHeadPathParams,
    ) -> Result<IsoUploadHeadResponse, Error> {
        let row = self.app.upload_get(&path.upload_id)?;
        match row.status.as_str() {
            "expired" | "cancelled" => {
                Ok(IsoUploadHeadResponse::Status410_TheUploadExpiredOrWasCancelled)
            }
            _ => Ok(IsoUploadHeadResponse::Status200_OffsetAndLengthInHeaders {
                upload_offset: Some(row.offset_bytes),
                upload_length: Some(row.total_bytes),
                tus_resumable: Some(TUS_VERSION.into()),
                cache_control: Some("no-store".into()),
            }),
        }
    }

    async fn iso_upload_patch(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        headers: &models::IsoUploadPatchHeaderParams,
        path: &models::IsoUploadPatchPathParams,
        body: &Bytes,
    ) -> Result<IsoUploadPatchResponse, Error> {
        check_tus_version(headers.tus_resumable.as_ref())?;
        let row = self
            .app
            .upload_patch(&path.upload_id, headers.upload_offset, body.clone())
            .await?;
        Ok(IsoUploadPatchResponse::Status204_Stored {
            upload_offset: Some(row.offset_bytes),
            tus_resumable: Some(TUS_VERSION.into()),
        })
    }

    async fn iso_upload_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::IsoUploadGetPathParams,
    ) -> Result<IsoUploadGetResponse, Error> {
        let row = self.app.upload_get(&path.upload_id)?;
        Ok(IsoUploadGetResponse::Status200_TheUploadSession(
            upload_envelope(&row),
        ))
    }

    async fn iso_upload_cancel(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::IsoUploadCancelPathParams,
    ) -> Result<IsoUploadCancelResponse, Error> {
        let row = self.app.upload_cancel(&path.upload_id).await?;
        Ok(IsoUploadCancelResponse::Status200_Cancelled(
            upload_envelope(&row),
        ))
    }

    async fn iso_upload_complete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::IsoUploadCompletePathParams,
    ) -> Result<IsoUploadCompleteResponse, Error> {
        let row = self.app.upload_complete(&path.upload_id).await?;
        Ok(IsoUploadCompleteResponse::Status200_Registered(
            iso_envelope(&row),
        ))
    }
}
