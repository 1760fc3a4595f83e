//! ISO upload over TUS 1.0.0.
//!
//! Creating and completing the upload go through the generated client; the
//! chunks do not, because TUS needs a byte range per `PATCH` and the
//! `Upload-Offset` header of `HEAD` and `PATCH` answers, which the generated
//! `iso_upload_patch`/`iso_upload_head` do not offer.

use std::io::{Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::Path;

use base64::Engine;
use vapor_client::apis::isos_api;
use vapor_client::models::Iso;

use crate::client::Client;
use crate::error::{Error, Result};

const TUS_VERSION: &str = "1.0.0";

/// Bytes per `PATCH` unless [`Client::with_upload_chunk_size`] says otherwise.
pub const DEFAULT_CHUNK_SIZE: u64 = 4 << 20;

/// Where an upload is, for the progress callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadProgress {
    /// The upload's URL: give it to [`resume_upload`] to continue later.
    pub upload_url: String,
    /// Bytes the server has stored.
    pub offset: u64,
    /// The file's size.
    pub total: u64,
}

/// Uploads the file at `path` as the ISO `name` (which must end in `.iso`)
/// and completes it into the library.
///
/// `progress` is called once the upload is opened (offset 0), after every
/// chunk the server acknowledged, and last (offset = total, its answer
/// ignored) once the upload is completed into the library. Returning `ControlFlow::Break(())` stops the
/// upload there with [`Error::UploadStopped`]; so does a failed request. Either
/// way the error carries the upload's URL, and [`resume_upload`] sends the rest.
/// The server keeps an unfinished upload for `[storage] upload_ttl_hours`.
pub async fn upload_iso(
    client: &Client,
    path: impl AsRef<Path>,
    name: &str,
    progress: impl FnMut(&UploadProgress) -> ControlFlow<()>,
) -> Result<Iso> {
    create_and_send(client, path.as_ref(), &[("filename", name)], progress).await
}

/// [`upload_iso`], recording the image's operating system type too
/// (`linux`, `windows`, ...: the ISO's `os_type` in the library).
pub async fn upload_iso_with_os_type(
    client: &Client,
    path: impl AsRef<Path>,
    name: &str,
    os_type: &str,
    progress: impl FnMut(&UploadProgress) -> ControlFlow<()>,
) -> Result<Iso> {
    let metadata = [("filename", name), ("os_type", os_type)];
    create_and_send(client, path.as_ref(), &metadata, progress).await
}

/// Opens an upload with this TUS metadata and sends the whole file.
async fn create_and_send(
    client: &Client,
    path: &Path,
    metadata: &[(&str, &str)],
    progress: impl FnMut(&UploadProgress) -> ControlFlow<()>,
) -> Result<Iso> {
    let size = file_size(path)?;
    let metadata = encode_metadata(metadata);
    let created = isos_api::iso_upload_create(
        client.config(),
        size as i64,
        Some(&metadata),
        Some(TUS_VERSION),
    )
    .await?
    .data;
    send(
        client,
        path,
        client.url(&created.upload_url),
        0,
        size,
        progress,
    )
    .await
}

/// Continues the upload at `upload_url` (from [`Error::UploadStopped`] or
/// [`UploadProgress`]) with the same file: asks the server for its offset
/// with `HEAD`, sends the rest and completes it.
pub async fn resume_upload(
    client: &Client,
    upload_url: &str,
    path: impl AsRef<Path>,
    progress: impl FnMut(&UploadProgress) -> ControlFlow<()>,
) -> Result<Iso> {
    let path = path.as_ref();
    let size = file_size(path)?;
    let url = client.url(upload_url);
    let (offset, length) = head(client, &url).await?;
    if let Some(length) = length {
        if length != size {
            return Err(Error::Invalid(format!(
                "{} has {size} bytes but the upload expects {length}",
                path.display()
            )));
        }
    }
    send(client, path, url, offset, size, progress).await
}

