//! `vapor serve [--config PATH]` runs the API; `vapor token create NAME` creates
//! an API token and prints it, alone, on stdout; `vapor token list` shows the
//! tokens (never their secrets); `vapor token revoke NAME` revokes one.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use vapor::Config;
use vapor_core::auth::{self, Scope};

const USAGE: &str = "usage:
  vapor serve [--config PATH]
  vapor token create NAME [--scope read|admin] [--expires 30d|12h|RFC3339] [--config PATH]
  vapor token list [--config PATH]
  vapor token revoke NAME [--config PATH]

A read token may only GET; an admin token (the default) may do everything.
--expires takes a duration (s, m, h, d or w) or an RFC 3339 time; without it
the token does not expire.

The configuration is PATH, else $VAPOR_CONFIG, else ./vapor.conf, else /etc/vapor/vapor.conf,
else built-in defaults; VAPOR_<SECTION>_<KEY> environment variables override it.";

enum Command {
    Serve,
    TokenCreate {
        name: String,
        scope: Scope,
        expires: Option<String>,
    },
    TokenList,
    TokenRevoke(String),
}

fn parse(args: &[String]) -> Result<(Command, Option<PathBuf>)> {
    let mut config = None;
    let mut scope = None;
    let mut expires = None;
    let mut words = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--config" | "-c" => match it.next() {
                Some(p) => config = Some(PathBuf::from(p)),
                None => bail!("--config needs a path"),
            },
            "--scope" => match it.next() {
                Some(s) => scope = Some(s.parse::<Scope>()?),
                None => bail!("--scope needs read or admin"),
            },
            "--expires" => match it.next() {
                Some(e) => expires = Some(e.clone()),
                None => bail!("--expires needs a duration or a time"),
            },
            "-h" | "--help" => bail!("{USAGE}"),
            s if s.starts_with("--config=") => {
                config = Some(PathBuf::from(&s["--config=".len()..]))
            }
            s if s.starts_with('-') => bail!("unknown option {s}\n{USAGE}"),
            s => words.push(s.to_owned()),
        }
    }
    let command = match words
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["serve"] => Command::Serve,
        ["token", "create", name] => Command::TokenCreate {
            name: (*name).to_owned(),
            scope: scope.take().unwrap_or_default(),
            expires: expires.take(),
        },
        ["token", "list"] => Command::TokenList,
        ["token", "revoke", name] => Command::TokenRevoke((*name).to_owned()),
        _ => bail!("{USAGE}"),
    };
    if scope.is_some() || expires.is_some() {
        bail!("--scope and --expires go with token create\n{USAGE}");
    }
    Ok((command, config))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("vapor: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The most threads libvirt and SQLite calls run on at once; more wait for
/// one. Each is a libvirt call in flight (the connection serves them in
/// turn) or a database statement, so more would only queue inside libvirt,
/// with a thread's stack and allocator arena for each.
const BLOCKING_THREADS: usize = 64;

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, config_path) = parse(&args)?;
    let config = Config::load(config_path.as_deref())?;
    match command {
        Command::Serve => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .max_blocking_threads(BLOCKING_THREADS)
            .build()?
            .block_on(vapor::serve(config)),
        Command::TokenCreate {
            name,
            scope,
            expires,
        } => {
            let expires_at = expires
                .map(|e| auth::parse_expiry(&e, chrono::Utc::now()))
                .transpose()?;
            let db = open_database(&config)?;
            let token = auth::create_token_with(&db, &name, scope, expires_at)?;
            println!("{token}");
            Ok(())
        }
        Command::TokenList => {
            let db = open_database(&config)?;
            print!("{}", token_table(&auth::list_tokens(&db)?));
            Ok(())
        }
        Command::TokenRevoke(name) => {
            let db = open_database(&config)?;
            auth::revoke_token(&db, &name)?;
            println!("revoked token {name}");
            Ok(())
        }
    }
}

/// Opens the configured database, naming it in the error.
fn open_database(config: &Config) -> Result<vapor_core::db::Database> {
    vapor_core::db::Database::open(&config.database_path)
        .with_context(|| format!("opening the database {}", config.database_path.display()))
}

/// The tokens as an aligned table, a header first. Secrets are never stored,
/// so they cannot be shown.
fn token_table(tokens: &[auth::TokenInfo]) -> String {
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut rows = vec![[
        "NAME".to_owned(),
        "SCOPE".into(),
        "STATE".into(),
        "CREATED".into(),
        "EXPIRES".into(),
        "LAST USED".into(),
    ]];
    for t in tokens {
        rows.push([
            t.name.clone(),
            t.scope.to_string(),
            t.state.as_str().into(),
            t.created_at.clone(),
            dash(&t.expires_at),
            dash(&t.last_used_at),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
