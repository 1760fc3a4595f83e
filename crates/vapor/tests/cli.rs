//! The `vapor` binary: token creation, configuration and serving, as an operator runs them.

mod common;

use common::{create_token, free_port, serve, stop, vapor, write_config};

#[test]
fn token_create_prints_only_the_token() {
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
