use std::time::Duration;

use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::Method;
use vapor_api::apis::virtual_machines::*;
use vapor_api::models;
use vapor_hypervisor::{GraphicsKind, InterfaceKind};

use super::{convert, success, VaporApi};
use crate::app::{GraphicsRequest, NicRequest, VmAction, VmActionOutcome, VmCreate, VmUpdate};
use crate::auth::Principal;
use crate::error::Error;

#[async_trait]
impl VirtualMachines<Error> for VaporApi {
    type Claims = Principal;

    async fn vm_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
    ) -> Result<VmListResponse, Error> {
        let vms: Vec<_> = self.app.list_vms().await?.iter().map(convert::vm).collect();
        let (status, error) = success();
        Ok(VmListResponse::Status200_EveryVirtualMachineOnTheHost(
            models::VmListEnvelope {
                status,
                data: models::VmList {
                    count: vms.len() as i32,
                    vms,
                },
                error,
            },
        ))
    }

    async fn vm_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::VmGetPathParams,
    ) -> Result<VmGetResponse, Error> {
        let vm = self.app.get_vm(&path.id).await?;
        let (status, error) = success();
        Ok(VmGetResponse::Status200_TheVirtualMachine(
            models::VmEnvelope {
                status,
                data: convert::vm(&vm),
                error,
            },
        ))
    }

    async fn vm_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        body: &models::VmCreateRequest,
    ) -> Result<VmCreateResponse, Error> {
        let request = vm_create_request(body)?;
        let vm = self.app.create_vm(request).await?;
        let (status, error) = success();
        Ok(VmCreateResponse::Status201_Created(
            models::VmCreatedEnvelope {
                status,
                data: models::VmCreated {
                    message: format!("virtual machine {} created", vm.name),
                    vm: convert::vm(&vm),
                },
                error,
            },
        ))
    }

    async fn vm_update(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::VmUpdatePathParams,
        body: &models::VmUpdateRequest,
    ) -> Result<VmUpdateResponse, Error> {
        let update = VmUpdate {
            memory_mib: body.memory,
            vcpus: body.vcpus.map(u32::from),
            autostart: body.autostart,
        };
        let outcome = self.app.update_vm(&path.id, update).await?;
        let (status, error) = success();
        Ok(VmUpdateResponse::Status200_Updated(
            models::VmUpdatedEnvelope {
                status,
                data: models::VmUpdated {
                    message: format!("virtual machine {} updated", outcome.vm.name),
                    vm: convert::vm(&outcome.vm),
                    changes: outcome
                        .changes
                        .iter()
                        .map(|(field, scope)| models::VmChange {
                            field: (*field).into(),
                            scope: convert::change_scope(*scope),
                        })
                        .collect(),
                },
                error,
            },
        ))
    }

    async fn vm_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::VmDeletePathParams,
        query: &models::VmDeleteQueryParams,
    ) -> Result<VmDeleteResponse, Error> {
        self.app
            .delete_vm(&path.id, query.remove_disks.unwrap_or(false))
            .await?;
        Ok(VmDeleteResponse::Status204_Deleted)
    }

    async fn vm_action(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::VmActionPathParams,
        body: &models::VmActionRequest,
    ) -> Result<VmActionResponse, Error> {
        let force = body.force.unwrap_or(false);
        let action = match body.action {
            models::VmActionType::Start => VmAction::Start,
            models::VmActionType::Stop => VmAction::Stop { force },
            models::VmActionType::Shutdown => VmAction::Shutdown,
            models::VmActionType::ForceStop => VmAction::ForceStop,
            models::VmActionType::Restart => VmAction::Restart { force },
            models::VmActionType::Pause => VmAction::Pause,
            models::VmActionType::Resume => VmAction::Resume,
            models::VmActionType::Reset => VmAction::Reset,
        };
        let timeout =
            Duration::from_secs(u64::from(body.timeout_seconds.unwrap_or(120)).clamp(1, 3600));
        let (status, error) = success();
        match self.app.vm_action(&path.id, action, timeout).await? {
            VmActionOutcome::Done(vm) => {
                Ok(VmActionResponse::Status200_Done(models::VmActionEnvelope {
                    status,
                    data: models::VmActionResult {
                        action: body.action,
                        message: format!("{} done", body.action),
                        vm: convert::vm(&vm),
                    },
                    error,
                }))
            }
            VmActionOutcome::Started(op) => Ok(VmActionResponse::Status202_AskedOfTheGuest(
                models::OperationEnvelope {
                    status,
                    data: convert::operation(&op),
                    error,
                },
            )),
        }
    }

    async fn vm_clone(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _path: &models::VmClonePathParams,
        _body: &models::VmCloneRequest,
    ) -> Result<VmCloneResponse, Error> {
        Err(Error::NotImplemented {
            operation: "vm_clone",
        })
    }

    async fn vm_create_enhanced(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _body: &models::VmCreateEnhancedRequest,
    ) -> Result<VmCreateEnhancedResponse, Error> {
        Err(Error::NotImplemented {
            operation: "vm_create_enhanced",
        })
    }

    async fn vm_metrics_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _path: &models::VmMetricsGetPathParams,
    ) -> Result<VmMetricsGetResponse, Error> {
        Err(Error::NotImplemented {
            operation: "vm_metrics_get",
        })
    }
}

fn vm_create_request(body: &models::VmCreateRequest) -> Result<VmCreate, Error> {
    if body.cloud_init.is_some() {
        return Err(Error::NotImplemented {
            operation: "vm_create with cloud_init",
        });
    }
    let network = body.network.as_ref().map(|n| NicRequest {
        kind: match n.r_type.unwrap_or(models::NetworkType::Network) {
            models::NetworkType::Network => InterfaceKind::Network,
            models::NetworkType::Bridge => InterfaceKind::Bridge,
            models::NetworkType::Direct => InterfaceKind::Direct,
            models::NetworkType::User => InterfaceKind::User,
        },
        source: n.source.clone(),
        model: n.model.unwrap_or(models::NicModel::Virtio).to_string(),
        mac: n.mac.clone(),
    });
    let graphics = match &body.graphics {
        None => None,
        Some(list) => {
            let mut out = Vec::new();
            for g in list {
                let kind = match g.r_type {
                    models::GraphicsType::Vnc => GraphicsKind::Vnc,
                    models::GraphicsType::Spice => GraphicsKind::Spice,
                    models::GraphicsType::None => continue,
                };
                let autoport = g.autoport.unwrap_or(true);
                let port =
                    match g.port {
                        Some(p) if p >= 0 && !autoport => Some(u16::try_from(p).map_err(|_| {
                            Error::invalid("graphics", "port is from 5900 to 65535")
                        })?),
                        Some(p) if p >= 0 => {
                            return Err(Error::invalid(
                                "graphics",
                                "a fixed port needs autoport: false",
                            ));
                        }
                        _ => None,
                    };
                out.push(GraphicsRequest {
                    kind,
                    listen: g.listen.clone().unwrap_or_else(|| "127.0.0.1".into()),
                    port,
                    password: g.password.clone(),
                });
            }
            Some(out)
        }
    };
    Ok(VmCreate {
        name: body.name.clone(),
        memory_mib: body.memory,
        vcpus: u32::from(body.vcpus),
        disk_size_gib: body.disk_size,
        disk_path: body.disk_path.clone(),
        iso_path: body.iso_path.clone(),
        storage_pool: body
            .storage_pool
            .clone()
            .unwrap_or_else(|| "default".into()),
        network,
        graphics,
        autostart: body.autostart.unwrap_or(false),
    })
}
