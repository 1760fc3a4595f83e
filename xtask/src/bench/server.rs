//! The real `vapor` binary as a child process, with a config of its own.

use std::fs::File;
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::http::wait_healthy;

/// Where one server keeps its config, database, backups and log.
pub struct ServerConfig {
    pub bin: PathBuf,
    pub path: PathBuf,
    pub dir: PathBuf,
    pub addr: SocketAddr,
    pub token: String,
}

impl ServerConfig {
    /// Writes `<dir>/vapor.conf` for `uri` on a free loopback port, and
    /// creates an admin token with `vapor token create`.
    pub fn new(bin: &Path, dir: &Path, uri: &str) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let path = dir.join("vapor.conf");
        let text = format!(
            "[server]\nhost = 127.0.0.1\nport = {port}\n\n[database]\npath = {db}\n\n\
             [libvirt]\nuri = {uri}\n\n[storage]\niso_dir = {d}/isos\niso_pool =\n\
             upload_dir = {d}/uploads\nseed_dir = {d}/seeds\nbackup_dir = {d}/backups\n",
            db = dir.join("state/vapor.db").display(),
            d = dir.display(),
        );
        std::fs::write(&path, text)?;
        let out = Command::new(bin)
            .args(["token", "create", "bench", "--config"])
            .arg(&path)
            .output()
            .with_context(|| format!("running {}", bin.display()))?;
        if !out.status.success() {
            bail!(
                "vapor token create failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(ServerConfig {
            bin: bin.to_owned(),
            path,
            dir: dir.to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            token: String::from_utf8(out.stdout)?.trim().to_owned(),
        })
    }
}

/// A running `vapor serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub token: String,
    /// From `spawn` to the first 200 of `GET /api/v1/health`.
    pub start_to_healthy: Duration,
}

impl Server {
    /// Spawns `vapor serve` (log appended to `<dir>/vapor.log`, default log
    /// level) and waits until its health endpoint answers 200.
    pub fn start(config: &ServerConfig) -> Result<Self> {
        let log = File::options()
            .create(true)
            .append(true)
            .open(config.dir.join("vapor.log"))?;
        let mut cmd = Command::new(&config.bin);
        cmd.args(["serve", "--config"])
            .arg(&config.path)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        // SAFETY: prctl is async-signal-safe; it only asks the kernel to
        // kill the child when the bench's thread that spawned it ends.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let started = Instant::now();
        let child = cmd.spawn().context("spawning vapor serve")?;
        let mut server = Server {
            child,
            addr: config.addr,
            token: config.token.clone(),
            start_to_healthy: Duration::ZERO,
        };
        let healthy = wait_healthy(config.addr, Duration::from_secs(120))?;
        server.start_to_healthy = healthy - started;
        if let Some(status) = server.child.try_wait()? {
            bail!(
                "vapor exited ({status}); see {}",
                config.dir.join("vapor.log").display()
            );
        }
        Ok(server)
    }

    /// VmRSS of the process, in KiB.
    pub fn rss_kib(&self) -> Result<u64> {
        rss_kib(self.child.id())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status when the process has ended, without waiting.
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        Ok(self.child.try_wait()?)
    }

    /// SIGTERM, then waits up to `grace` for the process to end (it finishes
    /// the requests in flight), then SIGKILL. Returns its exit status and
    /// whether it ended within `grace`.
    pub fn stop(&mut self, grace: Duration) -> Result<(ExitStatus, bool)> {
        if let Some(status) = self.child.try_wait()? {
            return Ok((status, true));
        }
        // SAFETY: kill(2) on our own child, which has not been reaped (the
        // try_wait above saw it running), so the pid is still its own.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let give_up = Instant::now() + grace;
        while Instant::now() < give_up {
            if let Some(status) = self.child.try_wait()? {
                return Ok((status, true));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        Ok((self.child.wait()?, false))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// VmRSS of `pid` from /proc/<pid>/status, in KiB.
pub fn rss_kib(pid: u32) -> Result<u64> {
    status_kib(pid, "VmRSS:")
}

/// One `... kB` line of /proc/<pid>/status (`VmRSS:`, `RssAnon:`, `RssFile:`).
pub fn status_kib(pid: u32, key: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {key} in /proc/{pid}/status"))
}

/// The number of open file descriptors of `pid` (entries of /proc/<pid>/fd).
pub fn fd_count(pid: u32) -> Result<usize> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/fd"))
        .with_context(|| format!("reading /proc/{pid}/fd"))?
        .count())
}
