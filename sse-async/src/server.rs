//! An SSE server on the runtime's TCP listener: the core's handshake,
//! routing by path, hub streams with `Last-Event-ID` resume, stream
//! handlers, static pages and graceful shutdown.

use std::collections::HashMap;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use sse_core::http::{
    write_body_head, write_status_head, write_stream_head, StreamHead, EMPTY_HEADER,
};
pub use sse_core::http::{DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEAD_BYTES};
use sse_core::server::{Decision, Handshake, Request, Resource};
use sse_hub::Hub;
use tokio::sync::watch;

use crate::runtime::{timeout, Runtime};
use crate::writer::{EventWriter, DEFAULT_KEEP_ALIVE};

/// Most bytes gathered from the queue into one write for a lagging reader.
const BATCH_BYTES: usize = 16 * 1024;

/// Default time a client has to send its request head.
pub const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time one write may take before a client counts as gone.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time streams get to finish after shutdown before they are cut.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Server settings; the `DEFAULT_*` constants are the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// Largest request head accepted (431 beyond).
    pub max_head_bytes: usize,
    /// Most request header lines accepted (431 beyond).
    pub max_headers: usize,
    /// Time allowed to send the request head.
    pub head_timeout: Duration,
    /// Idle time before a keep-alive comment; `None` sends none.
    pub keep_alive: Option<Duration>,
    /// `Access-Control-Allow-Origin` for streams, if any.
    pub allow_origin: Option<String>,
    /// Time streams get to end after shutdown.
    pub shutdown_grace: Duration,
    /// Time one write may take before the client counts as gone (it
    /// stopped reading and its socket is full).
    pub write_timeout: Duration,
    /// Disable Nagle's algorithm on streams (`TCP_NODELAY`): each event
    /// leaves at once, at the cost of more packets under load. Off by
    /// default, like hyper; the fan-out benchmark measured 25% less CPU
    /// with it off at 10,000 subscribers.
    pub nodelay: bool,
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
        }
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
type Handler<S> = Arc<dyn Fn(Request, EventWriter<S>) -> BoxFuture + Send + Sync>;

