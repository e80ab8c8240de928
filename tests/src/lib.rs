//! Shared helpers for the workspace integration tests: the conformance
//! vector format, a deliberately naive reference parser written straight
//! from the WHATWG text, and drivers that run `sse-core` over chunked input.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use sse_core::{Limits, ParseError, Parser};

/// One dispatched event, owned, as the vectors spell it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct OwnedEvent {
    /// Event type (`"message"` by default).
    #[serde(rename = "type")]
    pub event_type: String,
    /// Data lines joined by LF.
    pub data: String,
    /// Last event ID at dispatch.
    pub id: String,
}

/// What parsing a whole stream produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Dispatched events, or limit errors, in order.
    pub items: Vec<Result<OwnedEvent, ParseError>>,
    /// Reconnection time at the end, if one was ever set.
    pub retry: Option<u64>,
    /// The id a reconnect would send.
    pub last_event_id: String,
}

/// A conformance vector (see DESIGN.md for the format).
#[derive(Clone, Debug, Deserialize)]
pub struct Vector {
    /// What the vector checks.
    pub name: String,
    /// Input as text.
    #[serde(default)]
    pub input: Option<String>,
    /// Input as hex bytes, for invalid UTF-8 and BOMs.
    #[serde(default)]
    pub input_hex: Option<String>,
    /// Expected events.
    pub events: Vec<OwnedEvent>,
    /// Expected reconnection time after the whole input.
    pub retry: Option<u64>,
    /// Expected last event ID after the whole input.
    pub last_event_id: String,
}

impl Vector {
    /// The input bytes.
    ///
    /// # Errors
    ///
    /// A message if neither or both inputs are given, or the hex is bad.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        match (&self.input, &self.input_hex) {
            (Some(text), None) => Ok(text.as_bytes().to_vec()),
            (None, Some(hex)) => decode_hex(hex),
            _ => Err("exactly one of `input` and `input_hex` is required".into()),
        }
    }

    /// The expected outcome.
    pub fn expected(&self) -> Outcome {
        Outcome {
            items: self.events.iter().cloned().map(Ok).collect(),
            retry: self.retry,
            last_event_id: self.last_event_id.clone(),
        }
    }
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err("odd number of hex digits".into());
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).map_err(|e| e.to_string())?;
            u8::from_str_radix(s, 16).map_err(|e| format!("bad hex {s:?}: {e}"))
        })
        .collect()
}

/// Loads every `*.json` vector in `dir`, sorted by file name.
///
/// # Errors
///
/// A message naming the directory or file that could not be read or parsed.
pub fn load_vectors(dir: &Path) -> Result<Vec<(String, Vector)>, String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let vector: Vector =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok((path.display().to_string(), vector))
        })
        .collect()
}

/// How a vector's input is cut into chunks.
#[derive(Clone, Copy, Debug)]
pub enum Split {
    /// One chunk.
    Whole,
    /// One byte per chunk.
    Bytewise,
    /// Two chunks, cut at this position.
    At(usize),
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Whole => f.write_str("whole"),
            Self::Bytewise => f.write_str("byte by byte"),
            Self::At(n) => write!(f, "split at {n}"),
        }
    }
}

/// Cuts `input` into chunks as `split` says.
pub fn chunks(input: &[u8], split: Split) -> Vec<&[u8]> {
    match split {
        Split::Whole => vec![input],
        Split::Bytewise => input.chunks(1).collect(),
        Split::At(n) => vec![&input[..n], &input[n..]],
    }
}

/// Runs `sse-core` over `chunks` with a parser on `buffer`, then ends the
/// stream.
pub fn parse_chunks<B: AsRef<[u8]> + AsMut<[u8]>>(
    parser: &mut Parser<B>,
    chunks: &[&[u8]],
) -> Outcome {
    let mut items = Vec::new();
    for chunk in chunks {
        let mut rest = *chunk;
        while let Some(item) = parser.next(&mut rest) {
            items.push(item.map(|e| OwnedEvent {
                event_type: e.event_type.to_owned(),
                data: e.data.to_owned(),
                id: e.id.to_owned(),
            }));
        }
        assert!(rest.is_empty(), "parser stopped early with {} bytes left", rest.len());
    }
    parser.finish();
    Outcome { items, retry: parser.retry(), last_event_id: parser.last_event_id().to_owned() }
}

