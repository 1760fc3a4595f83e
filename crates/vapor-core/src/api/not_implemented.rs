//! Operations declared in the spec but not built yet. Each answers 501
//! `NOT_IMPLEMENTED` in the envelope; `tests/conformance` keeps the list of
//! them, so that none is mistaken for done. Implementing one means moving it
//! out of this file and off that list.

use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use bytes::Bytes;
use headers::Host;
use http::Method;
use vapor_api::apis;
use vapor_api::models;

use super::VaporApi;
use crate::auth::Principal;
use crate::error::Error;

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
}

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
