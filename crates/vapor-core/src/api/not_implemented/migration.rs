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
impl apis::migration::Migration<Error> for VaporApi {
    type Claims = Principal;

    async fn migration_start(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::MigrationStartPathParams,
        _body: &models::MigrationRequest,
    ) -> Result<apis::migration::MigrationStartResponse, Error> {
        Err(Error::NotImplemented {
            operation: "migration_start",
        })
    }

    async fn migration_status_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::MigrationStatusGetPathParams,
        _query_params: &models::MigrationStatusGetQueryParams,
    ) -> Result<apis::migration::MigrationStatusGetResponse, Error> {
        Err(Error::NotImplemented {
            operation: "migration_status_get",
        })
    }
}
