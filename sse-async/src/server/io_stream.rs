//! The byte stream a server connection writes to, whatever carries it
//! (TCP, TLS, one HTTP/2 stream), with every write bounded in time.

#[cfg(feature = "http2")]
use std::future::poll_fn;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::AsyncWriteExt;
use sse_hub::Encoded;

use crate::runtime::Runtime;

type Timer = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What one server response writes to: a TCP connection, a TLS one, or
/// an HTTP/2 stream. Stream handlers get an
/// [`EventWriter`](crate::EventWriter) over it.
///
/// Every write and flush is bounded: when the peer stops taking bytes
/// (its socket, or its HTTP/2 flow-control window, stays full) for the
/// server's write timeout, the write fails with
/// [`io::ErrorKind::TimedOut`] and the server lets the client go. A write
/// that goes through at once never starts a timer.
pub struct ServerIo<R: Runtime> {
    inner: Inner<R>,
    stall: WriteStall<R>,
}

pub(crate) enum Inner<R: Runtime> {
    Tcp(R::TcpStream),
    #[cfg(feature = "rustls")]
    Tls(Box<futures_rustls::server::TlsStream<R::TcpStream>>),
    #[cfg(feature = "http2")]
    H2(super::h2::StreamWriter),
}

impl<R: Runtime> std::fmt::Debug for ServerIo<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerIo")
            .field("tls", &self.is_tls())
            .field("http2", &self.is_http2())
            .field("write_timeout", &self.stall.limit)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> ServerIo<R> {
    pub(crate) fn new(inner: Inner<R>, runtime: R, limit: Duration) -> Self {
        Self { inner, stall: WriteStall::new(runtime, limit) }
    }

    /// Whether the connection is encrypted (TLS, and so every HTTP/2
    /// stream the server serves).
    pub fn is_tls(&self) -> bool {
        !matches!(self.inner, Inner::Tcp(_))
    }

    /// Whether this is one stream of an HTTP/2 connection.
    pub fn is_http2(&self) -> bool {
        #[cfg(feature = "http2")]
        if let Inner::H2(_) = self.inner {
            return true;
        }
        false
    }

    /// The TCP connection under a plain HTTP/1.1 response.
    pub(crate) fn tcp(&self) -> Option<&R::TcpStream> {
        match &self.inner {
            Inner::Tcp(stream) => Some(stream),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Ready once the client is gone: it closed its side of the
    /// connection (an event-stream client sends nothing after its request,
    /// so end of input means it left), or reset its HTTP/2 stream. Lets a
    /// quiet stream free its subscriber and connection slot at once
    /// instead of at the next write that fails.
    pub(crate) fn poll_cancelled(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let mut ignored = [0u8; 64];
        // A few reads at most per wake: bytes a client sends anyway are
        // dropped, and a flood cannot keep this poll running.
        for _ in 0..4 {
            let polled = match &mut self.inner {
                Inner::Tcp(stream) => Pin::new(stream).poll_read(cx, &mut ignored),
                #[cfg(feature = "rustls")]
                Inner::Tls(stream) => Pin::new(&mut **stream).poll_read(cx, &mut ignored),
                #[cfg(feature = "http2")]
                Inner::H2(stream) => return stream.poll_reset(cx),
            };
            match polled {
                Poll::Ready(Ok(0) | Err(_)) => return Poll::Ready(()),
                Poll::Ready(Ok(_)) => {}
                Poll::Pending => return Poll::Pending,
            }
        }
        // Still more to read: come back after the others had their turn
        // (no waker is registered while reads keep succeeding).
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Writes shared frames and flushes: over HTTP/2 the bytes go out
    /// without a copy, sharing the hub's allocation.
    pub(crate) async fn write_shared(&mut self, frames: Encoded) -> io::Result<()> {
        #[cfg(feature = "http2")]
        if let Inner::H2(_) = self.inner {
            let mut bytes = bytes::Bytes::from_owner(frames);
            // A piece at a time, as the window opens: each piece sent is
            // progress, which restarts the write timeout.
            while !bytes.is_empty() {
                poll_fn(|cx| {
                    let polled = match &mut self.inner {
                        Inner::H2(stream) => stream.poll_send_some(cx, &mut bytes),
                        _ => Poll::Ready(Ok(())),
                    };
                    self.bounded(cx, polled)
                })
                .await?;
            }
            return Ok(());
        }
        self.write_all(&frames).await?;
        self.flush().await
    }

    /// A pending write or flush counts against the write timeout; progress
    /// resets it. Over HTTP/2 a failed or timed-out write resets the
    /// stream instead of ending it.
    fn bounded<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        let bounded = self.stall.bound(cx, polled);
        #[cfg(feature = "http2")]
        if let (Poll::Ready(Err(_)), Inner::H2(stream)) = (&bounded, &mut self.inner) {
            stream.break_off();
        }
        bounded
    }
}

/// One writer's write timeout: a timer started when a write cannot
/// proceed, dropped on progress. Shared by every response and by an
/// HTTP/2 connection's own writes.
pub(crate) struct WriteStall<R: Runtime> {
    runtime: R,
    limit: Duration,
    timer: Option<Timer>,
}

impl<R: Runtime> WriteStall<R> {
    pub(crate) fn new(runtime: R, limit: Duration) -> Self {
        Self { runtime, limit, timer: None }
    }

    /// `polled` as it is once it is ready (progress: the timer stops);
    /// [`io::ErrorKind::TimedOut`] once the writer has been stuck for the
    /// limit.
    pub(crate) fn bound<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_ready() {
            self.timer = None;
            return polled;
        }
        let (runtime, limit) = (&self.runtime, self.limit);
        let timer = self.timer.get_or_insert_with(|| Box::pin(runtime.sleep(limit)));
        if timer.as_mut().poll(cx).is_ready() {
            self.timer = None;
            let stuck = "the client took no bytes for the write timeout";
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, stuck)));
        }
        Poll::Pending
    }
}

impl<R: Runtime> AsyncRead for ServerIo<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(stream) => Pin::new(stream).poll_read(cx, buf),
            #[cfg(feature = "rustls")]
            Inner::Tls(stream) => Pin::new(&mut **stream).poll_read(cx, buf),
            // The request body of an event stream is not read.
            #[cfg(feature = "http2")]
            Inner::H2(_) => Poll::Ready(Ok(0)),
        }
    }
}

impl<R: Runtime> AsyncWrite for ServerIo<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = match &mut this.inner {
            Inner::Tcp(stream) => Pin::new(stream).poll_write(cx, buf),
            #[cfg(feature = "rustls")]
            Inner::Tls(stream) => Pin::new(&mut **stream).poll_write(cx, buf),
            #[cfg(feature = "http2")]
            Inner::H2(stream) => stream.poll_write(cx, buf),
        };
        this.bounded(cx, polled)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = match &mut this.inner {
            Inner::Tcp(stream) => Pin::new(stream).poll_flush(cx),
            #[cfg(feature = "rustls")]
            Inner::Tls(stream) => Pin::new(&mut **stream).poll_flush(cx),
            // The connection's task sends what the stream queued.
            #[cfg(feature = "http2")]
            Inner::H2(_) => Poll::Ready(Ok(())),
        };
        this.bounded(cx, polled)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = match &mut this.inner {
            Inner::Tcp(stream) => Pin::new(stream).poll_close(cx),
            #[cfg(feature = "rustls")]
            Inner::Tls(stream) => Pin::new(&mut **stream).poll_close(cx),
            #[cfg(feature = "http2")]
            Inner::H2(stream) => Poll::Ready(stream.end()),
        };
        this.bounded(cx, polled)
    }
}
