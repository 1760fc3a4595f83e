//! VM metrics to the generated wire model, and a VM's metrics stream to
//! Server-Sent Events.

use std::convert::Infallible;

use axum::response::sse::Event;
use tokio::sync::mpsc;
use vapor_api::models;
use vapor_api::types::Nullable;

use crate::app::{MemoryUsedSource, MetricsUpdate, VmMetrics};

/// Seconds between two events of `vm_metrics_stream` without `interval`.
pub const STREAM_INTERVAL_DEFAULT: u8 = 5;

/// The updates of a VM's metrics stream as events: `metrics` with a
/// `VmMetrics`, then `end` with `{"reason": <error code>}` when the VM
/// stopped or went away. The stream ends after `end`, and dropping it
/// (the client left) stops the sampling.
pub fn events(mut updates: mpsc::Receiver<MetricsUpdate>) -> models::SSE {
    Box::pin(futures_util::stream::poll_fn(move |cx| {
        updates
            .poll_recv(cx)
            .map(|update| update.map(|u| Ok::<_, Infallible>(event(u))))
    }))
}

fn event(update: MetricsUpdate) -> Event {
    match update {
        MetricsUpdate::Sample(m) => Event::default()
            .event("metrics")
            .data(serde_json::to_string(&vm_metrics(&m)).unwrap_or_default()),
        MetricsUpdate::End(e) => Event::default()
            .event("end")
            .data(serde_json::json!({"reason": e.code()}).to_string()),
    }
}

pub fn vm_metrics(m: &VmMetrics) -> models::VmMetrics {
    models::VmMetrics {
        uuid: m.uuid.clone(),
        timestamp: m.timestamp,
        cpu_time_ns: int(m.cpu_time_ns),
        cpu_usage_percent: m.cpu_usage_percent,
        cpu_usage_window_ms: i64::try_from(m.cpu_usage_window.as_millis()).unwrap_or(i64::MAX),
        vcpus: i32::try_from(m.vcpus).unwrap_or(i32::MAX),
        memory_used_bytes: int(m.memory_used_bytes),
        memory_used_source: match m.memory_used_source {
            MemoryUsedSource::Guest => models::MemoryUsedSource::Guest,
            MemoryUsedSource::Rss => models::MemoryUsedSource::Rss,
            MemoryUsedSource::Balloon => models::MemoryUsedSource::Balloon,
        },
        memory_total_bytes: int(m.memory_total_bytes),
        memory_max_bytes: int(m.memory_max_bytes),
        disks: m
            .disks
            .iter()
            .map(|d| models::VmDiskMetrics {
                target: d.target.clone(),
                read_bytes: counter(d.read_bytes),
                write_bytes: counter(d.write_bytes),
                read_requests: counter(d.read_requests),
                write_requests: counter(d.write_requests),
            })
            .collect(),
        networks: m
            .interfaces
            .iter()
            .map(|n| models::VmNetworkMetrics {
                device: present_or_null(n.device.clone()),
                mac: present_or_null(n.mac.clone()),
                rx_bytes: counter(n.rx_bytes),
                tx_bytes: counter(n.tx_bytes),
                rx_packets: counter(n.rx_packets),
                tx_packets: counter(n.tx_packets),
            })
            .collect(),
    }
}

fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A counter the backend may not report: explicit `null` when it does not.
fn counter(v: Option<u64>) -> Nullable<i64> {
    present_or_null(v.map(int))
}

fn present_or_null<T>(v: Option<T>) -> Nullable<T> {
    v.map_or(Nullable::Null, Nullable::Present)
}
