//! `vapor.conf`: an INI file, overridden by `VAPOR_<SECTION>_<KEY>` environment variables.
//!
//! ```ini
//! [server]
//! host = 127.0.0.1
//! port = 8080
//! max_body_bytes = 1048576
//! tls_cert = /etc/vapor/tls/cert.pem   ; with tls_key: HTTPS (default: none)
//! tls_key = /etc/vapor/tls/key.pem
//! allow_insecure = false    ; plain HTTP on a non-loopback address
//!
//! [database]
//! path = /var/lib/vapor/vapor.db
//!
//! [libvirt]
//! enabled = true
//! uri = qemu:///system
//! domain_type = auto        ; auto | kvm | qemu
//! default_pool_path = /var/lib/libvirt/images
//!
//! [storage]
//! iso_dir = /var/lib/vapor/isos
//! iso_pool = vapor-isos     ; empty: do not mirror the ISO directory as a libvirt pool
//! upload_dir = /var/lib/vapor/uploads
//! seed_dir = /var/lib/vapor/seeds   ; cloud-init seed images of VMs
//! backup_dir = /var/lib/vapor/backups   ; VM backups; destination_path must be inside
//! host_file_roots =         ; comma-separated directories that host files given to VMs
//!                           ; (existing disks, iso_path, hot-plugged disks, registered ISOs)
//!                           ; must resolve into, besides iso_dir; empty: default_pool_path
//! max_upload_bytes = 10737418240
//! max_chunk_bytes = 67108864
//! upload_ttl_hours = 24
//!
//! [console]
//! novnc_dir = /usr/share/novnc     ; Debian's novnc package, for the console page
//! token_ttl_seconds = 60           ; how long a one-time console token is valid
//!
//! [events]
//! replay_buffer = 1024   ; events kept for clients that reconnect with Last-Event-ID
//!
//! [docs]
//! assets_dir = /usr/local/share/vapor/swagger-ui   ; Swagger UI for GET /api/v1/docs, read only
//!                                                  ; by a binary built without it embedded
//! ```
//!
//! Unknown sections and keys are errors, so that a typo cannot silently fall
//! back to a default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use vapor_core::app::DomainTypeChoice;

/// Where the configuration is looked for when no path is given.
pub const SEARCH_PATHS: &[&str] = &["./vapor.conf", "/etc/vapor/vapor.conf"];

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub max_body_bytes: usize,
    /// PEM certificate chain and private key: with both, Vapor serves HTTPS.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Whether plain HTTP may be served on an address other than loopback.
    pub allow_insecure: bool,
    pub database_path: PathBuf,
    pub libvirt_enabled: bool,
    pub libvirt_uri: String,
    pub domain_type: DomainTypeChoice,
    pub default_pool_path: String,
    pub iso_dir: PathBuf,
    pub iso_pool: Option<String>,
    pub upload_dir: PathBuf,
    pub seed_dir: PathBuf,
    /// Where VM backups are written; a backup's `destination_path` must be inside it.
    pub backup_dir: PathBuf,
    /// The directories host files given to VMs must be inside, besides
    /// `iso_dir`; empty: `default_pool_path` alone.
    pub host_file_roots: Vec<PathBuf>,
    pub max_upload_bytes: u64,
    /// The largest body one upload chunk (`PATCH`) may carry.
    pub max_chunk_bytes: usize,
    pub upload_ttl_hours: u64,
    /// Where noVNC is installed; the console page loads it from there.
    pub novnc_dir: PathBuf,
    /// How long a one-time console token is valid.
    pub console_token_ttl_seconds: u64,
    /// How many events are kept for clients that reconnect.
    pub event_replay_buffer: usize,
    /// Where Swagger UI is installed. The API reference page loads it from
    /// there only when the binary embeds none (it was built without Swagger
    /// UI installed, see `build.rs`).
    pub docs_assets_dir: PathBuf,
    /// How many days audit entries are kept; 0 keeps them for ever.
    pub audit_retention_days: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 8080,
            max_body_bytes: 1024 * 1024,
            tls_cert: None,
            tls_key: None,
            allow_insecure: false,
            database_path: PathBuf::from("/var/lib/vapor/vapor.db"),
            libvirt_enabled: true,
            libvirt_uri: "qemu:///system".into(),
            domain_type: DomainTypeChoice::Auto,
            default_pool_path: "/var/lib/libvirt/images".into(),
            iso_dir: PathBuf::from("/var/lib/vapor/isos"),
            iso_pool: Some("vapor-isos".into()),
            upload_dir: PathBuf::from("/var/lib/vapor/uploads"),
            seed_dir: PathBuf::from("/var/lib/vapor/seeds"),
            backup_dir: PathBuf::from("/var/lib/vapor/backups"),
            host_file_roots: Vec::new(),
            max_upload_bytes: 10 * 1024 * 1024 * 1024,
            max_chunk_bytes: 64 * 1024 * 1024,
            upload_ttl_hours: 24,
            novnc_dir: PathBuf::from("/usr/share/novnc"),
            console_token_ttl_seconds: 60,
            event_replay_buffer: vapor_core::events::DEFAULT_REPLAY_BUFFER,
            docs_assets_dir: PathBuf::from("/usr/local/share/vapor/swagger-ui"),
            audit_retention_days: 365,
        }
    }
}

