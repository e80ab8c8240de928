//! # sse-async-std
//!
//! Server-Sent Events for async-std and smol. Both run on async-io, so one
//! runtime binding serves them: timers and TCP come from async-io, and
//! only spawning differs ([`AsyncStd`] with feature `async-std`, [`Smol`]
//! with feature `smol`; any other executor implements [`Executor`]). The
//! writer, reader, client and server are the std layer's (`sse-async`),
//! re-exported under the same names every runtime crate uses; the
//! protocol is `sse-core`'s.
//!
//! - [`EventWriter`]: events, comments and keep-alive to any `AsyncWrite`.
//! - [`EventReader`]: a `Stream` of events from any `AsyncRead`.
//! - [`Server`]: routes hub streams (with `Last-Event-ID` resume), stream
//!   handlers and pages on a TCP listener, with graceful shutdown.
//! - [`EventSource`]: a reconnecting client with EventSource semantics.
//!
//! ```
//! # #[cfg(feature = "smol")]
//! # smol::block_on(async {
//! use sse_async_std::{EventSource, Hub, HubConfig, Runtime, Server, Smol};
//! use sse_core::Frame;
//!
//! let hub = Hub::new(HubConfig::default());
//! let listener = Smol.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
//! let url = format!("http://{}/events", Smol.local_addr(&listener).unwrap());
//! let server = Server::<Smol>::new().hub("/events", hub.clone());
//! Smol.spawn(async move {
//!     let _ = server.serve(listener, std::future::pending()).await;
//! });
//! // A subscriber without Last-Event-ID gets live events only: publish
//! // once the client (connecting when first polled) is subscribed.
//! let publisher = hub.clone();
//! Smol.spawn(async move {
//!     while publisher.subscriber_count() == 0 {
//!         Smol.sleep(std::time::Duration::from_millis(5)).await;
//!     }
//!     publisher.publish(&Frame::new().id("1").data("hello")).await.unwrap();
//! });
//! let mut source = EventSource::<Smol>::new(&url).unwrap();
//! let event = source.next_event().await.unwrap().unwrap();
//! assert_eq!((event.id.as_str(), event.data.as_str()), ("1", "hello"));
//! # });
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

pub use sse_async::{
    BodyStream, ByteStreamDecoder, ClientConfig, ClientError, ConnectFuture, Connector, Decoded,
    Encoded, EventReader, EventSource, EventWriter, Executor, Hub, HubConfig, MessageEvent,
    PublishError, ReadError, ReaderConfig, Request, Requester, Response, Runtime, SendError,
    Server, ServerConfig, ServerIo, ServerStats, Subscription, Target, Task, TcpConnector,
    Transport, Update, DEFAULT_BACKLOG, DEFAULT_HEAD_TIMEOUT, DEFAULT_KEEP_ALIVE,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEAD_BYTES,
    DEFAULT_MAX_STREAMS_PER_CONNECTION, DEFAULT_QUEUE_FRAMES, DEFAULT_READ_BUFFER,
    DEFAULT_REPLAY_BYTES, DEFAULT_REPLAY_EVENTS, DEFAULT_RESET_EVENT, DEFAULT_SEND_BUFFER,
    DEFAULT_SHUTDOWN_GRACE, DEFAULT_WRITE_TIMEOUT, MAX_REPLAY_EVENTS,
};

#[cfg(feature = "rustls")]
pub use sse_async::{
    pem_certificates, pem_private_key, ServerTls, TlsConnector, TlsError, TlsOptions,
};

/// async-std's executor; timers and TCP from async-io.
#[cfg(feature = "async-std")]
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncStd;

#[cfg(feature = "async-std")]
impl Executor for AsyncStd {
    fn spawn_boxed(&self, task: Task) {
        drop(async_std::task::spawn(task));
    }
}

/// smol's global executor; timers and TCP from async-io.
#[cfg(feature = "smol")]
#[derive(Clone, Copy, Debug, Default)]
pub struct Smol;

#[cfg(feature = "smol")]
impl Executor for Smol {
    fn spawn_boxed(&self, task: Task) {
        smol::spawn(task).detach();
    }
}
