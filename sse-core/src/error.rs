//! Error values. All are small `Copy` enums so they cost nothing to return and
//! can be matched in `no_std` code.

use core::fmt;

/// Why the parser skipped an event, or refused a configuration value.
///
/// A parse error never poisons the parser: the offending event is discarded,
/// and parsing resumes at the next blank line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseError {
    /// The event's `data` (all its lines joined by LF, after UTF-8 decoding)
    /// would exceed the parser's data capacity of `limit` bytes.
    DataTooLarge {
        /// The data capacity in bytes.
        limit: usize,
    },
    /// An `event` field value is longer than `limit` bytes.
    EventTypeTooLong {
        /// The configured maximum event type length in bytes.
        limit: usize,
    },
    /// An `id` field value is longer than `limit` bytes.
    IdTooLong {
        /// The configured maximum id length in bytes.
        limit: usize,
    },
    /// An id given to [`Parser::set_last_event_id`](crate::Parser::set_last_event_id)
    /// contains NUL, CR or LF, which no event stream can set. Never produced by parsing.
    InvalidId,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DataTooLarge { limit } => {
                write!(f, "event data exceeds the {limit}-byte data limit; event skipped")
            }
            Self::EventTypeTooLong { limit } => {
                write!(f, "event type exceeds the {limit}-byte limit; event skipped")
            }
            Self::IdTooLong { limit } => {
                write!(f, "event id exceeds the {limit}-byte limit; event skipped")
            }
            Self::InvalidId => f.write_str("last event id contains NUL, CR or LF"),
        }
    }
}

impl core::error::Error for ParseError {}

/// The caller's buffer cannot hold the requested limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CapacityError {
    /// Bytes the limits need before any data fits (three id slots plus the
    /// event type), plus one byte of data.
    pub required: usize,
    /// Bytes the buffer has.
    pub available: usize,
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "parser buffer of {} bytes is too small for its limits (needs at least {})",
            self.available, self.required
        )
    }
}

impl core::error::Error for CapacityError {}

/// A frame field that would let its value inject other fields or events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FrameError {
    /// The `event` value contains CR or LF: it would end the field early and
    /// let the rest of the value become new fields.
    EventTypeHasLineBreak,
    /// The `id` value contains CR or LF (same injection as above).
    IdHasLineBreak,
    /// The `id` value contains NUL: a browser ignores such an id, so the
    /// client's `Last-Event-ID` would silently not advance.
    IdHasNul,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EventTypeHasLineBreak => "event type contains CR or LF",
            Self::IdHasLineBreak => "event id contains CR or LF",
            Self::IdHasNul => "event id contains NUL",
        })
    }
}

impl core::error::Error for FrameError {}

/// Why [`Frame::encode`](crate::Frame::encode) wrote nothing usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncodeError {
    /// The frame was rejected (see [`FrameError`]).
    Invalid(FrameError),
    /// The output buffer is too small; `required` bytes would be enough.
    BufferTooSmall {
        /// The exact encoded length of the frame.
        required: usize,
    },
}

impl From<FrameError> for EncodeError {
    fn from(e: FrameError) -> Self {
        Self::Invalid(e)
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(e) => write!(f, "invalid frame: {e}"),
            Self::BufferTooSmall { required } => {
                write!(f, "output buffer too small: {required} bytes required")
            }
        }
    }
}

impl core::error::Error for EncodeError {}

/// Why [`Frame::write_to`](crate::Frame::write_to) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WriteError<E> {
    /// The frame was rejected before anything was written.
    Invalid(FrameError),
    /// The sink failed; part of the frame may have been written.
    Sink(E),
}

impl<E> From<FrameError> for WriteError<E> {
    fn from(e: FrameError) -> Self {
        Self::Invalid(e)
    }
}

impl<E: fmt::Display> fmt::Display for WriteError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(e) => write!(f, "invalid frame: {e}"),
            Self::Sink(e) => write!(f, "sink error: {e}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for WriteError<E> {}