/// The keys `vapor.conf` knows, by section.
const KNOWN: &[(&str, &[&str])] = &[
    (
        "server",
        &[
            "host",
            "port",
            "max_body_bytes",
            "tls_cert",
            "tls_key",
            "allow_insecure",
        ],
    ),
    ("database", &["path"]),
    (
        "libvirt",
        &["enabled", "uri", "domain_type", "default_pool_path"],
    ),
    (
        "storage",
        &[
            "iso_dir",
            "iso_pool",
            "upload_dir",
            "seed_dir",
            "backup_dir",
            "host_file_roots",
            "max_upload_bytes",
            "max_chunk_bytes",
            "upload_ttl_hours",
        ],
    ),
    ("console", &["novnc_dir", "token_ttl_seconds"]),
    ("events", &["replay_buffer"]),
    ("docs", &["assets_dir"]),
    ("audit", &["retention_days"]),
];

impl Config {
    /// Loads `path`, or the first file of [`SEARCH_PATHS`] that exists, or the
    /// defaults; then applies the environment.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let file = match path {
            Some(p) => Some(p.to_path_buf()),
            None => std::env::var_os("VAPOR_CONFIG")
                .map(PathBuf::from)
                .or_else(|| SEARCH_PATHS.iter().map(PathBuf::from).find(|p| p.exists())),
        };
        let mut values = match &file {
            Some(f) => {
                let text = std::fs::read_to_string(f)
                    .with_context(|| format!("reading {}", f.display()))?;
                parse_ini(&text).with_context(|| format!("in {}", f.display()))?
            }
            None => BTreeMap::new(),
        };
        for (section, keys) in KNOWN {
            for key in *keys {
                let var = format!("VAPOR_{}_{}", section.to_uppercase(), key.to_uppercase());
                if let Ok(v) = std::env::var(&var) {
                    values.insert((section.to_string(), key.to_string()), v);
                }
            }
        }
        Config::from_values(&values)
    }

    /// Parses the text of a configuration file alone, without the
    /// environment (the `config_ini` fuzz target in `fuzz/` calls it).
    pub fn parse(text: &str) -> Result<Config> {
        Config::from_values(&parse_ini(text)?)
    }

    fn from_values(values: &BTreeMap<(String, String), String>) -> Result<Config> {
        let mut c = Config::default();
        for ((section, key), value) in values {
            let bad = |what: &str| anyhow!("[{section}] {key}: {what}, not '{value}'");
            match (section.as_str(), key.as_str()) {
                ("server", "host") => c.host = value.clone(),
                ("server", "port") => c.port = value.parse().map_err(|_| bad("a port number"))?,
                ("server", "max_body_bytes") => {
                    c.max_body_bytes = value.parse().map_err(|_| bad("a number of bytes"))?
                }
                ("server", "tls_cert") => {
                    c.tls_cert = Some(PathBuf::from(value)).filter(|_| !value.is_empty())
                }
                ("server", "tls_key") => {
                    c.tls_key = Some(PathBuf::from(value)).filter(|_| !value.is_empty())
                }
                ("server", "allow_insecure") => {
                    c.allow_insecure = parse_bool(value).ok_or_else(|| bad("true or false"))?
                }
                ("database", "path") => c.database_path = PathBuf::from(value),
                ("libvirt", "enabled") => {
                    c.libvirt_enabled = parse_bool(value).ok_or_else(|| bad("true or false"))?
                }
                ("libvirt", "uri") => c.libvirt_uri = value.clone(),
                ("libvirt", "domain_type") => {
                    c.domain_type = value.parse().map_err(|e: String| anyhow!(e))?
                }
                ("libvirt", "default_pool_path") => c.default_pool_path = value.clone(),
                ("storage", "iso_dir") => c.iso_dir = PathBuf::from(value),
                ("storage", "iso_pool") => {
                    c.iso_pool = Some(value.clone()).filter(|v| !v.is_empty())
                }
                ("storage", "upload_dir") => c.upload_dir = PathBuf::from(value),
                ("storage", "seed_dir") => c.seed_dir = PathBuf::from(value),
                ("storage", "backup_dir") => c.backup_dir = PathBuf::from(value),
                ("storage", "host_file_roots") => {
                    c.host_file_roots = parse_roots(value)
                        .map_err(|why| anyhow!("[{section}] {key}: {why}, in '{value}'"))?
                }
                ("storage", "max_upload_bytes") => {
                    c.max_upload_bytes = value.parse().map_err(|_| bad("a number of bytes"))?
                }
                ("storage", "max_chunk_bytes") => {
                    c.max_chunk_bytes = value.parse().map_err(|_| bad("a number of bytes"))?
                }
                ("storage", "upload_ttl_hours") => {
                    c.upload_ttl_hours = value.parse().map_err(|_| bad("a number of hours"))?
                }
                ("console", "novnc_dir") => c.novnc_dir = PathBuf::from(value),
                ("console", "token_ttl_seconds") => {
                    c.console_token_ttl_seconds = value
                        .parse()
                        .ok()
                        .filter(|s| (1..=3600).contains(s))
                        .ok_or_else(|| bad("a number of seconds from 1 to 3600"))?
                }
                ("events", "replay_buffer") => {
                    c.event_replay_buffer = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=1_000_000).contains(n))
                        .ok_or_else(|| bad("a number of events from 1 to 1000000"))?
                }
                ("docs", "assets_dir") => c.docs_assets_dir = PathBuf::from(value),
                ("audit", "retention_days") => {
                    c.audit_retention_days = value
                        .parse()
                        .ok()
                        .filter(|d| *d <= 100_000)
                        .ok_or_else(|| bad("a number of days from 0 (keep for ever) to 100000"))?
                }
                _ => bail!("unknown setting [{section}] {key}"),
            }
        }
        if c.tls_cert.is_some() != c.tls_key.is_some() {
            bail!("[server] tls_cert and tls_key are set together, or neither");
        }
        Ok(c)
    }
}

