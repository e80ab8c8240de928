//! Shared helpers for the workspace integration tests: the conformance
//! vector format, a deliberately naive reference parser written straight
//! from the WHATWG text, and drivers that run `sse-core` over chunked input.

use std::fmt;
use std::path::Path;

use serde::Deserialize;

mod model;
pub mod redis_server;

/// The (type, id, data) of each whole event in `bytes`, parsed by `parser`
/// (which keeps a partial event for the next call).
///
/// # Panics
///
/// On bytes that are not a valid stream for the parser's buffer.
pub fn typed_id_data(
    parser: &mut sse_core::Parser<Vec<u8>>,
    bytes: &[u8],
) -> Vec<(String, String, String)> {
    let mut rest = bytes;
    let mut out = Vec::new();
    while let Some(e) = parser.next(&mut rest) {
        let e = e.unwrap();
        out.push((e.event_type.to_owned(), e.id.to_owned(), e.data.to_owned()));
    }
    out
}
pub use model::{
    parse_chunks, parse_chunks_in_parts, parse_in_parts, parse_with_core, reference, Outcome,
    OwnedEvent,
};

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
    if !digits.len().is_multiple_of(2) {
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
        let pieces = chunks(&input, split);
        // Whole events, and data handed out in parts as it arrives.
        for (how, got) in
            [("", parse_with_core(&pieces)), (" in parts", parse_in_parts(&pieces, 1 << 16))]
        {
            if got != expected {
                failures.push(format!("{split}{how}: expected {expected:?}\n      got {got:?}"));
            }
        }
        if failures.len() >= 3 {
            break;
        }
    }
    // In parts, the data of events that arrive a byte at a time needs
    // next to no room.
    let got = parse_in_parts(&chunks(&input, Split::Bytewise), 16);
    if got != expected {
        failures.push(format!("byte by byte in parts, 16 bytes of data room: got {got:?}"));
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

/// The README's code block, compiled and run as a doctest.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
