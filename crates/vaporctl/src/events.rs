//! `vaporctl events` and `vaporctl vm metrics --watch`: following the
//! server's Server-Sent Events (see [`crate::sse`]).
//!
//! `events` reconnects when the connection drops, 1 s later, with
//! `Last-Event-ID` set to the last id it saw, so the server replays what came
//! in between: nothing is missed or printed twice. A `resync` (the server no
//! longer holds the events after that id) is a warning on stderr.

use std::time::Duration;

use serde_json::Value;
use vapor_client::apis::configuration::Configuration;
use vapor_client::apis::urlencode;

use crate::error::{CliError, Result};
use crate::output::{Format, Printer};
use crate::sse::{self, SseEvent, SseStream, StreamEnd};

/// The wait before reconnecting.
const BACKOFF: Duration = Duration::from_secs(1);
/// The server sends a keepalive every 15 s: three missed ones mean a dead connection.
const EVENTS_IDLE: Duration = Duration::from_secs(45);

/// What `vaporctl events` follows.
pub struct EventsRequest {
    pub vm: Option<String>,
    pub types: Option<String>,
    pub after: Option<String>,
    /// Exit after this many events.
    pub count: Option<u64>,
}

/// Follows `GET /events` until `count` events were printed (or forever).
pub async fn follow_events(
    config: &Configuration,
    printer: Printer,
    req: EventsRequest,
) -> Result<()> {
    let mut query = Vec::new();
    if let Some(vm) = &req.vm {
        query.push(format!("vm={}", urlencode(vm)));
    }
    if let Some(types) = &req.types {
        query.push(format!("types={}", urlencode(types)));
    }
    let path = if query.is_empty() {
        "/events".to_owned()
    } else {
        format!("/events?{}", query.join("&"))
    };
    let mut last_id = req.after.clone();
    let mut printed = 0u64;
    if req.count == Some(0) {
        return Ok(());
    }
    // The first connection must succeed; later ones are retried.
    let mut stream =
        Some(sse::connect(config, &path, last_id.as_deref(), Some(EVENTS_IDLE)).await?);
    loop {
        let mut current = match stream.take() {
            Some(s) => s,
            None => reconnect(config, &path, last_id.as_deref(), Some(EVENTS_IDLE)).await?,
        };
        loop {
            match current.next().await {
                Ok(event) => {
                    if let Some(id) = &event.id {
                        // A resync restarts the count at the server's newest id,
                        // which may be below an id the server never gave out.
                        if event.event != "resync" && is_repeat(last_id.as_deref(), id) {
                            continue;
                        }
                        last_id = Some(id.clone());
                    }
                    if print_event(printer, &event)? {
                        printed += 1;
                        if req.count.is_some_and(|n| printed >= n) {
                            return Ok(());
                        }
                    }
                }
                Err(StreamEnd::Closed) => break,
                Err(StreamEnd::Dropped(why)) => {
                    eprintln!("warning: the event stream dropped ({why}); reconnecting");
                    break;
                }
            }
        }
    }
}

