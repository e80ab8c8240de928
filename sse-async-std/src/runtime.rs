//! The runtime a user picks: timers, spawning and TCP come from it, so the
//! crate forces no executor on anyone.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};

/// What the adapter needs from an async runtime. [`AsyncStd`] (feature
/// `async-std`) and [`Smol`] (feature `smol`) implement it; any other
/// futures-io runtime can too.
pub trait Runtime: Clone + Send + Sync + 'static {
    /// A connected TCP stream.
    type TcpStream: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    /// A listening TCP socket.
    type TcpListener: Send + Sync + 'static;

    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static;

    /// Runs `task` in the background.
    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static);

    /// Connects to `host:port`.
    fn connect(
        &self,
        host: &str,
        port: u16,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'static;

    /// Binds a listener.
    fn bind(
        &self,
        addr: SocketAddr,
    ) -> impl Future<Output = io::Result<Self::TcpListener>> + Send + 'static;

    /// Accepts the next connection.
    fn accept<'a>(
        &self,
        listener: &'a Self::TcpListener,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'a;

    /// The address a listener is bound to.
    ///
    /// # Errors
    ///
    /// As the operating system reports.
    fn local_addr(&self, listener: &Self::TcpListener) -> io::Result<SocketAddr>;

    /// Closes the write half, so the peer sees the end of the stream.
    fn shutdown_write(&self, stream: &Self::TcpStream);
}

/// Races `future` against a timer: `None` if the time ran out first.
pub(crate) async fn timeout<R: Runtime, T>(
    runtime: &R,
    limit: Duration,
    future: impl Future<Output = T>,
) -> Option<T> {
    let timer = runtime.sleep(limit);
    futures_lite::future::or(async { Some(future.await) }, async {
        timer.await;
        None
    })
    .await
}

/// async-std's executor, timers and TCP.
#[cfg(feature = "async-std")]
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncStd;

// Explicit `impl Future` keeps the `Send` and lifetime bounds the trait asks for.
#[cfg(feature = "async-std")]
#[allow(clippy::manual_async_fn)]
impl Runtime for AsyncStd {
    type TcpStream = async_std::net::TcpStream;
    type TcpListener = async_std::net::TcpListener;

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        async_std::task::sleep(duration)
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        drop(async_std::task::spawn(task));
    }

    fn connect(
        &self,
        host: &str,
        port: u16,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'static {
        let host = host.to_owned();
        async move { async_std::net::TcpStream::connect((host.as_str(), port)).await }
    }

    fn bind(
        &self,
        addr: SocketAddr,
    ) -> impl Future<Output = io::Result<Self::TcpListener>> + Send + 'static {
        async_std::net::TcpListener::bind(addr)
    }

    fn accept<'a>(
        &self,
        listener: &'a Self::TcpListener,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'a {
        async move { listener.accept().await.map(|(stream, _)| stream) }
    }

    fn local_addr(&self, listener: &Self::TcpListener) -> io::Result<SocketAddr> {
        listener.local_addr()
    }

    fn shutdown_write(&self, stream: &Self::TcpStream) {
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
}

/// smol's global executor, timers and TCP.
#[cfg(feature = "smol")]
#[derive(Clone, Copy, Debug, Default)]
pub struct Smol;

#[cfg(feature = "smol")]
#[allow(clippy::manual_async_fn)]
impl Runtime for Smol {
    type TcpStream = smol::net::TcpStream;
    type TcpListener = smol::net::TcpListener;

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        async move {
            smol::Timer::after(duration).await;
        }
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        smol::spawn(task).detach();
    }

    fn connect(
        &self,
        host: &str,
        port: u16,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'static {
        let host = host.to_owned();
        async move { smol::net::TcpStream::connect((host.as_str(), port)).await }
    }

    fn bind(
        &self,
        addr: SocketAddr,
    ) -> impl Future<Output = io::Result<Self::TcpListener>> + Send + 'static {
        smol::net::TcpListener::bind(addr)
    }

    fn accept<'a>(
        &self,
        listener: &'a Self::TcpListener,
    ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'a {
        async move { listener.accept().await.map(|(stream, _)| stream) }
    }

    fn local_addr(&self, listener: &Self::TcpListener) -> io::Result<SocketAddr> {
        listener.local_addr()
    }

    fn shutdown_write(&self, stream: &Self::TcpStream) {
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
}
