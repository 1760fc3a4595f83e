//! SQLite survives `vapor serve` killed (SIGKILL) in the middle of a stream
//! of writes. Several clients create templates (one of them with
//! `Idempotency-Key`s) and change templates as fast as they are answered,
//! every request writing its audit row too; the process is killed while
//! they run, and started again on the same database. It must start, the
//! file must pass `PRAGMA integrity_check`, and every write answered with
//! 2xx before the kill must be there: the template, its change, its audit
//! row, its idempotency key. A few rounds, each killed at another moment.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::{create_token, free_port, serve, stop, write_config, Running};

const TEMPLATES: &str = "/virtualization/virtualmachines/templates";

/// Writers that create templates; the first sends an `Idempotency-Key` with each.
const CREATORS: usize = 3;
/// Writers that change a template of their own, again and again.
const UPDATERS: usize = 2;
const ROUNDS: usize = 5;

/// A client of one server that never panics on a lost connection.
#[derive(Clone)]
struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// An answer: its status, `Idempotent-Replayed` header and JSON body.
struct Answer {
    status: u16,
    replayed: bool,
    body: Value,
}

impl Client {
    /// Sends a request; `None` when no complete answer came (the server died).
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Option<Answer> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(30));
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let reply = request.send().await.ok()?;
        let status = reply.status().as_u16();
        let replayed = reply.headers().get("idempotent-replayed").is_some();
        let text = reply.text().await.ok()?;
        Some(Answer {
            status,
            replayed,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        })
    }
}

fn template_body(name: &str) -> Value {
    json!({"name": name, "display_name": "Killed", "os_type": "linux", "os_variant": "generic"})
}

/// A create answered with 201 before the kill.
struct Created {
    name: String,
    id: i64,
    /// The key it was sent with, if any.
    key: Option<String>,
}

/// Creates templates until the server stops answering; returns those it
/// acknowledged. Counts every acknowledgement in `acked`.
async fn create_until_killed(
    client: Client,
    round: usize,
    writer: usize,
    acked: Arc<AtomicUsize>,
) -> Vec<Created> {
    let mut created = Vec::new();
    for n in 0.. {
        let name = format!("kill-r{round}-w{writer}-{n}");
        let key = (writer == 0).then(|| format!("kill-r{round}-k{n}"));
        let Some(answer) = client
            .send(
                reqwest::Method::POST,
                TEMPLATES,
                key.as_deref(),
                Some(&template_body(&name)),
            )
            .await
        else {
            break;
        };
        assert_eq!(answer.status, 201, "create {name}: {}", answer.body);
        let id = answer.body["data"]["id"].as_i64().expect("template id");
        created.push(Created { name, id, key });
        acked.fetch_add(1, Ordering::SeqCst);
    }
    created
}

/// Changes template `id`'s description to `rev N`, N = 1, 2, ..., until the
/// server stops answering; returns the last N acknowledged (0 for none).
async fn update_until_killed(client: Client, id: i64, acked: Arc<AtomicUsize>) -> u64 {
    let mut last = 0;
    for n in 1.. {
        let body = json!({"description": format!("rev {n}")});
        let Some(answer) = client
            .send(
                reqwest::Method::PUT,
                &format!("{TEMPLATES}/{id}"),
                None,
                Some(&body),
            )
            .await
        else {
            break;
        };
        assert_eq!(answer.status, 200, "update {id}: {}", answer.body);
        last = n;
        acked.fetch_add(1, Ordering::SeqCst);
    }
    last
}

/// `PRAGMA integrity_check`'s rows: `["ok"]` for a sound file.
fn integrity_check(db: &rusqlite::Connection) -> Vec<String> {
    let mut statement = db.prepare("PRAGMA integrity_check").unwrap();
    let rows = statement
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    rows
}

/// The number of audit rows of `operation` on `target` answered `status`.
fn audit_rows(db: &rusqlite::Connection, operation: &str, target: &str, status: u16) -> i64 {
    db.query_row(
        "SELECT count(*) FROM audit_log WHERE operation = ?1 AND target = ?2 AND status_code = ?3",
        rusqlite::params![operation, target, status],
        |r| r.get(0),
    )
    .unwrap()
}

