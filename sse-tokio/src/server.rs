//! A small SSE server on a tokio `TcpListener`: the core's HTTP handshake,
//! routing by path, hub streams with `Last-Event-ID` resume, custom stream
//! handlers, static pages, and graceful shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sse_core::http::{
    parse_request, write_body_head, write_status_head, write_stream_head, StreamHead, EMPTY_HEADER,
};
pub use sse_core::owned::Request;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Most bytes gathered from the queue into one write for a lagging reader.
const BATCH_BYTES: usize = 16 * 1024;
use tokio::task::JoinSet;

use crate::writer::{EventWriter, DEFAULT_KEEP_ALIVE};
use sse_hub::Hub;

/// Default limit on a request head, in bytes.
pub const DEFAULT_MAX_HEAD_BYTES: usize = 8 * 1024;
/// Default limit on request header lines.
pub const DEFAULT_MAX_HEADERS: usize = 32;
/// Default time a client has to send its request head.
pub const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time one write may take before a client counts as gone.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time streams get to finish after shutdown before they are cut.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Server settings; the constants above are the defaults.
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
    /// Time one write may take before the client counts as gone (it stopped
    /// reading and its socket is full).
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
            nodelay: false,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
        }
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
type Handler = Arc<dyn Fn(Request, EventWriter<TcpStream>) -> BoxFuture + Send + Sync>;

#[derive(Clone)]
enum Route {
    Hub(Hub),
    Handler(Handler),
    Page { content_type: &'static str, body: Arc<[u8]> },
}

/// An SSE server: routes by exact path.
///
/// ```no_run
/// # #[tokio::main]
/// # async fn main() -> std::io::Result<()> {
/// use sse_core::Frame;
/// use sse_tokio::{Hub, HubConfig, Server};
///
/// let hub = Hub::new(HubConfig::default());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// let server = Server::new()
///     .hub("/events", hub.clone())
///     .page("/", "text/html; charset=utf-8", "<script>new EventSource('/events')</script>");
/// tokio::spawn(async move { hub.publish(&Frame::new().id("1").data("hello")) });
/// server.serve(listener, async { let _ = tokio::signal::ctrl_c().await; }).await
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Server {
    routes: HashMap<String, Route>,
    config: ServerConfig,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("paths", &self.routes.keys())
            .field("config", &self.config)
            .finish()
    }
}

