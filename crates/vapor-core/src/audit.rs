//! The audit log (table `audit_log`): one row for every request that could
//! change something (any method but GET, HEAD and OPTIONS) made with a valid
//! token, written by the HTTP layer once the response is known, failures
//! included. Requests without a valid token are not recorded: anyone can
//! send those, and they would let a stranger fill the log.

use rusqlite::params;

use crate::db::{db_error, now, Database};
use crate::error::{Error, Result};

/// The most entries one page of `GET /audit` returns, and the default.
pub const MAX_PAGE: u32 = 1000;
pub const DEFAULT_PAGE: u32 = 100;

/// One page of the log, newest first, and the `before` of the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPage {
    pub entries: Vec<AuditRow>,
    pub next_before: Option<i64>,
}

/// A page of up to `limit` entries (default [`DEFAULT_PAGE`], at most
/// [`MAX_PAGE`]) older than the entry `before`.
pub fn page(db: &Database, before: Option<i64>, limit: Option<u32>) -> Result<AuditPage> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            format!("limit is from 1 to {MAX_PAGE}"),
        ));
    }
    if before.is_some_and(|b| b < 1) {
        return Err(Error::invalid("before", "before is an entry id, from 1"));
    }
    // One more than asked says whether an older page exists.
    let mut entries = db.audit_entries(before, limit + 1)?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_before = more.then(|| entries.last().map(|e| e.id)).flatten();
    Ok(AuditPage {
        entries,
        next_before,
    })
}

/// What the HTTP layer records about one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub token_name: String,
    pub method: String,
    pub path: String,
    /// The `operationId` the request matched, if it matched one.
    pub operation: Option<String>,
    /// The first path parameter: the object the request named.
    pub target: Option<String>,
    pub status_code: u16,
}

/// One recorded request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub token_name: String,
    pub method: String,
    pub path: String,
    pub operation: Option<String>,
    pub target: Option<String>,
    pub status_code: u16,
}

/// Whether requests with this method are recorded: everything but the reads.
pub fn is_recorded(method: &http::Method) -> bool {
    !matches!(
        *method,
        http::Method::GET | http::Method::HEAD | http::Method::OPTIONS
    )
}

impl Database {
    /// Records one request; returns its id.
    pub fn insert_audit(&self, entry: &NewAuditEntry) -> Result<i64> {
        let conn = self.lock();
        conn.execute(
            "INSERT INTO audit_log (at, token_name, method, path, operation, target, status_code)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                now(),
                entry.token_name,
                entry.method,
                entry.path,
                entry.operation,
                entry.target,
                entry.status_code
            ],
        )
        .map_err(|e| db_error("record audit entry", e))?;
        Ok(conn.last_insert_rowid())
    }

    /// Deletes the entries recorded before `cutoff`; returns how many.
    pub fn prune_audit(&self, cutoff: chrono::DateTime<chrono::Utc>) -> Result<usize> {
        let cutoff = cutoff.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        self.lock()
            .execute("DELETE FROM audit_log WHERE at < ?1", [cutoff])
            .map_err(|e| db_error("prune audit entries", e))
    }

    /// Up to `limit` entries older than the entry `before` (all when `None`),
    /// newest first.
    pub fn audit_entries(&self, before: Option<i64>, limit: u32) -> Result<Vec<AuditRow>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT id, at, token_name, method, path, operation, target, status_code
                 FROM audit_log WHERE (?1 IS NULL OR id < ?1) ORDER BY id DESC LIMIT ?2",
            )
            .map_err(|e| db_error("list audit entries", e))?;
        let rows = stmt
            .query_map(params![before, limit], |r| {
                Ok(AuditRow {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    token_name: r.get(2)?,
                    method: r.get(3)?,
                    path: r.get(4)?,
                    operation: r.get(5)?,
                    target: r.get(6)?,
                    status_code: r.get(7)?,
                })
            })
            .map_err(|e| db_error("list audit entries", e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| db_error("list audit entries", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, status_code: u16) -> NewAuditEntry {
        NewAuditEntry {
            token_name: "ops".into(),
            method: "POST".into(),
            path: path.into(),
            operation: Some("vm_action".into()),
            target: Some("web".into()),
            status_code,
        }
    }

    #[test]
    fn entries_page_newest_first() {
        let db = Database::open_in_memory().unwrap();
        let ids: Vec<i64> = (0..5)
            .map(|n| db.insert_audit(&entry(&format!("/p{n}"), 200)).unwrap())
            .collect();
        let page = db.audit_entries(None, 2).unwrap();
        assert_eq!(
            page.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![ids[4], ids[3]]
        );
        assert_eq!(page[0].path, "/p4");
        assert_eq!(page[0].target.as_deref(), Some("web"));
        let next = db.audit_entries(Some(page[1].id), 10).unwrap();
        assert_eq!(
            next.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![ids[2], ids[1], ids[0]]
        );
        assert!(db.audit_entries(Some(ids[0]), 10).unwrap().is_empty());
    }

    #[test]
    fn pages_say_where_the_next_one_starts() {
        let db = Database::open_in_memory().unwrap();
        let ids: Vec<i64> = (0..3)
            .map(|n| db.insert_audit(&entry(&format!("/p{n}"), 201)).unwrap())
            .collect();
        let first = page(&db, None, Some(2)).unwrap();
        assert_eq!(first.entries.len(), 2);
        assert_eq!(first.next_before, Some(ids[1]));
        let last = page(&db, first.next_before, Some(2)).unwrap();
        assert_eq!(last.entries.len(), 1);
        assert_eq!(last.entries[0].id, ids[0]);
        assert_eq!(last.next_before, None);
        assert_eq!(page(&db, None, None).unwrap().entries.len(), 3);
        assert!(page(&db, None, Some(0)).is_err());
        assert!(page(&db, None, Some(MAX_PAGE + 1)).is_err());
        assert!(page(&db, Some(0), None).is_err());
    }

    #[test]
    fn pruning_removes_only_older_entries() {
        let db = Database::open_in_memory().unwrap();
        let old = db.insert_audit(&entry("/old", 200)).unwrap();
        db.lock()
            .execute(
                "UPDATE audit_log SET at = '2020-01-01T00:00:00.000000Z' WHERE id = ?1",
                [old],
            )
            .unwrap();
        let new = db.insert_audit(&entry("/new", 200)).unwrap();
        let cutoff = chrono::Utc::now() - chrono::Duration::days(1);
        assert_eq!(db.prune_audit(cutoff).unwrap(), 1);
        let left: Vec<i64> = db
            .audit_entries(None, 10)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(left, vec![new]);
        assert_eq!(db.prune_audit(cutoff).unwrap(), 0);
    }

    #[test]
    fn only_mutations_are_recorded() {
        assert!(is_recorded(&http::Method::POST));
        assert!(is_recorded(&http::Method::DELETE));
        assert!(is_recorded(&http::Method::PATCH));
        assert!(is_recorded(&http::Method::PUT));
        assert!(!is_recorded(&http::Method::GET));
        assert!(!is_recorded(&http::Method::HEAD));
        assert!(!is_recorded(&http::Method::OPTIONS));
    }
}
