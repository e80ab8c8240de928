//! An SSE server on the runtime's TCP listener: the core's handshake,
//! routing by path, hub streams with `Last-Event-ID` resume, stream
//! handlers, static pages and graceful shutdown; HTTP/1.1 over TCP or TLS,
//! and HTTP/2 over TLS (feature `http2`). Connections are limited in
//! number, and every write in time.

use std::collections::HashMap;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use sse_core::http::{
    write_body_head, write_busy_head, write_status_head, write_stream_head, StreamHead,
    EMPTY_HEADER,
};
pub use sse_core::http::{DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEAD_BYTES};
use sse_core::server::{Decision, Handshake, Request, Resource};
use sse_hub::Hub;
use tokio::sync::watch;

use crate::runtime::{timeout, Runtime, DEFAULT_BACKLOG};
use crate::writer::{EventWriter, DEFAULT_KEEP_ALIVE};

#[cfg(feature = "http2")]
mod h2;
mod io_stream;
#[cfg(feature = "rustls")]
mod tls;

use io_stream::Inner;
pub use io_stream::ServerIo;
#[cfg(feature = "rustls")]
pub use tls::ServerTls;

/// Most bytes gathered from the queue into one write for a lagging reader.
const BATCH_BYTES: usize = 16 * 1024;
/// Passes of a hub stream's loop between looks at whether its client left.
const CHECK_EVERY: u32 = 16;
/// Most `503` answers in flight at once.
const MAX_REFUSING: usize = 256;

/// Default time a client has to send its request head (and, over TLS, to
/// finish the TLS handshake first).
pub const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a write may wait for the client to take bytes before the
/// client counts as gone.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time streams get to finish after shutdown before they are cut.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// Default most connections open at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Default cap on each connection's kernel send buffer.
pub const DEFAULT_SEND_BUFFER: usize = 64 * 1024;
/// Default most concurrent streams on one HTTP/2 connection.
pub const DEFAULT_MAX_STREAMS_PER_CONNECTION: u32 = 128;

/// Server settings; the `DEFAULT_*` constants are the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// Largest request head accepted (431 beyond).
    pub max_head_bytes: usize,
    /// Most request header lines accepted (431 beyond).
    pub max_headers: usize,
    /// Time allowed to send the request head (and finish a TLS handshake).
    pub head_timeout: Duration,
    /// Idle time before a keep-alive comment; `None` sends none.
    pub keep_alive: Option<Duration>,
    /// `Access-Control-Allow-Origin` for streams, if any.
    pub allow_origin: Option<String>,
    /// Time streams get to end after shutdown.
    pub shutdown_grace: Duration,
    /// Time any write (a page, an event, a keep-alive) may wait for the
    /// client to take bytes: a client whose unsent bytes stop draining for
    /// this long is closed.
    pub write_timeout: Duration,
    /// Disable Nagle's algorithm on streams (`TCP_NODELAY`): each event
    /// leaves at once, at the cost of more packets under load. Off by
    /// default, like hyper; the fan-out benchmark measured 25% less CPU
    /// with it off at 10,000 subscribers.
    pub nodelay: bool,
    /// Most connections open at once: past it a new connection is answered
    /// `503 Service Unavailable` with `Retry-After` and closed (over TLS,
    /// closed without a handshake), and counted in
    /// [`ServerStats::refused`]. Keep it under the process's file
    /// descriptor limit, so clients are told instead of left waiting.
    pub max_connections: usize,
    /// The `Retry-After` a refused client is given (whole seconds, at
    /// least one).
    pub retry_after: Duration,
    /// Connections the kernel queues before they are accepted, for
    /// [`Server::bind`] (capped by the kernel's own limit).
    pub backlog: u32,
    /// Cap on each connection's kernel send buffer (`SO_SNDBUF`), so
    /// clients that stop reading pin little kernel memory (the write
    /// timeout then lets them go); `None` leaves the system's default.
    pub send_buffer: Option<usize>,
    /// Most concurrent streams a client may open on one HTTP/2 connection.
    pub max_streams_per_connection: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_head_bytes: DEFAULT_MAX_HEAD_BYTES,
            max_headers: DEFAULT_MAX_HEADERS,
            head_timeout: DEFAULT_HEAD_TIMEOUT,
            keep_alive: Some(DEFAULT_KEEP_ALIVE),
            allow_origin: None,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            nodelay: false,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            retry_after: Duration::from_secs(1),
            backlog: DEFAULT_BACKLOG,
            send_buffer: Some(DEFAULT_SEND_BUFFER),
            max_streams_per_connection: DEFAULT_MAX_STREAMS_PER_CONNECTION,
        }
    }
}

