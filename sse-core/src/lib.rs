//! # sse-core
//!
//! A `no_std`, zero-allocation, sans-IO implementation of Server-Sent Events
//! (the WHATWG `text/event-stream` format): an incremental [`Parser`] and a
//! [`Frame`] encoder. It never touches a socket, a clock or an allocator;
//! runtime adapters feed it bytes and write the bytes it produces.
//!
//! ```
//! use sse_core::{Frame, Parser};
//!
//! // Encode an event into a caller buffer...
//! let mut out = [0u8; 128];
//! let n = Frame::new().event("update").id("42").data("line 1\nline 2").encode(&mut out)?;
//! assert_eq!(&out[..n], b"event: update\nid: 42\ndata: line 1\ndata: line 2\n\n");
//!
//! // ...and parse it back, in chunks of any size.
//! let mut parser = Parser::new([0u8; 512]);
//! let mut events = 0;
//! for chunk in out[..n].chunks(5) {
//!     let mut rest = chunk;
//!     while let Some(item) = parser.next(&mut rest) {
//!         let event = item?;
//!         assert_eq!(event.event_type, "update");
//!         assert_eq!(event.data, "line 1\nline 2");
//!         assert_eq!(event.id, "42");
//!         events += 1;
//!     }
//! }
//! assert_eq!(events, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## What it guarantees
//!
//! - Every parsing rule of the WHATWG specification: BOM, CR/LF/CRLF (also
//!   split across inputs), one optional space after the colon, fields
//!   without a colon, NUL in `id`, digits-only `retry` applied at once, the
//!   last event ID kept across events, an unterminated event discarded at
//!   end of stream, and invalid UTF-8 replaced by U+FFFD as browsers do.
//! - Bounded memory: the caller's buffer is all the parser uses. An event
//!   over a limit yields a [`ParseError`] naming the limit; the parser skips
//!   to the next blank line and carries on.
//! - Linear time however the input is split; no `unsafe`, no panics on any
//!   input.
//! - The encoder refuses frames whose `event` or `id` would inject fields
//!   ([`FrameError`]) and splits `data` and comments on every line break.
//!
//! ## Crate features
//!
//! - `std` (off by default): detects the fastest SIMD UTF-8 validator at
//!   run time. Implies `alloc`.
//! - `alloc`: [`Sink`] for `Vec<u8>`; owned events and their decoder
//!   ([`MessageEvent`], [`EventDecoder`]); the owned client and server types
//!   ([`client::ClientConfig`], [`server::Request`]); and `String`,
//!   `Box<str>` and `Cow<str>` as typed-event fields.
//! - `json`: typed events (module `typed`) with JSON data through
//!   `serde-json-core`, into caller buffers.
//! - `derive`: `#[derive(SseEvent, FromSseEvent)]` (implies `json`).
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "alloc")]
extern crate alloc;

mod body;
pub mod client;
#[cfg(feature = "alloc")]
mod decoder;
mod encoder;
mod error;
pub mod http;
mod parser;
mod reconnect;
mod replay;
mod scan;
pub mod server;
#[cfg(feature = "json")]
pub mod typed;
mod url;
mod utf8;

#[cfg(feature = "alloc")]
pub use decoder::{
    EventDecoder, MessageEvent, ReaderConfig, DEFAULT_MAX_EVENT_BYTES, DEFAULT_READ_BUFFER,
};
pub use encoder::{Frame, Sink, SliceSink, KEEP_ALIVE};
pub use error::{CapacityError, EncodeError, FrameError, ParseError, WriteError};
pub use parser::{
    Event, Feed, Limits, Parser, Status, DEFAULT_MAX_EVENT_TYPE_LEN, DEFAULT_MAX_ID_LEN,
};
pub use reconnect::{
    is_event_stream, Action, FailReason, Jitter, ReadyState, Reconnect, ReconnectConfig,
    ReconnectMode, DEFAULT_HEALTHY_AFTER_MS, DEFAULT_JITTER_PERMILLE, DEFAULT_MAX_DELAY_MS,
    DEFAULT_MAX_REDIRECTS, DEFAULT_MIN_BACKOFF_MS, DEFAULT_RECONNECT_MS,
};
pub use replay::{Frames, NotRetained, ReplayError, ReplayRing};
#[cfg(feature = "derive")]
pub use sse_derive::{FromSseEvent, SseEvent};
#[cfg(feature = "json")]
pub use typed::{FromSseEvent, SseEvent, TypedError};