impl Server {
    /// A server with no routes and default settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the settings.
    #[must_use]
    pub fn with_config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Streams `hub` at `path`: each client subscribes (resuming from its
    /// `Last-Event-ID`) and receives every published event.
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
        F: Fn(Request, EventWriter<TcpStream>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |req, writer| Box::pin(handler(req, writer)));
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

    /// Accepts connections until `shutdown` completes, then stops
    /// accepting, ends open streams (after [`ServerConfig::shutdown_grace`]
    /// at most) and returns.
    ///
    /// # Errors
    ///
    /// Only if accepting fails in a way that will not recover.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<()> {
        let server = Arc::new(self);
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut connections = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let server = Arc::clone(&server);
                        let stop = stop_rx.clone();
                        connections.spawn(async move { server.connection(stream, stop).await });
                    }
                    // Per-connection failures (the peer reset before accept)
                    // and running out of descriptors: keep serving.
                    Err(e) if is_transient(&e) => {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    Err(e) => return Err(e),
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(listener);
        let _ = stop_tx.send(true);
        let grace = server.config.shutdown_grace;
        let drain = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, drain).await.is_err() {
            connections.shutdown().await;
        }
        Ok(())
    }

    async fn connection(&self, mut stream: TcpStream, stop: watch::Receiver<bool>) {
        let Some(request) = self.read_request(&mut stream).await else { return };
        let method = request.method.clone();
        let Some(route) = self.routes.get(&request.path) else {
            return answer(&mut stream, 404).await;
        };
        match route {
            Route::Page { content_type, body } => {
                if method != "GET" && method != "HEAD" {
                    return answer(&mut stream, 405).await;
                }
                let mut head = Vec::new();
                if write_body_head(&mut head, content_type, body.len()).is_err() {
                    return answer(&mut stream, 500).await;
                }
                let _ = stream.write_all(&head).await;
                if method == "GET" {
                    let _ = stream.write_all(body).await;
                }
                let _ = stream.shutdown().await;
            }
            Route::Hub(_) | Route::Handler(_) => {
                if method != "GET" && method != "HEAD" {
                    return answer(&mut stream, 405).await;
                }
                let mut head = Vec::new();
                let cors = StreamHead { allow_origin: self.config.allow_origin.as_deref() };
                if write_stream_head(&mut head, &cors).is_err() {
                    return answer(&mut stream, 500).await;
                }
                if stream.write_all(&head).await.is_err() || method == "HEAD" {
                    return;
                }
                if self.config.nodelay {
                    let _ = stream.set_nodelay(true);
                }
                let writer = EventWriter::new(stream).with_keep_alive(self.config.keep_alive);
                match route {
                    Route::Hub(hub) => self.stream_hub(hub, &request, writer, stop).await,
                    Route::Handler(handler) => {
                        let mut stop = stop;
                        tokio::select! {
                            () = handler(request, writer) => {}
                            () = until_stopped(&mut stop) => {}
                        }
                    }
                    Route::Page { .. } => {}
                }
            }
        }
    }

    async fn stream_hub(
        &self,
        hub: &Hub,
        request: &Request,
        mut writer: EventWriter<TcpStream>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut sub = hub.subscribe(request.last_event_id.as_deref());
        // One keep-alive timer per connection, re-armed lazily: writes only
        // note the time, and the timer, when it fires, checks whether the
        // stream was really idle. Touching a timer on every event costs more
        // than the write itself at scale.
        let interval = self.config.keep_alive;
        let far = Duration::from_secs(86_400);
        let idle = tokio::time::sleep(interval.unwrap_or(far));
        tokio::pin!(idle);
        let mut last_write = tokio::time::Instant::now();
        // Grows only for a reader that fell behind; idle ones never touch it.
        let mut batch = Vec::new();
        let stopped = until_stopped(&mut stop);
        tokio::pin!(stopped);
        loop {
            tokio::select! {
                // Frames first, then the timer and the shutdown signal.
                biased;
                frames = sub.recv() => {
                    // Too slow (the hub let it fall behind) or the hub is
                    // gone: end the stream; the client resumes with
                    // Last-Event-ID.
                    let Some(frames) = frames else { break };
                    // A reader that fell behind gets everything queued in
                    // one write (up to BATCH_BYTES) instead of one write
                    // per event: under load this halves the system calls.
                    let bytes = sub.gather(&frames, &mut batch, BATCH_BYTES);
                    if !self.write_frames(&mut writer, bytes).await {
                        break;
                    }
                    last_write = tokio::time::Instant::now();
                }
                () = &mut idle, if interval.is_some() => {
                    let interval = interval.unwrap_or(far);
                    let due = last_write + interval;
                    if tokio::time::Instant::now() >= due {
                        if writer.keep_alive().await.is_err() {
                            break;
                        }
                        last_write = tokio::time::Instant::now();
                    }
                    idle.as_mut().reset(last_write + interval);
                }
                () = &mut stopped => break,
            }
        }
        let _ = writer.get_mut().shutdown().await;
    }

    /// Writes frames: straight into the socket when it has room (no timer
    /// involved), else waiting at most the write timeout, so a client that
    /// stopped reading is let go. Returns whether the connection lives on.
    async fn write_frames(&self, writer: &mut EventWriter<TcpStream>, frames: &[u8]) -> bool {
        let written = match writer.get_mut().try_write(frames) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => 0,
            Err(_) => return false,
        };
        if written == frames.len() {
            return true;
        }
        let rest = &frames[written..];
        matches!(
            tokio::time::timeout(self.config.write_timeout, writer.write_raw(rest)).await,
            Ok(Ok(()))
        )
    }

    /// Reads and parses the request head; answers bad requests itself.
    async fn read_request(&self, stream: &mut TcpStream) -> Option<Request> {
        match tokio::time::timeout(self.config.head_timeout, self.read_head(stream)).await {
            Ok(Head::Request(request)) => Some(request),
            Ok(Head::Refuse(status)) => {
                answer(stream, status).await;
                None
            }
            // Closed, failed or too slow before a whole head arrived.
            Ok(Head::Gone) | Err(_) => None,
        }
    }

    async fn read_head(&self, stream: &mut TcpStream) -> Head {
        let max = self.config.max_head_bytes.max(16);
        let mut buf = vec![0u8; max];
        let mut len = 0;
        loop {
            let n = match stream.read(&mut buf[len..]).await {
                Ok(0) | Err(_) => return Head::Gone,
                Ok(n) => n,
            };
            len += n;
            let mut headers = vec![EMPTY_HEADER; self.config.max_headers];
            let head = match parse_request(&buf[..len], &mut headers, max) {
                Ok(None) => continue,
                Ok(Some(head)) => head,
                Err(e) => return Head::Refuse(e.status()),
            };
            return match Request::from_head(&head) {
                Ok(request) => Head::Request(request),
                Err(status) => Head::Refuse(status),
            };
        }
    }
}

/// Completes once the server shuts down.
async fn until_stopped(stop: &mut watch::Receiver<bool>) {
    // An error means the server is gone: treat it as stopped too.
    let _stopped = stop.wait_for(|stopped| *stopped).await.is_ok();
}

/// What reading a request head came to.
enum Head {
    Request(Request),
    Refuse(u16),
    Gone,
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    ) || e.raw_os_error() == Some(24) // EMFILE: out of descriptors for now
}

/// Writes a bodiless status response and closes.
async fn answer(stream: &mut TcpStream, status: u16) {
    let mut head = Vec::new();
    if write_status_head(&mut head, status).is_ok() {
        let _ = stream.write_all(&head).await;
    }
    let _ = stream.shutdown().await;
}