impl Config {
    /// The directories host files given to VMs must be inside, besides
    /// `iso_dir`: `host_file_roots`, or `default_pool_path` when it is empty.
    pub fn effective_host_file_roots(&self) -> Vec<PathBuf> {
        if self.host_file_roots.is_empty() {
            vec![PathBuf::from(&self.default_pool_path)]
        } else {
            self.host_file_roots.clone()
        }
    }
}

/// A comma-separated list of absolute directories, none of them `/` or
/// with a `..`; empty entries are skipped.
fn parse_roots(value: &str) -> std::result::Result<Vec<PathBuf>, String> {
    let mut roots = Vec::new();
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let path = Path::new(entry);
        if !path.is_absolute() {
            return Err(format!("'{entry}' is not an absolute path"));
        }
        if path
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            return Err(format!("'{entry}' contains '..'"));
        }
        if path.parent().is_none() {
            return Err("'/' would confine nothing".to_owned());
        }
        roots.push(path.to_path_buf());
    }
    Ok(roots)
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// Parses INI text into `(section, key) -> value`. `;` and `#` start comments.
fn parse_ini(text: &str) -> Result<BTreeMap<(String, String), String>> {
    let mut values = BTreeMap::new();
    let mut section: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_ascii_lowercase();
            if !KNOWN.iter().any(|(s, _)| *s == name) {
                bail!("line {}: unknown section [{name}]", n + 1);
            }
            section = Some(name);
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| anyhow!("line {}: expected key = value", n + 1))?;
        let section = section
            .clone()
            .ok_or_else(|| anyhow!("line {}: a setting before any [section]", n + 1))?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        values.insert((section, key.trim().to_ascii_lowercase()), value.to_owned());
    }
    Ok(values)
}

