//! HTTP/2 for the server (the `h2` crate), over a TLS connection whose
//! ALPN chose `h2`: each request stream gets the core's handshake decision
//! and the same routes, resume, keep-alive, lag bound and shutdown as an
//! HTTP/1.1 connection.
//!
//! `h2` rather than hyper: the server needs only the framing layer (it
//! routes by itself and its bodies are event streams), and `h2` gives the
//! two things a fan-out server must control directly: per-stream
//! flow-control capacity (bytes are queued only when the client has room,
//! so memory stays bounded) and the reset of one stream (its subscriber is
//! freed at once). It needs no executor or timer binding, so one
//! implementation serves every runtime.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_io::{AsyncRead, AsyncWrite};
use sse_core::http::{Header, RequestHead, StreamHead};
use sse_core::server::{Decision, Handshake, Request};
use tokio::sync::watch;

use super::io_stream::{Inner, ServerIo, WriteStall};
use super::{until_stopped, Route, Server};
use crate::runtime::{timeout, Runtime};

type TlsStream<R> = futures_rustls::server::TlsStream<<R as Runtime>::TcpStream>;

/// Most bytes reserved from the flow-control window at a time.
const MAX_RESERVE: usize = 64 * 1024;

impl<R: Runtime> Server<R> {
    /// Serves one HTTP/2 connection until the client leaves or the server
    /// stops (then: GOAWAY, streams end, the connection drains within the
    /// shutdown grace).
    pub(super) async fn serve_h2(
        self: Arc<Self>,
        tls: TlsStream<R>,
        mut stop: watch::Receiver<bool>,
    ) {
        let config = &self.config;
        let mut builder = h2::server::Builder::new();
        builder
            .max_concurrent_streams(config.max_streams_per_connection)
            .max_header_list_size(u32::try_from(config.max_head_bytes).unwrap_or(u32::MAX))
            .max_send_buffer_size(MAX_RESERVE);
        let io =
            Compat { io: tls, stall: WriteStall::new(self.runtime.clone(), config.write_timeout) };
        let handshake = builder.handshake::<_, Bytes>(io);
        let Some(Ok(mut conn)) = timeout(&self.runtime, config.head_timeout, handshake).await
        else {
            return;
        };
        // Streams open on this connection: one with none for a whole head
        // timeout is closed, so an idle client cannot hold a slot.
        let open = Arc::new(AtomicUsize::new(0));
        let mut idle_ticks = 0;
        loop {
            let tick = self.runtime.sleep(config.head_timeout);
            let next = futures_lite::future::or(
                async {
                    until_stopped(&mut stop).await;
                    Event::Stop
                },
                futures_lite::future::or(async { Event::Accepted(conn.accept().await) }, async {
                    tick.await;
                    Event::Tick
                }),
            )
            .await;
            match next {
                Event::Accepted(Some(Ok((request, respond)))) => {
                    let (server, stop) = (Arc::clone(&self), stop.clone());
                    let open = OpenStream::new(&open);
                    self.runtime.spawn(async move {
                        server.h2_stream(request, respond, stop).await;
                        drop(open);
                    });
                }
                Event::Accepted(_) => return,
                Event::Tick if open.load(Ordering::Relaxed) == 0 => {
                    idle_ticks += 1;
                    if idle_ticks > 1 {
                        break;
                    }
                }
                Event::Tick => idle_ticks = 0,
                Event::Stop => break,
            }
        }
        // Shutting down: GOAWAY, then drive the connection while its
        // streams end (each sees the stop too).
        conn.graceful_shutdown();
        let drain = async { while let Some(Ok(_)) = conn.accept().await {} };
        let _ = timeout(&self.runtime, config.shutdown_grace, drain).await;
    }

    async fn h2_stream(
        self: Arc<Self>,
        request: http::Request<h2::RecvStream>,
        mut respond: h2::server::SendResponse<Bytes>,
        stop: watch::Receiver<bool>,
    ) {
        let (parts, _body) = request.into_parts();
        let decided = {
            let headers: Vec<Header<'_>> = parts
                .headers
                .iter()
                .map(|(name, value)| Header { name: name.as_str(), value: value.as_bytes() })
                .collect();
            let head = RequestHead::from_parts(
                parts.method.as_str(),
                parts.uri.path(),
                parts.uri.query(),
                &headers,
            );
            if headers.len() > self.config.max_headers {
                Err(431)
            } else {
                match Handshake::decide(head, |path| self.routes.get(path).map(Route::resource)) {
                    Decision::Stream(head) | Decision::Page(head) => Ok(Request::from_head(&head)),
                    Decision::Refuse(status) => Err(status),
                    _ => Err(400),
                }
            }
        };
        let request = match decided {
            Ok(request) => request,
            Err(status) => return refuse(&mut respond, status),
        };
        let Some(route) = self.routes.get(&request.path) else { return };
        let head_only = request.method == "HEAD";
        let response = match route {
            Route::Page { content_type, body } => http::Response::builder()
                .header("content-type", *content_type)
                .header("content-length", body.len()),
            Route::Hub(_) | Route::Handler(_) => {
                let head = StreamHead { allow_origin: self.config.allow_origin.as_deref() };
                if !head.is_valid() {
                    return refuse(&mut respond, 500);
                }
                head.fields().fold(http::Response::builder(), |response, (name, value)| {
                    response.header(name, value)
                })
            }
        };
        let Ok(response) = response.status(200).body(()) else {
            return refuse(&mut respond, 500);
        };
        let Ok(send) = respond.send_response(response, head_only) else { return };
        if head_only {
            return;
        }
        let writer = StreamWriter { send, ended: false, broken: false };
        let io = ServerIo::new(Inner::H2(writer), self.runtime.clone(), self.config.write_timeout);
        self.respond(request, route, io, stop).await;
    }
}

