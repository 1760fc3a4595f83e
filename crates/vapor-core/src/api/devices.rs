//! PCI passthrough and hotplug.

use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::Method;
use vapor_api::apis::devices::*;
use vapor_api::models;
use vapor_hypervisor::{DiskBus, InterfaceKind, PciDevice, PciDeviceClass};

use super::{nullable, success, VaporApi};
use crate::app::{
    HotplugAction, HotplugConfig, HotplugRequest, HotplugResource, PciAttach, VfioDisplay,
};
use crate::auth::Principal;
use crate::error::Error;
use crate::etag::IfMatch;

fn class_of(t: models::PciDeviceType) -> PciDeviceClass {
    match t {
        models::PciDeviceType::Gpu => PciDeviceClass::Gpu,
        models::PciDeviceType::Network => PciDeviceClass::Network,
        models::PciDeviceType::Storage => PciDeviceClass::Storage,
        models::PciDeviceType::Usb => PciDeviceClass::Usb,
        models::PciDeviceType::Other => PciDeviceClass::Other,
    }
}

fn type_of(c: PciDeviceClass) -> models::PciDeviceType {
    match c {
        PciDeviceClass::Gpu => models::PciDeviceType::Gpu,
        PciDeviceClass::Network => models::PciDeviceType::Network,
        PciDeviceClass::Storage => models::PciDeviceType::Storage,
        PciDeviceClass::Usb => models::PciDeviceType::Usb,
        PciDeviceClass::Other => models::PciDeviceType::Other,
    }
}

fn device(d: &PciDevice) -> models::PciDevice {
    models::PciDevice {
        device_id: d.name.clone(),
        vendor_id: nullable(d.vendor_id.map(|v| format!("0x{v:04x}"))),
        product_id: nullable(d.product_id.map(|v| format!("0x{v:04x}"))),
        vendor_name: nullable(d.vendor_name.clone()),
        product_name: nullable(d.product_name.clone()),
        device_type: type_of(d.class()),
        pci_address: d.address.to_string(),
        iommu_group: nullable(d.iommu_group.and_then(|g| i32::try_from(g).ok())),
        driver: nullable(d.driver.clone()),
        is_available: d.assigned_to.is_none(),
        assigned_to_vm: nullable(d.assigned_to.clone()),
    }
}

fn hotplug_request(body: &models::HotplugRequest) -> HotplugRequest {
    let c = &body.configuration;
    HotplugRequest {
        resource: match body.resource_type {
            models::HotplugResourceType::Cpu => HotplugResource::Cpu,
            models::HotplugResourceType::Memory => HotplugResource::Memory,
            models::HotplugResourceType::Disk => HotplugResource::Disk,
            models::HotplugResourceType::Network => HotplugResource::Network,
            models::HotplugResourceType::Usb => HotplugResource::Usb,
        },
        action: match body.action {
            models::HotplugAction::Add => HotplugAction::Add,
            models::HotplugAction::Remove => HotplugAction::Remove,
        },
        config: HotplugConfig {
            vcpus: c.vcpus.map(u32::from),
            memory_mib: c.memory,
            source: c.source.clone(),
            target: c.target.clone(),
            bus: c.bus.map(|b| match b {
                models::DiskBus::Virtio => DiskBus::Virtio,
                models::DiskBus::Scsi => DiskBus::Scsi,
                models::DiskBus::Sata => DiskBus::Sata,
                models::DiskBus::Ide => DiskBus::Ide,
            }),
            readonly: c.readonly,
            kind: c.r_type.map(|t| match t {
                models::NetworkType::Network => InterfaceKind::Network,
                models::NetworkType::Bridge => InterfaceKind::Bridge,
                models::NetworkType::Direct => InterfaceKind::Direct,
                models::NetworkType::User => InterfaceKind::User,
            }),
            model: c.model.map(|m| m.to_string()),
            mac: c.mac.clone(),
            vendor_id: c.vendor_id.clone(),
            product_id: c.product_id.clone(),
        },
    }
}

