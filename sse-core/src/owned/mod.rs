//! Owned types shared by every adapter that has an allocator: events (a
//! `Stream` cannot lend events borrowed from its buffer) and the decoder
//! that yields them, the request a server hands its handlers, and a
//! reconnecting client's target, settings and errors.

mod client;
mod reading;
mod server;
#[cfg(all(feature = "std", feature = "json"))]
mod writing;

#[cfg(feature = "json")]
pub use client::{ClientConfig, ClientError};
pub use client::{Jitter, Target};
#[cfg(feature = "std")]
pub use reading::ReadError;
pub use reading::{
    EventDecoder, MessageEvent, ReaderConfig, DEFAULT_MAX_EVENT_BYTES, DEFAULT_READ_BUFFER,
};
pub use server::Request;
#[cfg(all(feature = "std", feature = "json"))]
pub use writing::WriteError;
