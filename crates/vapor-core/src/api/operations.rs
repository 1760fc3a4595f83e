use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::Method;
use vapor_api::apis::operations::{
    OperationCancelResponse, OperationGetResponse, OperationListResponse, Operations,
};
use vapor_api::models;

use super::{convert, success, VaporApi};
use crate::auth::Principal;
use crate::error::Error;
use crate::operations::OperationStatus;

#[async_trait]
impl Operations<Error> for VaporApi {
    type Claims = Principal;

    async fn operation_list(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        query: &models::OperationListQueryParams,
    ) -> Result<OperationListResponse, Error> {
        let status = query.status.map(|s| match s {
            models::OperationStatus::Queued => OperationStatus::Queued,
            models::OperationStatus::Running => OperationStatus::Running,
            models::OperationStatus::Succeeded => OperationStatus::Succeeded,
            models::OperationStatus::Failed => OperationStatus::Failed,
            models::OperationStatus::Cancelled => OperationStatus::Cancelled,
        });
        let rows = self
            .app
            .operations()
            .list(status, query.target.as_deref())?;
        let operations: Vec<_> = rows.iter().map(convert::operation).collect();
        let (status, error) = success();
        Ok(OperationListResponse::Status200_Operations(
            models::OperationListEnvelope {
                status,
                data: models::OperationList {
                    count: operations.len() as i32,
                    operations,
                },
                error,
            },
        ))
    }

    async fn operation_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::OperationGetPathParams,
    ) -> Result<OperationGetResponse, Error> {
        let row = self.app.operations().get(&path.operation_id)?;
        let (status, error) = success();
        Ok(OperationGetResponse::Status200_TheOperation(
            models::OperationEnvelope {
                status,
                data: convert::operation(&row),
                error,
            },
        ))
    }

    async fn operation_cancel(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        path: &models::OperationCancelPathParams,
    ) -> Result<OperationCancelResponse, Error> {
        let row = self.app.operations().cancel(&path.operation_id)?;
        let (status, error) = success();
        Ok(OperationCancelResponse::Status200_CancellationRequested(
            models::OperationEnvelope {
                status,
                data: convert::operation(&row),
                error,
            },
        ))
    }
}
