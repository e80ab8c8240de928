//! What the std layer needs from an async runtime: timers, spawning and
//! TCP (closing is futures-io's `close`). sse-tokio implements it for tokio; the
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

    /// Binds a listener with room for [`DEFAULT_BACKLOG`] connections
    /// waiting to be accepted.
    fn bind(
        &self,
        addr: SocketAddr,
    ) -> impl Future<Output = io::Result<Self::TcpListener>> + Send + 'static {
        self.listen(addr, DEFAULT_BACKLOG)
    }

    /// Binds a listener whose queue of connections not yet accepted holds
    /// `backlog` (the kernel may cap it, at `net.core.somaxconn` on Linux).
    fn listen(
        &self,
        addr: SocketAddr,
        backlog: u32,
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

    /// Sets `TCP_NODELAY`.
    fn set_nodelay(stream: &Self::TcpStream, nodelay: bool);

    /// Caps the kernel's send buffer of `stream` (`SO_SNDBUF`; Linux
    /// doubles the value for its bookkeeping).
    fn set_send_buffer(stream: &Self::TcpStream, bytes: usize);
}

/// The listen backlog [`Runtime::bind`] asks for: more than the 128 of
/// `std`, so a burst of connections waits instead of overflowing.
pub const DEFAULT_BACKLOG: u32 = 1024;

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
    use std::io;
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::time::Duration;

    use async_io::{Async, Timer};
    use socket2::{Domain, SockRef, Socket, Type};

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

        fn listen(
            &self,
            addr: SocketAddr,
            backlog: u32,
        ) -> impl Future<Output = io::Result<Self::TcpListener>> + Send + 'static {
            async move {
                let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
                socket.set_reuse_address(true)?;
                socket.bind(&addr.into())?;
                socket.listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
                Async::new(TcpListener::from(socket))
            }
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

        fn set_nodelay(stream: &Self::TcpStream, nodelay: bool) {
            let _ = stream.get_ref().set_nodelay(nodelay);
        }

        fn set_send_buffer(stream: &Self::TcpStream, bytes: usize) {
            let _ = SockRef::from(stream.get_ref()).set_send_buffer_size(bytes);
        }
    }
}
