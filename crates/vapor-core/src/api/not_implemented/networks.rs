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
impl apis::networks::Networks<Error> for VaporApi {
    type Claims = Principal;

    async fn network_action(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::NetworkActionPathParams,
        _body: &models::NetworkActionRequest,
    ) -> Result<apis::networks::NetworkActionResponse, Error> {
        Err(Error::NotImplemented {
            operation: "network_action",
        })
    }

    async fn network_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _body: &models::NetworkCreateRequest,
    ) -> Result<apis::networks::NetworkCreateResponse, Error> {
        Err(Error::NotImplemented {
            operation: "network_create",
        })
    }

    async fn network_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::NetworkDeletePathParams,
    ) -> Result<apis::networks::NetworkDeleteResponse, Error> {
        Err(Error::NotImplemented {
            operation: "network_delete",
        })
    }

    async fn network_dhcp_leases_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::NetworkDhcpLeasesListPathParams,
    ) -> Result<apis::networks::NetworkDhcpLeasesListResponse, Error> {
        Err(Error::NotImplemented {
            operation: "network_dhcp_leases_list",
        })
    }

    async fn network_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::NetworkGetPathParams,
    ) -> Result<apis::networks::NetworkGetResponse, Error> {
        Err(Error::NotImplemented {
            operation: "network_get",
        })
    }

    async fn network_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
    ) -> Result<apis::networks::NetworkListResponse, Error> {
        Err(Error::NotImplemented {
            operation: "network_list",
        })
    }
}
