//! The `vapor` service: configuration, backend selection, and the HTTP server.
//!
//! This crate wires the layers together and owns nothing else: the API surface
//! is generated (`vapor-api`), the behaviour is `vapor-core`'s, and libvirt is
//! `vapor-libvirt`'s. The conformance tests build the same service through
//! [`build`] and [`http::router`] that `vapor serve` runs.

pub mod config;
mod disabled;
pub mod http;

use std::sync::Arc;

use anyhow::{Context, Result};
use vapor_core::app::{Settings, Vapor};
use vapor_core::db::Database;
use vapor_hypervisor::Hypervisor;

pub use config::Config;

/// The URI that selects the in-memory mock backend instead of libvirt.
pub const MOCK_URI: &str = "mock:///default";

/// Connects the backend the configuration names.
pub fn connect_backend(config: &Config) -> Result<Arc<dyn Hypervisor>> {
    if !config.libvirt_enabled {
        tracing::warn!("[libvirt] enabled = false: every virtualization request will answer 503");
        return Ok(Arc::new(disabled::DisabledHypervisor));
    }
    if config.libvirt_uri == MOCK_URI {
        tracing::warn!(
            "using the in-memory mock backend: nothing is persisted and no VM really runs"
        );
        return Ok(Arc::new(vapor_mock::MockHypervisor::new()));
    }
    let hv = vapor_libvirt::LibvirtHypervisor::connect(&config.libvirt_uri)
        .map_err(|e| anyhow::anyhow!("connecting to {}: {e}", config.libvirt_uri))?;
    Ok(Arc::new(hv))
}

/// Opens the database and builds the application over `hypervisor`.
pub fn build(config: &Config, hypervisor: Arc<dyn Hypervisor>) -> Result<Arc<Vapor>> {
    let db = Database::open(&config.database_path)
        .with_context(|| format!("opening the database {}", config.database_path.display()))?;
    let settings = Settings {
        domain_type: config.domain_type,
        default_pool_path: config.default_pool_path.clone(),
        iso_dir: config.iso_dir.clone(),
        iso_pool: config.iso_pool.clone(),
        upload_dir: config.upload_dir.clone(),
        seed_dir: config.seed_dir.clone(),
        max_upload_bytes: config.max_upload_bytes,
        upload_ttl: std::time::Duration::from_secs(config.upload_ttl_hours.saturating_mul(3600)),
        ..Settings::default()
    };
    Ok(Vapor::new(hypervisor, Arc::new(db), settings)?)
}

/// Serves the API until SIGTERM or Ctrl-C, then finishes the requests in flight.
pub async fn serve(config: Config) -> Result<()> {
    let hypervisor = connect_backend(&config)?;
    let app = build(&config, hypervisor)?;
    app.start_background_tasks();
    let router = http::router(app, http::BodyLimits::from(&config));
    let addr = format!("{}:{}", config.host, config.port);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    tracing::info!(address = %listener.local_addr()?, uri = %config.libvirt_uri, "vapor is serving /api/v1");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
