//! Virtual networks.

use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use chrono::{DateTime, Utc};
use headers::Host;
use http::Method;
use vapor_api::apis::networks::*;
use vapor_api::models;
use vapor_hypervisor::{DhcpLease, Network, NetworkMode};

use super::{nullable, success, VaporApi};
use crate::app::{DhcpHostRequest, DhcpRequest, IpRangeRequest, NetworkAction, NetworkCreate};
use crate::auth::Principal;
use crate::error::Error;

#[async_trait]
impl Networks<Error> for VaporApi {
    type Claims = Principal;

    async fn network_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
    ) -> Result<NetworkListResponse, Error> {
        let networks: Vec<_> = self
            .app
            .list_networks()
            .await?
            .iter()
            .map(network)
            .collect();
        let (status, error) = success();
        Ok(NetworkListResponse::Status200_VirtualNetworks(
            models::NetworkListEnvelope {
                status,
                data: models::NetworkList {
                    count: networks.len() as i32,
                    networks,
                },
                error,
            },
        ))
    }

    async fn network_create(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        _header_params: &models::NetworkCreateHeaderParams,
        body: &models::NetworkCreateRequest,
    ) -> Result<NetworkCreateResponse, Error> {
        let request = NetworkCreate {
            name: body.name.clone(),
            mode: mode_from(body.mode),
            bridge: body.bridge.clone(),
            ip_range: body.ip_range.as_ref().map(|r| IpRangeRequest {
                address: r.address.clone(),
                netmask: r.netmask.clone(),
            }),
            dhcp: body.dhcp.as_ref().map(|d| DhcpRequest {
                start: d.start.clone(),
                end: d.end.clone(),
                hosts: d
                    .hosts
                    .iter()
                    .flatten()
                    .map(|h| DhcpHostRequest {
                        mac: h.mac.clone(),
                        ip: h.ip.clone(),
                        name: h.name.clone(),
                    })
                    .collect(),
            }),
            autostart: body.autostart.unwrap_or(false),
        };
        let created = self.app.create_network(request).await?;
        let (status, error) = success();
        Ok(NetworkCreateResponse::Status201_CreatedAndStarted(
            models::NetworkEnvelope {
                status,
                data: network(&created),
                error,
            },
        ))
    }

    async fn network_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::NetworkGetPathParams,
    ) -> Result<NetworkGetResponse, Error> {
        let net = self.app.get_network(&path.name).await?;
        let (status, error) = success();
        Ok(NetworkGetResponse::Status200_TheNetwork(
            models::NetworkEnvelope {
                status,
                data: network(&net),
                error,
            },
        ))
    }

    async fn network_delete(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::NetworkDeletePathParams,
    ) -> Result<NetworkDeleteResponse, Error> {
        self.app.delete_network(&path.name).await?;
        Ok(NetworkDeleteResponse::Status204_StoppedAndUndefined)
    }

    async fn network_action(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::NetworkActionPathParams,
        body: &models::NetworkActionRequest,
    ) -> Result<NetworkActionResponse, Error> {
        let action = match body.action {
            models::NetworkActionType::Start => NetworkAction::Start,
            models::NetworkActionType::Stop => NetworkAction::Stop,
            models::NetworkActionType::AutostartOn => NetworkAction::AutostartOn,
            models::NetworkActionType::AutostartOff => NetworkAction::AutostartOff,
        };
        let net = self.app.network_action(&path.name, action).await?;
        let (status, error) = success();
        Ok(NetworkActionResponse::Status200_Done(
            models::NetworkEnvelope {
                status,
                data: network(&net),
                error,
            },
        ))
    }

    async fn network_dhcp_leases_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::NetworkDhcpLeasesListPathParams,
    ) -> Result<NetworkDhcpLeasesListResponse, Error> {
        let leases: Vec<_> = self
            .app
            .network_dhcp_leases(&path.name)
            .await?
            .iter()
            .map(lease)
            .collect();
        let (status, error) = success();
        Ok(NetworkDhcpLeasesListResponse::Status200_CurrentDHCPLeases(
            models::DhcpLeaseListEnvelope {
                status,
                data: models::DhcpLeaseList {
                    count: leases.len() as i32,
                    leases,
                },
                error,
            },
        ))
    }
}

fn mode_from(mode: models::NetworkMode) -> NetworkMode {
    match mode {
        models::NetworkMode::Nat => NetworkMode::Nat,
        models::NetworkMode::Route => NetworkMode::Route,
        models::NetworkMode::Isolated => NetworkMode::Isolated,
        models::NetworkMode::Bridge => NetworkMode::Bridge,
        models::NetworkMode::Open => NetworkMode::Open,
    }
}

fn mode_to(mode: NetworkMode) -> models::NetworkMode {
    match mode {
        NetworkMode::Nat => models::NetworkMode::Nat,
        NetworkMode::Route => models::NetworkMode::Route,
        NetworkMode::Isolated => models::NetworkMode::Isolated,
        NetworkMode::Bridge => models::NetworkMode::Bridge,
        NetworkMode::Open => models::NetworkMode::Open,
    }
}

/// A network as the backend read it from libvirt (never the request).
fn network(n: &Network) -> models::VirtualNetwork {
    models::VirtualNetwork {
        name: n.name.clone(),
        uuid: n.uuid.clone(),
        bridge: nullable(n.bridge.clone()),
        state: if n.active { "active" } else { "inactive" }.into(),
        autostart: n.autostart,
        persistent: n.persistent,
        mode: mode_to(n.mode),
        ip_range: n.ip.as_ref().map(|ip| models::IpRange {
            address: ip.address.to_string(),
            netmask: ip.netmask.to_string(),
        }),
        dhcp: n
            .ip
            .as_ref()
            .and_then(|ip| ip.dhcp.as_ref())
            .map(|d| models::DhcpConfig {
                start: d.start.to_string(),
                end: d.end.to_string(),
                hosts: Some(
                    d.hosts
                        .iter()
                        .map(|h| models::DhcpHost {
                            mac: h.mac.clone(),
                            ip: h.ip.to_string(),
                            name: h.name.clone(),
                        })
                        .collect(),
                ),
            }),
    }
}

fn lease(l: &DhcpLease) -> models::DhcpLease {
    models::DhcpLease {
        mac: l.mac.clone(),
        ip_address: l.ip_address.clone(),
        prefix: Some(i32::try_from(l.prefix).unwrap_or(i32::MAX)),
        hostname: nullable(l.hostname.clone()),
        client_id: nullable(l.client_id.clone()),
        expiry_time: DateTime::<Utc>::from_timestamp(l.expiry_unix_secs, 0).unwrap_or_default(),
    }
}
