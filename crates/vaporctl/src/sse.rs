//! Server-Sent Events, read by hand over reqwest.
//!
//! `GET /events` and `GET .../metrics/stream` answer `text/event-stream`,
//! which the generated client can only read whole (it waits for the end of
//! a stream that does not end). [`connect`] sends the request and
//! [`SseStream::next`] reads the body chunk by chunk
//! ([`reqwest::Response::chunk`], no extra reqwest feature) and splits it
//! into events as the WHATWG `EventSource` parser does: `field: value`
//! lines, `:` comments, and a blank line that ends an event.

use std::time::Duration;

use vapor_client::apis::configuration::Configuration;

use crate::error::{CliError, Result};

/// One event of a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `id:` line, if the event had one.
    pub id: Option<String>,
    /// The `event:` line; `message` when absent.
    pub event: String,
    /// The `data:` lines, joined with newlines.
    pub data: String,
}

/// Why [`SseStream::next`] gave no event.
#[derive(Debug)]
pub enum StreamEnd {
    /// The server closed the stream.
    Closed,
    /// The connection broke, or nothing (not even a keepalive) came for too long.
    Dropped(String),
}

/// An open `text/event-stream` response.
pub struct SseStream {
    response: reqwest::Response,
    parser: Parser,
    /// Gives up on a connection that is silent for this long.
    idle: Option<Duration>,
}

/// Sends `GET base_path + path_and_query` for an event stream.
///
/// An answer other than 2xx is the API's error, read from its envelope; a
/// request that gets no answer is [`CliError::Transport`].
pub async fn connect(
    config: &Configuration,
    path_and_query: &str,
    last_event_id: Option<&str>,
    idle: Option<Duration>,
) -> Result<SseStream> {
    let url = format!("{}{}", config.base_path, path_and_query);
    let mut builder = config
        .client
        .get(url)
        .header("Accept", "text/event-stream")
        .header("Cache-Control", "no-cache");
    if let Some(token) = &config.bearer_access_token {
        builder = builder.bearer_auth(token);
    }
    if let Some(agent) = &config.user_agent {
        builder = builder.header("User-Agent", agent);
    }
    if let Some(id) = last_event_id {
        builder = builder.header("Last-Event-ID", id);
    }
    let response = builder.send().await?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(CliError::from_response(status.as_u16(), &body));
    }
    Ok(SseStream {
        response,
        parser: Parser::default(),
        idle,
    })
}

impl SseStream {
    /// The next event, or why the stream ended.
    pub async fn next(&mut self) -> std::result::Result<SseEvent, StreamEnd> {
        loop {
            if let Some(event) = self.parser.pop() {
                return Ok(event);
            }
            let read = self.response.chunk();
            let chunk = match self.idle {
                Some(limit) => match tokio::time::timeout(limit, read).await {
                    Ok(chunk) => chunk,
                    Err(_) => {
                        return Err(StreamEnd::Dropped(format!(
                            "nothing received for {} s",
                            limit.as_secs()
                        )))
                    }
                },
                None => read.await,
            };
            match chunk {
                Ok(Some(bytes)) => self.parser.feed(&bytes),
                Ok(None) => return Err(StreamEnd::Closed),
                Err(e) => return Err(StreamEnd::Dropped(CliError::from(e).to_string())),
            }
        }
    }
}

/// The incremental `text/event-stream` parser.
#[derive(Debug, Default)]
struct Parser {
    /// Bytes of a line not yet ended.
    line: Vec<u8>,
    /// A `\r` ended the last line: a `\n` right after it belongs to it.
    after_cr: bool,
    /// The event being read.
    id: Option<String>,
    event: String,
    data: Vec<String>,
    /// Events complete and not yet taken.
    ready: std::collections::VecDeque<SseEvent>,
}

impl Parser {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    self.line_done(&String::from_utf8_lossy(&line));
                }
                _ => {
                    self.after_cr = false;
                    self.line.push(b);
                }
            }
        }
    }

    fn line_done(&mut self, line: &str) {
        if line.is_empty() {
            // A blank line ends the event; one without data is not dispatched.
            let event = std::mem::take(&mut self.event);
            let id = self.id.take();
            if !self.data.is_empty() {
                self.ready.push_back(SseEvent {
                    id,
                    event: if event.is_empty() {
                        "message".into()
                    } else {
                        event
                    },
                    data: std::mem::take(&mut self.data).join("\n"),
                });
            }
            return;
        }
        if line.starts_with(':') {
            return; // a comment: `: keepalive`
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "data" => self.data.push(value.to_owned()),
            "event" => self.event = value.to_owned(),
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            _ => {} // `retry` and unknown fields
        }
    }

    fn pop(&mut self) -> Option<SseEvent> {
        self.ready.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut p = Parser::default();
        for c in chunks {
            p.feed(c);
        }
        std::iter::from_fn(|| p.pop()).collect()
    }

    #[test]
    fn events_are_split_at_blank_lines_across_chunks() {
        let events = parse(&[
            b": keepalive\n\nid: 7\nevent: vm.started\nda",
            b"ta: {\"id\":7}\n\nid:8\r\nevent:end\r\ndata:a\r\ndata: b\r\n\r",
            b"\n",
        ]);
        assert_eq!(
            events,
            vec![
                SseEvent {
                    id: Some("7".into()),
                    event: "vm.started".into(),
                    data: "{\"id\":7}".into(),
                },
                SseEvent {
                    id: Some("8".into()),
                    event: "end".into(),
                    data: "a\nb".into(),
                },
            ]
        );
    }

    #[test]
    fn an_unfinished_event_waits_and_one_without_data_is_dropped() {
        assert!(parse(&[b"id: 1\nevent: x\ndata: y\n"]).is_empty());
        assert!(parse(&[b"id: 1\nevent: x\n\n"]).is_empty());
        let plain = parse(&[b"data: hello\n\n"]);
        assert_eq!(plain[0].event, "message");
        assert_eq!(plain[0].id, None);
    }
}
