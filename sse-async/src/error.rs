//! Why reading or sending events over a std transport failed: the core's
//! errors plus the transport's `std::io::Error`.

use std::convert::Infallible;
use std::fmt;
use std::io;

use sse_core::{FrameError, ParseError, TypedError};

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

/// Why sending an event (or a comment) failed. The core's
/// [`sse_core::WriteError`] is its sans-IO counterpart: encoding into a
/// [`Sink`](sse_core::Sink).
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError {
    /// The frame would inject fields (nothing was written).
    Frame(FrameError),
    /// A typed event could not be encoded (nothing was written).
    Typed(TypedError),
    /// The transport failed; part of the frame may have been written.
    Io(io::Error),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Frame(e) => write!(f, "invalid frame: {e}"),
            Self::Typed(e) => write!(f, "cannot encode event: {e}"),
            Self::Io(e) => write!(f, "writing the event stream failed: {e}"),
        }
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Frame(e) => Some(e),
            Self::Typed(e) => Some(e),
            Self::Io(e) => Some(e),
        }
    }
}

/// Encoding into a `Vec` cannot fail on the sink side; only the frame can
/// be refused.
impl From<sse_core::WriteError<Infallible>> for SendError {
    fn from(e: sse_core::WriteError<Infallible>) -> Self {
        match e {
            sse_core::WriteError::Invalid(e) => Self::Frame(e),
            sse_core::WriteError::Sink(never) => match never {},
        }
    }
}

impl From<io::Error> for SendError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}