fn strip_comment(line: &str) -> &str {
    let trimmed = line.trim_start();
    if trimmed.starts_with(';') || trimmed.starts_with('#') {
        return "";
    }
    match line.find(" ;").or_else(|| line.find(" #")) {
        Some(i) => &line[..i],
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_file() {
        let text = "\
; Vapor
[server]
host = 0.0.0.0
port = 9090 ; inline comment

[database]
path = \"/tmp/v.db\"

[libvirt]
enabled = false
uri = test:///default
domain_type = qemu
";
        let c = Config::from_values(&parse_ini(text).unwrap()).unwrap();
        assert_eq!(c.host, "0.0.0.0");
        assert_eq!(c.port, 9090);
        assert_eq!(c.database_path, PathBuf::from("/tmp/v.db"));
        assert!(!c.libvirt_enabled);
        assert_eq!(c.libvirt_uri, "test:///default");
        assert_eq!(c.domain_type, DomainTypeChoice::Qemu);
        assert_eq!(c.max_body_bytes, Config::default().max_body_bytes);
    }

    #[test]
    fn storage_section() {
        let text = "[storage]\niso_dir = /srv/isos\niso_pool =\nmax_chunk_bytes = 1024\nupload_ttl_hours = 2\n";
        let c = Config::from_values(&parse_ini(text).unwrap()).unwrap();
        assert_eq!(c.iso_dir, PathBuf::from("/srv/isos"));
        assert_eq!(c.iso_pool, None, "an empty iso_pool turns the pool off");
        assert_eq!(c.max_chunk_bytes, 1024);
        assert_eq!(c.upload_ttl_hours, 2);
        assert_eq!(Config::default().iso_pool.as_deref(), Some("vapor-isos"));
        let example = include_str!("../../../vapor.conf.example");
        assert_eq!(
            Config::from_values(&parse_ini(example).unwrap()).unwrap(),
            Config::default(),
            "the example shows the defaults"
        );
    }

    #[test]
    fn the_packaged_file_sets_every_key_to_its_default() {
        let text = include_str!("../../../packaging/vapor.conf");
        let values = parse_ini(text).unwrap();
        for (section, keys) in KNOWN {
            for key in *keys {
                let set = values.contains_key(&(section.to_string(), key.to_string()));
                let shown = text.contains(&format!(";{key} = "));
                assert!(set || shown, "packaging/vapor.conf lacks [{section}] {key}");
            }
        }
        let c = Config::from_values(&values).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn audit_retention() {
        let parse = |text: &str| Config::from_values(&parse_ini(text).unwrap());
        assert_eq!(Config::default().audit_retention_days, 365);
        assert_eq!(
            parse("[audit]\nretention_days = 0\n")
                .unwrap()
                .audit_retention_days,
            0
        );
        assert_eq!(
            parse("[audit]\nretention_days = 30\n")
                .unwrap()
                .audit_retention_days,
            30
        );
        for bad in ["-1", "a year", "100001"] {
            assert!(
                parse(&format!("[audit]\nretention_days = {bad}\n")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn host_file_roots() {
        let parse = |text: &str| Config::from_values(&parse_ini(text).unwrap());
        let d = Config::default();
        assert!(d.host_file_roots.is_empty());
        assert_eq!(
            d.effective_host_file_roots(),
            vec![PathBuf::from("/var/lib/libvirt/images")]
        );
        let moved = parse("[libvirt]\ndefault_pool_path = /srv/pool\n").unwrap();
        assert_eq!(
            moved.effective_host_file_roots(),
            vec![PathBuf::from("/srv/pool")],
            "the default follows default_pool_path"
        );
        let c = parse("[storage]\nhost_file_roots = /srv/images, /data/vm ,\n").unwrap();
        assert_eq!(
            c.effective_host_file_roots(),
            vec![PathBuf::from("/srv/images"), PathBuf::from("/data/vm")]
        );
        assert!(parse("[storage]\nhost_file_roots =\n")
            .unwrap()
            .host_file_roots
            .is_empty());
        for bad in ["images", "/srv/../etc", "/", "/srv,relative"] {
            let err = parse(&format!("[storage]\nhost_file_roots = {bad}\n")).unwrap_err();
            assert!(err.to_string().contains("host_file_roots"), "{bad}: {err}");
        }
    }

    #[test]
    fn tls_settings() {
        let text = "[server]\ntls_cert = /etc/vapor/cert.pem\ntls_key = /etc/vapor/key.pem\nallow_insecure = yes\n";
        let c = Config::from_values(&parse_ini(text).unwrap()).unwrap();
        assert_eq!(c.tls_cert, Some(PathBuf::from("/etc/vapor/cert.pem")));
        assert_eq!(c.tls_key, Some(PathBuf::from("/etc/vapor/key.pem")));
        assert!(c.allow_insecure);
        let d = Config::default();
        assert_eq!(
            (d.tls_cert, d.tls_key, d.allow_insecure),
            (None, None, false)
        );
        let half = "[server]\ntls_cert = /etc/vapor/cert.pem\n";
        let err = Config::from_values(&parse_ini(half).unwrap()).unwrap_err();
        assert!(err.to_string().contains("tls_key"), "{err}");
    }

    #[test]
    fn typos_are_errors() {
        assert!(parse_ini("[sever]\nport = 1\n").is_err());
        assert!(Config::from_values(&parse_ini("[server]\nprot = 1\n").unwrap()).is_err());
        assert!(Config::from_values(&parse_ini("[server]\nport = http\n").unwrap()).is_err());
        assert!(
            Config::from_values(&parse_ini("[libvirt]\ndomain_type = xen\n").unwrap()).is_err()
        );
        assert!(parse_ini("port = 1\n").is_err());
    }
}
