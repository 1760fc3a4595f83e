//! A lean HTTP/1.1 client over hyper: one keep-alive connection per
//! [`Conn`], and the fixed-duration load generator of `GET .../{id}`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;

/// One keep-alive connection.
pub struct Conn {
    sender: http1::SendRequest<Full<Bytes>>,
    host: String,
    token: String,
}

impl Conn {
    pub async fn open(addr: SocketAddr, token: &str) -> Result<Self> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn {
            sender,
            host: addr.to_string(),
            token: token.to_owned(),
        })
    }

    /// Sends one request and reads the whole body.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(StatusCode, Bytes)> {
        self.sender.ready().await.context("the connection closed")?;
        let mut req = Request::builder()
            .method(method.clone())
            .uri(path)
            .header("host", &self.host)
            .header("authorization", format!("Bearer {}", self.token));
        let body = match body {
            Some(json) => {
                req = req.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(json)?)
            }
            None => Bytes::new(),
        };
        let resp = self
            .sender
            .send_request(req.body(Full::new(body))?)
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = resp.status();
        let bytes = resp.into_body().collect().await?.to_bytes();
        Ok((status, bytes))
    }

    /// Sends a request that must answer `want`; returns the JSON body (Null
    /// when empty).
    pub async fn expect(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        want: StatusCode,
    ) -> Result<serde_json::Value> {
        let (status, bytes) = self.send(method.clone(), path, body).await?;
        if status != want {
            bail!(
                "{method} {path} answered {status}, not {want}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        if bytes.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&bytes).with_context(|| format!("{method} {path}: not JSON"))
    }
}

/// What the load generator saw.
pub struct Load {
    pub requests: u64,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

/// `connections` keep-alive connections, each sending `GET {path_of(id)}`
/// back to back for `duration` (after `warmup`, not counted), cycling
/// through `ids` from its own offset. Every reply must be 200 and contain
/// its id; the first that is not ends the run with an error.
pub async fn load_get(
    addr: SocketAddr,
    token: &str,
    ids: &[String],
    connections: usize,
    warmup: Duration,
    duration: Duration,
) -> Result<Load> {
    let start_at = Instant::now() + warmup;
    let end_at = start_at + duration;
    let mut tasks = Vec::with_capacity(connections);
    for c in 0..connections {
        let mut conn = Conn::open(addr, token).await?;
        let ids: Vec<String> = ids.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(1 << 14);
            let mut i = c * ids.len() / connections.max(1);
            loop {
                let id = &ids[i % ids.len()];
                i += 1;
                let path = format!("/api/v1/virtualization/virtualmachines/{id}");
                let sent = Instant::now();
                if sent >= end_at {
                    break;
                }
                let (status, body) = conn.send(Method::GET, &path, None).await?;
                let took = sent.elapsed();
                if status != StatusCode::OK {
                    bail!(
                        "GET {path} answered {status}: {}",
                        String::from_utf8_lossy(&body)
                    );
                }
                if !contains(&body, id.as_bytes()) {
                    bail!(
                        "GET {path}: the reply does not name the VM: {}",
                        String::from_utf8_lossy(&body)
                    );
                }
                if sent >= start_at {
                    latencies.push(took);
                }
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.map_err(|e| anyhow!("load task: {e}"))??);
    }
    Ok(Load {
        requests: latencies.len() as u64,
        elapsed: duration,
        latencies,
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Polls `GET /api/v1/health` (no token) on fresh connections until it
/// answers 200; returns when it did.
pub fn wait_healthy(addr: SocketAddr, deadline: Duration) -> Result<Instant> {
    use std::io::{Read, Write};
    let give_up = Instant::now() + deadline;
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(addr) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let req =
                format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            if s.write_all(req.as_bytes()).is_ok() {
                let mut head = [0u8; 12];
                if s.read_exact(&mut head).is_ok() && &head[..] == b"HTTP/1.1 200" {
                    return Ok(Instant::now());
                }
            }
        }
        if Instant::now() > give_up {
            bail!("GET /api/v1/health did not answer 200 within {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
