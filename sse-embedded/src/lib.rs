//! # sse-embedded
//!
//! Server-Sent Events for firmware: `#![no_std]`, no allocator, over
//! `embedded-io-async` `Read`/`Write` (embassy-net sockets, for one). All
//! buffers are the caller's; all protocol logic is sse-core's.
//!
//! - Server: [`accept`] (or [`read_request`], [`start_stream`],
//!   [`refuse`]) answers the handshake the core's `Handshake` decides; an
//!   [`EventWriter`] streams events.
//!   Resume with the core's `ReplayRing::since(last_event_id)`.
//! - Client: a [`Client`] moves bytes for the core's client `Connection`,
//!   which decides everything (head, framing, redirects, reconnects,
//!   `Last-Event-ID`). The caller owns time and sockets: it connects where
//!   it is told and sleeps until the retry instant.
//! - [`EventReader`] parses a raw event stream (no HTTP around it).
//! - Keep-alive is the caller's too: [`EventWriter::keep_alive`] when the
//!   stream was idle.
//!
//! Errors are generic over the transport's and map to
//! `embedded_io::ErrorKind`.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use sse_core::http::{StreamHead, EMPTY_HEADER};
//! use sse_core::Frame;
//! use sse_embedded::{accept, EventWriter};
//!
//! // A socket stand-in: the request in, the response out.
//! struct Socket { input: &'static [u8], output: Vec<u8> }
//! # impl embedded_io::ErrorType for Socket { type Error = core::convert::Infallible; }
//! # impl embedded_io_async::Read for Socket {
//! #     async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
//! #         let n = buf.len().min(self.input.len());
//! #         buf[..n].copy_from_slice(&self.input[..n]);
//! #         self.input = &self.input[n..];
//! #         Ok(n)
//! #     }
//! # }
//! # impl embedded_io_async::Write for Socket {
//! #     async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
//! #         self.output.extend_from_slice(buf);
//! #         Ok(buf.len())
//! #     }
//! # }
//! let mut socket = Socket { input: b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n", output: Vec::new() };
//! let (mut head_buf, mut headers) = ([0u8; 512], [EMPTY_HEADER; 16]);
//! let request = accept(&mut socket, "/events", &mut head_buf, &mut headers, &StreamHead::default())
//!     .await
//!     .unwrap();
//! assert_eq!(request.last_event_id(), None);
//! let mut frame_buf = [0u8; 256];
//! let mut writer = EventWriter::new(&mut socket, &mut frame_buf);
//! writer.send(&Frame::new().id("1").data("hello")).await.unwrap();
//! assert!(socket.output.ends_with(b"\r\n\r\nid: 1\ndata: hello\n\n"));
//! # });
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod error;
mod reader;
mod server;
mod writer;

pub use client::Client;
pub use error::Error;
pub use reader::EventReader;
pub use server::{accept, read_request, refuse, start_stream};
pub use writer::EventWriter;
