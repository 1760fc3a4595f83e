use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::Method;
use vapor_api::apis::templates::*;
use vapor_api::models;
use vapor_hypervisor::InterfaceKind;

use super::{convert, nullable, success, VaporApi};
use crate::app::{
    CloudConfig, CloudUser, FeaturesPatch, TemplateCreate, TemplateNic, TemplateUpdate,
    VmFromTemplate,
};
use crate::auth::Principal;
use crate::error::Error;
use crate::etag::{self, IfMatch};
use crate::template_store::TemplateRow;

#[async_trait]
impl Templates<Error> for VaporApi {
    type Claims = Principal;

    async fn template_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
    ) -> Result<TemplateListResponse, Error> {
        let templates: Vec<_> = self.app.list_templates()?.iter().map(template).collect();
        let (status, error) = success();
        Ok(TemplateListResponse::Status200_Templates(
            models::TemplateListEnvelope {
                status,
                data: models::TemplateList {
                    count: templates.len() as i32,
                    templates,
                },
                error,
            },
        ))
    }

    async fn template_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _header_params: &models::TemplateCreateHeaderParams,
        body: &models::TemplateCreateRequest,
    ) -> Result<TemplateCreateResponse, Error> {
        let request = TemplateCreate {
            name: body.name.clone(),
            display_name: body.display_name.clone(),
            description: body.description.clone(),
            os_type: body.os_type.to_string(),
            os_variant: body.os_variant.clone(),
            min_memory_mib: body.min_memory,
            recommended_memory_mib: body.recommended_memory,
            min_vcpus: body.min_vcpus.map(u32::from),
            recommended_vcpus: body.recommended_vcpus.map(u32::from),
            min_disk_gib: body.min_disk,
            recommended_disk_gib: body.recommended_disk,
            disk_bus: body.disk_bus.map(|b| b.to_string()),
            network_model: body.network_model.map(|m| m.to_string()),
            features: features_patch(body.features.as_ref()),
            cloud_init_support: body.cloud_init_support,
            default_user: body.default_user.clone(),
            icon: body.icon.clone(),
            tags: body.tags.clone().unwrap_or_default(),
            is_active: body.is_active,
        };
        let created = self.app.create_template(request)?;
        let (status, error) = success();
        Ok(TemplateCreateResponse::Status201_Created(
            models::TemplateEnvelope {
                status,
                data: template(&created),
                error,
            },
        ))
    }

    async fn template_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::TemplateGetPathParams,
    ) -> Result<TemplateGetResponse, Error> {
        let found = self.app.get_template(template_id(path.template_id)?)?;
        let (status, error) = success();
        Ok(TemplateGetResponse::Status200_TheTemplate {
            e_tag: Some(etag::of(&found)),
            body: models::TemplateEnvelope {
                status,
                data: template(&found),
                error,
            },
        })
    }

    async fn template_update(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        header_params: &models::TemplateUpdateHeaderParams,
        path: &models::TemplateUpdatePathParams,
        body: &models::TemplateUpdateRequest,
    ) -> Result<TemplateUpdateResponse, Error> {
        let request = TemplateUpdate {
            display_name: body.display_name.clone(),
            description: body.description.clone(),
            os_type: body.os_type.map(|t| t.to_string()),
            os_variant: body.os_variant.clone(),
            min_memory_mib: body.min_memory,
            recommended_memory_mib: body.recommended_memory,
            min_vcpus: body.min_vcpus.map(u32::from),
            recommended_vcpus: body.recommended_vcpus.map(u32::from),
            min_disk_gib: body.min_disk,
            recommended_disk_gib: body.recommended_disk,
            disk_bus: body.disk_bus.map(|b| b.to_string()),
            network_model: body.network_model.map(|m| m.to_string()),
            features: features_patch(body.features.as_ref()),
            cloud_init_support: body.cloud_init_support,
            default_user: body.default_user.clone(),
            icon: body.icon.clone(),
            tags: body.tags.clone(),
            is_active: body.is_active,
        };
        let precondition = IfMatch::parse_optional(header_params.if_match.as_deref())?;
        let updated = self.app.update_template(
            template_id(path.template_id)?,
            request,
            precondition.as_ref(),
        )?;
        let (status, error) = success();
        Ok(TemplateUpdateResponse::Status200_Updated {
            e_tag: Some(etag::of(&updated)),
            body: models::TemplateEnvelope {
                status,
                data: template(&updated),
                error,
            },
        })
    }

    async fn template_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        header_params: &models::TemplateDeleteHeaderParams,
        path: &models::TemplateDeletePathParams,
    ) -> Result<TemplateDeleteResponse, Error> {
        let precondition = IfMatch::parse_optional(header_params.if_match.as_deref())?;
        self.app
            .delete_template(template_id(path.template_id)?, precondition.as_ref())?;
        Ok(TemplateDeleteResponse::Status204_Deleted)
    }

    async fn vm_create_from_template(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _header_params: &models::VmCreateFromTemplateHeaderParams,
        body: &models::VmFromTemplateRequest,
    ) -> Result<VmCreateFromTemplateResponse, Error> {
        let request = VmFromTemplate {
            template_id: template_id(body.template_id)?,
            name: body.name.clone(),
            memory_mib: body.memory,
            vcpus: body.vcpus.map(u32::from),
            disk_size_gib: body.disk_size,
            storage_pool: body.storage_pool.clone(),
            network: body.network.as_ref().map(|n| TemplateNic {
                kind: match n.r_type.unwrap_or(models::NetworkType::Network) {
                    models::NetworkType::Network => InterfaceKind::Network,
                    models::NetworkType::Bridge => InterfaceKind::Bridge,
                    models::NetworkType::Direct => InterfaceKind::Direct,
                    models::NetworkType::User => InterfaceKind::User,
                },
                source: n.source.clone(),
                model: n.model.map(|m| m.to_string()),
                mac: n.mac.clone(),
            }),
            graphics: super::vm_requests::graphics(body.graphics.as_deref())?,
            cloud_init: body.cloud_init.as_ref().map(|c| CloudConfig {
                users: c
                    .users
                    .iter()
                    .flatten()
                    .map(|u| CloudUser {
                        name: u.name.clone(),
                        password: u.password.clone(),
                        ssh_keys: u.ssh_keys.clone().unwrap_or_default(),
                        sudo: u.sudo.clone(),
                        groups: u.groups.clone(),
                        shell: u.shell.clone(),
                    })
                    .collect(),
                hostname: c.hostname.clone(),
                packages: c.packages.clone().unwrap_or_default(),
                runcmd: c.runcmd.clone().unwrap_or_default(),
            }),
            labels: body
                .metadata
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect(),
        };
        let vm = self.app.create_vm_from_template(request).await?;
        let (status, error) = success();
        Ok(VmCreateFromTemplateResponse::Status201_Created(
            models::VmCreatedEnvelope {
                status,
                data: models::VmCreated {
                    message: format!(
                        "virtual machine {} created from template {}",
                        vm.name, body.template_id
                    ),
                    vm: convert::vm(&vm),
                },
                error,
            },
        ))
    }
}