fn open_read_only(path: &Path) -> rusqlite::Connection {
    let db =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    db.busy_timeout(Duration::from_secs(10)).unwrap();
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_database_survives_sigkill_in_the_middle_of_writes() {
    // On the mock backend: libvirtd plays no part.
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    let db_path = dir.path().join("state/vapor.db");
    let token = create_token(&config);
    let client = Client {
        base: format!("http://127.0.0.1:{port}/api/v1"),
        token,
        http: reqwest::Client::new(),
    };
    let mut server = Running(serve(&config));

    for round in 0..ROUNDS {
        // Each updater's template, made before the stream starts.
        let mut updated = Vec::new();
        for u in 0..UPDATERS {
            let name = format!("kill-r{round}-u{u}");
            let answer = client
                .send(
                    reqwest::Method::POST,
                    TEMPLATES,
                    None,
                    Some(&template_body(&name)),
                )
                .await
                .expect("the server answers");
            assert_eq!(answer.status, 201, "{}", answer.body);
            updated.push(answer.body["data"]["id"].as_i64().expect("template id"));
        }

        let acked = Arc::new(AtomicUsize::new(0));
        let creators: Vec<_> = (0..CREATORS)
            .map(|w| tokio::spawn(create_until_killed(client.clone(), round, w, acked.clone())))
            .collect();
        let updaters: Vec<_> = updated
            .iter()
            .map(|&id| tokio::spawn(update_until_killed(client.clone(), id, acked.clone())))
            .collect();

        // Killed once the stream is well under way, at another moment each round.
        let deadline = Instant::now() + Duration::from_secs(60);
        while acked.load(Ordering::SeqCst) < 40 + 25 * round {
            assert!(Instant::now() < deadline, "the writes did not get going");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(7 * round as u64)).await;
        assert!(!stop(&mut server.0, "-KILL"), "SIGKILL ends vapor");

        let mut created = Vec::new();
        for task in creators {
            created.extend(task.await.expect("creator task"));
        }
        let mut last_revisions = Vec::new();
        for task in updaters {
            last_revisions.push(task.await.expect("updater task"));
        }
        eprintln!(
            "round {round}: killed after {} acknowledged creates and {:?} acknowledged changes",
            created.len(),
            last_revisions
        );

        // It starts again on the same file, which is sound.
        server = Running(serve(&config));
        let db = open_read_only(&db_path);
        assert_eq!(integrity_check(&db), ["ok"], "round {round}");

        // Every acknowledged create is there, through the API and in the file,
        // with its audit row and, when it had one, its key.
        for c in &created {
            let answer = client
                .send(
                    reqwest::Method::GET,
                    &format!("{TEMPLATES}/{}", c.id),
                    None,
                    None,
                )
                .await
                .expect("the restarted server answers");
            assert_eq!(answer.status, 200, "{} lost: {}", c.name, answer.body);
            assert_eq!(answer.body["data"]["name"], c.name.as_str());
            let rows: i64 = db
                .query_row(
                    "SELECT count(*) FROM vm_templates WHERE id = ?1 AND name = ?2",
                    rusqlite::params![c.id, c.name],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(rows, 1, "{} is in the file", c.name);
            assert_eq!(
                audit_rows(&db, "template_create", &c.name, 201),
                1,
                "the audit row of {}",
                c.name
            );
            if let Some(key) = &c.key {
                let again = client
                    .send(
                        reqwest::Method::POST,
                        TEMPLATES,
                        Some(key),
                        Some(&template_body(&c.name)),
                    )
                    .await
                    .expect("the restarted server answers");
                assert_eq!(again.status, 201, "{}: {}", c.name, again.body);
                assert!(again.replayed, "the key of {} is remembered", c.name);
                assert_eq!(again.body["data"]["id"], c.id);
            }
        }
        assert!(!created.is_empty(), "round {round} acknowledged no create");

        // Every acknowledged change is there: the last one, or the one that
        // was in flight when the process died.
        for (&id, &last) in updated.iter().zip(&last_revisions) {
            let answer = client
                .send(
                    reqwest::Method::GET,
                    &format!("{TEMPLATES}/{id}"),
                    None,
                    None,
                )
                .await
                .expect("the restarted server answers");
            assert_eq!(answer.status, 200, "{}", answer.body);
            let description = answer.body["data"]["description"].clone();
            let allowed = [
                json!(format!("rev {last}")),
                json!(format!("rev {}", last + 1)),
            ];
            assert!(
                allowed.contains(&description) || (last == 0 && description.is_null()),
                "template {id} lost its acknowledged change rev {last}: {description}"
            );
            let audited = audit_rows(&db, "template_update", &id.to_string(), 200);
            assert!(
                audited as u64 >= last,
                "template {id}: {audited} audit rows for {last} acknowledged changes"
            );
        }
    }
    assert!(!stop(&mut server.0, "-KILL"));
}
