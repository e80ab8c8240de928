//! One error type, generic over the transport's error, that maps to
//! `embedded_io::ErrorKind`.

use core::fmt;

use embedded_io::ErrorKind;
use sse_core::http::{ChunkedError, HeadError};
use sse_core::{FrameError, ParseError};

/// Why an operation failed. `E` is the transport's error.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E> {
    /// The transport failed.
    Io(E),
    /// The peer closed the connection before the operation finished.
    Closed,
    /// A frame would inject fields (nothing was written).
    Frame(FrameError),
    /// A frame or head does not fit the buffer; this many bytes needed.
    BufferTooSmall {
        /// Bytes the encoding needs.
        required: usize,
    },
    /// A typed event could not be encoded or decoded.
    #[cfg(feature = "json")]
    Typed(sse_core::TypedError),
    /// An event exceeded a limit and was skipped; reading can go on.
    Limit(ParseError),
    /// A request or response head was refused; for a server, this status
    /// was already sent.
    Head(HeadError),
    /// The request was refused with this status (already sent).
    Refused(u16),
    /// The event source failed for good or was closed: no more attempts.
    Failed(sse_core::FailReason),
    /// The chunked response body is malformed.
    Body(ChunkedError),
    /// A head to send would carry an injected line: the request's method,
    /// path or headers, or a response's `allow_origin`. Nothing was sent.
    InvalidRequest,
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "transport error: {e:?}"),
            Self::Closed => f.write_str("connection closed"),
            Self::Frame(e) => write!(f, "invalid frame: {e}"),
            Self::BufferTooSmall { required } => {
                write!(f, "buffer too small: {required} bytes needed")
            }
            #[cfg(feature = "json")]
            Self::Typed(e) => write!(f, "{e}"),
            Self::Limit(e) => write!(f, "{e}"),
            Self::Head(e) => write!(f, "{e}"),
            Self::Refused(status) => write!(f, "request refused with status {status}"),
            Self::Failed(reason) => write!(f, "event source failed: {reason}"),
            Self::Body(e) => write!(f, "{e}"),
            Self::InvalidRequest => f.write_str("request would inject into the HTTP head"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for Error<E> {}

impl<E: embedded_io::Error> embedded_io::Error for Error<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Io(e) => e.kind(),
            Self::Closed => ErrorKind::ConnectionReset,
            Self::Frame(_) | Self::InvalidRequest => ErrorKind::InvalidInput,
            Self::BufferTooSmall { .. } => ErrorKind::OutOfMemory,
            #[cfg(feature = "json")]
            Self::Typed(_) => ErrorKind::InvalidData,
            Self::Limit(_) | Self::Head(_) | Self::Body(_) => ErrorKind::InvalidData,
            Self::Refused(_) | Self::Failed(_) => ErrorKind::Other,
        }
    }
}

impl<E> From<sse_core::EncodeError> for Error<E> {
    fn from(e: sse_core::EncodeError) -> Self {
        match e {
            sse_core::EncodeError::Invalid(e) => Self::Frame(e),
            sse_core::EncodeError::BufferTooSmall { required } => Self::BufferTooSmall { required },
            // A future kind of refusal: nothing was written.
            _ => Self::BufferTooSmall { required: 0 },
        }
    }
}
