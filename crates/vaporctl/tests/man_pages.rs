//! The man pages and shell completions the build script writes into
//! `OUT_DIR` (crates/vaporctl/build.rs): a page for every command the
//! binary has, each listing its subcommands.

use std::path::{Path, PathBuf};
use std::process::Command;

fn out_dir() -> PathBuf {
    PathBuf::from(env!("OUT_DIR"))
}

/// The subcommands `vaporctl <path> --help` lists (without `help`).
fn subcommands(path: &[String]) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_vaporctl"))
        .args(path)
        .arg("--help")
        .env_remove("VAPOR_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "vaporctl {path:?} --help");
    let help = String::from_utf8(out.stdout).unwrap();
    let Some(listed) = help.split("\nCommands:\n").nth(1) else {
        return Vec::new();
    };
    listed
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Whether the roff text has `word`, plain or with its `-` escaped (`\-`).
fn mentions(text: &str, word: &str) -> bool {
    text.contains(word) || text.contains(&word.replace('-', "\\-"))
}

fn page(man: &Path, path: &[String]) -> String {
    let mut name = String::from("vaporctl");
    for part in path {
        name.push('-');
        name.push_str(part);
    }
    let file = man.join(format!("{name}.1"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert!(
        text.starts_with(".ie") || text.contains(".TH"),
        "{name}: roff"
    );
    assert!(mentions(&text, &name), "{name} names itself");
    text
}

#[test]
fn every_command_has_a_man_page_listing_its_subcommands() {
    let man = out_dir().join("man");
    let mut pending: Vec<Vec<String>> = vec![Vec::new()];
    let mut pages = 0;
    while let Some(path) = pending.pop() {
        let text = page(&man, &path);
        pages += 1;
        for sub in subcommands(&path) {
            assert!(
                mentions(&text, &sub),
                "the page of {path:?} mentions its subcommand {sub}"
            );
            let mut child = path.clone();
            child.push(sub);
            pending.push(child);
        }
    }
    // Commands with subcommands and leaves: vm create, vm snapshot revert, ...
    assert!(pages > 60, "{pages} pages");
    let files = std::fs::read_dir(&man).unwrap().count();
    assert_eq!(files, pages, "one page per command, no stale ones");
    let create = page(&man, &["vm".into(), "create".into()]);
    for flag in ["--memory", "--vcpus", "--disk-size"] {
        assert!(mentions(&create, flag), "vm create's page has {flag}");
    }
}

#[test]
fn completions_are_written_for_bash_zsh_and_fish() {
    let dir = out_dir().join("completions");
    for file in ["vaporctl.bash", "_vaporctl", "vaporctl.fish"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        for word in ["vaporctl", "snapshot", "migration-status", "upload"] {
            assert!(text.contains(word), "{file} completes {word}");
        }
    }
    // The same as `vaporctl completions bash` prints.
    let printed = Command::new(env!("CARGO_BIN_EXE_vaporctl"))
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(printed.status.success());
    assert_eq!(
        String::from_utf8(printed.stdout).unwrap(),
        std::fs::read_to_string(dir.join("vaporctl.bash")).unwrap()
    );
}
