//! # sse-tokio
//!
//! Server-Sent Events on tokio, as a thin layer over `sse-core`: all
//! parsing and encoding happens in the core; this crate moves bytes.
//!
//! - [`EventWriter`] writes frames or typed events to any `AsyncWrite`,
//!   flushing after each, and [`EventWriter::pump`] sends a stream of events
//!   with a keep-alive comment whenever the stream is idle (15 s default).
//! - [`Hub`] encodes each published event once and fans the same bytes out
//!   to every subscriber, replays missed events on `Last-Event-ID`, and
//!   drops subscribers that fall too far behind.
//! - [`Server`] serves hubs, custom streams and pages on a `TcpListener`,
//!   with the core's HTTP handshake, `Last-Event-ID` resume, bad requests
//!   answered with the right status, and graceful shutdown.
//! - [`EventSource`] is a reconnecting client with EventSource semantics:
//!   `Last-Event-ID` on reconnect, server `retry`, backoff with jitter, stop
//!   on 204, fail on a wrong status or content type, redirects, custom
//!   headers and POST bodies, pluggable transports ([`Connector`]).
//! - `axum` (feature `axum`): an event-stream response with keep-alive and
//!   a `LastEventId` extractor.
//! - [`EventReader`] reads events from any `AsyncRead` as a
//!   `futures_core::Stream`; [`ByteStreamDecoder`] does the same for any
//!   stream of byte chunks (a `reqwest` `bytes_stream()`, a hyper body).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use sse_core::Frame;
//! use sse_tokio::{EventReader, EventWriter};
//!
//! let (client, server) = tokio::io::duplex(64);
//! let mut writer = EventWriter::new(server);
//! let mut reader = EventReader::new(client);
//! tokio::spawn(async move {
//!     writer.send(&Frame::new().event("hello").id("1").data("world")).await
//! });
//! let event = reader.next_event().await.expect("one event")?;
//! assert_eq!((event.event_type.as_str(), event.data.as_str(), event.id.as_str()), ("hello", "world", "1"));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "axum")]
pub mod axum;
mod client;
#[cfg(feature = "demo")]
pub mod demo;
mod reader;
mod server;
mod writer;

pub use client::{
    ClientConfig, ClientError, ConnectFuture, Connector, EventSource, Target, TcpConnector,
    Transport, Update,
};
pub use reader::{ByteStreamDecoder, EventReader};
pub use server::{
    Request, Server, ServerConfig, DEFAULT_HEAD_TIMEOUT, DEFAULT_MAX_HEADERS,
    DEFAULT_MAX_HEAD_BYTES, DEFAULT_SHUTDOWN_GRACE,
};
pub use sse_core::owned::{
    MessageEvent, ReadError, ReaderConfig, DEFAULT_MAX_EVENT_BYTES, DEFAULT_READ_BUFFER,
};
pub use sse_hub::{
    Frames, Hub, HubConfig, PublishError, Subscription, DEFAULT_QUEUE_FRAMES, DEFAULT_REPLAY_BYTES,
    DEFAULT_REPLAY_EVENTS, DEFAULT_RESET_EVENT, MAX_REPLAY_EVENTS,
};
pub use writer::{EventWriter, WriteError, DEFAULT_KEEP_ALIVE};
