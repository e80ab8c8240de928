//! Owned events (a `Stream` cannot lend events borrowed from its buffer),
//! and the decoder on a heap buffer that yields them: the owned twins of
//! [`Event`] and [`Parser`].

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::mem;

use crate::error::ParseError;
use crate::parser::{Event, Limits, Parser, Status};
#[cfg(feature = "json")]
use crate::typed::{FromSseEvent, TypedError};

/// Default size of the read buffer.
pub const DEFAULT_READ_BUFFER: usize = 8 * 1024;
/// Default largest event data accepted (larger events are skipped with
/// a [`ParseError`]).
pub const DEFAULT_MAX_EVENT_BYTES: usize = 1024 * 1024;

/// Buffer sizes and limits of a reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReaderConfig {
    /// Bytes read from the transport at a time.
    pub read_buffer: usize,
    /// Largest event data accepted, in bytes.
    pub max_event_bytes: usize,
    /// Id and event-type limits.
    pub limits: Limits,
}

impl ReaderConfig {
    /// [`DEFAULT_READ_BUFFER`], [`DEFAULT_MAX_EVENT_BYTES`], [`Limits::DEFAULT`].
    pub const DEFAULT: Self = Self {
        read_buffer: DEFAULT_READ_BUFFER,
        max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
        limits: Limits::DEFAULT,
    };

    /// Sets the read buffer size (at least 1).
    #[must_use]
    pub const fn with_read_buffer(mut self, bytes: usize) -> Self {
        self.read_buffer = if bytes == 0 { 1 } else { bytes };
        self
    }

    /// Sets the largest event data accepted.
    #[must_use]
    pub const fn with_max_event_bytes(mut self, bytes: usize) -> Self {
        self.max_event_bytes = bytes;
        self
    }

    /// Sets the id and event-type limits.
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

impl ReaderConfig {
    /// A parser on a heap buffer that holds `max_event_bytes` of data plus
    /// the id and event-type limits.
    pub fn parser(&self) -> Parser<Vec<u8>> {
        let size = self.max_event_bytes.saturating_add(self.limits.reserved_bytes()).max(1);
        Parser::with_limits(vec![0; size], self.limits)
            .unwrap_or_else(|_| Parser::new(vec![0; size]))
    }
}

impl Default for ReaderConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A dispatched event, owned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MessageEvent {
    /// The event type (`"message"` by default).
    pub event_type: String,
    /// The data lines joined with LF.
    pub data: String,
    /// The stream's last event ID at dispatch.
    pub id: String,
    /// A `retry` value set in this event's block, if any.
    pub retry: Option<u64>,
}

impl MessageEvent {
    /// Copies a borrowed event out of the parser.
    pub fn from_event(event: &Event<'_>) -> Self {
        Self {
            event_type: event.event_type.to_owned(),
            data: event.data.to_owned(),
            id: event.id.to_owned(),
            retry: event.retry,
        }
    }

    /// Copies a borrowed event out of the parser, its data after the
    /// `parts` handed out before it ([`Status::DataPart`]), which are taken
    /// (and not copied again).
    ///
    /// ```
    /// use sse_core::{MessageEvent, Parser, Status};
    ///
    /// let mut parser = Parser::new([0u8; 64]);
    /// let (mut parts, mut events) = (String::new(), Vec::new());
    /// let mut rest = &b"data: a line longer than a third of the data room\n\n"[..];
    /// while !rest.is_empty() {
    ///     let feed = parser.feed_parts(rest);
    ///     rest = &rest[feed.consumed..];
    ///     match feed.status {
    ///         Status::DataPart(text) => parts.push_str(text),
    ///         Status::Event(event) => events.push(MessageEvent::joined(&mut parts, &event)),
    ///         _ => {}
    ///     }
    /// }
    /// assert_eq!(events[0].data, "a line longer than a third of the data room");
    /// assert!(parts.is_empty());
    /// ```
    pub fn joined(parts: &mut String, event: &Event<'_>) -> Self {
        if parts.is_empty() {
            return Self::from_event(event);
        }
        let mut data = mem::take(parts);
        data.push_str(event.data);
        Self {
            event_type: event.event_type.to_owned(),
            data,
            id: event.id.to_owned(),
            retry: event.retry,
        }
    }

    /// A borrowed view, for `sse-core`'s typed decoding.
    pub fn as_event(&self) -> Event<'_> {
        Event { event_type: &self.event_type, data: &self.data, id: &self.id, retry: self.retry }
    }

    #[cfg(feature = "json")]
    /// Builds a typed value (see `sse_core::FromSseEvent`).
    ///
    /// # Errors
    ///
    /// [`TypedError`] when the event does not fit the type.
    pub fn decode<'a, T: FromSseEvent<'a>>(&'a self) -> Result<T, TypedError> {
        T::from_event(&self.as_event())
    }

    #[cfg(feature = "json")]
    /// Deserializes the data as JSON (with `serde-json-core`).
    ///
    /// # Errors
    ///
    /// [`TypedError::JsonDecode`] if the data is not that JSON.
    pub fn json<'a, T: serde::Deserialize<'a>>(&'a self) -> Result<T, TypedError> {
        crate::typed::json_value(&self.data)
    }
}

/// A parser on a heap buffer sized from a [`ReaderConfig`], yielding
/// [`MessageEvent`]s. Adapters feed it whatever bytes they read.
///
/// ```
/// use sse_core::{EventDecoder, ReaderConfig};
///
/// let mut decoder = EventDecoder::new(&ReaderConfig::DEFAULT);
/// let (used, event) = decoder.feed(b"id: 7\ndata: hi\n\nrest");
/// assert_eq!(used, 16);
/// assert_eq!(event.unwrap().unwrap().data, "hi");
/// assert_eq!(decoder.last_event_id(), "7");
/// ```
#[derive(Debug)]
pub struct EventDecoder {
    parser: Parser<Vec<u8>>,
}

impl EventDecoder {
    /// A decoder whose buffer holds `max_event_bytes` of data plus the id
    /// and event-type limits.
    pub fn new(config: &ReaderConfig) -> Self {
        Self { parser: config.parser() }
    }

    /// Parses from `input`: the bytes consumed, and an event or a limit
    /// error if one is ready (feed the rest again).
    pub fn feed(&mut self, input: &[u8]) -> (usize, Option<Result<MessageEvent, ParseError>>) {
        let feed = self.parser.feed(input);
        let item = match feed.status {
            Status::Event(event) => Some(Ok(MessageEvent::from_event(&event))),
            Status::Error(e) => Some(Err(e)),
            // Its parser reports neither comments nor parts (it uses `feed`).
            Status::NeedMore | Status::Comment(_) | Status::DataPart(_) => None,
        };
        (feed.consumed, item)
    }

    /// The end of the stream: a partial event is discarded.
    pub fn finish(&mut self) {
        self.parser.finish();
    }

    /// The last event ID seen (or seeded).
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// The last `retry` value seen, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.parser.retry()
    }

    /// Seeds the last event ID, e.g. the one a reconnecting client resumes
    /// from.
    ///
    /// # Errors
    ///
    /// [`ParseError::IdTooLong`] if it exceeds the id limit.
    pub fn set_last_event_id(&mut self, id: &str) -> Result<(), ParseError> {
        self.parser.set_last_event_id(id)
    }
}
