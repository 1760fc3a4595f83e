//! Printing results: aligned tables for people, JSON or YAML for scripts.
//!
//! JSON and YAML print the `data` of the response envelope unchanged. Tables
//! pick a few fields; a state or status cell is coloured only when stdout is
//! a terminal.

use std::io::IsTerminal;

use serde::Serialize;
use serde_json::Value;

pub use crate::cli::Format;
use crate::error::{CliError, Result};

/// A column: its heading and the dotted path of the field it shows.
pub type Column = (&'static str, &'static str);

/// The printer chosen by `--output`.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    pub format: Format,
    colour: bool,
}

impl Printer {
    pub fn new(format: Format) -> Printer {
        Printer {
            format,
            colour: std::io::stdout().is_terminal(),
        }
    }

    /// A list at `data[key]`, one row per item.
    pub fn list(&self, data: &impl Serialize, key: &str, columns: &[Column]) -> Result<()> {
        let data = to_value(data)?;
        if self.format != Format::Table {
            return self.raw(&data);
        }
        let empty = Vec::new();
        let items = data.get(key).and_then(Value::as_array).unwrap_or(&empty);
        let header: Vec<String> = columns.iter().map(|(h, _)| (*h).to_owned()).collect();
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|item| columns.iter().map(|(_, p)| cell(lookup(item, p))).collect())
            .collect();
        let state_columns: Vec<bool> = columns
            .iter()
            .map(|(h, _)| matches!(*h, "STATE" | "STATUS"))
            .collect();
        print!("{}", self.table(&header, &rows, &state_columns));
        Ok(())
    }

    /// One object, as `FIELD  value` lines.
    pub fn object(&self, data: &impl Serialize, fields: &[Column]) -> Result<()> {
        let data = to_value(data)?;
        if self.format != Format::Table {
            return self.raw(&data);
        }
        let rows: Vec<Vec<String>> = fields
            .iter()
            .map(|(h, p)| vec![format!("{h}:"), cell(lookup(&data, p))])
            .collect();
        let state_rows: Vec<bool> = fields
            .iter()
            .map(|(h, _)| matches!(*h, "State" | "Status"))
            .collect();
        let mut out = String::new();
        let width = rows.iter().map(|r| r[0].chars().count()).max().unwrap_or(0);
        for (row, is_state) in rows.iter().zip(state_rows) {
            let value = if is_state {
                self.paint(&row[1], &row[1])
            } else {
                row[1].clone()
            };
            out.push_str(&format!("{:<width$}  {value}\n", row[0]));
        }
        print!("{out}");
        Ok(())
    }

    /// A one-line message for people; scripts get the data instead.
    pub fn message(&self, data: &impl Serialize, text: &str) -> Result<()> {
        if self.format == Format::Table {
            println!("{text}");
            Ok(())
        } else {
            self.raw(&to_value(data)?)
        }
    }

    /// `data` in JSON or YAML.
    pub fn raw(&self, data: &Value) -> Result<()> {
        let text = match self.format {
            Format::Yaml => serde_yaml::to_string(data)
                .map_err(|e| CliError::Other(format!("cannot print YAML: {e}")))?,
            _ => {
                let mut text = serde_json::to_string_pretty(data)
                    .map_err(|e| CliError::Other(format!("cannot print JSON: {e}")))?;
                text.push('\n');
                text
            }
        };
        print!("{text}");
        Ok(())
    }

    fn table(&self, header: &[String], rows: &[Vec<String>], state: &[bool]) -> String {
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for row in rows {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        let line = |cells: &[String], colour: bool, out: &mut String| {
            let last = cells.len().saturating_sub(1);
            for (i, c) in cells.iter().enumerate() {
                let padded = if i == last {
                    c.clone()
                } else {
                    format!("{c:<width$}  ", width = widths[i])
                };
                if colour && state[i] {
                    out.push_str(&self.paint(&padded, c));
                } else {
                    out.push_str(&padded);
                }
            }
            out.push('\n');
        };
        line(header, false, &mut out);
        for row in rows {
            line(row, true, &mut out);
        }
        out
    }

    /// `text` coloured by the meaning of `state`, when stdout is a terminal.
    fn paint(&self, text: &str, state: &str) -> String {
        if !self.colour {
            return text.to_owned();
        }
        let code = match state {
            "running" | "active" | "succeeded" | "completed" | "available" => "32",
            "paused" | "queued" | "in_progress" | "created" | "pmsuspended" | "blocked" => "33",
            "crashed" | "failed" | "cancelled" | "expired" => "31",
            "shutoff" | "shutdown" | "inactive" => "90",
            _ => return text.to_owned(),
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

pub fn to_value(data: &impl Serialize) -> Result<Value> {
    serde_json::to_value(data).map_err(|e| CliError::Other(format!("cannot encode: {e}")))
}

/// The value at a dotted path (`progress.percent`).
fn lookup<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .try_fold(value, |v, key| v.get(key))
        .unwrap_or(&Value::Null)
}

/// A field as a table cell.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Object(o) => o
                    .get("name")
                    .or_else(|| o.get("target"))
                    .map(cell)
                    .unwrap_or_else(|| i.to_string()),
                other => cell(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_are_aligned_and_paths_are_followed() {
        let p = Printer {
            format: Format::Table,
            colour: false,
        };
        let rows = vec![
            vec!["a".to_owned(), "running".to_owned(), "1".to_owned()],
            vec!["longer-name".to_owned(), "-".to_owned(), "22".to_owned()],
        ];
        let header = vec!["NAME".to_owned(), "STATE".to_owned(), "N".to_owned()];
        let text = p.table(&header, &rows, &[false, true, false]);
        assert_eq!(
            text,
            "NAME         STATE    N\na            running  1\nlonger-name  -        22\n"
        );
        let v =
            json!({"progress": {"percent": 50.0}, "disks": [{"target": "vda"}, {"target": "vdb"}]});
        assert_eq!(cell(lookup(&v, "progress.percent")), "50.0");
        assert_eq!(cell(lookup(&v, "disks")), "vda,vdb");
        assert_eq!(cell(lookup(&v, "missing.field")), "-");
    }

    #[test]
    fn colour_keeps_alignment() {
        let p = Printer {
            format: Format::Table,
            colour: true,
        };
        let text = p.table(
            &["STATE".to_owned(), "NAME".to_owned()],
            &[vec!["running".to_owned(), "a".to_owned()]],
            &[true, false],
        );
        assert_eq!(text, "STATE    NAME\n\x1b[32mrunning  \x1b[0ma\n");
    }
}
