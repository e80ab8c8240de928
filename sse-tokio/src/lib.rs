//! # sse-tokio
//!
//! Server-Sent Events on tokio. The writer, reader, client and server are
//! the std layer's (`sse-async`), bound to tokio here and re-exported
//! under the same names every runtime crate uses; the protocol is
//! `sse-core`'s. This crate adds the runtime binding ([`Tokio`],
//! [`TokioIo`]), axum integration and the demo.
//!
//! - [`EventWriter`] writes frames or typed events, flushing after each,
//!   and [`EventWriter::pump`] sends a stream of events with a keep-alive
//!   comment whenever the stream is idle (15 s default).
//! - [`Hub`] encodes each published event once and fans the same bytes out
//!   to every subscriber, replays missed events on `Last-Event-ID`, and
//!   drops subscribers that fall too far behind.
//! - [`Server`] serves hubs, custom streams and pages on a `TcpListener`,
//!   with the core's handshake, `Last-Event-ID` resume, bad requests
//!   answered with the right status, and graceful shutdown.
//! - [`EventSource`] is a reconnecting client with EventSource semantics:
//!   `Last-Event-ID` on reconnect, server `retry`, backoff with jitter, stop
//!   on 204, fail on a wrong status or content type, redirects, custom
//!   headers and POST bodies, pluggable transports ([`Connector`]).
//! - `axum` (feature `axum`): an event-stream response with keep-alive and
//!   a `LastEventId` extractor.
//! - [`EventReader`] reads events from any tokio `AsyncRead` as a
//!   `futures_core::Stream`; [`ByteStreamDecoder`] does the same for any
//!   stream of byte chunks (a `reqwest` `bytes_stream()`, a hyper body).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use sse_core::Frame;
//! use sse_tokio::{EventReader, EventWriter, TokioIo};
//!
//! let (client, server) = tokio::io::duplex(64);
//! let mut writer = EventWriter::new(TokioIo::new(server));
//! let mut reader = EventReader::new(TokioIo::new(client));
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
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "reqwest")]
mod reqwest;
mod runtime;

#[cfg(feature = "reqwest")]
pub use reqwest::ReqwestTransport;
pub use runtime::{Tokio, TokioIo};
pub use sse_async::{
    BodyStream, ByteStreamDecoder, ClientConfig, ClientError, ConnectFuture, Connector, Encoded,
    Hub, HubConfig, MessageEvent, PublishError, ReadError, ReaderConfig, Request, Requester,
    Response, Runtime, SendError, ServerConfig, ServerIo, ServerStats, Subscription, Target,
    Transport, Update, DEFAULT_BACKLOG, DEFAULT_HEAD_TIMEOUT, DEFAULT_KEEP_ALIVE,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEAD_BYTES,
    DEFAULT_MAX_STREAMS_PER_CONNECTION, DEFAULT_QUEUE_FRAMES, DEFAULT_READ_BUFFER,
    DEFAULT_REPLAY_BYTES, DEFAULT_REPLAY_EVENTS, DEFAULT_RESET_EVENT, DEFAULT_SEND_BUFFER,
    DEFAULT_SHUTDOWN_GRACE, DEFAULT_WRITE_TIMEOUT, MAX_REPLAY_EVENTS,
};

/// Writes events to a tokio `AsyncWrite` (wrapped in [`TokioIo`]).
pub type EventWriter<W> = sse_async::EventWriter<TokioIo<W>>;
/// Reads events from a tokio `AsyncRead` (wrapped in [`TokioIo`]).
pub type EventReader<R> = sse_async::EventReader<TokioIo<R>>;
/// The SSE server on tokio.
pub type Server = sse_async::Server<Tokio>;
/// The reconnecting client on tokio.
pub type EventSource = sse_async::EventSource<Tokio>;
/// The client's events decoded into `T` ([`EventSource::decoded`]).
pub type Decoded<T> = sse_async::Decoded<Tokio, T>;
/// Plain TCP from tokio.
pub type TcpConnector = sse_async::TcpConnector<Tokio>;
/// TLS for `https://` (plain TCP for `http://`) over tokio's TCP.
#[cfg(feature = "rustls")]
pub type TlsConnector = sse_async::TlsConnector<Tokio>;
#[cfg(feature = "rustls")]
pub use sse_async::{pem_certificates, pem_private_key, ServerTls, TlsError, TlsOptions};