#[async_trait]
impl Devices<Error> for VaporApi {
    type Claims = Principal;

    async fn pci_device_attach(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        header_params: &models::PciDeviceAttachHeaderParams,
        path: &models::PciDeviceAttachPathParams,
        body: &models::PciAttachRequest,
    ) -> Result<PciDeviceAttachResponse, Error> {
        let opts = body
            .vfio_options
            .clone()
            .unwrap_or_else(models::PciAttachRequestVfioOptions::new);
        let req = PciAttach {
            device_id: body.device_id.clone(),
            managed: body.managed.unwrap_or(true),
            display: opts.display.map(|d| match d {
                models::VfioDisplay::On => VfioDisplay::On,
                models::VfioDisplay::Off => VfioDisplay::Off,
                models::VfioDisplay::Auto => VfioDisplay::Auto,
            }),
            x_vga: opts.x_vga.unwrap_or(false),
            romfile: opts.romfile,
        };
        let precondition = IfMatch::parse_optional(header_params.if_match.as_deref())?;
        let (vm, dev) = self
            .app
            .attach_pci_device(&path.id, req, precondition.as_ref())
            .await?;
        let (status, error) = success();
        Ok(PciDeviceAttachResponse::Status200_Attached(
            models::PciAssignmentEnvelope {
                status,
                data: models::PciAssignment {
                    vm_id: vm.uuid,
                    device_id: dev.name.clone(),
                    pci_address: dev.address.to_string(),
                    message: format!("PCI device '{}' attached to VM '{}'", dev.name, vm.name),
                },
                error,
            },
        ))
    }

    async fn pci_device_detach(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        header_params: &models::PciDeviceDetachHeaderParams,
        path: &models::PciDeviceDetachPathParams,
    ) -> Result<PciDeviceDetachResponse, Error> {
        let (vm, dev) = self
            .app
            .detach_pci_device(
                &path.id,
                &path.device_id,
                IfMatch::parse_optional(header_params.if_match.as_deref())?.as_ref(),
            )
            .await?;
        let (status, error) = success();
        Ok(PciDeviceDetachResponse::Status200_Detached(
            models::PciAssignmentEnvelope {
                status,
                data: models::PciAssignment {
                    vm_id: vm.uuid,
                    device_id: dev.name.clone(),
                    pci_address: dev.address.to_string(),
                    message: format!("PCI device '{}' detached from VM '{}'", dev.name, vm.name),
                },
                error,
            },
        ))
    }

    async fn pci_device_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        query: &models::PciDeviceListQueryParams,
    ) -> Result<PciDeviceListResponse, Error> {
        let devices: Vec<_> = self
            .app
            .list_pci_devices(query.r#type.map(class_of))
            .await?
            .iter()
            .map(device)
            .collect();
        let (status, error) = success();
        Ok(PciDeviceListResponse::Status200_HostPCIDevices(
            models::PciDeviceListEnvelope {
                status,
                data: models::PciDeviceList {
                    count: devices.len() as i32,
                    devices,
                },
                error,
            },
        ))
    }

    async fn vm_hotplug(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        header_params: &models::VmHotplugHeaderParams,
        path: &models::VmHotplugPathParams,
        body: &models::HotplugRequest,
    ) -> Result<VmHotplugResponse, Error> {
        let precondition = IfMatch::parse_optional(header_params.if_match.as_deref())?;
        let out = self
            .app
            .hotplug(&path.id, hotplug_request(body), precondition.as_ref())
            .await?;
        let (status, error) = success();
        Ok(VmHotplugResponse::Status200_Done(models::HotplugEnvelope {
            status,
            data: models::HotplugResult {
                vm_id: out.vm.uuid,
                resource_type: body.resource_type,
                action: body.action,
                message: out.message,
                details: out.details.into_iter().collect(),
            },
            error,
        }))
    }
}
