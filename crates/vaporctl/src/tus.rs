//! ISO upload over TUS 1.0.0, resumable across runs.
//!
//! Hand-written over reqwest rather than the generated client: the generated
//! `iso_upload_patch` sends a whole file as the body and `iso_upload_head`
//! drops the `Upload-Offset` header, while TUS needs a byte range per `PATCH`
//! and the offset from `HEAD`. Creating and completing the upload go through
//! the generated client.
//!
//! The upload's URL is remembered in `$HOME/.cache/vapor/uploads/KEY.json`,
//! where KEY hashes the server, the file's canonical path, size and mtime, so
//! running the same command again (after an interruption) asks the server for
//! its offset with `HEAD` and sends only the rest. A changed file gets a new key
//! and a new upload. The state file is removed once the upload is complete.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use base64::Engine;
use indicatif::{ProgressBar, ProgressDrawTarget};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vapor_client::apis::configuration::Configuration;
use vapor_client::apis::isos_api;
use vapor_client::models::Iso;

use crate::config::{cache_dir, Endpoint};
use crate::error::{CliError, Result};
use crate::wait::bytes_style;

const TUS_VERSION: &str = "1.0.0";

/// Stops the upload after this many chunks, as if the connection had dropped:
/// the way the resume path is exercised by the command-line tests.
pub const STOP_AFTER_CHUNKS_ENV: &str = "VAPORCTL_STOP_AFTER_CHUNKS";

/// What to upload.
pub struct Upload<'a> {
    pub file: &'a Path,
    /// The ISO's name in the library; the file name when absent.
    pub name: Option<&'a str>,
    pub os_type: Option<&'a str>,
    pub chunk_size: u64,
}

/// The state file's content.
#[derive(Debug, Serialize, Deserialize)]
struct State {
    upload_url: String,
    file: PathBuf,
    size: u64,
}

/// Uploads (or resumes uploading) `upload.file` and completes it into the library.
pub async fn upload(
    endpoint: &Endpoint,
    config: &Configuration,
    upload: Upload<'_>,
) -> Result<Iso> {
    let file = std::fs::canonicalize(upload.file)
        .map_err(|e| CliError::Other(format!("{}: {e}", upload.file.display())))?;
    let meta = std::fs::metadata(&file)?;
    let size = meta.len();
    if size == 0 {
        return Err(CliError::Usage(format!("{} is empty", file.display())));
    }
    let state_path = state_path(endpoint, &file, &meta)?;

    let mut resumed = None;
    if let Some(state) = read_state(&state_path) {
        if state.file == file && state.size == size {
            let url = absolute(endpoint, &state.upload_url);
            match head_offset(config, &url).await? {
                Some(offset) => resumed = Some((url, offset)),
                None => remove_state(&state_path),
            }
        }
    }
    let (url, mut offset) = match resumed {
        Some(found) => found,
        None => {
            let name = match upload.name {
                Some(n) => n.to_owned(),
                None => file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .ok_or_else(|| CliError::Usage("the file has no name".into()))?,
            };
            let mut pairs = vec![("filename", name)];
            if let Some(os) = upload.os_type {
                pairs.push(("os_type", os.to_owned()));
            }
            let metadata = encode_metadata(&pairs);
            let created = isos_api::iso_upload_create(
                config,
                size as i64,
                Some(&metadata),
                Some(TUS_VERSION),
            )
            .await?
            .data;
            write_state(
                &state_path,
                &State {
                    upload_url: created.upload_url.clone(),
                    file: file.clone(),
                    size,
                },
            )?;
            (absolute(endpoint, &created.upload_url), 0)
        }
    };
    let upload_id = url.rsplit('/').next().unwrap_or_default().to_owned();

    let stop_after: Option<u64> = std::env::var(STOP_AFTER_CHUNKS_ENV)
        .ok()
        .and_then(|v| v.parse().ok());
    let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
    bar.set_style(bytes_style());
    bar.set_position(offset);
    bar.set_message(format!("uploading {}", file.display()));
    let mut reader = std::fs::File::open(&file)?;
    let mut sent_chunks = 0u64;
    let mut buf = vec![0u8; upload.chunk_size as usize];
    while offset < size {
        if stop_after == Some(sent_chunks) {
            bar.abandon();
            return Err(CliError::Other(format!(
                "upload interrupted at byte {offset} of {size}; run the command again to resume"
            )));
        }
        let len = upload.chunk_size.min(size - offset) as usize;
        reader.seek(SeekFrom::Start(offset))?;
        reader.read_exact(&mut buf[..len])?;
        match patch(config, &url, offset, buf[..len].to_vec()).await {
            Ok(next) => offset = next,
            // Someone else (an earlier run) moved the offset: ask where it is.
            Err(CliError::Api {
                status: 409, code, ..
            }) if code == "OFFSET_MISMATCH" => {
                offset = head_offset(config, &url).await?.ok_or_else(|| {
                    CliError::Other("the upload disappeared while it was sent".into())
                })?;
            }
            Err(e) => {
                bar.abandon();
                return Err(e);
            }
        }
        bar.set_position(offset);
        sent_chunks += 1;
    }
    bar.finish_and_clear();
    let iso = isos_api::iso_upload_complete(config, &upload_id)
        .await?
        .data;
    remove_state(&state_path);
    Ok(iso)
}

