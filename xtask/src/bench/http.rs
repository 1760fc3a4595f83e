//! A lean HTTP/1.1 client over hyper: one keep-alive connection per
//! [`Conn`], the fixed-duration load generator of `GET .../{id}` that stops
//! at the first wrong reply ([`load_get`], the bench), and the one of a
//! get/list mix that counts wrong replies and goes on ([`load_mixed`], the
//! soak).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
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

/// Checks a list reply; the caller knows what it must hold.
pub type ListCheck = Arc<dyn Fn(StatusCode, &[u8]) -> Result<()> + Send + Sync>;

/// What [`load_mixed`] sends, and for how long.
pub struct Mix {
    /// The VMs `GET .../{id}` cycles over.
    pub ids: Vec<String>,
    /// Every `list_every`-th request of a connection is the list.
    pub list_every: usize,
    pub check_list: ListCheck,
    pub connections: usize,
    /// Sent and checked, but not in the latencies.
    pub warmup: Duration,
    /// Measured, after the warm-up.
    pub duration: Duration,
    /// Ends the load early when set (the server has died).
    pub stop: Arc<AtomicBool>,
}

/// What [`load_mixed`] saw.
pub struct MixedLoad {
    /// Latencies of the replies to requests sent after the warm-up, by kind.
    pub gets: Vec<Duration>,
    pub lists: Vec<Duration>,
    /// Wrong replies (status, body), lost connections and timeouts, warm-up
    /// included, and the first few of their texts.
    pub errors: Errors,
    /// From the end of the warm-up to the end of the load: `duration`, or
    /// less when `stop` ended it early.
    pub elapsed: Duration,
    /// The connections, still open, so that the server can be measured
    /// holding them; dropping them closes them.
    pub conns: Vec<Conn>,
}

#[derive(Default)]
pub struct Errors {
    pub count: u64,
    pub first: Vec<String>,
}

impl Errors {
    /// How many error texts are kept.
    pub const KEEP: usize = 5;

    fn note(&mut self, text: String) {
        self.count += 1;
        if self.first.len() < Self::KEEP {
            self.first.push(text);
        }
    }
}

