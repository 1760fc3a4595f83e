//! Writes vaporctl's man pages and shell completions from its clap
//! definitions (src/cli.rs), at build time, into `OUT_DIR`:
//!
//! - `man/`: `vaporctl.1` and one page per command and subcommand
//!   (`vaporctl-vm.1`, `vaporctl-vm-create.1`, ...);
//! - `completions/`: `vaporctl.bash`, `_vaporctl` (zsh) and `vaporctl.fish`.
//!
//! `scripts/package.sh` finds `OUT_DIR` in cargo's build messages and puts
//! these into the Debian package.

// cli.rs's value parsers are used by the binary, not here.
#![allow(dead_code)]

use std::path::Path;

use clap::CommandFactory as _;
use clap_complete::Shell;

/// Stand-ins for the API's types that src/cli.rs names. Only the shape of the
/// command line matters here; cli.rs parses these values with serde from the
/// text given (`api_enum`, `api_json`), so a `String` takes any of them and
/// the pages and completions come out the same. A type cli.rs starts to use
/// must be added here (the build fails until it is).
mod vapor_client {
    pub mod models {
        pub type BackupCompression = String;
        pub type BackupType = String;
        pub type ConsoleType = String;
        pub type CopyStorage = String;
        pub type DiskBus = String;
        pub type DiskFormat = String;
        pub type HotplugAction = String;
        pub type HotplugConfiguration = String;
        pub type HotplugResourceType = String;
        pub type NetworkMode = String;
        pub type NicModel = String;
        pub type OperationStatus = String;
        pub type OsType = String;
        pub type PciDeviceType = String;
        pub type PoolType = String;
        pub type VfioDisplay = String;
    }
}

include!("src/cli.rs");

fn main() {
    println!("cargo:rerun-if-changed=src/cli.rs");
    println!("cargo:rerun-if-changed=build.rs");
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        panic!("cargo sets OUT_DIR for build scripts");
    };
    if let Err(e) = write_all(&out_dir) {
        panic!("writing the man pages and completions: {e}");
    }
}

fn write_all(out_dir: &Path) -> std::io::Result<()> {
    let man = out_dir.join("man");
    let completions = out_dir.join("completions");
    for dir in [&man, &completions] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
    }
    clap_mangen::generate_to(Cli::command(), &man)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut Cli::command(), "vaporctl", &completions)?;
    }
    Ok(())
}