/// Template ids are positive `i64`s; a larger number names no template.
fn template_id(id: u64) -> Result<i64, Error> {
    i64::try_from(id).map_err(|_| Error::NotFound {
        kind: "template",
        id: id.to_string(),
    })
}

fn features_patch(f: Option<&models::VmFeatures>) -> FeaturesPatch {
    f.map_or_else(FeaturesPatch::default, |f| FeaturesPatch {
        uefi: f.uefi,
        secure_boot: f.secure_boot,
        tpm: f.tpm,
        virtio_drivers: f.virtio_drivers,
    })
}

fn template(t: &TemplateRow) -> models::Template {
    models::Template {
        id: t.id,
        name: t.name.clone(),
        display_name: t.display_name.clone(),
        description: nullable(t.description.clone()),
        os_type: t.os_type.parse().unwrap_or(models::OsType::Other),
        os_variant: t.os_variant.clone(),
        min_memory: saturating_i64(t.min_memory_mib),
        recommended_memory: saturating_i64(t.recommended_memory_mib),
        min_vcpus: t.min_vcpus as i32,
        recommended_vcpus: t.recommended_vcpus as i32,
        min_disk: saturating_i64(t.min_disk_gib),
        recommended_disk: saturating_i64(t.recommended_disk_gib),
        disk_bus: t.disk_bus.parse().unwrap_or(models::DiskBus::Virtio),
        network_model: t.network_model.parse().unwrap_or(models::NicModel::Virtio),
        features: models::VmFeatures {
            uefi: Some(t.features.uefi),
            secure_boot: Some(t.features.secure_boot),
            tpm: Some(t.features.tpm),
            virtio_drivers: Some(t.features.virtio_drivers),
        },
        cloud_init_support: t.cloud_init_support,
        default_user: nullable(t.default_user.clone()),
        icon: nullable(t.icon.clone()),
        tags: t.tags.clone(),
        is_active: t.is_active,
        created_at: convert::timestamp(&t.created_at).unwrap_or_default(),
        updated_at: convert::timestamp(&t.updated_at).unwrap_or_default(),
    }
}

fn saturating_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