/// Parses with a fresh parser whose buffer and limits are comfortably large
/// (64 KiB of data, 4 KiB ids and event types).
pub fn parse_with_core(chunks: &[&[u8]]) -> Outcome {
    let limits = Limits::DEFAULT.with_max_id_len(4096).with_max_event_type_len(4096);
    let mut parser = Parser::with_limits(vec![0u8; (1 << 16) + limits.reserved_bytes()], limits)
        .expect("buffer fits the limits");
    parse_chunks(&mut parser, chunks)
}

/// Checks one vector whole, byte by byte and split at every position.
///
/// # Errors
///
/// A description of every way the parser disagreed with the vector.
pub fn check_vector(vector: &Vector) -> Result<(), String> {
    let input = vector.bytes()?;
    let expected = vector.expected();
    let mut splits = vec![Split::Whole, Split::Bytewise];
    splits.extend((0..=input.len()).map(Split::At));
    let mut failures = Vec::new();
    for split in splits {
        let got = parse_with_core(&chunks(&input, split));
        if got != expected {
            failures.push(format!("{split}: expected {expected:?}\n      got {got:?}"));
            if failures.len() >= 3 {
                break;
            }
        }
    }
    // The reference parser must agree too: a vector is only as good as the
    // reading of the spec behind it.
    let reference = reference::parse(&input);
    if reference != expected {
        failures.push(format!("reference parser: expected {expected:?}\n      got {reference:?}"));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n    "))
    }
}

/// A naive parser that follows the WHATWG steps literally: decode the whole
/// stream, split it into lines, act on each. No limits, no incrementality;
/// it exists only to be obviously right.
pub mod reference {
    use super::{Outcome, OwnedEvent};

    /// Parses a complete stream (which then ends).
    pub fn parse(input: &[u8]) -> Outcome {
        let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
        let text = String::from_utf8_lossy(input);
        let mut items = Vec::new();
        let mut retry = None;
        let mut last_event_id = String::new();
        let mut id_buffer = String::new();
        let mut data = String::new();
        let mut event_type = String::new();

        // Only lines followed by a line end count; the tail is discarded.
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    lines.push(std::mem::take(&mut line));
                }
                '\n' => lines.push(std::mem::take(&mut line)),
                c => line.push(c),
            }
        }

        for line in lines {
            if line.is_empty() {
                last_event_id = id_buffer.clone();
                if data.is_empty() {
                    event_type.clear();
                    continue;
                }
                if data.ends_with('\n') {
                    data.pop();
                }
                let t =
                    if event_type.is_empty() { "message".to_owned() } else { event_type.clone() };
                items.push(Ok(OwnedEvent {
                    event_type: t,
                    data: std::mem::take(&mut data),
                    id: last_event_id.clone(),
                }));
                event_type.clear();
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (name, value) = match line.find(':') {
                Some(i) => {
                    let value = &line[i + 1..];
                    (&line[..i], value.strip_prefix(' ').unwrap_or(value))
                }
                None => (line.as_str(), ""),
            };
            match name {
                "event" => event_type = value.to_owned(),
                "data" => {
                    data.push_str(value);
                    data.push('\n');
                }
                "id" if !value.contains('\0') => id_buffer = value.to_owned(),
                // Digits only (no sign, no space); a value that overflows
                // 64 bits is ignored too.
                "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                    if let Ok(ms) = value.parse::<u64>() {
                        retry = Some(ms);
                    }
                }
                _ => {}
            }
        }
        Outcome { items, retry, last_event_id }
    }
}

/// The README's code block, compiled and run as a doctest.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
