//! A headless Chromium for the browser tests (the console page, the API
//! reference page), driven over the DevTools protocol.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Where Debian's chromium package puts the browser.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// A headless Chromium, killed when dropped.
pub struct Browser {
    child: Child,
    /// The DevTools HTTP address (`127.0.0.1:port`).
    pub devtools: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts Chromium with DevTools on a free port; returns it with the
/// DevTools HTTP address (`127.0.0.1:port`).
pub fn start_browser() -> Browser {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let stderr = child.stderr.take().unwrap();
    let (found, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.split("DevTools listening on ws://").nth(1) {
                if let Some(tx) = found.take() {
                    let _ = tx.send(url.split('/').next().unwrap_or_default().to_owned());
                }
            }
        }
    });
    let devtools = wait
        .recv_timeout(Duration::from_secs(30))
        .expect("chromium announces its DevTools port");
    Browser {
        child,
        devtools,
        _profile: profile,
    }
}

/// A DevTools connection to one page.
pub type Page =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
