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
impl apis::snapshots::Snapshots<Error> for VaporApi {
    type Claims = Principal;

    async fn snapshot_capabilities_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::SnapshotCapabilitiesGetPathParams,
    ) -> Result<apis::snapshots::SnapshotCapabilitiesGetResponse, Error> {
        Err(Error::NotImplemented {
            operation: "snapshot_capabilities_get",
        })
    }

    async fn snapshot_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::SnapshotCreatePathParams,
        _body: &models::SnapshotCreateRequest,
    ) -> Result<apis::snapshots::SnapshotCreateResponse, Error> {
        Err(Error::NotImplemented {
            operation: "snapshot_create",
        })
    }

    async fn snapshot_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::SnapshotDeletePathParams,
    ) -> Result<apis::snapshots::SnapshotDeleteResponse, Error> {
        Err(Error::NotImplemented {
            operation: "snapshot_delete",
        })
    }

    async fn snapshot_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::SnapshotGetPathParams,
    ) -> Result<apis::snapshots::SnapshotGetResponse, Error> {
        Err(Error::NotImplemented {
            operation: "snapshot_get",
        })
    }

    async fn snapshot_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::SnapshotListPathParams,
    ) -> Result<apis::snapshots::SnapshotListResponse, Error> {
        Err(Error::NotImplemented {
            operation: "snapshot_list",
        })
    }

    async fn snapshot_revert(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::SnapshotRevertPathParams,
    ) -> Result<apis::snapshots::SnapshotRevertResponse, Error> {
        Err(Error::NotImplemented {
            operation: "snapshot_revert",
        })
    }
}
