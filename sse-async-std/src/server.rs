//! An SSE server on the runtime's TCP listener: the core's handshake,
//! routing by path, hub streams with `Last-Event-ID` resume, stream
//! handlers, static pages and graceful shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use sse_core::http::{
    parse_request, write_body_head, write_status_head, write_stream_head, StreamHead, EMPTY_HEADER,
};
use sse_core::owned::Request;
use sse_hub::Hub;
use tokio::sync::watch;

use crate::runtime::{timeout, Runtime};
use crate::writer::{EventWriter, DEFAULT_KEEP_ALIVE};

/// Most bytes gathered from the queue into one write for a lagging reader.
const BATCH_BYTES: usize = 16 * 1024;

/// Server settings.
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
    /// Time one write may take before the client counts as gone.
    pub write_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_head_bytes: sse_core::http::DEFAULT_MAX_HEAD_BYTES,
            max_headers: sse_core::http::DEFAULT_MAX_HEADERS,
            head_timeout: Duration::from_secs(10),
            keep_alive: Some(DEFAULT_KEEP_ALIVE),
            allow_origin: None,
            shutdown_grace: Duration::from_secs(5),
            write_timeout: Duration::from_secs(30),
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

/// An SSE server on runtime `R`; routes by exact path.
///
/// ```no_run
/// # #[cfg(feature = "smol")]
/// # smol::block_on(async {
/// use sse_async_std::{Hub, HubConfig, Runtime, Server, Smol};
/// use sse_core::Frame;
///
/// let hub = Hub::new(HubConfig::default());
/// let listener = Smol.bind("127.0.0.1:8080".parse().unwrap()).await?;
/// let server = Server::new(Smol).hub("/events", hub.clone());
/// hub.publish(&Frame::new().id("1").data("hello")).unwrap();
/// server.serve(listener, std::future::pending()).await
/// # }).unwrap();
/// ```
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

impl<R: Runtime> Server<R> {
    /// A server with no routes and default settings.
    pub fn new(runtime: R) -> Self {
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
        let Some(request) = self.read_request(&mut stream).await else { return };
        let Some(route) = self.routes.get(&request.path) else {
            return self.answer(&mut stream, 404).await;
        };
        let method = request.method.as_str();
        if method != "GET" && method != "HEAD" {
            return self.answer(&mut stream, 405).await;
        }
        let head_only = method == "HEAD";
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
        if stream.write_all(&head).await.is_err() || head_only {
            return self.close(&mut stream).await;
        }
        let mut writer = EventWriter::new(stream).with_keep_alive(self.config.keep_alive);
        match route {
            Route::Page { body, .. } => {
                let _ = writer.write_raw(body).await;
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
        loop {
            let recv = futures_lite::future::or(async { Next::Frames(sub.recv().await) }, async {
                until_stopped(stop).await;
                Next::Stop
            });
            let next = match idle.as_mut() {
                Some(timer) => {
                    futures_lite::future::or(recv, async {
                        timer.as_mut().await;
                        Next::Idle
                    })
                    .await
                }
                None => recv.await,
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
            let limit = self.config.write_timeout;
            if !matches!(timeout(&self.runtime, limit, writer.write_raw(bytes)).await, Some(Ok(())))
            {
                return;
            }
            last_write = Instant::now();
        }
    }

    /// Reads and parses the request head; answers bad requests itself.
    async fn read_request(&self, stream: &mut R::TcpStream) -> Option<Request> {
        let limit = self.config.head_timeout;
        match timeout(&self.runtime, limit, self.read_head(stream)).await {
            Some(Ok(request)) => Some(request),
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
        let mut buf = vec![0u8; max];
        let mut len = 0;
        loop {
            let n = match stream.read(&mut buf[len..]).await {
                Ok(0) | Err(_) => return Err(None),
                Ok(n) => n,
            };
            len += n;
            let mut headers = vec![EMPTY_HEADER; self.config.max_headers];
            match parse_request(&buf[..len], &mut headers, max) {
                Ok(None) => continue,
                Ok(Some(head)) => return Request::from_head(&head).map_err(Some),
                Err(e) => return Err(Some(e.status())),
            }
        }
    }

    /// Writes a bodiless status response and closes.
    async fn answer(&self, stream: &mut R::TcpStream, status: u16) {
        let mut head = Vec::new();
        if write_status_head(&mut head, status).is_ok() {
            let _ = stream.write_all(&head).await;
        }
        self.close(stream).await;
    }

    async fn close(&self, stream: &mut R::TcpStream) {
        let _ = stream.flush().await;
        self.runtime.shutdown_write(stream);
    }
}

/// What a hub stream waits for.
enum Next {
    Frames(Option<sse_hub::Frames>),
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