/// A request that has no reply after this long is an error, and its
/// connection is replaced.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// `mix.connections` keep-alive connections, each sending back to back, for
/// the warm-up and then `mix.duration`: `GET .../{id}` cycling through
/// `mix.ids` from its own offset, and every `mix.list_every`-th request
/// the list (staggered across connections). A get must answer 200 with a
/// JSON envelope of that VM ([`check_get`]), a list must pass
/// `mix.check_list`. A wrong reply is counted and the connection goes on; a
/// lost or timed-out connection is counted and reopened (a failed reopen
/// counts too, and is retried after 100 ms). Errors only end it when a
/// connection cannot be opened at the start.
pub async fn load_mixed(addr: SocketAddr, token: &str, mix: Mix) -> Result<MixedLoad> {
    let start_at = Instant::now() + mix.warmup;
    let end_at = start_at + mix.duration;
    let ids = Arc::new(mix.ids);
    let errors = Arc::new(Mutex::new(Errors::default()));
    let list_every = mix.list_every.max(1);
    let mut tasks = Vec::with_capacity(mix.connections);
    for c in 0..mix.connections {
        let first = Conn::open(addr, token).await?;
        let (ids, errors, stop) = (Arc::clone(&ids), Arc::clone(&errors), Arc::clone(&mix.stop));
        let check_list = Arc::clone(&mix.check_list);
        let token = token.to_owned();
        tasks.push(tokio::spawn(async move {
            let note = |e: String| errors.lock().unwrap().note(e);
            let (mut gets, mut lists) = (Vec::with_capacity(1 << 14), Vec::new());
            let mut conn = Some(first);
            let mut i = c * ids.len() / mix.connections;
            let mut n = c;
            loop {
                let sent = Instant::now();
                if sent >= end_at || stop.load(Ordering::Relaxed) {
                    break;
                }
                let Some(open) = conn.as_mut() else {
                    match Conn::open(addr, &token).await {
                        Ok(fresh) => conn = Some(fresh),
                        Err(e) => {
                            note(format!("reopening a connection: {e:#}"));
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                    continue;
                };
                let list = n % list_every == list_every - 1;
                n += 1;
                let (path, id) = if list {
                    (super::VMS.to_owned(), None)
                } else {
                    let id = &ids[i % ids.len()];
                    i += 1;
                    (format!("{}/{id}", super::VMS), Some(id))
                };
                let reply =
                    tokio::time::timeout(REQUEST_TIMEOUT, open.send(Method::GET, &path, None))
                        .await;
                let took = sent.elapsed();
                let checked = match reply {
                    Err(_) => {
                        conn = None;
                        note(format!("GET {path}: no reply within {REQUEST_TIMEOUT:?}"));
                        continue;
                    }
                    Ok(Err(e)) => {
                        conn = None;
                        note(format!("{e:#}"));
                        continue;
                    }
                    Ok(Ok((status, body))) => match id {
                        Some(id) => check_get(status, &body, id),
                        None => check_list(status, &body),
                    },
                };
                match checked {
                    Err(e) => note(format!("{e:#}")),
                    Ok(()) if sent >= start_at => {
                        let kind = if list { &mut lists } else { &mut gets };
                        kind.push(took);
                    }
                    Ok(()) => {}
                }
            }
            (gets, lists, conn)
        }));
    }
    let (mut gets, mut lists, mut conns) = (Vec::new(), Vec::new(), Vec::new());
    for t in tasks {
        let (g, l, c) = t.await.map_err(|e| anyhow!("load task: {e}"))?;
        gets.extend(g);
        lists.extend(l);
        conns.extend(c);
    }
    let elapsed = Instant::now()
        .min(end_at)
        .saturating_duration_since(start_at);
    let errors = std::mem::take(&mut *errors.lock().unwrap());
    Ok(MixedLoad {
        gets,
        lists,
        errors,
        elapsed,
        conns,
    })
}

/// Checks a `GET .../virtualmachines/{id}` reply: 200, and a JSON envelope
/// (`status` "success") whose `data` is the VM `id`.
pub fn check_get(status: StatusCode, body: &[u8], id: &str) -> Result<()> {
    let path = format!("{}/{id}", super::VMS);
    let excerpt = || String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
    if status != StatusCode::OK {
        bail!("GET {path} answered {status}: {}", excerpt());
    }
    let v: serde_json::Value = serde_json::from_slice(body)
        .with_context(|| format!("GET {path}: not JSON: {}", excerpt()))?;
    if v["status"] != "success" || v["data"]["uuid"] != id || !v["data"]["name"].is_string() {
        bail!(
            "GET {path}: not a success envelope of that VM: {}",
            excerpt()
        );
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0b5e3f6c-4d2a-4c1e-9f7a-2d8b6c1a9e01";

    #[test]
    fn a_get_reply_must_be_a_success_envelope_of_the_vm() {
        let good =
            format!(r#"{{"status":"success","data":{{"uuid":"{ID}","name":"a"}},"error":null}}"#);
        check_get(StatusCode::OK, good.as_bytes(), ID).unwrap();

        let other = good.replace("0b5e", "1b5e");
        let failed =
            format!(r#"{{"status":"error","data":{{"uuid":"{ID}","name":"a"}},"error":null}}"#);
        for (status, body, says) in [
            (StatusCode::NOT_FOUND, good.as_str(), "answered 404"),
            (StatusCode::OK, &good[..good.len() - 1], "not JSON"),
            (StatusCode::OK, other.as_str(), "not a success envelope"),
            (StatusCode::OK, failed.as_str(), "not a success envelope"),
        ] {
            let e = check_get(status, body.as_bytes(), ID).unwrap_err();
            assert!(format!("{e:#}").contains(says), "{e:#}");
        }
    }

    #[test]
    fn errors_are_all_counted_and_the_first_few_kept() {
        let mut e = Errors::default();
        for i in 0..Errors::KEEP + 3 {
            e.note(format!("e{i}"));
        }
        assert_eq!(e.count, Errors::KEEP as u64 + 3);
        assert_eq!(e.first.len(), Errors::KEEP);
        assert_eq!(e.first[0], "e0");
    }
}
