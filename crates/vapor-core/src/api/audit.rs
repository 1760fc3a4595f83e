//! `GET /audit`: the audit log, for admin tokens only.

use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::Method;
use vapor_api::apis::audit::{Audit, AuditListResponse};
use vapor_api::models;
use vapor_api::types::Nullable;

use super::{convert, success, VaporApi};
use crate::audit::{self, AuditRow};
use crate::auth::{Principal, Scope};
use crate::error::Error;

#[async_trait]
impl Audit<Error> for VaporApi {
    type Claims = Principal;

    async fn audit_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        claims: &Principal,
        query: &models::AuditListQueryParams,
    ) -> Result<AuditListResponse, Error> {
        // The HTTP gate refuses read tokens here already; this keeps the rule
        // where the data is, whatever serves it.
        if claims.scope != Scope::Admin {
            return Err(Error::Forbidden {
                message: format!(
                    "token '{}' has scope {}; the audit log needs an admin token",
                    claims.token_name, claims.scope
                ),
            });
        }
        let before = query.before.map(|b| i64::try_from(b).unwrap_or(i64::MAX));
        let page = audit::page(self.app.db(), before, query.limit)?;
        let entries: Vec<_> = page.entries.iter().map(entry).collect();
        let (status, error) = success();
        Ok(AuditListResponse::Status200_AuditEntries(
            models::AuditListEnvelope {
                status,
                data: models::AuditList {
                    count: entries.len() as i32,
                    entries,
                    next_before: or_null(page.next_before),
                },
                error,
            },
        ))
    }
}

fn entry(row: &AuditRow) -> models::AuditEntry {
    models::AuditEntry {
        id: row.id,
        at: convert::timestamp(&row.at).unwrap_or_default(),
        token_name: row.token_name.clone(),
        method: row.method.clone(),
        path: row.path.clone(),
        operation: or_null(row.operation.clone()),
        target: or_null(row.target.clone()),
        status_code: i32::from(row.status_code),
    }
}

fn or_null<T>(value: Option<T>) -> Nullable<T> {
    value.map_or(Nullable::Null, Nullable::Present)
}