fn file_size(path: &Path) -> Result<u64> {
    let size = std::fs::metadata(path)
        .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?
        .len();
    if size == 0 {
        return Err(Error::Invalid(format!("{} is empty", path.display())));
    }
    Ok(size)
}

/// Sends `[offset, size)` of the file in chunks, then completes the upload.
async fn send(
    client: &Client,
    path: &Path,
    url: String,
    mut offset: u64,
    size: u64,
    mut progress: impl FnMut(&UploadProgress) -> ControlFlow<()>,
) -> Result<Iso> {
    let stopped = |offset: u64, cause: Option<Error>| Error::UploadStopped {
        upload_url: url.clone(),
        offset,
        cause: cause.map(Box::new),
    };
    let mut report = |offset: u64| {
        progress(&UploadProgress {
            upload_url: url.clone(),
            offset,
            total: size,
        })
    };
    if report(offset).is_break() {
        return Err(stopped(offset, None));
    }
    let chunk = client.chunk_size();
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; chunk.min(size) as usize];
    while offset < size {
        let len = chunk.min(size - offset) as usize;
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(&mut buf[..len])?;
        match patch(client, &url, offset, buf[..len].to_vec()).await {
            Ok(next) => offset = next,
            // The server has other bytes than we thought (an earlier, lost
            // acknowledgement): continue from its offset.
            Err(Error::Api {
                status: 409, code, ..
            }) if code == "OFFSET_MISMATCH" => match head(client, &url).await {
                Ok((server, _)) => offset = server,
                Err(e) => return Err(stopped(offset, Some(e))),
            },
            Err(e) => return Err(stopped(offset, Some(e))),
        }
        if offset < size && report(offset).is_break() {
            return Err(stopped(offset, None));
        }
    }
    let upload_id = url.rsplit('/').next().unwrap_or_default();
    let iso = isos_api::iso_upload_complete(client.config(), upload_id)
        .await
        .map_err(|e| stopped(offset, Some(e.into())))?
        .data;
    let _ = report(size);
    Ok(iso)
}

/// `key <base64 value>,...`.
fn encode_metadata(pairs: &[(&str, &str)]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    pairs
        .iter()
        .map(|(k, v)| format!("{k} {}", b64.encode(v.as_bytes())))
        .collect::<Vec<_>>()
        .join(",")
}

fn tus(client: &Client, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
    client
        .request(method, url)
        .header("Tus-Resumable", TUS_VERSION)
}

/// The server's offset, and `Upload-Length` when it says it.
async fn head(client: &Client, url: &str) -> Result<(u64, Option<u64>)> {
    let response = tus(client, reqwest::Method::HEAD, url).send().await?;
    let status = response.status();
    if !status.is_success() {
        // A HEAD answer has no body, so no error code: the status is all there is.
        return Err(Error::Api {
            status: status.as_u16(),
            code: String::new(),
            message: format!("HEAD {url} answered {status}"),
        });
    }
    let offset = header_u64(&response, "upload-offset")?;
    let length = header_u64(&response, "upload-length").ok();
    Ok((offset, length))
}

/// Sends one chunk at `offset`; the server's new offset.
async fn patch(client: &Client, url: &str, offset: u64, chunk: Vec<u8>) -> Result<u64> {
    let response = tus(client, reqwest::Method::PATCH, url)
        .header("Upload-Offset", offset.to_string())
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/offset+octet-stream",
        )
        .body(chunk)
        .send()
        .await?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(Error::from_response(status.as_u16(), &body));
    }
    header_u64(&response, "upload-offset")
}

fn header_u64(response: &reqwest::Response, name: &str) -> Result<u64> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| Error::Decode(format!("no {name} header in the answer")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_base64_pairs() {
        assert_eq!(
            encode_metadata(&[("filename", "a.iso"), ("os_type", "linux")]),
            "filename YS5pc28=,os_type bGludXg="
        );
    }
}
