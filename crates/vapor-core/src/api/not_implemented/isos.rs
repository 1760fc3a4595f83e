use super::super::VaporApi;
use crate::auth::Principal;
use crate::error::Error;
use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use bytes::Bytes;
use headers::Host;
use http::Method;
use vapor_api::apis;
use vapor_api::models;

#[async_trait]
impl apis::isos::Isos<Error> for VaporApi {
    type Claims = Principal;

    async fn iso_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::IsoDeletePathParams,
    ) -> Result<apis::isos::IsoDeleteResponse, Error> {
        Err(Error::NotImplemented {
            operation: "iso_delete",
        })
    }

    async fn iso_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
    ) -> Result<apis::isos::IsoListResponse, Error> {
        Err(Error::NotImplemented {
            operation: "iso_list",
        })
    }

    async fn iso_register(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _body: &models::IsoRegisterRequest,
    ) -> Result<apis::isos::IsoRegisterResponse, Error> {
        Err(Error::NotImplemented {
            operation: "iso_register",
        })
    }

    async fn iso_upload_cancel(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::IsoUploadCancelPathParams,
    ) -> Result<apis::isos::IsoUploadCancelResponse, Error> {
        Err(Error::NotImplemented {
            operation: "iso_upload_cancel",
        })
    }

    async fn iso_upload_complete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::IsoUploadCompletePathParams,
    ) -> Result<apis::isos::IsoUploadCompleteResponse, Error> {
        Err(Error::NotImplemented {
            operation: "iso_upload_complete",
        })
    }

    async fn iso_upload_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _header_params: &models::IsoUploadCreateHeaderParams,
    ) -> Result<apis::isos::IsoUploadCreateResponse, Error> {
        Err(Error::NotImplemented {
            operation: "iso_upload_create",
        })
    }

    async fn iso_upload_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::IsoUploadGetPathParams,
    ) -> Result<apis::isos::IsoUploadGetResponse, Error> {
        Err(Error::NotImplemented {
            operation: "iso_upload_get",
        })
    }

    async fn iso_upload_head(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::IsoUploadHeadPathParams,
    ) -> Result<apis::isos::IsoUploadHeadResponse, Error> {
        Err(Error::NotImplemented {
            operation: "iso_upload_head",
        })
    }

    async fn iso_upload_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
    ) -> Result<apis::isos::IsoUploadListResponse, Error> {
        Err(Error::NotImplemented {
            operation: "iso_upload_list",
        })
    }

    async fn iso_upload_patch(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _header_params: &models::IsoUploadPatchHeaderParams,
        _path_params: &models::IsoUploadPatchPathParams,
        _body: &Bytes,
    ) -> Result<apis::isos::IsoUploadPatchResponse, Error> {
        Err(Error::NotImplemented {
            operation: "iso_upload_patch",
        })
    }

    async fn iso_upload_options(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
    ) -> Result<apis::isos::IsoUploadOptionsResponse, Error> {
        Err(Error::NotImplemented { operation: "iso_upload_options" })
    }
}
