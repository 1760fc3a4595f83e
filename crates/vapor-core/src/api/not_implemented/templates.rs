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
impl apis::templates::Templates<Error> for VaporApi {
    type Claims = Principal;

    async fn template_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _body: &models::TemplateCreateRequest,
    ) -> Result<apis::templates::TemplateCreateResponse, Error> {
        Err(Error::NotImplemented {
            operation: "template_create",
        })
    }

    async fn template_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::TemplateDeletePathParams,
    ) -> Result<apis::templates::TemplateDeleteResponse, Error> {
        Err(Error::NotImplemented {
            operation: "template_delete",
        })
    }

    async fn template_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::TemplateGetPathParams,
    ) -> Result<apis::templates::TemplateGetResponse, Error> {
        Err(Error::NotImplemented {
            operation: "template_get",
        })
    }

    async fn template_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
    ) -> Result<apis::templates::TemplateListResponse, Error> {
        Err(Error::NotImplemented {
            operation: "template_list",
        })
    }

    async fn template_update(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::TemplateUpdatePathParams,
        _body: &models::TemplateUpdateRequest,
    ) -> Result<apis::templates::TemplateUpdateResponse, Error> {
        Err(Error::NotImplemented {
            operation: "template_update",
        })
    }

    async fn vm_create_from_template(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _body: &models::VmFromTemplateRequest,
    ) -> Result<apis::templates::VmCreateFromTemplateResponse, Error> {
        Err(Error::NotImplemented {
            operation: "vm_create_from_template",
        })
    }
}
