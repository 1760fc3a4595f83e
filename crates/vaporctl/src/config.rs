//! Where the server is and which token to present.
//!
//! Each setting is taken from the first place that has it:
//!
//! 1. the flag (`--url`, `--token`);
//! 2. the environment (`VAPOR_URL`, `VAPOR_TOKEN`);
//! 3. the profile in `$HOME/.config/vapor/client.toml` named by `--profile`
//!    (or `VAPOR_PROFILE`), else by the file's `default_profile`.
//!
//! ```toml
//! default_profile = "lab"
//!
//! [profiles.lab]
//! url = "http://10.0.0.5:8080"
//! token = "vapor_..."
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::{CliError, Result};
use serde::Deserialize;

/// The client configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientFile {
    /// The profile used when neither `--profile` nor `VAPOR_PROFILE` names one.
    pub default_profile: Option<String>,
    /// Named endpoints.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One named endpoint.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The server's root, e.g. `http://127.0.0.1:8080` (`/api/v1` is added).
    pub url: Option<String>,
    /// A bearer token from `vapor token create`.
    pub token: Option<String>,
}

/// `$HOME/.config/vapor/client.toml`.
pub fn client_file_path() -> Option<PathBuf> {
    home().map(|h| h.join(".config/vapor/client.toml"))
}

/// `$HOME/.cache/vapor`.
pub fn cache_dir() -> Option<PathBuf> {
    home().map(|h| h.join(".cache/vapor"))
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

fn read_client_file() -> Result<ClientFile> {
    let Some(path) = client_file_path() else {
        return Ok(ClientFile::default());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ClientFile::default()),
        Err(e) => Err(CliError::Usage(format!("{}: {e}", path.display()))),
    }
}

/// The endpoint a command talks to.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The server's root, without a trailing slash and without `/api/v1`.
    pub root: String,
    pub token: Option<String>,
}

impl Endpoint {
    /// Resolves flag (clap has already merged in the environment) over profile.
    pub fn resolve(
        url: Option<String>,
        token: Option<String>,
        profile: Option<String>,
    ) -> Result<Endpoint> {
        let file = read_client_file()?;
        let chosen = profile.or(file.default_profile.clone());
        let from_profile = match &chosen {
            Some(name) => Some(file.profiles.get(name).ok_or_else(|| {
                CliError::Usage(format!(
                    "no profile {name:?} in {}",
                    client_file_path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| "the client configuration".into())
                ))
            })?),
            None => None,
        };
        let url = url
            .or_else(|| from_profile.and_then(|p| p.url.clone()))
            .ok_or_else(|| {
                CliError::Usage(
                    "no server: give --url, set VAPOR_URL, or add a profile to ~/.config/vapor/client.toml"
                        .into(),
                )
            })?;
        let token = token.or_else(|| from_profile.and_then(|p| p.token.clone()));
        let mut root = url.trim_end_matches('/').to_owned();
        if let Some(stripped) = root.strip_suffix("/api/v1") {
            root = stripped.to_owned();
        }
        if !(root.starts_with("http://") || root.starts_with("https://")) {
            return Err(CliError::Usage(format!(
                "{url:?} is not an http:// or https:// URL"
            )));
        }
        Ok(Endpoint { root, token })
    }

    /// The SDK's client for this endpoint; its `config()` is what the
    /// generated functions take.
    pub fn client(&self) -> Result<vapor_sdk::Client> {
        let client = vapor_sdk::Client::new(&self.root, self.token.clone().unwrap_or_default())?;
        Ok(client.with_user_agent(format!("vaporctl/{}", env!("CARGO_PKG_VERSION"))))
    }
}
