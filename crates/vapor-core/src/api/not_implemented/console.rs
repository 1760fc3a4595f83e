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
impl apis::console::Console<Error> for VaporApi {
    type Claims = Principal;

    async fn vm_console_connect(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _path_params: &models::VmConsoleConnectPathParams,
        _query_params: &models::VmConsoleConnectQueryParams,
    ) -> Result<apis::console::VmConsoleConnectResponse, Error> {
        Err(Error::NotImplemented {
            operation: "vm_console_connect",
        })
    }

    async fn vm_console_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::VmConsoleGetPathParams,
        _query_params: &models::VmConsoleGetQueryParams,
    ) -> Result<apis::console::VmConsoleGetResponse, Error> {
        Err(Error::NotImplemented {
            operation: "vm_console_get",
        })
    }
}