/// Live counters of a [`Server`]; clones share them.
#[derive(Clone, Debug, Default)]
pub struct ServerStats {
    counters: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    connections: AtomicUsize,
    streams: AtomicUsize,
    refused: AtomicU64,
    /// Refusals still being answered (each holds its socket a moment).
    refusing: AtomicUsize,
    /// Set at shutdown: busy streams look at it on every pass.
    stopping: std::sync::atomic::AtomicBool,
}

impl ServerStats {
    /// Connections open now (HTTP/1.1 or HTTP/2).
    pub fn connections(&self) -> usize {
        self.counters.connections.load(Ordering::Relaxed)
    }

    /// Event streams open now, over either protocol.
    pub fn streams(&self) -> usize {
        self.counters.streams.load(Ordering::Relaxed)
    }

    /// Connections refused at [`ServerConfig::max_connections`] so far.
    pub fn refused(&self) -> u64 {
        self.counters.refused.load(Ordering::Relaxed)
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
type Handler<R> = Arc<dyn Fn(Request, EventWriter<ServerIo<R>>) -> BoxFuture + Send + Sync>;

enum Route<R: Runtime> {
    Hub(Hub),
    Handler(Handler<R>),
    Page { content_type: &'static str, body: Arc<[u8]> },
}

impl<R: Runtime> Route<R> {
    fn resource(&self) -> Resource {
        match self {
            Self::Hub(_) | Self::Handler(_) => Resource::Stream,
            Self::Page { .. } => Resource::Page,
        }
    }
}

/// An SSE server on runtime `R`; routes by exact path.
///
/// The runtime is a type parameter: `sse_tokio::Server` is
/// `Server<Tokio>`; with sse-async-std, `Server::<Smol>::new()` or
/// `Server::with_runtime(Smol)`.
pub struct Server<R: Runtime> {
    runtime: R,
    routes: HashMap<String, Route<R>>,
    config: ServerConfig,
    stats: ServerStats,
    #[cfg(feature = "rustls")]
    tls: Option<ServerTls>,
}

impl<R: Runtime> std::fmt::Debug for Server<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("paths", &self.routes.keys())
            .field("config", &self.config)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime + Default> Server<R> {
    /// A server with no routes and default settings.
    pub fn new() -> Self {
        Self::with_runtime(R::default())
    }
}

impl<R: Runtime + Default> Default for Server<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime> Server<R> {
    /// A server on `runtime`, with no routes and default settings.
    pub fn with_runtime(runtime: R) -> Self {
        Self {
            runtime,
            routes: HashMap::new(),
            config: ServerConfig::default(),
            stats: ServerStats::default(),
            #[cfg(feature = "rustls")]
            tls: None,
        }
    }

    /// Replaces the settings.
    #[must_use]
    pub fn with_config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Serves over TLS: HTTP/2 or HTTP/1.1, as the client's ALPN chooses
    /// (see [`ServerTls`]).
    #[cfg(feature = "rustls")]
    #[must_use]
    pub fn with_tls(mut self, tls: ServerTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// The server's live counters (take them before [`serve`](Self::serve)).
    pub fn stats(&self) -> ServerStats {
        self.stats.clone()
    }

    /// Binds a listener with the configured [`ServerConfig::backlog`].
    ///
    /// # Errors
    ///
    /// As the operating system reports (the address is in use, say).
    pub async fn bind(&self, addr: SocketAddr) -> io::Result<R::TcpListener> {
        self.runtime.listen(addr, self.config.backlog).await
    }

    /// Streams `hub` at `path`: each client subscribes, resuming from its
    /// `Last-Event-ID`.
    #[must_use]
    pub fn hub(mut self, path: &str, hub: Hub) -> Self {
        self.routes.insert(path.to_owned(), Route::Hub(hub));
        self
    }

    /// Streams from `handler` at `path`: it gets the request and a writer
    /// whose head is already sent; the stream ends when it returns. Its
    /// writes are bounded by the write timeout like every other.
    #[must_use]
    pub fn stream<F, Fut>(mut self, path: &str, handler: F) -> Self
    where
        F: Fn(Request, EventWriter<ServerIo<R>>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler: Handler<R> = Arc::new(move |req, writer| Box::pin(handler(req, writer)));
        self.routes.insert(path.to_owned(), Route::Handler(handler));
        self
    }

    /// Serves a fixed body at `path` (e.g. the page that opens the stream).
    #[must_use]
    pub fn page(
        mut self,
        path: &str,
        content_type: &'static str,
        body: impl Into<Vec<u8>>,
    ) -> Self {
        let body: Vec<u8> = body.into();
        self.routes.insert(path.to_owned(), Route::Page { content_type, body: body.into() });
        self
    }

    /// Accepts connections until `shutdown` completes, then ends open
    /// streams (waiting [`ServerConfig::shutdown_grace`] at most).
    ///
    /// # Errors
    ///
    /// Only if accepting fails in a way that will not recover.
    pub async fn serve(
        self,
        listener: R::TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<()> {
        let server = Arc::new(self);
        let (stop_tx, stop_rx) = watch::channel(false);
        let counters = Arc::clone(&server.stats.counters);
        let mut shutdown = std::pin::pin!(shutdown);
        let mut accepted_in_a_row = 0u32;
        loop {
            // Shutdown first; and a flood of connections cannot keep this
            // loop from yielding (async-io's accept is ready while any
            // connection waits).
            accepted_in_a_row += 1;
            if accepted_in_a_row % 64 == 0 {
                futures_lite::future::yield_now().await;
            }
            let accepted = futures_lite::future::or(
                async {
                    shutdown.as_mut().await;
                    None
                },
                async { Some(server.runtime.accept(&listener).await) },
            )
            .await;
            match accepted {
                None => break,
                Some(Ok(stream)) => {
                    if counters.connections.load(Ordering::Relaxed) >= server.config.max_connections
                    {
                        counters.refused.fetch_add(1, Ordering::Relaxed);
                        server.refuse_busy(stream);
                        continue;
                    }
                    if let Some(bytes) = server.config.send_buffer {
                        R::set_send_buffer(&stream, bytes);
                    }
                    let server2 = Arc::clone(&server);
                    let stop = stop_rx.clone();
                    let counters = Arc::clone(&counters);
                    counters.connections.fetch_add(1, Ordering::Relaxed);
                    server.runtime.spawn(async move {
                        server2.connection(stream, stop).await;
                        counters.connections.fetch_sub(1, Ordering::Relaxed);
                    });
                }
                Some(Err(e)) if is_transient(&e) => {
                    server.runtime.sleep(Duration::from_millis(10)).await;
                }
                Some(Err(e)) => return Err(e),
            }
        }
        drop(listener);
        counters.stopping.store(true, Ordering::Relaxed);
        let _ = stop_tx.send(true);
        let deadline = std::time::Instant::now() + server.config.shutdown_grace;
        while counters.connections.load(Ordering::SeqCst) > 0
            && std::time::Instant::now() < deadline
        {
            server.runtime.sleep(Duration::from_millis(5)).await;
        }
        Ok(())
    }

    /// Answers a connection past the limit with `503` and `Retry-After`
    /// (plain HTTP; over TLS it is only closed), in a task of its own that
    /// lasts a second at most.
    fn refuse_busy(&self, stream: R::TcpStream) {
        #[cfg(feature = "rustls")]
        if self.tls.is_some() {
            return drop(stream);
        }
        let mut head = Vec::new();
        let secs = self.config.retry_after.as_secs().max(1);
        if write_busy_head(&mut head, secs).is_err() {
            return;
        }
        // Answering holds the socket up to a second: past a few hundred
        // answers in flight, close at once instead (a flood must not use
        // up the descriptors the limit protects).
        let counters = Arc::clone(&self.stats.counters);
        if counters.refusing.fetch_add(1, Ordering::Relaxed) >= MAX_REFUSING {
            counters.refusing.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        let runtime = self.runtime.clone();
        let linger = async move {
            let mut stream = stream;
            if stream.write_all(&head).await.is_ok() && stream.close().await.is_ok() {
                // Read what the client sent, so closing does not reset the
                // connection before it has read the answer.
                let mut sink = [0u8; 1024];
                while let Ok(1..) = stream.read(&mut sink).await {}
            }
        };
        self.runtime.spawn(async move {
            let _ = timeout(&runtime, Duration::from_secs(1), linger).await;
            counters.refusing.fetch_sub(1, Ordering::Relaxed);
        });
    }

    /// One accepted connection: TLS first if configured (HTTP/2 when ALPN
    /// chose it), then HTTP/1.1.
    async fn connection(self: Arc<Self>, stream: R::TcpStream, stop: watch::Receiver<bool>) {
        // The TLS and HTTP/2 paths are boxed: a task is as large as its
        // largest state, and plain connections (thousands of idle
        // subscribers) should not carry a TLS handshake's or an HTTP/2
        // connection's.
        #[cfg(feature = "rustls")]
        if let Some(tls) = &self.tls {
            let accept = Box::pin(tls.acceptor().accept(stream));
            let Some(Ok(tls)) = timeout(&self.runtime, self.config.head_timeout, accept).await
            else {
                return;
            };
            #[cfg(feature = "http2")]
            if tls.get_ref().1.alpn_protocol() == Some(b"h2") {
                return Box::pin(self.serve_h2(tls, stop)).await;
            }
            let io = self.io(Inner::Tls(Box::new(tls)));
            return Box::pin(self.http1(io, stop)).await;
        }
        let io = self.io(Inner::Tcp(stream));
        self.http1(io, stop).await;
    }

    fn io(&self, inner: Inner<R>) -> ServerIo<R> {
        ServerIo::new(inner, self.runtime.clone(), self.config.write_timeout)
    }

    /// An HTTP/1.1 exchange: the request head, then the response on the
    /// same connection, closed at its end.
    async fn http1(&self, mut io: ServerIo<R>, stop: watch::Receiver<bool>) {
        let Some((request, route)) = self.read_request(&mut io).await else { return };
        let mut head = Vec::new();
        let written = match route {
            Route::Page { content_type, body } => {
                write_body_head(&mut head, content_type, body.len())
            }
            Route::Hub(_) | Route::Handler(_) => {
                let cors = StreamHead { allow_origin: self.config.allow_origin.as_deref() };
                write_stream_head(&mut head, &cors)
            }
        };
        if written.is_err() {
            return self.answer(&mut io, 500).await;
        }
        if !write_flush(&mut io, &head).await || request.method == "HEAD" {
            return close(&mut io).await;
        }
        if self.config.nodelay {
            if let Some(tcp) = io.tcp() {
                R::set_nodelay(tcp, true);
            }
        }
        self.respond(request, route, io, stop).await;
    }

    /// The body of a response whose head is sent: the page, the hub's
    /// events, or the handler's; the same for both protocols.
    async fn respond(
        &self,
        request: Request,
        route: &Route<R>,
        mut io: ServerIo<R>,
        mut stop: watch::Receiver<bool>,
    ) {
        match route {
            Route::Page { body, .. } => {
                let _ = io.write_shared(Arc::clone(body)).await;
            }
            Route::Hub(hub) => {
                let _stream = StreamCount::new(&self.stats);
                self.stream_hub(hub, &request, &mut io, &mut stop).await;
            }
            Route::Handler(handler) => {
                let _stream = StreamCount::new(&self.stats);
                let writer = EventWriter::new(io).with_keep_alive(self.config.keep_alive);
                futures_lite::future::or(handler(request, writer), until_stopped(&mut stop)).await;
                return;
            }
        }
        close(&mut io).await;
    }

    async fn stream_hub(
        &self,
        hub: &Hub,
        request: &Request,
        io: &mut ServerIo<R>,
        stop: &mut watch::Receiver<bool>,
    ) {
        let mut sub = hub.subscribe(request.last_event_id.as_deref());
        let mut batch = Vec::new();
        // One keep-alive timer, re-armed only when it fires: a timer per
        // event would cost more than the write at scale.
        let interval = self.config.keep_alive;
        let mut idle = interval.map(|every| Box::pin(self.runtime.sleep(every)));
        let mut last_write = Instant::now();
        // Pinned once: a shutdown waiter registered anew for every event
        // would lock the watch channel's shared waiter list each time.
        let mut stopped = std::pin::pin!(until_stopped(stop));
        // Whether the client left is looked at when the task wakes with
        // nothing else to do (its socket woke it), and otherwise every
        // CHECK_EVERY passes: a busy stream learns it from a failing
        // write anyway, and looking costs a waker registration each time.
        let mut unchecked = CHECK_EVERY;
        // A frame taken from the queue that did not fit in the last batch.
        let mut held: Option<sse_hub::Encoded> = None;
        loop {
            let next = if let Some(frames) = held.take() {
                Next::Frames(Some(frames))
            } else {
                let mut recv = std::pin::pin!(sub.recv());
                let mut woken = false;
                // Frames first, then the keep-alive timer, then shutdown
                // or the client leaving.
                let http2 = io.is_http2();
                poll_fn(|cx| {
                    if self.stats.counters.stopping.load(Ordering::Relaxed) {
                        // A busy stream may never get to poll the waiter.
                        return Poll::Ready(Next::Stop);
                    }
                    if let Poll::Ready(frames) = recv.as_mut().poll(cx) {
                        return Poll::Ready(Next::Frames(frames));
                    }
                    if let Some(timer) = idle.as_mut() {
                        if timer.as_mut().poll(cx).is_ready() {
                            unchecked = CHECK_EVERY;
                            return Poll::Ready(Next::Idle);
                        }
                    }
                    // HTTP/2 every pass: a reset stream no longer counts
                    // against the client's stream limit, so it must go now.
                    if woken || http2 || unchecked >= CHECK_EVERY {
                        unchecked = 0;
                        if io.poll_cancelled(cx).is_ready() {
                            return Poll::Ready(Next::Stop);
                        }
                    }
                    woken = true;
                    stopped.as_mut().poll(cx).map(|()| Next::Stop)
                })
                .await
            };
            unchecked += 1;
            let sent = match next {
                Next::Frames(Some(first)) => {
                    // A reader that fell behind: what is queued goes in one
                    // write, up to BATCH_BYTES (a large backlog goes as it
                    // is, the rest on the next pass).
                    let second = if first.len() < BATCH_BYTES { sub.try_recv() } else { None };
                    match second {
                        // Nothing else queued: the shared bytes as they are.
                        None => io.write_shared(first).await.is_ok(),
                        Some(second) => {
                            batch.clear();
                            batch.extend_from_slice(&first);
                            let mut next = Some(second);
                            while let Some(more) = next.take() {
                                if batch.len() + more.len() > BATCH_BYTES {
                                    // Too big to gather: after the batch.
                                    held = Some(more);
                                    break;
                                }
                                batch.extend_from_slice(&more);
                                next = sub.try_recv();
                            }
                            let sent = write_flush(io, &batch).await;
                            batch.clear();
                            batch.shrink_to(BATCH_BYTES);
                            sent
                        }
                    }
                }
                Next::Idle => {
                    let every = interval.unwrap_or(Duration::MAX);
                    let quiet = last_write.elapsed();
                    if quiet < every {
                        // Events went out meanwhile: wait out the rest.
                        idle = Some(Box::pin(self.runtime.sleep(every - quiet)));
                        continue;
                    }
                    idle = Some(Box::pin(self.runtime.sleep(every)));
                    write_flush(io, sse_core::KEEP_ALIVE).await
                }
                Next::Frames(None) | Next::Stop => return,
            };
            if !sent {
                return;
            }
            last_write = Instant::now();
        }
    }

    /// Reads the request head within the head timeout and lets the core's
    /// [`Handshake`] decide; answers refusals itself.
    async fn read_request(&self, io: &mut ServerIo<R>) -> Option<(Request, &Route<R>)> {
        let limit = self.config.head_timeout;
        match timeout(&self.runtime, limit, self.read_head(io)).await {
            Some(Ok(request)) => {
                let route = self.routes.get(&request.path)?;
                Some((request, route))
            }
            Some(Err(Some(status))) => {
                self.answer(io, status).await;
                None
            }
            // Closed, failed or too slow before a whole head arrived.
            Some(Err(None)) | None => None,
        }
    }

    /// The request, or the status to refuse it with (`None`: just close).
    async fn read_head(&self, io: &mut ServerIo<R>) -> Result<Request, Option<u16>> {
        let max = self.config.max_head_bytes.max(16);
        let handshake = Handshake::new().with_max_head_bytes(max);
        let mut buf = vec![0u8; max];
        let mut len = 0;
        loop {
            let n = match io.read(&mut buf[len..]).await {
                Ok(0) | Err(_) => return Err(None),
                Ok(n) => n,
            };
            len += n;
            // A head ends with a line end: parse only when one arrived (a
            // client sending a byte at a time costs no quadratic rescans),
            // or when the buffer is full (then 431).
            if !buf[len - n..len].contains(&b'\n') && len < buf.len() {
                continue;
            }
            let mut headers = vec![EMPTY_HEADER; self.config.max_headers];
            let route = |path: &str| self.routes.get(path).map(Route::resource);
            match handshake.read(&buf[..len], &mut headers, route) {
                Decision::NeedMore => {}
                Decision::Stream(head) | Decision::Page(head) => {
                    return Ok(Request::from_head(&head))
                }
                Decision::Refuse(status) => return Err(Some(status)),
                _ => return Err(Some(400)),
            }
        }
    }

    /// Writes a bodiless status response and closes.
    async fn answer(&self, io: &mut ServerIo<R>, status: u16) {
        let mut head = Vec::new();
        if write_status_head(&mut head, status).is_ok() {
            let _ = write_flush(io, &head).await;
        }
        close(io).await;
    }
}

/// Writes and flushes (each bounded by the write timeout); whether the
/// connection lives on.
async fn write_flush<R: Runtime>(io: &mut ServerIo<R>, bytes: &[u8]) -> bool {
    io.write_all(bytes).await.is_ok() && io.flush().await.is_ok()
}

/// Ends the response so the client sees the end: closes the write half
/// (HTTP/1.1) or ends the stream (HTTP/2).
async fn close<R: Runtime>(io: &mut ServerIo<R>) {
    let _ = io.close().await;
}

/// Counts an open event stream for [`ServerStats::streams`].
struct StreamCount(Arc<Counters>);

impl StreamCount {
    fn new(stats: &ServerStats) -> Self {
        stats.counters.streams.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(&stats.counters))
    }
}

impl Drop for StreamCount {
    fn drop(&mut self) {
        self.0.streams.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What a hub stream waits for.
enum Next {
    Frames(Option<sse_hub::Encoded>),
    Idle,
    Stop,
}

/// Completes once the server shuts down.
async fn until_stopped(stop: &mut watch::Receiver<bool>) {
    let _stopped = stop.wait_for(|stopped| *stopped).await.is_ok();
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    ) || e.raw_os_error() == Some(24)
}
