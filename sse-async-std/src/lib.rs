//! # sse-async-std
//!
//! Server-Sent Events over `futures-io`, for async-std and smol (smol is
//! async-std's successor and a first-class target). Built on sse-core: no
//! SSE parsing, formatting or HTTP logic of its own.
//!
//! - [`EventWriter`]: events, comments and keep-alive to any `AsyncWrite`.
//! - [`EventReader`]: a `Stream` of events from any `AsyncRead`.
//! - [`Server`]: routes hub streams (with `Last-Event-ID` resume), stream
//!   handlers and pages on a TCP listener, with graceful shutdown.
//! - [`EventSource`]: a reconnecting client with EventSource semantics.
//!
//! The crate forces no runtime: timers, spawning and TCP come from a
//! [`Runtime`]. Feature `smol` provides [`Smol`], feature `async-std`
//! provides [`AsyncStd`].
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
//! let server = Server::new(Smol).hub("/events", hub.clone());
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
//!     publisher.publish(&Frame::new().id("1").data("hello")).unwrap();
//! });
//! let mut source = EventSource::new(Smol, &url).unwrap();
//! let event = source.next_event().await.unwrap().unwrap();
//! assert_eq!((event.id.as_str(), event.data.as_str()), ("1", "hello"));
//! # });
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod client;
mod reader;
mod runtime;
mod server;
mod writer;

pub use client::{ClientConfig, ClientError, EventSource};
pub use reader::EventReader;
#[cfg(feature = "async-std")]
pub use runtime::AsyncStd;
pub use runtime::Runtime;
#[cfg(feature = "smol")]
pub use runtime::Smol;
pub use server::{Server, ServerConfig};
pub use sse_core::owned::{MessageEvent, ReadError, ReaderConfig, Request, WriteError};
pub use sse_hub::{Hub, HubConfig, PublishError, Subscription};
pub use writer::{EventWriter, DEFAULT_KEEP_ALIVE};
