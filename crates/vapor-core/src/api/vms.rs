use std::time::Duration;

use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::Method;
use vapor_api::apis::virtual_machines::*;
use vapor_api::models;

use super::{convert, success, vm_requests, VaporApi};
use crate::app::{VmAction, VmActionOutcome, VmListQuery, VmUpdate};
use crate::auth::Principal;
use crate::error::Error;
use crate::etag::{self, IfMatch};

#[async_trait]
impl VirtualMachines<Error> for VaporApi {
    type Claims = Principal;

    async fn vm_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        query: &models::VmListQueryParams,
    ) -> Result<VmListResponse, Error> {
        let page = self
            .app
            .list_vms_page(VmListQuery {
                limit: query.limit.map(|l| l as usize),
                page_token: query.page_token.clone(),
                state: query.state.map(convert::domain_state),
                name_prefix: query.name.clone(),
            })
            .await?;
        let vms: Vec<_> = page.vms.iter().map(convert::vm).collect();
        let (status, error) = success();
        Ok(VmListResponse::Status200_TheVirtualMachines(
            models::VmListEnvelope {
                status,
                data: models::VmList {
                    count: vms.len() as i32,
                    total: i32::try_from(page.total).unwrap_or(i32::MAX),
                    next_page_token: page.next_page_token,
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
        let (vm, guest) = self.app.get_vm_detail(&path.id).await?;
        let (status, error) = success();
        Ok(VmGetResponse::Status200_TheVirtualMachine {
            body: models::VmEnvelope {
                status,
                data: convert::vm_with_guest(&vm, guest.as_deref()),
                error,
            },
            e_tag: Some(etag::of(&vm)),
        })
    }

    async fn vm_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _header_params: &models::VmCreateHeaderParams,
        body: &models::VmCreateRequest,
    ) -> Result<VmCreateResponse, Error> {
        let vm = self
            .app
            .create_vm_with_maximums(
                vm_requests::vm_create(body)?,
                vm_requests::maximums(body.max_vcpus, body.max_memory),
            )
            .await?;
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
        header_params: &models::VmUpdateHeaderParams,
        path: &models::VmUpdatePathParams,
        body: &models::VmUpdateRequest,
    ) -> Result<VmUpdateResponse, Error> {
        let update = VmUpdate {
            memory_mib: body.memory,
            vcpus: body.vcpus.map(u32::from),
            autostart: body.autostart,
        };
        let precondition = IfMatch::parse_optional(header_params.if_match.as_deref())?;
        let outcome = self
            .app
            .update_vm(&path.id, update, precondition.as_ref())
            .await?;
        let (status, error) = success();
        Ok(VmUpdateResponse::Status200_Updated {
            e_tag: Some(etag::of(&outcome.vm)),
            body: models::VmUpdatedEnvelope {
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
        })
    }

    async fn vm_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        header_params: &models::VmDeleteHeaderParams,
        path: &models::VmDeletePathParams,
        query: &models::VmDeleteQueryParams,
    ) -> Result<VmDeleteResponse, Error> {
        let precondition = IfMatch::parse_optional(header_params.if_match.as_deref())?;
        self.app
            .delete_vm(
                &path.id,
                query.remove_disks.unwrap_or(false),
                precondition.as_ref(),
            )
            .await?;
        Ok(VmDeleteResponse::Status204_Deleted)
    }

    async fn vm_action(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        header_params: &models::VmActionHeaderParams,
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
        let precondition = IfMatch::parse_optional(header_params.if_match.as_deref())?;
        match self
            .app
            .vm_action(&path.id, action, timeout, precondition.as_ref())
            .await?
        {
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
        _header_params: &models::VmCloneHeaderParams,
        path: &models::VmClonePathParams,
        body: &models::VmCloneRequest,
    ) -> Result<VmCloneResponse, Error> {
        let op = self
            .app
            .clone_vm(
                &path.id,
                &body.name,
                body.storage_pool.as_deref(),
                body.full_clone.unwrap_or(true),
            )
            .await?;
        let (status, error) = success();
        Ok(VmCloneResponse::Status202_CloningStarted(
            models::OperationEnvelope {
                status,
                data: convert::operation(&op),
                error,
            },
        ))
    }

    async fn vm_create_enhanced(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _header_params: &models::VmCreateEnhancedHeaderParams,
        body: &models::VmCreateEnhancedRequest,
    ) -> Result<VmCreateEnhancedResponse, Error> {
        let req = vm_requests::vm_create_enhanced(body)?;
        let maximums = vm_requests::maximums(body.max_vcpus, body.max_memory);
        let vm = match &body.template {
            Some(template) => {
                self.app
                    .create_vm_enhanced_with_template(
                        req,
                        maximums,
                        template,
                        vm_requests::template_gaps(body),
                    )
                    .await?
            }
            None => self.app.create_vm_with_maximums(req, maximums).await?,
        };
        let (status, error) = success();
        Ok(VmCreateEnhancedResponse::Status201_Created(
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

    async fn vm_metrics_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::VmMetricsGetPathParams,
    ) -> Result<VmMetricsGetResponse, Error> {
        let metrics = self.app.vm_metrics(&path.id).await?;
        let (status, error) = success();
        Ok(VmMetricsGetResponse::Status200_CurrentResourceUsage(
            models::VmMetricsEnvelope {
                status,
                data: super::metrics::vm_metrics(&metrics),
                error,
            },
        ))
    }

    async fn vm_metrics_stream(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::VmMetricsStreamPathParams,
        query: &models::VmMetricsStreamQueryParams,
    ) -> Result<VmMetricsStreamResponse, Error> {
        let interval = Duration::from_secs(u64::from(
            query
                .interval
                .unwrap_or(super::metrics::STREAM_INTERVAL_DEFAULT),
        ));
        let updates = self
            .app
            .clone()
            .vm_metrics_watch(&path.id, interval)
            .await?;
        Ok(VmMetricsStreamResponse::Status200_TheStreamOfEvents(
            super::metrics::events(updates),
        ))
    }
}
