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
impl apis::storage::Storage<Error> for VaporApi {
    type Claims = Principal;

    async fn pool_action(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::PoolActionPathParams,
        _body: &models::PoolActionRequest,
    ) -> Result<apis::storage::PoolActionResponse, Error> {
        Err(Error::NotImplemented {
            operation: "pool_action",
        })
    }

    async fn pool_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _body: &models::PoolCreateRequest,
    ) -> Result<apis::storage::PoolCreateResponse, Error> {
        Err(Error::NotImplemented {
            operation: "pool_create",
        })
    }

    async fn pool_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::PoolDeletePathParams,
        _query_params: &models::PoolDeleteQueryParams,
    ) -> Result<apis::storage::PoolDeleteResponse, Error> {
        Err(Error::NotImplemented {
            operation: "pool_delete",
        })
    }

    async fn pool_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::PoolGetPathParams,
    ) -> Result<apis::storage::PoolGetResponse, Error> {
        Err(Error::NotImplemented {
            operation: "pool_get",
        })
    }

    async fn pool_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
    ) -> Result<apis::storage::PoolListResponse, Error> {
        Err(Error::NotImplemented {
            operation: "pool_list",
        })
    }

    async fn volume_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::VolumeCreatePathParams,
        _body: &models::VolumeCreateRequest,
    ) -> Result<apis::storage::VolumeCreateResponse, Error> {
        Err(Error::NotImplemented {
            operation: "volume_create",
        })
    }

    async fn volume_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::VolumeDeletePathParams,
    ) -> Result<apis::storage::VolumeDeleteResponse, Error> {
        Err(Error::NotImplemented {
            operation: "volume_delete",
        })
    }

    async fn volume_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::VolumeGetPathParams,
    ) -> Result<apis::storage::VolumeGetResponse, Error> {
        Err(Error::NotImplemented {
            operation: "volume_get",
        })
    }

    async fn volume_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::VolumeListPathParams,
    ) -> Result<apis::storage::VolumeListResponse, Error> {
        Err(Error::NotImplemented {
            operation: "volume_list",
        })
    }
}
