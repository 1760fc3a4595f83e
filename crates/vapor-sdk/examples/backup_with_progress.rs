//! Backs up a VM and prints the operation's progress until it ends.
//!
//! `VAPOR_URL=... VAPOR_TOKEN=... cargo run -p vapor-sdk --example backup_with_progress -- VM`

use std::time::Duration;

use vapor_sdk::vapor_client::apis::backups_api;
use vapor_sdk::vapor_client::models::BackupCreateRequest;
use vapor_sdk::{wait_for_operation, Client};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vm = std::env::args()
        .nth(1)
        .ok_or("usage: backup_with_progress VM")?;
    let client = Client::new(&std::env::var("VAPOR_URL")?, std::env::var("VAPOR_TOKEN")?)?;

    let mut request = BackupCreateRequest::new();
    request.description = Some("vapor-sdk example".into());
    let op = backups_api::backup_create(client.config(), &vm, request, None)
        .await
        .map_err(vapor_sdk::Error::from)?
        .data;
    println!("operation {} ({})", op.id, op.kind);

    let done = wait_for_operation(&client, &op.id, Duration::from_secs(3600), |op| {
        let p = &op.progress;
        match (p.processed.flatten(), p.total.flatten()) {
            (Some(done), Some(total)) => eprintln!(
                "{:>9} {:>5.1}% {} {done}/{total} bytes",
                op.status, p.percent, p.phase
            ),
            _ => eprintln!("{:>9} {:>5.1}% {}", op.status, p.percent, p.phase),
        }
    })
    .await?;
    println!("operation {} {} on {}", done.id, done.status, done.target);
    Ok(())
}
