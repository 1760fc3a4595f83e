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
impl apis::devices::Devices<Error> for VaporApi {
    type Claims = Principal;

    async fn pci_device_attach(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::PciDeviceAttachPathParams,
        _body: &models::PciAttachRequest,
    ) -> Result<apis::devices::PciDeviceAttachResponse, Error> {
        Err(Error::NotImplemented {
            operation: "pci_device_attach",
        })
    }

    async fn pci_device_detach(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::PciDeviceDetachPathParams,
    ) -> Result<apis::devices::PciDeviceDetachResponse, Error> {
        Err(Error::NotImplemented {
            operation: "pci_device_detach",
        })
    }

    async fn pci_device_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _query_params: &models::PciDeviceListQueryParams,
    ) -> Result<apis::devices::PciDeviceListResponse, Error> {
        Err(Error::NotImplemented {
            operation: "pci_device_list",
        })
    }

    async fn vm_hotplug(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        _path_params: &models::VmHotplugPathParams,
        _body: &models::HotplugRequest,
    ) -> Result<apis::devices::VmHotplugResponse, Error> {
        Err(Error::NotImplemented {
            operation: "vm_hotplug",
        })
    }
}