/// Connects again after a drop: every [`BACKOFF`] while the server is
/// away (saying so once), until it answers or refuses.
async fn reconnect(
    config: &Configuration,
    path: &str,
    last_id: Option<&str>,
    idle: Option<Duration>,
) -> Result<SseStream> {
    let mut warned = false;
    loop {
        tokio::time::sleep(BACKOFF).await;
        match sse::connect(config, path, last_id, idle).await {
            Ok(stream) => {
                if warned {
                    eprintln!("warning: reconnected");
                }
                return Ok(stream);
            }
            Err(e) if retryable(&e) => {
                if !warned {
                    eprintln!("warning: cannot reconnect yet, retrying every second: {e}");
                    warned = true;
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Whether a failed reconnect is worth another try: the server is away or
/// restarting, rather than refusing us.
fn retryable(error: &CliError) -> bool {
    match error {
        CliError::Transport(_) => true,
        CliError::Api { status, .. } => *status >= 500,
        _ => false,
    }
}

/// An event the client has seen already (ids only grow).
fn is_repeat(last: Option<&str>, id: &str) -> bool {
    match (last.and_then(|l| l.parse::<u64>().ok()), id.parse::<u64>()) {
        (Some(last), Ok(id)) => id <= last,
        _ => false,
    }
}

/// Prints one event; false when it was not an event for stdout (a resync).
fn print_event(printer: Printer, event: &SseEvent) -> Result<bool> {
    let data: Value = serde_json::from_str(&event.data).unwrap_or_else(
        |_| serde_json::json!({ "type": event.event, "id": event.id, "message": event.data }),
    );
    if event.event == "resync" {
        let message = data["message"].as_str().unwrap_or("events were missed");
        eprintln!("warning: resync: {message}");
        return Ok(false);
    }
    match printer.format {
        Format::Table => emit(&format!("{}\n", event_line(event, &data))),
        _ => stream_item(printer, &data)?,
    }
    Ok(true)
}

/// `<id>  <time>  <type>  <vm or operation>  <detail>`.
fn event_line(event: &SseEvent, data: &Value) -> String {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let id = event
        .id
        .clone()
        .or_else(|| data["id"].as_i64().map(|i| i.to_string()))
        .unwrap_or_else(|| "-".into());
    let time = text(&data["time"]).unwrap_or_else(|| "-".into());
    let kind = text(&data["type"]).unwrap_or_else(|| event.event.clone());
    let op = &data["operation"];
    let subject = text(&data["vm"]["name"])
        .or_else(|| text(&op["id"]))
        .unwrap_or_else(|| "-".into());
    let detail = if op.is_object() {
        let mut parts = vec![
            text(&op["kind"]).unwrap_or_default(),
            text(&op["target"]).unwrap_or_default(),
            text(&op["status"]).unwrap_or_default(),
        ];
        if kind == "operation.progress" {
            if let Some(percent) = op["progress"]["percent"].as_f64() {
                parts.push(format!("{percent:.0}%"));
            }
            parts.extend(text(&op["progress"]["phase"]));
        }
        parts.extend(text(&op["error"]["message"]));
        parts.retain(|p| !p.is_empty());
        parts.join(" ")
    } else {
        text(&data["detail"])
            .or_else(|| text(&data["message"]))
            .unwrap_or_else(|| "-".into())
    };
    format!("{id:<6}  {time}  {kind:<23}  {subject}  {detail}")
}

/// One item of a stream for scripts: a JSON line, or a YAML document.
pub fn stream_item(printer: Printer, data: &Value) -> Result<()> {
    match printer.format {
        Format::Yaml => {
            let text = serde_yaml::to_string(data)
                .map_err(|e| CliError::Other(format!("cannot print YAML: {e}")))?;
            emit(&format!("---\n{text}"));
        }
        _ => {
            let text = serde_json::to_string(data)
                .map_err(|e| CliError::Other(format!("cannot print JSON: {e}")))?;
            emit(&format!("{text}\n"));
        }
    }
    Ok(())
}

/// Writes to stdout at once. A reader that has gone (`vaporctl events | head
/// -1`) ends the command quietly, with success, instead of a panic.
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("warning: cannot write to stdout: {e}");
    }
}

/// Follows `vm_metrics_stream`: one line (or JSON object) per sample, until
/// the VM stops or `count` samples were printed.
pub async fn watch_metrics(
    config: &Configuration,
    printer: Printer,
    vm: &str,
    interval: u32,
    count: Option<u64>,
) -> Result<()> {
    let path = format!(
        "/virtualization/virtualmachines/{}/metrics/stream?interval={interval}",
        urlencode(vm)
    );
    let idle = Some(Duration::from_secs(u64::from(interval) * 3 + 15));
    let mut printed = 0u64;
    if count == Some(0) {
        return Ok(());
    }
    if printer.format == Format::Table {
        emit(&format!("{}\n", metrics_header()));
    }
    let mut stream = Some(sse::connect(config, &path, None, idle).await?);
    loop {
        let mut current = match stream.take() {
            Some(s) => s,
            None => reconnect(config, &path, None, idle).await?,
        };
        loop {
            match current.next().await {
                Ok(event) if event.event == "end" => {
                    let reason: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
                    let reason = reason["reason"].as_str().unwrap_or("unknown");
                    let why = match reason {
                        "VM_NOT_RUNNING" => format!("{vm} is no longer running"),
                        "NOT_FOUND" => format!("{vm} was deleted"),
                        other => format!("the stream ended ({other})"),
                    };
                    eprintln!("{why}");
                    return Ok(());
                }
                Ok(event) if event.event == "metrics" => {
                    let sample: Value = serde_json::from_str(&event.data).map_err(|e| {
                        CliError::Transport(format!("a metrics event could not be read: {e}"))
                    })?;
                    match printer.format {
                        Format::Table => emit(&format!("{}\n", metrics_line(&sample))),
                        _ => stream_item(printer, &sample)?,
                    }
                    printed += 1;
                    if count.is_some_and(|n| printed >= n) {
                        return Ok(());
                    }
                }
                Ok(_) => {}
                Err(StreamEnd::Closed) => break,
                Err(StreamEnd::Dropped(why)) => {
                    eprintln!("warning: the metrics stream dropped ({why}); reconnecting");
                    break;
                }
            }
        }
    }
}

const METRICS_HEADINGS: [&str; 8] = [
    "TIME",
    "CPU_PERCENT",
    "VCPUS",
    "MEMORY_USED_BYTES",
    "DISK_READ_BYTES",
    "DISK_WRITE_BYTES",
    "NET_RX_BYTES",
    "NET_TX_BYTES",
];
/// Column widths of the watch lines (the time is RFC 3339, up to 35 characters).
const METRICS_WIDTHS: [usize; 8] = [30, 11, 5, 17, 15, 16, 12, 12];

fn metrics_header() -> String {
    row(&METRICS_HEADINGS.map(str::to_owned))
}

/// One sample on one line: usage now, and the counters summed over the
/// VM's disks and interfaces.
fn metrics_line(m: &Value) -> String {
    let sum = |list: &str, key: &str| -> String {
        let values: Vec<i64> = m[list]
            .as_array()
            .map(|items| items.iter().filter_map(|i| i[key].as_i64()).collect())
            .unwrap_or_default();
        if values.is_empty() {
            "-".into()
        } else {
            values.iter().sum::<i64>().to_string()
        }
    };
    let num = |v: &Value| {
        if v.is_null() {
            "-".to_owned()
        } else {
            v.to_string()
        }
    };
    row(&[
        m["timestamp"].as_str().unwrap_or("-").to_owned(),
        m["cpu_usage_percent"]
            .as_f64()
            .map(|p| format!("{p:.1}"))
            .unwrap_or_else(|| "-".into()),
        num(&m["vcpus"]),
        num(&m["memory_used_bytes"]),
        sum("disks", "read_bytes"),
        sum("disks", "write_bytes"),
        sum("networks", "rx_bytes"),
        sum("networks", "tx_bytes"),
    ])
}

fn row(cells: &[String; 8]) -> String {
    let mut out = String::new();
    for (i, (cell, width)) in cells.iter().zip(METRICS_WIDTHS).enumerate() {
        if i + 1 == cells.len() {
            out.push_str(cell);
        } else {
            out.push_str(&format!("{cell:<width$}  "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_event_line_names_the_vm_or_the_operation() {
        let vm = SseEvent {
            id: Some("12".into()),
            event: "vm.started".into(),
            data: String::new(),
        };
        let data = json!({"id": 12, "type": "vm.started", "time": "2024-01-01T00:00:00Z",
                          "vm": {"uuid": "u", "name": "web"}, "detail": "booted"});
        assert_eq!(
            event_line(&vm, &data),
            format!(
                "12      2024-01-01T00:00:00Z  {:<23}  web  booted",
                "vm.started"
            )
        );
        let data = json!({"id": 13, "type": "operation.progress", "time": "t",
                          "operation": {"id": "op-1", "kind": "vm_clone", "target": "web",
                                        "status": "running",
                                        "progress": {"percent": 40.0, "phase": "copying"}}});
        let line = event_line(&vm, &data);
        assert!(
            line.ends_with("op-1  vm_clone web running 40% copying"),
            "{line}"
        );
    }

    #[test]
    fn ids_already_seen_are_repeats() {
        assert!(is_repeat(Some("5"), "5"));
        assert!(is_repeat(Some("5"), "4"));
        assert!(!is_repeat(Some("5"), "6"));
        assert!(!is_repeat(None, "1"));
    }

    #[test]
    fn a_metrics_line_sums_disks_and_interfaces() {
        let m = json!({"timestamp": "2024-01-01T00:00:00Z", "cpu_usage_percent": 12.345,
                       "vcpus": 2, "memory_used_bytes": 1024,
                       "disks": [{"read_bytes": 1, "write_bytes": null}, {"read_bytes": 2, "write_bytes": null}],
                       "networks": []});
        let line = metrics_line(&m);
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            cells,
            [
                "2024-01-01T00:00:00Z",
                "12.3",
                "2",
                "1024",
                "3",
                "-",
                "-",
                "-"
            ]
        );
    }
}
