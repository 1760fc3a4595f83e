//! `iso upload`: the SDK's TUS upload (`upload_iso`, `resume_upload`),
//! resumable across runs of the command.
//!
//! The upload's URL is remembered in `$HOME/.cache/vapor/uploads/KEY.json`
//! as soon as the server has opened it, where KEY hashes the server, the
//! file's canonical path, size and mtime. Running the same command again
//! (after an interruption, however abrupt) resumes that upload: the SDK asks
//! the server for its offset with `HEAD` and sends only the rest. A changed
//! file gets a new key and a new upload. The state file is removed once the
//! upload is complete.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vapor_client::models::Iso;
use vapor_sdk::{Client, UploadProgress};

use crate::config::{cache_dir, Endpoint};
use crate::error::{CliError, Result};
use crate::wait::bytes_style;

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
pub async fn upload(endpoint: &Endpoint, client: &Client, upload: Upload<'_>) -> Result<Iso> {
    let file = std::fs::canonicalize(upload.file)
        .map_err(|e| CliError::Other(format!("{}: {e}", upload.file.display())))?;
    let meta = std::fs::metadata(&file)?;
    let size = meta.len();
    if size == 0 {
        return Err(CliError::Usage(format!("{} is empty", file.display())));
    }
    let state_path = state_path(endpoint, &file, &meta)?;
    let client = client.clone().with_upload_chunk_size(upload.chunk_size);

    let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
    bar.set_style(bytes_style());
    bar.set_message(format!("uploading {}", file.display()));

    let remembered = read_state(&state_path).filter(|s| s.file == file && s.size == size);
    if let Some(state) = remembered {
        let mut first = true;
        let resumed = vapor_sdk::resume_upload(&client, &state.upload_url, &file, |at| {
            if std::mem::take(&mut first) {
                bar.suspend(|| {
                    eprintln!(
                        "resuming the upload at byte {} of {} (the server's offset)",
                        at.offset, at.total
                    )
                });
            }
            bar.set_position(at.offset);
            ControlFlow::Continue(())
        })
        .await;
        match resumed {
            Ok(iso) => return finished(&bar, &state_path, iso),
            // The server no longer has it (expired, cancelled, completed): start over.
            Err(vapor_sdk::Error::Api {
                status: 404 | 410, ..
            }) => remove_state(&state_path),
            Err(e) => return Err(stopped(&bar, e, size)),
        }
    }

    let name = match upload.name {
        Some(n) => n.to_owned(),
        None => file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| CliError::Usage("the file has no name".into()))?,
    };
    let mut remembered = false;
    let mut remember_failed = None;
    // The first call comes once the server has opened the upload, before any byte is sent.
    let mut progress = |at: &UploadProgress| {
        if !std::mem::replace(&mut remembered, true) {
            let state = State {
                upload_url: at.upload_url.clone(),
                file: file.clone(),
                size,
            };
            if let Err(e) = write_state(&state_path, &state) {
                // Without the state file a later run could not resume: stop now.
                remember_failed = Some(e);
                return ControlFlow::Break(());
            }
        }
        bar.set_position(at.offset);
        ControlFlow::Continue(())
    };
    let sent = match upload.os_type {
        Some(os) => {
            vapor_sdk::upload_iso_with_os_type(&client, &file, &name, os, &mut progress).await
        }
        None => vapor_sdk::upload_iso(&client, &file, &name, &mut progress).await,
    };
    if let Some(e) = remember_failed {
        bar.abandon();
        return Err(e);
    }
    match sent {
        Ok(iso) => finished(&bar, &state_path, iso),
        Err(e) => Err(stopped(&bar, e, size)),
    }
}

fn finished(bar: &ProgressBar, state_path: &Path, iso: Iso) -> Result<Iso> {
    bar.finish_and_clear();
    remove_state(state_path);
    Ok(iso)
}

/// A failed upload: where it stopped, and that running the command again resumes it.
fn stopped(bar: &ProgressBar, error: vapor_sdk::Error, size: u64) -> CliError {
    bar.abandon();
    match error {
        vapor_sdk::Error::UploadStopped {
            offset,
            cause: Some(cause),
            ..
        } => CliError::Other(format!(
            "upload interrupted at byte {offset} of {size} ({}); run the command again to resume",
            CliError::from(*cause)
        )),
        vapor_sdk::Error::UploadStopped { offset, .. } => CliError::Other(format!(
            "upload interrupted at byte {offset} of {size}; run the command again to resume"
        )),
        other => other.into(),
    }
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
