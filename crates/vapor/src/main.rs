//! `vapor serve [--config PATH]` runs the API; `vapor token create NAME [--config PATH]`
//! creates an API token and prints it, alone, on stdout.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use vapor::Config;

const USAGE: &str = "usage:
  vapor serve [--config PATH]
  vapor token create NAME [--config PATH]

The configuration is PATH, else $VAPOR_CONFIG, else ./vapor.conf, else /etc/vapor/vapor.conf,
else built-in defaults; VAPOR_<SECTION>_<KEY> environment variables override it.";

enum Command {
    Serve,
    TokenCreate(String),
}

fn parse(args: &[String]) -> Result<(Command, Option<PathBuf>)> {
    let mut config = None;
    let mut words = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--config" | "-c" => match it.next() {
                Some(p) => config = Some(PathBuf::from(p)),
                None => bail!("--config needs a path"),
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
        ["token", "create", name] => Command::TokenCreate((*name).to_owned()),
        _ => bail!("{USAGE}"),
    };
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

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, config_path) = parse(&args)?;
    let config = Config::load(config_path.as_deref())?;
    match command {
        Command::Serve => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(vapor::serve(config)),
        Command::TokenCreate(name) => {
            let db = vapor_core::db::Database::open(&config.database_path)?;
            let token = vapor_core::auth::create_token(&db, &name)?;
            println!("{token}");
            Ok(())
        }
    }
}