/// What an HTTP/2 connection's task waits for (short-lived, on the stack:
/// its size does not matter).
#[allow(clippy::large_enum_variant)]
enum Event {
    Accepted(Option<Result<Accepted, h2::Error>>),
    Tick,
    Stop,
}

type Accepted = (http::Request<h2::RecvStream>, h2::server::SendResponse<Bytes>);

/// Counts a stream open on its connection.
struct OpenStream(Arc<AtomicUsize>);

impl OpenStream {
    fn new(open: &Arc<AtomicUsize>) -> Self {
        open.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(open))
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Answers a refused request stream with `status` and no body.
fn refuse(respond: &mut h2::server::SendResponse<Bytes>, status: u16) {
    let mut response = http::Response::builder().status(status);
    if status == 405 {
        response = response.header("allow", "GET, HEAD");
    }
    if let Ok(response) = response.body(()) {
        let _ = respond.send_response(response, true);
    }
}

/// One HTTP/2 response body: bytes are handed to the connection only
/// when the client's flow-control window has room for them.
pub(crate) struct StreamWriter {
    send: h2::SendStream<Bytes>,
    ended: bool,
    /// A write failed or timed out: the stream is reset, not ended.
    broken: bool,
}

impl StreamWriter {
    /// Room for up to `want` bytes, waiting for the client's window.
    fn poll_room(&mut self, cx: &mut Context<'_>, want: usize) -> Poll<io::Result<usize>> {
        loop {
            let room = self.send.capacity();
            if room > 0 {
                return Poll::Ready(Ok(room.min(want)));
            }
            self.send.reserve_capacity(want.min(MAX_RESERVE));
            match std::task::ready!(self.send.poll_capacity(cx)) {
                Some(Ok(_)) => {}
                Some(Err(e)) => return Poll::Ready(Err(io_error(e))),
                None => return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
            }
        }
    }

    /// Sends the front of `bytes` that the window has room for (a slice,
    /// no copy), waiting for room if there is none.
    pub(crate) fn poll_send_some(
        &mut self,
        cx: &mut Context<'_>,
        bytes: &mut Bytes,
    ) -> Poll<io::Result<()>> {
        if !bytes.is_empty() {
            let n = std::task::ready!(self.poll_room(cx, bytes.len()))?;
            self.send.send_data(bytes.split_to(n), false).map_err(io_error)?;
        }
        Poll::Ready(Ok(()))
    }

    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = std::task::ready!(self.poll_room(cx, buf.len()))?;
        self.send.send_data(Bytes::copy_from_slice(&buf[..n]), false).map_err(io_error)?;
        Poll::Ready(Ok(n))
    }

    /// Ready once the client reset the stream.
    pub(crate) fn poll_reset(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.send.poll_reset(cx).map(|_| ())
    }

    /// Marks the stream cut: it will be reset instead of ended.
    pub(crate) fn break_off(&mut self) {
        self.broken = true;
    }

    /// Ends the stream: cleanly (an empty DATA frame with END_STREAM), or
    /// with a reset when a write failed or timed out, so the client knows
    /// the stream was cut rather than complete.
    pub(crate) fn end(&mut self) -> io::Result<()> {
        if self.ended {
            return Ok(());
        }
        self.ended = true;
        if self.broken {
            self.send.send_reset(h2::Reason::CANCEL);
            return Ok(());
        }
        self.send.send_data(Bytes::new(), true).map_err(io_error)
    }
}

impl Drop for StreamWriter {
    fn drop(&mut self) {
        // A handler that returned ends its stream; one whose write failed
        // resets it.
        let _ = self.end();
    }
}

fn io_error(e: h2::Error) -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, e)
}

/// A futures-io stream as the tokio-io one `h2` reads and writes, its
/// writes bounded by the write timeout: a client that stops reading the
/// whole connection is let go, as on HTTP/1.1.
struct Compat<R: Runtime, T> {
    io: T,
    stall: WriteStall<R>,
}

impl<R: Runtime, T: AsyncRead + Unpin> tokio::io::AsyncRead for Compat<R, T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = std::task::ready!(Pin::new(&mut self.io).poll_read(cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<R: Runtime, T: AsyncWrite + Unpin> tokio::io::AsyncWrite for Compat<R, T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        self.stall.bound(cx, polled)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.io).poll_flush(cx);
        self.stall.bound(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.io).poll_close(cx);
        self.stall.bound(cx, polled)
    }
}
