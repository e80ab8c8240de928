//! What a stream parses to, two ways: `sse-core` over any chunking, and a
//! naive reference parser written straight from the WHATWG text. Shared by
//! the integration tests and the fuzz targets (which include this file).

use serde::Deserialize;
use sse_core::{Limits, ParseError, Parser, Status};

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
    let limits = roomy_limits();
    let mut parser = Parser::with_limits(vec![0u8; (1 << 16) + limits.reserved_bytes()], limits)
        .expect("buffer fits the limits");
    parse_chunks(&mut parser, chunks)
}

/// Runs `sse-core` over `chunks` with [`Parser::feed_parts`], joining each
/// event's data from its parts and the event, then ends the stream.
///
/// # Panics
///
/// On an empty part, on a call that makes no progress, or on parts left
/// over that `finish` does not report as a discarded event.
pub fn parse_chunks_in_parts<B: AsRef<[u8]> + AsMut<[u8]>>(
    parser: &mut Parser<B>,
    chunks: &[&[u8]],
) -> Outcome {
    let mut items = Vec::new();
    let mut data = String::new();
    for chunk in chunks {
        let mut rest = *chunk;
        // Each call consumes a byte or reports something that took one.
        let mut calls = 0;
        loop {
            calls += 1;
            assert!(calls <= 4 * chunk.len() + 4, "feed_parts makes no progress");
            let feed = parser.feed_parts(rest);
            rest = &rest[feed.consumed..];
            match feed.status {
                Status::DataPart(text) => {
                    assert!(!text.is_empty(), "an empty part");
                    data.push_str(text);
                }
                Status::Event(e) => {
                    data.push_str(e.data);
                    items.push(Ok(OwnedEvent {
                        event_type: e.event_type.to_owned(),
                        data: std::mem::take(&mut data),
                        id: e.id.to_owned(),
                    }));
                }
                Status::Error(e) => {
                    data.clear();
                    items.push(Err(e));
                }
                Status::NeedMore => break,
                other => panic!("not asked for: {other:?}"),
            }
        }
        assert!(rest.is_empty(), "parser stopped early with {} bytes left", rest.len());
    }
    let discarded = parser.finish();
    assert!(data.is_empty() || discarded, "parts of no event: {data:?}");
    Outcome { items, retry: parser.retry(), last_event_id: parser.last_event_id().to_owned() }
}

/// The limits of [`parse_with_core`].
fn roomy_limits() -> Limits {
    Limits::DEFAULT.with_max_id_len(4096).with_max_event_type_len(4096)
}

/// [`parse_chunks_in_parts`] with a parser whose data region holds
/// `data_room` bytes, and ids and event types as [`parse_with_core`]'s.
pub fn parse_in_parts(chunks: &[&[u8]], data_room: usize) -> Outcome {
    let limits = roomy_limits();
    let mut parser = Parser::with_limits(vec![0u8; data_room + limits.reserved_bytes()], limits)
        .expect("buffer fits the limits");
    parse_chunks_in_parts(&mut parser, chunks)
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
