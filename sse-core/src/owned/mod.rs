//! Owned events (a `Stream` cannot lend events borrowed from its buffer)
//! and the decoder that yields them, and the I/O error wrappers of the
//! std adapters.

mod reading;
#[cfg(all(feature = "std", feature = "json"))]
mod writing;

#[cfg(feature = "std")]
pub use reading::ReadError;
pub use reading::{
    EventDecoder, MessageEvent, ReaderConfig, DEFAULT_MAX_EVENT_BYTES, DEFAULT_READ_BUFFER,
};
#[cfg(all(feature = "std", feature = "json"))]
pub use writing::WriteError;
