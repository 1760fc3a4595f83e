//! A database Vapor cannot use stops `vapor serve` (and the token commands) at
//! start-up with a message that names the file and what is wrong with it, and
//! a non-zero exit status; never a panic, never a half-started service.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crate::common::{vapor, write_config};

/// Runs `vapor ARGS --config CONFIG`, killing it if it has not ended in 30 s
/// (a service that started despite the broken database).
fn run(args: &[&str], config: &Path) -> Output {
    let mut child = vapor()
        .args(args)
        .arg("--config")
        .arg(config)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("vapor {args:?} kept running with an unusable database");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// Asserts that `vapor serve` and `vapor token list` both refuse to run,
/// saying `expected` about `path`.
fn assert_refused(config: &Path, path: &Path, expected: &str) {
    for args in [&["serve"][..], &["token", "list"][..]] {
        let out = run(args, config);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "vapor {args:?} succeeded: {stderr}");
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            !stderr.contains("panicked"),
            "vapor {args:?} panicked: {stderr}"
        );
        assert!(
            !stderr.contains("vapor is serving"),
            "vapor {args:?} served: {stderr}"
        );
        assert!(
            stderr.contains(&path.display().to_string()),
            "the message names {}: {stderr}",
            path.display()
        );
        assert!(
            stderr.contains(expected),
            "the message says {expected:?}: {stderr}"
        );
    }
}

/// Points the configuration's database at `path`.
fn set_database(config: &Path, path: &Path) {
    let text = std::fs::read_to_string(config).unwrap();
    let text = text
        .lines()
        .map(|line| {
            if line.starts_with("path = ") {
                format!("path = {}", path.display())
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(config, text).unwrap();
}

#[test]
fn a_file_of_garbage_is_refused_as_not_a_database() {
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), crate::common::free_port());
    let db = dir.path().join("state/vapor.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let mut state: u32 = 0x9e37_79b9;
    let garbage: Vec<u8> = (0..16384)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    std::fs::write(&db, &garbage).unwrap();
    assert_refused(&config, &db, "not a SQLite database or is damaged");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        garbage,
        "the damaged file is left as it was"
    );
}

#[test]
fn a_database_whose_directory_cannot_be_made_is_refused() {
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), crate::common::free_port());
    // A regular file where the database's directory should be.
    let blocker = dir.path().join("state");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let db = blocker.join("vapor.db");
    set_database(&config, &db);
    assert_refused(&config, &blocker, "cannot create the database's directory");
}

#[test]
fn a_database_path_that_cannot_be_opened_is_refused() {
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), crate::common::free_port());
    // A directory where the database file should be.
    let db = dir.path().join("state/vapor.db");
    std::fs::create_dir_all(&db).unwrap();
    assert_refused(&config, &db, "cannot be opened for reading and writing");
}

/// Makes a file immutable (`chattr +i`) for as long as it lives, so that not
/// even root can write it; undone when dropped, also when a test fails.
struct Immutable<'a>(&'a Path);

impl<'a> Immutable<'a> {
    /// `None`, with the reason, when the file cannot be made immutable here.
    fn make(path: &'a Path) -> Result<Immutable<'a>, String> {
        let out = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .output()
            .map_err(|e| format!("chattr cannot be run: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "chattr +i failed (no CAP_LINUX_IMMUTABLE, or a file system without the attribute): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let guard = Immutable(path);
        // The attribute must really stop writes, whoever runs the test.
        match std::fs::OpenOptions::new().append(true).open(path) {
            Ok(_) => Err("the immutable file can still be opened for writing".into()),
            Err(_) => Ok(guard),
        }
    }
}

impl Drop for Immutable<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(self.0)
            .status();
    }
}

#[test]
fn a_database_file_vapor_cannot_write_is_refused() {
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), crate::common::free_port());
    // A good database, with a token in it, that can no longer be written:
    // root ignores file modes, so the file is made immutable instead.
    crate::common::create_token(&config);
    let db = dir.path().join("state/vapor.db");
    let before = std::fs::read(&db).unwrap();
    let _immutable = match Immutable::make(&db) {
        Ok(guard) => guard,
        Err(reason) => {
            eprintln!("skipped: the database cannot be made unwritable here: {reason}");
            return;
        }
    };
    assert_refused(&config, &db, "cannot be opened for reading and writing");
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is unchanged");
}
