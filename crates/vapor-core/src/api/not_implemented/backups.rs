use super::super::VaporApi;
use crate::auth::Principal;
use crate::error::Error;
use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::Method;
use vapor_api::apis;
use vapor_api::models;

#[async_trait]
impl apis::backups::Backups<Error> for VaporApi {
    type Claims = Principal;

    async fn backup_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::BackupCreatePathParams,
        _body: &models::BackupCreateRequest,
    ) -> Result<apis::backups::BackupCreateResponse, Error> {
        Err(Error::NotImplemented {
            operation: "backup_create",
        })
    }

    async fn backup_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::BackupDeletePathParams,
    ) -> Result<apis::backups::BackupDeleteResponse, Error> {
        Err(Error::NotImplemented {
            operation: "backup_delete",
        })
    }

    async fn backup_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::BackupListPathParams,
    ) -> Result<apis::backups::BackupListResponse, Error> {
        Err(Error::NotImplemented {
            operation: "backup_list",
        })
    }

    async fn backup_restore(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _body: &models::BackupRestoreRequest,
    ) -> Result<apis::backups::BackupRestoreResponse, Error> {
        Err(Error::NotImplemented {
            operation: "backup_restore",
        })
    }
}
