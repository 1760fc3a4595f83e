//! The `vapor` service: configuration, backend selection, and the HTTP server.
//!
//! This crate wires the layers together and owns nothing else: the API surface
//! is generated (`vapor-api`), the behaviour is `vapor-core`'s, and libvirt is
//! `vapor-libvirt`'s. The conformance tests build the same service through
//! [`build`] and [`http::router`] that `vapor serve` runs.

mod api_spec;
mod audit;
pub mod config;
mod console_page;
mod console_ws;
mod disabled;
mod docs_page;
pub mod http;
mod idempotency;
mod page_reply;
mod prometheus;
mod spec_ops;

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
        backup_dir: config.backup_dir.clone(),
        host_file_roots: config.effective_host_file_roots(),
        database_path: Some(config.database_path.clone()),
        max_upload_bytes: config.max_upload_bytes,
        upload_ttl: std::time::Duration::from_secs(config.upload_ttl_hours.saturating_mul(3600)),
        console_token_ttl: std::time::Duration::from_secs(config.console_token_ttl_seconds),
        event_replay_buffer: config.event_replay_buffer,
        novnc_dir: config.novnc_dir.clone(),
        audit_retention: (config.audit_retention_days > 0).then(|| {
            std::time::Duration::from_secs(config.audit_retention_days.saturating_mul(86_400))
        }),
        ..Settings::default()
    };
    Ok(Vapor::new(hypervisor, Arc::new(db), settings)?)
}

/// Serves the API until SIGTERM or Ctrl-C, then finishes the requests in flight.
///
/// With `[server] tls_cert` and `tls_key` it serves HTTPS (rustls) and reloads
/// both files on SIGHUP. Without them it serves plain HTTP, and refuses to
/// start on an address other than loopback unless `allow_insecure` is set:
/// tokens would cross the network in clear text.
pub async fn serve(config: Config) -> Result<()> {
    let addr = format!("{}:{}", config.host, config.port);
    let listener = std::net::TcpListener::bind(&addr).with_context(|| format!("binding {addr}"))?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(tls::load(cert, key).await?),
        _ => None,
    };
    if tls.is_none() && !local.ip().is_loopback() {
        if !config.allow_insecure {
            anyhow::bail!(
                "refusing to serve plain HTTP on {local}, which is not a loopback address: \
                 bearer tokens would cross the network unencrypted. Set [server] tls_cert and \
                 tls_key to serve HTTPS, or [server] allow_insecure = true to accept the risk"
            );
        }
        tracing::warn!(address = %local, "serving plain HTTP beyond loopback ([server] allow_insecure = true)");
    }
    let hypervisor = connect_backend(&config)?;
    let app = build(&config, hypervisor)?;
    idempotency::clear_interrupted(app.db())
        .context("clearing the idempotency keys a previous run left in progress")?;
    app.start_background_tasks();
    let router = http::router_with_docs(
        app.clone(),
        http::BodyLimits::from(&config),
        config.docs_assets_dir.clone(),
    );
    // Signals are taken over before the service says it is up, so that a
    // signal sent as soon as it is up is never handled by the default action.
    let signal = shutdown_signal()?;
    // Open streams end first; requests in flight are then finished.
    let shutdown = async move {
        signal.await;
        app.begin_shutdown();
    };
    let reload = match (&tls, &config.tls_cert, &config.tls_key) {
        (Some(tls), Some(cert), Some(key)) => Some(tls::reload_on_sighup(
            tls.clone(),
            cert.clone(),
            key.clone(),
        )?),
        _ => None,
    };
    let mode = if tls.is_some() { "https" } else { "http" };
    tracing::info!(address = %local, %mode, uri = %config.libvirt_uri, "vapor is serving /api/v1");
    match (tls, reload) {
        (Some(tls), Some(reload)) => {
            tokio::spawn(reload);
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                stopper.graceful_shutdown(Some(std::time::Duration::from_secs(30)));
            });
            axum_server::from_tcp_rustls(listener, tls)?
                .handle(handle)
                .serve(router.into_make_service())
                .await?;
        }
        _ => {
            axum::serve(tokio::net::TcpListener::from_std(listener)?, router)
                .with_graceful_shutdown(shutdown)
                .await?;
        }
    }
    tracing::info!("stopped");
    Ok(())
}

mod tls {
    use std::path::{Path, PathBuf};

    use anyhow::{Context, Result};
    use axum_server::tls_rustls::RustlsConfig;

    /// Loads the PEM certificate chain and key.
    pub async fn load(cert: &Path, key: &Path) -> Result<RustlsConfig> {
        // One crypto provider for the process, chosen here rather than by
        // whichever dependency asks first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        RustlsConfig::from_pem_file(cert, key)
            .await
            .with_context(|| {
                format!(
                    "loading the TLS certificate {} and key {}",
                    cert.display(),
                    key.display()
                )
            })
    }

    /// Takes over SIGHUP at once; the future reloads the certificate and key
    /// on every SIGHUP. A pair that fails to load is logged and the previous
    /// one stays in use.
    pub fn reload_on_sighup(
        config: RustlsConfig,
        cert: PathBuf,
        key: PathBuf,
    ) -> Result<impl std::future::Future<Output = ()>> {
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .context("listening for SIGHUP")?;
        Ok(async move {
            while hup.recv().await.is_some() {
                match config.reload_from_pem_file(&cert, &key).await {
                    Ok(()) => {
                        tracing::info!(cert = %cert.display(), "reloaded the TLS certificate")
                    }
                    Err(err) => tracing::error!(
                        error = %err,
                        cert = %cert.display(),
                        "could not reload the TLS certificate; keeping the previous one"
                    ),
                }
            }
        })
    }
}

/// Takes over SIGTERM and SIGINT (Ctrl-C) at once; the future ends when one arrives.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("listening for SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        tracing::info!("shutting down");
    })
}
