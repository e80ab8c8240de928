//! What the std layer needs from an async runtime: timers, spawning, TCP,
//! and a non-blocking write (closing is futures-io's `close`). sse-tokio implements it for tokio; the
//! `async-io` feature implements it once for every executor that runs on
//! async-io (async-std and smol), which differ only in how they spawn.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};

/// A runtime's timers, spawning and TCP. I/O types speak futures-io.
pub trait Runtime: Clone + Send + Sync + Unpin + 'static {
    /// A connected TCP stream.
    type TcpStream: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    /// A listening TCP socket.
    type TcpListener: Send + Sync + 'static;

    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static;

    /// Runs `task` in the background.
    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static);

    /// Connects to `host:port` (a name is resolved first).
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

    /// Writes what the socket takes now, without waiting and without a
    /// timer: the server's fast path for a reader that keeps up.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::WouldBlock`] when the socket is full; any other
    /// error ends the connection.
    fn try_write(stream: &mut Self::TcpStream, buf: &[u8]) -> io::Result<usize>;

    /// Sets `TCP_NODELAY`.
    fn set_nodelay(stream: &Self::TcpStream, nodelay: bool);
}

/// Races `future` against a timer: `None` if the time ran out first.
pub async fn timeout<R: Runtime, T>(
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

/// A boxed task, as [`Executor::spawn_boxed`] takes it.
pub type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// An executor that runs on async-io's reactor (async-std, smol, or any
/// other): with feature `async-io`, every `Executor` is a [`Runtime`] whose
/// timers and TCP come from async-io. Only spawning differs.
#[cfg(feature = "async-io")]
pub trait Executor: Clone + Send + Sync + Unpin + 'static {
    /// Runs `task` in the background.
    fn spawn_boxed(&self, task: Task);
}

#[cfg(feature = "async-io")]
mod async_io_runtime {
    use std::future::Future;
    use std::io::{self, Write as _};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::time::Duration;

    use async_io::{Async, Timer};

    use super::{Executor, Runtime};

    // Explicit `impl Future` keeps the `Send` and lifetime bounds the trait asks for.
    #[allow(clippy::manual_async_fn)]
    impl<E: Executor> Runtime for E {
        type TcpStream = Async<TcpStream>;
        type TcpListener = Async<TcpListener>;

        fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
            async move {
                Timer::after(duration).await;
            }
        }

        fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
            self.spawn_boxed(Box::pin(task));
        }

        fn connect(
            &self,
            host: &str,
            port: u16,
        ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'static {
            let host = host.to_owned();
            async move {
                let mut last = io::Error::new(io::ErrorKind::NotFound, "no address for the host");
                for addr in async_net::resolve((host.as_str(), port)).await? {
                    match Async::<TcpStream>::connect(addr).await {
                        Ok(stream) => return Ok(stream),
                        Err(e) => last = e,
                    }
                }
                Err(last)
            }
        }

        fn bind(
            &self,
            addr: SocketAddr,
        ) -> impl Future<Output = io::Result<Self::TcpListener>> + Send + 'static {
            async move { Async::<TcpListener>::bind(addr) }
        }

        fn accept<'a>(
            &self,
            listener: &'a Self::TcpListener,
        ) -> impl Future<Output = io::Result<Self::TcpStream>> + Send + 'a {
            async move { listener.accept().await.map(|(stream, _)| stream) }
        }

        fn local_addr(&self, listener: &Self::TcpListener) -> io::Result<SocketAddr> {
            listener.get_ref().local_addr()
        }

        fn try_write(stream: &mut Self::TcpStream, buf: &[u8]) -> io::Result<usize> {
            // The socket is non-blocking: a full one answers WouldBlock.
            stream.get_ref().write(buf)
        }

        fn set_nodelay(stream: &Self::TcpStream, nodelay: bool) {
            let _ = stream.get_ref().set_nodelay(nodelay);
        }
    }
}