/// `filename <base64>,os_type <base64>`.
fn encode_metadata(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k} {}",
                base64::engine::general_purpose::STANDARD.encode(v.as_bytes())
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn absolute(endpoint: &Endpoint, url: &str) -> String {
    if url.starts_with('/') {
        format!("{}{url}", endpoint.root)
    } else {
        url.to_owned()
    }
}

fn authorized(config: &Configuration, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    let request = request.header("Tus-Resumable", TUS_VERSION);
    match &config.bearer_access_token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
}

/// The server's offset, or `None` when the upload is gone (expired, cancelled, completed).
async fn head_offset(config: &Configuration, url: &str) -> Result<Option<u64>> {
    let response = authorized(config, config.client.head(url)).send().await?;
    let status = response.status().as_u16();
    if matches!(status, 404 | 410) {
        return Ok(None);
    }
    if !response.status().is_success() {
        return Err(CliError::from_response(status, ""));
    }
    offset_header(&response).map(Some)
}

/// Sends one chunk at `offset`; the new offset.
async fn patch(config: &Configuration, url: &str, offset: u64, chunk: Vec<u8>) -> Result<u64> {
    let response = authorized(config, config.client.patch(url))
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(chunk)
        .send()
        .await?;
    let status = response.status().as_u16();
    if !response.status().is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(CliError::from_response(status, &body));
    }
    offset_header(&response)
}

fn offset_header(response: &reqwest::Response) -> Result<u64> {
    response
        .headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| CliError::Transport("the server did not say the upload's offset".into()))
}

fn state_path(endpoint: &Endpoint, file: &Path, meta: &std::fs::Metadata) -> Result<PathBuf> {
    let dir = cache_dir()
        .ok_or_else(|| CliError::Usage("HOME is not set: nowhere to remember uploads".into()))?
        .join("uploads");
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut hash = Sha256::new();
    hash.update(endpoint.root.as_bytes());
    hash.update([0]);
    hash.update(file.as_os_str().as_encoded_bytes());
    hash.update([0]);
    hash.update(meta.len().to_le_bytes());
    hash.update(mtime.to_le_bytes());
    let key: String = hash
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(dir.join(format!("{key}.json")))
}

fn read_state(path: &Path) -> Option<State> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_state(path: &Path, state: &State) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string(state).map_err(|e| CliError::Other(e.to_string()))?;
    std::fs::write(path, text)?;
    Ok(())
}

fn remove_state(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// `4M`, `512K`, `1G` or plain bytes.
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 4M, 512K, 1048576)"))?;
    let factor = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KIB" => 1 << 10,
        "M" | "MIB" => 1 << 20,
        "G" | "GIB" => 1 << 30,
        _ => return Err(format!("unknown unit {unit:?} (use K, M or G)")),
    };
    let size = n * factor;
    if size == 0 {
        return Err("the size must be positive".into());
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_metadata() {
        assert_eq!(parse_size("4M"), Ok(4 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("3X").is_err());
        assert_eq!(
            encode_metadata(&[("filename", "a.iso".into()), ("os_type", "linux".into())]),
            "filename YS5pc28=,os_type bGludXg="
        );
    }
}
