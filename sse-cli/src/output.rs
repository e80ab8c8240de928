//! How events are printed: for a person, or one JSON object per line.

use std::io::{self, Write};

use serde::Serialize;

/// One event as `--json` prints it.
#[derive(Serialize)]
struct JsonEvent<'a> {
    #[serde(rename = "type")]
    event_type: &'a str,
    data: &'a str,
    id: &'a str,
}

/// Prints events to stdout, flushing each so pipes see them at once.
pub(crate) struct Printer {
    json: bool,
    out: io::Stdout,
}

impl Printer {
    pub(crate) fn new(json: bool) -> Self {
        Self { json, out: io::stdout() }
    }

    /// Prints one event. Human format: `type #id: data`, further data
    /// lines indented by two spaces.
    pub(crate) fn event(&mut self, event_type: &str, data: &str, id: &str) -> io::Result<()> {
        let mut out = self.out.lock();
        if self.json {
            let line = serde_json::to_string(&JsonEvent { event_type, data, id })?;
            writeln!(out, "{line}")?;
        } else {
            let id = if id.is_empty() { String::new() } else { format!(" #{id}") };
            writeln!(out, "{event_type}{id}: {}", data.replace('\n', "\n  "))?;
        }
        out.flush()
    }

    /// Prints one comment: `: text`, or with `--json` `{"comment": text}`.
    pub(crate) fn comment(&mut self, text: &str) -> io::Result<()> {
        let mut out = self.out.lock();
        if self.json {
            writeln!(out, "{}", serde_json::json!({ "comment": text }))?;
        } else {
            writeln!(out, ": {text}")?;
        }
        out.flush()
    }
}
