//! The tokio binding: [`Tokio`] is the std layer's runtime, and [`TokioIo`]
//! lets any tokio `AsyncRead`/`AsyncWrite` speak futures-io.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use sse_async::Runtime;
use tokio::io::ReadBuf;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// tokio's timers, spawning and TCP (the current runtime's, as
/// `tokio::spawn` finds it).
#[derive(Clone, Copy, Debug, Default)]
pub struct Tokio;

// Explicit `impl Future` keeps the `Send` and lifetime bounds the trait asks for.
#[allow(clippy::manual_async_fn)]
impl Runtime for Tokio {
    type TcpStream = TokioIo<TcpStream>;
    type TcpListener = TcpListener;

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        tokio::time::sleep(duration)
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        drop(tokio::spawn(task));
    }

    fn connect(
        &self,
        host: &str,
        port: u16,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'static {
        let host = host.to_owned();
        async move { TcpStream::connect((host.as_str(), port)).await.map(TokioIo) }
    }

    fn listen(
        &self,
        addr: SocketAddr,
        backlog: u32,
    ) -> impl Future<Output = io::Result<Self::TcpListener>> + Send + 'static {
        async move {
            let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
            socket.set_reuseaddr(true)?;
            socket.bind(addr)?;
            socket.listen(backlog)
        }
    }

    fn accept<'a>(
        &self,
        listener: &'a Self::TcpListener,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'a {
        async move { listener.accept().await.map(|(stream, _)| TokioIo(stream)) }
    }

    fn local_addr(&self, listener: &Self::TcpListener) -> io::Result<SocketAddr> {
        listener.local_addr()
    }

    fn set_nodelay(stream: &Self::TcpStream, nodelay: bool) {
        let _ = stream.0.set_nodelay(nodelay);
    }

    fn set_send_buffer(stream: &Self::TcpStream, bytes: usize) {
        let _ = socket2::SockRef::from(&stream.0).set_send_buffer_size(bytes);
    }
}

/// A tokio `AsyncRead`/`AsyncWrite` as a futures-io one (closing is
/// tokio's `shutdown`), so the std layer's writer, reader, client and
/// server run on it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use sse_core::Frame;
/// use sse_tokio::{EventReader, EventWriter, TokioIo};
///
/// let (client, server) = tokio::io::duplex(64);
/// let mut writer = EventWriter::new(TokioIo::new(server));
/// let mut reader = EventReader::new(TokioIo::new(client));
/// tokio::spawn(async move { writer.send(&Frame::new().id("1").data("hi")).await });
/// let event = reader.next_event().await.expect("one event")?;
/// assert_eq!((event.data.as_str(), event.id.as_str()), ("hi", "1"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct TokioIo<T>(pub T);

impl<T> TokioIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        Self(inner)
    }

    /// The wrapped value.
    pub fn get_ref(&self) -> &T {
        &self.0
    }

    /// The wrapped value, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.0
    }

    /// The wrapped value back.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: tokio::io::AsyncRead + Unpin> futures_io::AsyncRead for TokioIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut read = ReadBuf::new(buf);
        std::task::ready!(Pin::new(&mut self.0).poll_read(cx, &mut read))?;
        Poll::Ready(Ok(read.filled().len()))
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> futures_io::AsyncWrite for TokioIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
