//! Owned events (a `Stream` cannot lend borrowed ones) and read errors.

use std::fmt;
use std::io;

use sse_core::{Event, FromSseEvent, ParseError, TypedError};

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
    pub(crate) fn from_event(event: &Event<'_>) -> Self {
        Self {
            event_type: event.event_type.to_owned(),
            data: event.data.to_owned(),
            id: event.id.to_owned(),
            retry: event.retry,
        }
    }

    /// A borrowed view, for `sse-core`'s typed decoding.
    pub fn as_event(&self) -> Event<'_> {
        Event { event_type: &self.event_type, data: &self.data, id: &self.id, retry: self.retry }
    }

    /// Builds a typed value (see `sse_core::FromSseEvent`).
    ///
    /// # Errors
    ///
    /// [`TypedError`] when the event does not fit the type.
    pub fn decode<'a, T: FromSseEvent<'a>>(&'a self) -> Result<T, TypedError> {
        T::from_event(&self.as_event())
    }

    /// Deserializes the data as JSON (with `serde-json-core`).
    ///
    /// # Errors
    ///
    /// [`TypedError::JsonDecode`] if the data is not that JSON.
    pub fn json<'a, T: serde::Deserialize<'a>>(&'a self) -> Result<T, TypedError> {
        sse_core::typed::json_value(&self.data)
    }
}

/// Why reading events failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// An event exceeded a limit; it was skipped and reading can go on.
    Limit(ParseError),
    /// The transport failed; the stream is over.
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Limit(e) => write!(f, "{e}"),
            Self::Io(e) => write!(f, "reading the event stream failed: {e}"),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Limit(e) => Some(e),
            Self::Io(e) => Some(e),
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}