enum Route<S> {
    Hub(Hub),
    Handler(Handler<S>),
    Page { content_type: &'static str, body: Arc<[u8]> },
}

impl<S> Route<S> {
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
    routes: HashMap<String, Route<R::TcpStream>>,
    config: ServerConfig,
}

impl<R: Runtime> std::fmt::Debug for Server<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("paths", &self.routes.keys())
            .field("config", &self.config)
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
        Self { runtime, routes: HashMap::new(), config: ServerConfig::default() }
    }

    /// Replaces the settings.
    #[must_use]
    pub fn with_config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Streams `hub` at `path`: each client subscribes, resuming from its
    /// `Last-Event-ID`.
    #[must_use]
    pub fn hub(mut self, path: &str, hub: Hub) -> Self {
        self.routes.insert(path.to_owned(), Route::Hub(hub));
        self
    }

    /// Streams from `handler` at `path`: it gets the request and a writer
    /// whose head is already sent; the stream ends when it returns.
    #[must_use]
    pub fn stream<F, Fut>(mut self, path: &str, handler: F) -> Self
    where
        F: Fn(Request, EventWriter<R::TcpStream>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler: Handler<R::TcpStream> =
            Arc::new(move |req, writer| Box::pin(handler(req, writer)));
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
        let live = Arc::new(AtomicUsize::new(0));
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let accepted = futures_lite::future::or(
                async { Some(server.runtime.accept(&listener).await) },
                async {
                    shutdown.as_mut().await;
                    None
                },
            )
            .await;
            match accepted {
                None => break,
                Some(Ok(stream)) => {
                    let server2 = Arc::clone(&server);
                    let stop = stop_rx.clone();
                    let live = Arc::clone(&live);
                    live.fetch_add(1, Ordering::SeqCst);
                    server.runtime.spawn(async move {
                        server2.connection(stream, stop).await;
                        live.fetch_sub(1, Ordering::SeqCst);
                    });
                }
                Some(Err(e)) if is_transient(&e) => {
                    server.runtime.sleep(Duration::from_millis(10)).await;
                }
                Some(Err(e)) => return Err(e),
            }
        }
        drop(listener);
        let _ = stop_tx.send(true);
        let deadline = std::time::Instant::now() + server.config.shutdown_grace;
        while live.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            server.runtime.sleep(Duration::from_millis(5)).await;
        }
        Ok(())
    }

    async fn connection(&self, mut stream: R::TcpStream, mut stop: watch::Receiver<bool>) {
        let Some((request, route)) = self.read_request(&mut stream).await else { return };
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
            return self.answer(&mut stream, 500).await;
        }
        if !self.write_timed(&mut stream, &head).await || request.method == "HEAD" {
            return self.close(&mut stream).await;
        }
        if self.config.nodelay {
            R::set_nodelay(&stream, true);
        }
        let mut writer = EventWriter::new(stream).with_keep_alive(self.config.keep_alive);
        match route {
            Route::Page { body, .. } => {
                let _ = self.write_timed(writer.get_mut(), body).await;
            }
            Route::Hub(hub) => self.stream_hub(hub, &request, &mut writer, &mut stop).await,
            Route::Handler(handler) => {
                let handler = handler(request, writer);
                futures_lite::future::or(handler, until_stopped(&mut stop)).await;
                return;
            }
        }
        self.close(writer.get_mut()).await;
    }

    async fn stream_hub(
        &self,
        hub: &Hub,
        request: &Request,
        writer: &mut EventWriter<R::TcpStream>,
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
        loop {
            let next = {
                let mut recv = std::pin::pin!(sub.recv());
                // Frames first, then the keep-alive timer, then shutdown.
                poll_fn(|cx| {
                    if let Poll::Ready(frames) = recv.as_mut().poll(cx) {
                        return Poll::Ready(Next::Frames(frames));
                    }
                    if let Some(timer) = idle.as_mut() {
                        if timer.as_mut().poll(cx).is_ready() {
                            return Poll::Ready(Next::Idle);
                        }
                    }
                    stopped.as_mut().poll(cx).map(|()| Next::Stop)
                })
                .await
            };
            let bytes: &[u8] = match &next {
                Next::Frames(Some(frames)) => sub.gather(frames, &mut batch, BATCH_BYTES),
                Next::Idle => {
                    let every = interval.unwrap_or(Duration::MAX);
                    let quiet = last_write.elapsed();
                    if quiet < every {
                        // Events went out meanwhile: wait out the rest.
                        idle = Some(Box::pin(self.runtime.sleep(every - quiet)));
                        continue;
                    }
                    idle = Some(Box::pin(self.runtime.sleep(every)));
                    sse_core::KEEP_ALIVE
                }
                Next::Frames(None) | Next::Stop => return,
            };
            if !self.write_timed(writer.get_mut(), bytes).await {
                return;
            }
            last_write = Instant::now();
        }
    }

    /// Writes `bytes`: straight into the socket when it has room (no timer
    /// involved), else waiting at most the write timeout, so a client that
    /// stopped reading is let go. Returns whether the connection lives on.
    async fn write_timed(&self, stream: &mut R::TcpStream, bytes: &[u8]) -> bool {
        let written = match R::try_write(stream, bytes) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
            Err(_) => return false,
        };
        let Some(rest) = bytes.get(written..).filter(|rest| !rest.is_empty()) else {
            return true;
        };
        let write = async {
            stream.write_all(rest).await?;
            stream.flush().await
        };
        matches!(timeout(&self.runtime, self.config.write_timeout, write).await, Some(Ok(())))
    }

    /// Reads the request head within the head timeout and lets the core's
    /// [`Handshake`] decide; answers refusals itself.
    async fn read_request(
        &self,
        stream: &mut R::TcpStream,
    ) -> Option<(Request, &Route<R::TcpStream>)> {
        let limit = self.config.head_timeout;
        match timeout(&self.runtime, limit, self.read_head(stream)).await {
            Some(Ok(request)) => {
                let route = self.routes.get(&request.path)?;
                Some((request, route))
            }
            Some(Err(Some(status))) => {
                self.answer(stream, status).await;
                None
            }
            // Closed, failed or too slow before a whole head arrived.
            Some(Err(None)) | None => None,
        }
    }

    /// The request, or the status to refuse it with (`None`: just close).
    async fn read_head(&self, stream: &mut R::TcpStream) -> Result<Request, Option<u16>> {
        let max = self.config.max_head_bytes.max(16);
        let handshake = Handshake::new().with_max_head_bytes(max);
        let mut buf = vec![0u8; max];
        let mut len = 0;
        loop {
            let n = match stream.read(&mut buf[len..]).await {
                Ok(0) | Err(_) => return Err(None),
                Ok(n) => n,
            };
            len += n;
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
    async fn answer(&self, stream: &mut R::TcpStream, status: u16) {
        let mut head = Vec::new();
        if write_status_head(&mut head, status).is_ok() {
            let _ = self.write_timed(stream, &head).await;
        }
        self.close(stream).await;
    }

    /// Flushes and closes the write half, so the client sees the end.
    async fn close(&self, stream: &mut R::TcpStream) {
        let _ = timeout(&self.runtime, self.config.write_timeout, stream.close()).await;
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
