//! The `vapor` binary: token creation, configuration and serving, as an operator runs them.

use crate::common::{
    create_token, create_token_with, free_port, serve, serve_logged, stop, vapor, write_config,
};

#[test]
fn token_create_prints_only_the_token() {
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), 1);
    let out = vapor()
        .args(["token", "create", "ops", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout:?}");
    assert!(
        lines[0].starts_with("vapor_") && lines[0].len() == 70,
        "{stdout:?}"
    );
    // The same name again is refused, and nothing is printed on stdout.
    let again = vapor()
        .args(["token", "create", "ops", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(again.stdout.is_empty());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn bad_configuration_and_usage_fail_clearly() {
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vapor.conf");
    std::fs::write(&config, "[server]\nprot = 8080\n").unwrap();
    let out = vapor()
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown setting [server] prot"));
    let out = vapor().arg("launch").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage:"));
}

#[test]
fn serve_answers_and_stops_on_sigterm() {
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    let token = create_token(&config);
    let mut child = serve(&config);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}/api/v1");
        let health = http.get(format!("{base}/health")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let denied = http
            .get(format!("{base}/virtualization/virtualmachines"))
            .send()
            .await
            .unwrap();
        assert_eq!(denied.status(), 401);
        let listed = http
            .get(format!("{base}/virtualization/virtualmachines"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.status(), 200);
        let body: serde_json::Value = listed.json().await.unwrap();
        assert_eq!(body["data"]["count"], 0);
    });
    assert!(stop(&mut child, "-TERM"), "vapor exits cleanly on SIGTERM");
}

/// `vapor token list`, checked to succeed: its stdout.
fn token_list(config: &std::path::Path) -> String {
    let out = vapor()
        .args(["token", "list", "--config"])
        .arg(config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The row of `vapor token list` for the token `name`, split into columns.
fn token_row(list: &str, name: &str) -> Vec<String> {
    list.lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no row for {name} in {list}"))
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[test]
fn tokens_have_scopes_expiry_and_can_be_revoked() {
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    let admin = create_token(&config);
    let reader = create_token_with(&config, "reader", &["--scope", "read"]);
    let brief = create_token_with(&config, "brief", &["--expires", "2s"]);
    let monthly = create_token_with(
        &config,
        "monthly",
        &["--expires", "30d", "--scope", "admin"],
    );
    let dated = create_token_with(&config, "dated", &["--expires", "2099-01-01T00:00:00Z"]);

    // Refusals: an unknown scope, a past expiry, options on the wrong command,
    // a name outside the name pattern. None prints anything on stdout.
    for args in [
        vec!["token", "create", "x1", "--scope", "root"],
        vec!["token", "create", "x2", "--expires", "2001-01-01T00:00:00Z"],
        vec!["token", "create", "x3", "--expires", "soon"],
        vec!["token", "list", "--scope", "read"],
        vec!["token", "create", "-rf"],
        vec!["token", "create", "a/b"],
        vec!["token", "revoke", "nobody"],
    ] {
        let out = vapor()
            .args(&args)
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(out.stdout.is_empty(), "{args:?} printed on stdout");
    }

    let list = token_list(&config);
    for secret in [&admin, &reader, &brief, &monthly, &dated] {
        assert!(
            !list.contains(secret.as_str()),
            "a secret is listed: {list}"
        );
    }
    assert!(!list.contains("vapor_"), "{list}");
    assert!(
        list.lines().next().unwrap().starts_with("NAME"),
        "a header first: {list}"
    );
    assert_eq!(list.lines().count(), 6, "{list}");
    assert_eq!(token_row(&list, "ops")[1..3], ["admin", "active"]);
    assert_eq!(token_row(&list, "ops")[4], "-", "no expiry: {list}");
    assert_eq!(token_row(&list, "reader")[1..3], ["read", "active"]);
    assert_eq!(token_row(&list, "monthly")[1], "admin");
    assert_ne!(token_row(&list, "monthly")[4], "-");
    assert!(token_row(&list, "dated")[4].starts_with("2099-01-01T00:00:00"));

    let (mut served, _) = start(&config);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let vms = format!("http://127.0.0.1:{port}/api/v1/virtualization/virtualmachines");
        let get = |token: &str| http.get(&vms).bearer_auth(token).send();
        assert_eq!(get(&reader).await.unwrap().status(), 200);
        // A read token may not mutate: 403 in the envelope, before the body is read.
        let refused = http
            .post(&vms)
            .bearer_auth(&reader)
            .body("not json")
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["status"], "error");
        assert_eq!(body["error"]["code"], "FORBIDDEN");
        assert_eq!(get(&monthly).await.unwrap().status(), 200);
        assert_eq!(get(&admin).await.unwrap().status(), 200);

        // Revocation takes effect at once, on the running server.
        let out = vapor()
            .args(["token", "revoke", "monthly", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        assert!(out.status.success());
        let denied = get(&monthly).await.unwrap();
        assert_eq!(denied.status(), 401);
        let body: serde_json::Value = denied.json().await.unwrap();
        assert_eq!(body["error"]["code"], "UNAUTHORIZED");
        assert_eq!(get(&admin).await.unwrap().status(), 200);

        // An expired token is refused like an unknown one.
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        assert_eq!(get(&brief).await.unwrap().status(), 401);
    });
    let list = token_list(&config);
    assert_eq!(token_row(&list, "monthly")[2], "revoked");
    assert_eq!(token_row(&list, "brief")[2], "expired");
    // Last use is tracked for tokens that were used, and only for them.
    assert_ne!(token_row(&list, "reader")[5], "-", "{list}");
    assert_eq!(token_row(&list, "dated")[5], "-", "{list}");
    // A revoked name stays taken.
    let again = vapor()
        .args(["token", "create", "monthly", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(stop(&mut served.0, "-TERM"));
}

/// The log line without its colours.
fn plain(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skip to the end of the escape sequence (`ESC [ ... m`).
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A `vapor serve` that is killed if a test fails before stopping it.
struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts `vapor serve`; returns it and its start-up line, without colours.
fn start(config: &std::path::Path) -> (Served, String) {
    let (child, line) = serve_logged(config);
    (Served(child), plain(&line))
}

/// Appends settings to the `[server]` section of a configuration.
fn add_server_settings(config: &std::path::Path, settings: &str) {
    let mut text = std::fs::read_to_string(config).unwrap();
    text.push_str("\n[server]\n");
    text.push_str(settings);
    std::fs::write(config, text).unwrap();
}

#[test]
fn plain_http_beyond_loopback_needs_allow_insecure() {
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), free_port());
    add_server_settings(&config, "host = 0.0.0.0\n");
    let out = vapor()
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to serve plain HTTP") && stderr.contains("allow_insecure"),
        "{stderr}"
    );
    add_server_settings(&config, "allow_insecure = true\n");
    let (child, log) = crate::common::serve_with_start_log(&config);
    let mut served = Served(child);
    let log = plain(&log);
    let serving = log.lines().last().unwrap_or_default();
    assert!(serving.contains("mode=http "), "{log}");
    // The operator's choice is said in the log, with the address.
    assert!(
        log.lines().any(|l| l.contains("WARN")
            && l.contains("serving plain HTTP beyond loopback")
            && l.contains("0.0.0.0")),
        "{log}"
    );
    assert!(stop(&mut served.0, "-TERM"));

    // Loopback is served in plain HTTP without asking, and says so.
    let config = write_config(dir.path(), free_port());
    let (mut served, line) = start(&config);
    assert!(
        line.contains("mode=http ") && line.contains("127.0.0.1"),
        "{line}"
    );
    assert!(stop(&mut served.0, "-TERM"));
}

/// A self-signed certificate for `vapor.test`: (certificate PEM, key PEM).
fn self_signed() -> (String, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["vapor.test".to_owned()]).unwrap();
    (certified.cert.pem(), certified.signing_key.serialize_pem())
}

fn https_client(port: u16, cert_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .resolve("vapor.test", ([127, 0, 0, 1], port).into())
        .build()
        .unwrap()
}

#[test]
fn tls_serves_https_and_reloads_on_sighup() {
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    let (cert, key) = self_signed();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, &cert).unwrap();
    std::fs::write(&key_path, &key).unwrap();
    add_server_settings(
        &config,
        &format!(
            "tls_cert = {}\ntls_key = {}\n",
            cert_path.display(),
            key_path.display()
        ),
    );
    let token = create_token(&config);
    let (mut served, line) = start(&config);
    assert!(line.contains("mode=https"), "{line}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (next_cert, next_key) = self_signed();
    rt.block_on(async {
        let base = format!("https://vapor.test:{port}/api/v1");
        let https = https_client(port, &cert);
        let health = https.get(format!("{base}/health")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let listed = https
            .get(format!("{base}/virtualization/virtualmachines"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.status(), 200);
        // A client that negotiates HTTP/2 (ALPN `h2`), as curl and browsers
        // do, sends no Host header: it is served all the same.
        let out = std::process::Command::new("curl")
            .args(["-s", "--http2", "--cacert"])
            .arg(&cert_path)
            .args(["--resolve", &format!("vapor.test:{port}:127.0.0.1")])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["-o", "/dev/null", "-w", "%{http_version} %{http_code}"])
            .arg(format!("{base}/virtualization/virtualmachines"))
            .output()
            .expect("curl runs");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "2 200", "{out:?}");
        // Plain HTTP on the same port gets no API.
        let plain = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/api/v1/health"))
            .send()
            .await;
        assert!(
            plain.is_err() || plain.unwrap().status() != 200,
            "plain HTTP answered"
        );
        // A client that does not trust the certificate is refused.
        let stranger = https_client(port, &next_cert);
        assert!(stranger.get(format!("{base}/health")).send().await.is_err());

        // New files and SIGHUP: the new certificate is served, without a restart.
        std::fs::write(&cert_path, &next_cert).unwrap();
        std::fs::write(&key_path, &next_key).unwrap();
        let pid = served.0.id().to_string();
        assert!(std::process::Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let client = https_client(port, &next_cert);
            if let Ok(r) = client.get(format!("{base}/health")).send().await {
                assert_eq!(r.status(), 200);
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the new certificate was not served after SIGHUP"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(https_client(port, &cert)
            .get(format!("{base}/health"))
            .send()
            .await
            .is_err());
    });
    assert!(
        stop(&mut served.0, "-TERM"),
        "vapor exits cleanly on SIGTERM"
    );
}

#[test]
fn half_a_tls_configuration_is_refused() {
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), free_port());
    add_server_settings(&config, "tls_cert = /nonexistent/cert.pem\n");
    let out = vapor()
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tls_key"));
    add_server_settings(&config, "tls_key = /nonexistent/key.pem\n");
    let out = vapor()
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("loading the TLS certificate"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
