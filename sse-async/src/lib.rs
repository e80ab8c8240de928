//! # sse-async
//!
//! The std layer of the workspace, written once for every async runtime:
//! [`EventWriter`], [`EventReader`] and [`ByteStreamDecoder`], the
//! reconnecting [`EventSource`] client and the [`Server`]. Each is generic
//! over a small [`Runtime`] trait (timers, spawning, TCP, a non-blocking
//! write) and speaks futures-io; the protocol (parsing, encoding, heads,
//! framing, redirects, reconnects, the server's handshake) is sse-core's.
//!
//! Users depend on a runtime crate, which binds the runtime and re-exports
//! these types under the same names: `sse-tokio` (tokio, axum) and
//! `sse-async-std` (async-std and smol, both on async-io).
//!
//! ```
//! # futures_lite::future::block_on(async {
//! use sse_async::{EventReader, EventWriter};
//! use sse_core::Frame;
//!
//! let mut writer = EventWriter::new(Vec::new());
//! writer.send(&Frame::new().event("tick").id("1").data("hello")).await.unwrap();
//! let wire = writer.into_inner();
//! let mut reader = EventReader::new(&wire[..]);
//! let event = reader.next_event().await.unwrap().unwrap();
//! assert_eq!((event.event_type.as_str(), event.data.as_str()), ("tick", "hello"));
//! # });
//! ```
//!
//! ## Crate features
//!
//! - `async-io`: every [`Executor`] is a [`Runtime`] whose timers and TCP
//!   come from async-io (sse-async-std's `AsyncStd` and `Smol`).
//! - `rustls`: `https://` for the client ([`TlsConnector`], used by every
//!   [`EventSource`] unless told otherwise): rustls with its `ring`
//!   provider, the platform's trust store, extra roots, client
//!   certificates. Without it an `https://` URL is refused up front, never
//!   sent in plain text.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod client;
mod error;
mod reader;
mod runtime;
mod server;
#[cfg(feature = "rustls")]
mod tls;
mod writer;

pub use client::{
    BodyStream, ClientConfig, ClientError, ConnectFuture, Connector, Decoded, EventSource,
    Requester, Response, Target, TcpConnector, Transport, Update,
};
pub use error::{ReadError, SendError};
pub use reader::{ByteStreamDecoder, EventReader};
#[cfg(feature = "async-io")]
pub use runtime::Executor;
pub use runtime::{timeout, Runtime, Task, DEFAULT_BACKLOG};
#[cfg(feature = "rustls")]
pub use server::ServerTls;
pub use server::{
    Server, ServerConfig, ServerIo, ServerStats, DEFAULT_HEAD_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_STREAMS_PER_CONNECTION,
    DEFAULT_SEND_BUFFER, DEFAULT_SHUTDOWN_GRACE, DEFAULT_WRITE_TIMEOUT,
};
pub use sse_core::server::Request;
pub use sse_core::{MessageEvent, ReaderConfig, DEFAULT_MAX_EVENT_BYTES, DEFAULT_READ_BUFFER};
pub use sse_hub::{
    Encoded, Hub, HubConfig, PublishError, Subscription, DEFAULT_QUEUE_FRAMES,
    DEFAULT_REPLAY_BYTES, DEFAULT_REPLAY_EVENTS, DEFAULT_RESET_EVENT, MAX_REPLAY_EVENTS,
};
#[cfg(feature = "rustls")]
pub use tls::{pem_certificates, pem_private_key, TlsConnector, TlsError, TlsOptions};
pub use writer::{EventWriter, DEFAULT_KEEP_ALIVE};
