//! Request bodies through the real router, in process, on the mock backend:
//! the generated models' parsing (serde, `deny_unknown_fields`, validator),
//! the conversion to application input, the application layer's validation
//! (VM create: names, sizes, disks, NICs, cloud-init, maximums) and the
//! mock's own checks. Whatever the body, the answer is an envelope with a
//! 2xx or 4xx status: never a panic (the panic guard would turn one into a
//! 500) and never another 5xx.
//!
//! The first byte picks the operation, the rest is the JSON body.
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Method, Request};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

/// Operations with a JSON body. `fz` is a VM made once at start-up.
/// `iso_register` is left out: it may fetch a URL.
const ROUTES: &[(Method, &str)] = &[
    (Method::POST, "/api/v1/virtualization/virtualmachines"),
    (
        Method::POST,
        "/api/v1/virtualization/virtualmachines/create-enhanced",
    ),
    (
        Method::POST,
        "/api/v1/virtualization/virtualmachines/from-template",
    ),
    (Method::PUT, "/api/v1/virtualization/virtualmachines/fz"),
    (
        Method::POST,
        "/api/v1/virtualization/virtualmachines/fz/action",
    ),
    (
        Method::POST,
        "/api/v1/virtualization/virtualmachines/fz/clone",
    ),
    (
        Method::POST,
        "/api/v1/virtualization/virtualmachines/fz/snapshots",
    ),
    (
        Method::POST,
        "/api/v1/virtualization/virtualmachines/fz/hotplug",
    ),
    (
        Method::POST,
        "/api/v1/virtualization/virtualmachines/fz/backups",
    ),
    (
        Method::POST,
        "/api/v1/virtualization/virtualmachines/fz/migrate",
    ),
    (
        Method::POST,
        "/api/v1/virtualization/virtualmachines/fz/pci-devices",
    ),
    (
        Method::POST,
        "/api/v1/virtualization/virtualmachines/templates",
    ),
    (
        Method::POST,
        "/api/v1/virtualization/virtualmachines/restore",
    ),
    (Method::POST, "/api/v1/virtualization/storages/pools"),
    (
        Method::POST,
        "/api/v1/virtualization/storages/pools/default/volumes",
    ),
    (Method::POST, "/api/v1/virtualization/networks"),
];

struct Harness {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    token: String,
    _dir: tempfile::TempDir,
    _app: Arc<vapor_core::app::Vapor>,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let config = vapor::Config {
            database_path: dir.path().join("vapor.db"),
            libvirt_uri: vapor::MOCK_URI.into(),
            default_pool_path: dir.path().join("pool").display().to_string(),
            iso_dir: dir.path().join("isos"),
            iso_pool: None,
            upload_dir: dir.path().join("uploads"),
            seed_dir: dir.path().join("seeds"),
            backup_dir: dir.path().join("backups"),
            ..vapor::Config::default()
        };
        let (app, router, token) = runtime.block_on(async {
            let hypervisor = vapor::connect_backend(&config).expect("backend");
            let app = vapor::build(&config, hypervisor).expect("app");
            let token = vapor_core::auth::create_token(app.db(), "fuzz").expect("token");
            let router = vapor::http::router(app.clone(), vapor::http::BodyLimits::from(&config));
            (app, router, token)
        });
        let h = Harness {
            runtime,
            router,
            token,
            _dir: dir,
            _app: app,
        };
        let (status, body) = h.send(
            &Method::POST,
            ROUTES[0].1,
            br#"{"name": "fz", "memory": 64, "vcpus": 1, "disk_size": 1}"#,
        );
        assert_eq!(status, 201, "{body}");
        h
    })
}

impl Harness {
    fn send(&self, method: &Method, path: &str, body: &[u8]) -> (u16, String) {
        let request = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(header::HOST, "127.0.0.1")
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_vec()))
            .expect("request");
        self.runtime.block_on(async {
            let response = self
                .router
                .clone()
                .oneshot(request)
                .await
                .expect("infallible");
            let status = response.status().as_u16();
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        })
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let h = harness();
    let (method, path) = &ROUTES[usize::from(pick) % ROUTES.len()];
    let (status, reply) = h.send(method, path, body);
    let json: serde_json::Value = serde_json::from_str(&reply)
        .unwrap_or_else(|e| panic!("{method} {path}: {status} is not JSON ({e}): {reply}"));
    assert!(
        json["status"] == "success" || json["status"] == "error",
        "{method} {path}: no envelope: {reply}"
    );
    assert!(
        status < 500,
        "{method} {path} with {:?}: {status} {reply}",
        String::from_utf8_lossy(body)
    );
});
