//! Calls the generated client cannot make as the API defines them.
//!
//! `POST .../{id}/action` answers 200 with the VM for most actions, but 202
//! with an operation for a graceful `shutdown`/`stop` (ACPI, finished when the
//! guest powers off). The generated `vm_action` decodes only the first shape,
//! so the graceful stop is sent here, over reqwest, and either envelope is read.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use vapor_client::apis::configuration::Configuration;
use vapor_client::models::{Operation, VmActionRequest, VmActionResult};

use crate::error::{CliError, Result};

/// What `vm_action` answered.
pub enum ActionReply {
    /// 200: the action is done.
    Done(Box<VmActionResult>),
    /// 202: the guest was asked; the operation ends when it has complied.
    Started(Box<Operation>),
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

/// `vm_action`, accepting both of its success answers.
pub async fn vm_action(
    config: &Configuration,
    vm: &str,
    request: &VmActionRequest,
) -> Result<ActionReply> {
    let url = format!(
        "{}/virtualization/virtualmachines/{}/action",
        config.base_path,
        vapor_client::apis::urlencode(vm)
    );
    let mut builder = config.client.post(url).json(request);
    if let Some(token) = &config.bearer_access_token {
        builder = builder.bearer_auth(token);
    }
    if let Some(agent) = &config.user_agent {
        builder = builder.header("User-Agent", agent);
    }
    let response = builder.send().await?;
    let status = response.status().as_u16();
    let body = response.text().await?;
    match status {
        200 => Ok(ActionReply::Done(Box::new(data(&body)?))),
        202 => Ok(ActionReply::Started(Box::new(data(&body)?))),
        _ => Err(CliError::from_response(status, &body)),
    }
}

fn data<T: DeserializeOwned>(body: &str) -> Result<T> {
    serde_json::from_str::<Envelope<T>>(body)
        .map(|e| e.data)
        .map_err(|e| CliError::Transport(format!("the server's answer could not be read: {e}")))
}
