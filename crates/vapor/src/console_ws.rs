//! The console WebSocket (`GET /api/v1/.../virtualmachines/{id}/console/ws?token=`).
//!
//! The generated router cannot upgrade a connection, so this route is placed
//! ahead of it (see [`crate::http::router`]). A request goes like this:
//! 1. Without WebSocket upgrade headers it is refused with 400 and the token
//!    is left unspent.
//! 2. The application spends the one-time token and says where the console
//!    is now ([`Vapor::console_connect`]): 401, 404 or 409 otherwise.
//! 3. Vapor connects to the console (the display server's TCP port, or the
//!    serial port's pseudo-terminal) before it upgrades, so that a console
//!    nothing answers on is a 409 reply rather than a socket that closes at once.
//! 4. The connection is upgraded (echoing the subprotocol `binary` when the
//!    client offers it, as noVNC does) and bytes are carried both ways in
//!    binary frames until either side closes. The VM stopping closes the
//!    console's side; Vapor also checks every few seconds that the console
//!    is still there, and closes the socket with a reason when it is not.

use std::collections::HashMap;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use vapor_core::api::error_response;
use vapor_core::app::{ConsoleConnection, Vapor};
use vapor_core::{Error, Refusal};
use vapor_hypervisor::ConsoleAddress;

/// The path of the console WebSocket.
pub const WS_PATH: &str = "/api/v1/virtualization/virtualmachines/{id}/console/ws";

/// The error code of a console that nothing answers on.
pub const CONSOLE_UNREACHABLE: &str = "CONSOLE_UNREACHABLE";

/// How often an open session checks that its console is still there.
const CHECK_EVERY: Duration = Duration::from_secs(2);

/// How often, and how many times, a console that closed is checked for the
/// VM having stopped, to tell the client why the session ended.
const STOP_CHECK_EVERY: Duration = Duration::from_millis(200);
const STOP_CHECKS: u32 = 15;

/// How long connecting to a display server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The most bytes read from the console into one frame.
const READ_CHUNK: usize = 64 * 1024;

/// The console WebSocket route.
pub fn routes(app: Arc<Vapor>) -> Router {
    Router::new().route(WS_PATH, get(connect)).with_state(app)
}

type Reader = Box<dyn AsyncRead + Send + Unpin>;
type Writer = Box<dyn AsyncWrite + Send + Unpin>;

async fn connect(
    State(app): State<Arc<Vapor>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return error_response(&Error::InvalidRequest {
            field: None,
            message: "WebSocket upgrade required: connect with a WebSocket client".into(),
        });
    };
    let connection = match app
        .console_connect(&id, query.get("token").map(String::as_str))
        .await
    {
        Ok(c) => c,
        Err(e) => return error_response(&e),
    };
    let (reader, writer) = match open(&connection.address).await {
        Ok(io) => io,
        Err(e) => {
            return error_response(&Error::refused(
                Refusal::Conflict,
                CONSOLE_UNREACHABLE,
                format!(
                    "could not connect to the {} console of virtual machine '{}' at {}: {e}",
                    connection.kind.as_str(),
                    connection.vm_name,
                    describe(&connection.address)
                ),
            ))
        }
    };
    tracing::info!(
        vm = %connection.vm_name,
        console = connection.kind.as_str(),
        address = %describe(&connection.address),
        "console session opened"
    );
    upgrade
        .protocols(["binary"])
        .on_upgrade(move |socket| async move {
            let reason = carry(socket, reader, writer, &app, &connection).await;
            tracing::info!(
                vm = %connection.vm_name,
                console = connection.kind.as_str(),
                reason,
                "console session closed"
            );
        })
        .into_response()
}

fn describe(address: &ConsoleAddress) -> String {
    match address {
        ConsoleAddress::Tcp { host, port } if host.contains(':') => format!("[{host}]:{port}"),
        ConsoleAddress::Tcp { host, port } => format!("{host}:{port}"),
        ConsoleAddress::Pty { path } => path.clone(),
    }
}

/// Connects to the console.
async fn open(address: &ConsoleAddress) -> std::io::Result<(Reader, Writer)> {
    match address {
        ConsoleAddress::Tcp { host, port } => {
            let stream = tokio::time::timeout(
                CONNECT_TIMEOUT,
                tokio::net::TcpStream::connect((host.as_str(), *port)),
            )
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out"))??;
            stream.set_nodelay(true)?;
            let (r, w) = stream.into_split();
            Ok((Box::new(r), Box::new(w)))
        }
        ConsoleAddress::Pty { path } => {
            // Non-blocking, so that the runtime polls it; never as the
            // controlling terminal of this process, whose end would hang it up.
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NOCTTY | libc::O_NONBLOCK)
                .open(path)?;
            let reader = tokio::net::unix::pipe::Receiver::from_file_unchecked(file.try_clone()?)?;
            let writer = tokio::net::unix::pipe::Sender::from_file_unchecked(file)?;
            Ok((Box::new(reader), Box::new(writer)))
        }
    }
}

/// Carries bytes between the socket and the console until one side ends;
/// returns why it ended.
async fn carry(
    mut socket: WebSocket,
    mut reader: Reader,
    mut writer: Writer,
    app: &Vapor,
    connection: &ConsoleConnection,
) -> &'static str {
    let mut buf = vec![0u8; READ_CHUNK];
    let mut check = tokio::time::interval(CHECK_EVERY);
    check.tick().await;
    let closing = |reason: &'static str| {
        Message::Close(Some(CloseFrame {
            code: close_code::NORMAL,
            reason: reason.into(),
        }))
    };
    loop {
        tokio::select! {
            read = reader.read(&mut buf) => {
                match read {
                    Ok(0) | Err(_) => {
                        // A pseudo-terminal whose other end closed reads EIO.
                        let reason = if stopped_soon(app, connection).await {
                            "the virtual machine stopped"
                        } else {
                            "the console closed the connection"
                        };
                        let _ = socket.send(closing(reason)).await;
                        return reason;
                    }
                    Ok(n) => {
                        let frame = Message::Binary(buf[..n].to_vec().into());
                        if socket.send(frame).await.is_err() {
                            return "the client went away";
                        }
                    }
                }
            }
            message = socket.recv() => {
                let data = match message {
                    Some(Ok(Message::Binary(data))) => data,
                    Some(Ok(Message::Text(text))) => text.as_str().as_bytes().to_vec().into(),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_))) | None => {
                        // Sends the reply to the client's close frame.
                        let _ = socket.send(Message::Close(None)).await;
                        let _ = writer.shutdown().await;
                        return "the client closed the connection";
                    }
                    Some(Err(_)) => return "the client went away",
                };
                if writer.write_all(&data).await.is_err() {
                    let _ = socket.send(closing("the console closed the connection")).await;
                    return "the console closed the connection";
                }
            }
            _ = check.tick() => {
                if !app.console_still_open(connection).await {
                    let reason = "the virtual machine stopped";
                    let _ = socket.send(closing(reason)).await;
                    return reason;
                }
            }
        }
    }
}

/// Whether the VM stopped, given that its console just closed: QEMU's end
/// closes as its process exits, a moment before libvirt reports the VM off.
async fn stopped_soon(app: &Vapor, connection: &ConsoleConnection) -> bool {
    for _ in 0..STOP_CHECKS {
        if !app.console_still_open(connection).await {
            return true;
        }
        tokio::time::sleep(STOP_CHECK_EVERY).await;
    }
    false
}
