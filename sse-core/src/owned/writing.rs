//! Writing: why sending an event failed.

/// Why writing an event failed.
#[cfg(all(feature = "std", feature = "json"))]
#[derive(Debug)]
#[non_exhaustive]
pub enum WriteError {
    /// The frame would inject fields (nothing was written).
    Frame(crate::error::FrameError),
    /// A typed event could not be encoded (nothing was written).
    Typed(crate::typed::TypedError),
    /// The transport failed; part of the frame may have been written.
    Io(std::io::Error),
}

#[cfg(all(feature = "std", feature = "json"))]
impl core::fmt::Display for WriteError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Frame(e) => write!(f, "invalid frame: {e}"),
            Self::Typed(e) => write!(f, "cannot encode event: {e}"),
            Self::Io(e) => write!(f, "writing the event stream failed: {e}"),
        }
    }
}

#[cfg(all(feature = "std", feature = "json"))]
impl std::error::Error for WriteError {
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
#[cfg(all(feature = "std", feature = "json"))]
impl From<crate::error::WriteError<std::convert::Infallible>> for WriteError {
    fn from(e: crate::error::WriteError<std::convert::Infallible>) -> Self {
        match e {
            crate::error::WriteError::Invalid(e) => Self::Frame(e),
            crate::error::WriteError::Sink(never) => match never {},
        }
    }
}

#[cfg(all(feature = "std", feature = "json"))]
impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}
