//! `vm console VM --serial`: this terminal on the VM's serial console.
//!
//! The console WebSocket (`ws_path` of the console session, which carries the
//! one-time token) is raw HTTP: the generated client cannot upgrade a
//! connection. Bytes typed go to the guest's serial port in binary frames,
//! and what the guest writes is copied to stdout. On a terminal, stdin is in
//! raw mode while attached (so Ctrl-C and friends reach the guest), restored
//! when the command ends. Ctrl-] detaches. When stdin is not a terminal and
//! ends, the session is detached once the console has been silent for
//! [`LINGER`], so that the guest's answer to piped input is still printed.

use std::io::IsTerminal;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::error::{CliError, Result};

/// Ctrl-]: the byte that detaches.
const DETACH: u8 = 0x1d;

/// How long the console may stay silent after stdin ended before detaching.
const LINGER: Duration = Duration::from_secs(1);

/// How a session ended.
pub enum Ended {
    /// Ctrl-] or the end of stdin.
    Detached,
    /// The server closed the socket, with its reason (e.g. the VM stopped).
    Closed(String),
}

/// `ws://` (or `wss://`) URL of the WebSocket at `ws_path` (under `/api/v1`).
pub fn websocket_url(root: &str, ws_path: &str) -> Result<String> {
    let base = if let Some(rest) = root.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if let Some(rest) = root.strip_prefix("https://") {
        format!("wss://{rest}")
    } else {
        return Err(CliError::Usage(format!(
            "{root:?} is not an http:// or https:// URL"
        )));
    };
    let path = if ws_path.starts_with("/api/") {
        ws_path.to_owned()
    } else {
        format!("/api/v1/{}", ws_path.trim_start_matches('/'))
    };
    Ok(format!("{base}{path}"))
}

/// Attaches stdin and stdout to the serial console at `url` until detached
/// or closed.
pub async fn attach(url: &str, vm: &str) -> Result<Ended> {
    let mut request = url
        .into_client_request()
        .map_err(|e| CliError::Usage(format!("the console URL is not usable: {e}")))?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", HeaderValue::from_static("binary"));
    let socket = match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => socket,
        Err(WsError::Http(response)) => {
            let body = response
                .body()
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            return Err(CliError::from_response(response.status().as_u16(), &body));
        }
        Err(e) => {
            return Err(CliError::Transport(format!(
                "cannot open the console WebSocket: {e}"
            )))
        }
    };
    let raw = RawMode::enable();
    let newline = if raw.is_some() { "\r\n" } else { "\n" };
    eprint!("attached to the serial console of {vm}; Ctrl-] detaches{newline}");

    let (mut to_console, mut from_console) = socket.split();
    let mut stdin = tokio::io::stdin();
    let mut stdout = tokio::io::stdout();
    let mut typed = vec![0u8; 4096];
    let mut stdin_open = true;
    let linger = tokio::time::sleep(LINGER);
    tokio::pin!(linger);
    let ended = loop {
        tokio::select! {
            read = stdin.read(&mut typed), if stdin_open => {
                let n = read?;
                if n == 0 {
                    stdin_open = false;
                    linger.as_mut().reset(tokio::time::Instant::now() + LINGER);
                    continue;
                }
                let chunk = &typed[..n];
                let detach_at = chunk.iter().position(|b| *b == DETACH);
                let send = &chunk[..detach_at.unwrap_or(n)];
                if !send.is_empty() {
                    to_console
                        .send(Message::binary(send.to_vec()))
                        .await
                        .map_err(lost)?;
                }
                if detach_at.is_some() {
                    break Ended::Detached;
                }
            }
            message = from_console.next() => match message {
                Some(Ok(Message::Binary(bytes))) => {
                    stdout.write_all(&bytes).await?;
                    stdout.flush().await?;
                    linger.as_mut().reset(tokio::time::Instant::now() + LINGER);
                }
                Some(Ok(Message::Text(text))) => {
                    stdout.write_all(text.as_bytes()).await?;
                    stdout.flush().await?;
                    linger.as_mut().reset(tokio::time::Instant::now() + LINGER);
                }
                Some(Ok(Message::Close(frame))) => {
                    break Ended::Closed(
                        frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                    );
                }
                // Pings are answered by the socket itself.
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(lost(e)),
                None => break Ended::Closed(String::new()),
            },
            _ = &mut linger, if !stdin_open => break Ended::Detached,
        }
    };
    if let Ended::Detached = ended {
        // A polite close; the server ends the session either way.
        let _ = to_console.send(Message::Close(None)).await;
        let _ = to_console.close().await;
    }
    drop(raw);
    match &ended {
        Ended::Detached => eprintln!("\ndetached from the serial console of {vm}"),
        Ended::Closed(reason) if reason.is_empty() => {
            eprintln!("\nthe serial console of {vm} closed")
        }
        Ended::Closed(reason) => eprintln!("\nthe serial console of {vm} closed: {reason}"),
    }
    Ok(ended)
}

fn lost(e: WsError) -> CliError {
    CliError::Transport(format!("the console connection failed: {e}"))
}

/// stdin in raw mode while this lives; the settings before are restored when dropped.
struct RawMode {
    saved: libc::termios,
}

impl RawMode {
    /// Raw mode when stdin is a terminal; `None` otherwise (or when the
    /// terminal refuses, in which case it is left as it is).
    fn enable() -> Option<RawMode> {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        // SAFETY: termios is plain data; tcgetattr fills it for fd 0, which
        // is open (it is a terminal), and the result is checked.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut saved) } != 0 {
            return None;
        }
        let mut raw = saved;
        // SAFETY: cfmakeraw only changes the struct it is given; tcsetattr
        // reads a valid termios for an open descriptor.
        unsafe { libc::cfmakeraw(&mut raw) };
        if unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &raw) } != 0 {
            return None;
        }
        Some(RawMode { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: restores the settings read from the same descriptor.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.saved) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_urls_follow_the_server_url() {
        assert_eq!(
            websocket_url(
                "http://h:8080",
                "/virtualization/virtualmachines/u/console/ws?token=t"
            )
            .unwrap(),
            "ws://h:8080/api/v1/virtualization/virtualmachines/u/console/ws?token=t"
        );
        assert_eq!(
            websocket_url("https://h", "/api/v1/x/console/ws?token=t").unwrap(),
            "wss://h/api/v1/x/console/ws?token=t"
        );
        assert!(websocket_url("ftp://h", "/x").is_err());
    }
}
