//! A reconnecting client with EventSource semantics: a loop that moves
//! bytes and time for the core's [`Connection`], which decides everything
//! else (heads, framing, redirects, reconnects, `Last-Event-ID`).

use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;
use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::AsyncWriteExt;
use sse_core::client::{Cause, Connection, Rejection, Step};
pub use sse_core::client::{ClientConfig, ClientError, Target};
use sse_core::MessageEvent;
use sse_core::{FailReason, FromSseEvent, ReadyState};

use crate::runtime::Runtime;

/// A bidirectional byte stream a [`Connector`] returns.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Transport for T {}

/// A boxed connect future.
pub type ConnectFuture = Pin<Box<dyn Future<Output = io::Result<Box<dyn Transport>>> + Send>>;

/// Opens connections to a [`Target`]: with the `rustls` feature a
/// `TlsConnector` (TLS for `https://`, plain TCP for `http://`), else
/// [`TcpConnector`]; plug in anything else.
pub trait Connector: Send + Sync {
    /// Connects to the target's host and port, speaking TLS first if it is
    /// `https://` and this connector [`handles_tls`](Self::handles_tls).
    /// An error of kind [`io::ErrorKind::InvalidData`] (a failed TLS
    /// handshake) fails the source for good; other errors are retried.
    fn connect(&self, target: &Target) -> ConnectFuture;

    /// Whether `https://` targets get TLS from this connector. A source
    /// never sends an `https://` request through one that says no.
    fn handles_tls(&self) -> bool {
        false
    }
}

/// Plain TCP from the runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct TcpConnector<R>(pub R);

impl<R: Runtime> Connector for TcpConnector<R> {
    fn connect(&self, target: &Target) -> ConnectFuture {
        let connect = self.0.connect(&target.host, target.port);
        Box::pin(async move {
            let stream = connect.await?;
            R::set_nodelay(&stream, true);
            Ok(Box::new(stream) as Box<dyn Transport>)
        })
    }
}

/// A response read by an HTTP client of the user's ([`Requester`]).
pub struct Response {
    /// The status line and headers written as HTTP/1.1 text, ending with
    /// the blank line (see [`Response::head_text`]).
    pub head: Vec<u8>,
    /// The body as the client hands it over: no chunk sizes (and decoded,
    /// if the client decodes content).
    pub body: BodyStream,
}

/// The body of a [`Response`].
pub type BodyStream = Pin<Box<dyn Stream<Item = io::Result<Vec<u8>>> + Send>>;

impl Response {
    /// A response head as the connection reads it: `HTTP/1.1 <status>
    /// <reason>`, then one `name: value` line a header. Header lines that
    /// would break the text (a CR or LF in them) are left out.
    pub fn head_text<'a>(
        status: u16,
        reason: &str,
        headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Vec<u8> {
        let safe = |b: &[u8]| !b.iter().any(|&c| c == b'\r' || c == b'\n');
        let mut head = format!("HTTP/1.1 {status} ").into_bytes();
        if safe(reason.as_bytes()) {
            head.extend_from_slice(reason.as_bytes());
        }
        head.extend_from_slice(b"\r\n");
        for (name, value) in headers {
            if safe(name.as_bytes()) && safe(value) {
                head.extend_from_slice(name.as_bytes());
                head.extend_from_slice(b": ");
                head.extend_from_slice(value);
                head.extend_from_slice(b"\r\n");
            }
        }
        head.extend_from_slice(b"\r\n");
        head
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("head", &String::from_utf8_lossy(&self.head))
            .finish_non_exhaustive()
    }
}

/// Sends a stream's request with an HTTP client of the user's (e.g.
/// `sse_tokio::ReqwestTransport`): that client carries the HTTP (its
/// proxies, HTTP/2, cookies, TLS settings and redirect policy), while the
/// [`EventSource`] keeps `Last-Event-ID`, `retry`, backoff with jitter,
/// the reconnect mode, bounded parsing and typed events.
pub trait Requester: Send + Sync {
    /// The URL the request goes to.
    fn url(&self) -> &str;

    /// Whether the request has a body: such a stream is asked once unless
    /// the reconnect mode says otherwise.
    fn has_body(&self) -> bool;

    /// Sends the request, with `Last-Event-ID: last_event_id` when it is
    /// not empty. An error of kind [`io::ErrorKind::InvalidData`] fails
    /// the source for good; other errors are retried.
    fn send(
        &self,
        last_event_id: &str,
    ) -> Pin<Box<dyn Future<Output = io::Result<Response>> + Send>>;
}

/// What [`EventSource::next_update`] reports: events, and the changes of
/// the connection a person or a status line wants to see.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Update {
    /// A connection opened: the server answered with an event stream (the
    /// first connection, or a reconnect).
    Open,
    /// An event.
    Event(MessageEvent),
    /// A comment line, when [`ClientConfig::comments`] asks for them.
    Comment(String),
    /// The connection failed or ended; the next attempt starts in
    /// `delay_ms`, with `Last-Event-ID`.
    Retrying {
        /// The wait before the next attempt, in milliseconds.
        delay_ms: u64,
        /// What went wrong, for a person.
        cause: String,
    },
}

/// A timer from the runtime, boxed so the source stays `Unpin` and `Send`.
type Timer = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Connecting and sending the request: the transport, or what failed (and
/// whether retrying could help).
type Opening = Pin<Box<dyn Future<Output = Result<Opened, Unopened>> + Send>>;

/// An attempt that got through: bytes to read, or a response another
/// client read.
enum Opened {
    Raw(Box<dyn Transport>),
    Response(Response),
}

/// Where the bytes of a response come from.
enum Reader {
    /// A socket: the connection takes the HTTP apart.
    Raw(Box<dyn Transport>),
    /// Another client's body; `pending[at..]` is what did not fit the
    /// buffer yet.
    Body { body: BodyStream, pending: Vec<u8>, at: usize },
}

/// Why an attempt could not connect or send its request.
struct Unopened {
    detail: String,
    /// Retrying cannot help (a failed TLS handshake).
    permanent: bool,
}

/// Reads one poll makes before yielding to other tasks.
const READS_PER_POLL: u32 = 32;

/// Where the source is between polls.
enum State {
    /// Connect to `target`, once the retry wait (if any) is over.
    Idle { target: Target, wait: Option<Timer> },
    /// Connecting and sending the request, until the head deadline.
    Connecting { target: Target, opening: Opening, deadline: Timer },
    /// Reading the response on `io`. `timer` fires at `armed_ms` (the
    /// connection's deadline when it was armed; a later deadline re-arms
    /// it when it fires, so bytes arriving never touch the timer).
    Reading { target: Target, io: Reader, timer: Option<(u64, Timer)> },
    /// Over: report `Some(error)` once, then end.
    Done(Option<ClientError>),
}

/// A reconnecting event source (the browser's `EventSource`, in Rust): it
/// connects, reads events, and on a dropped connection waits and resumes
/// with `Last-Event-ID`, as the core's [`Connection`] decides.
///
/// It is a `futures_core::Stream` of events (`Result<MessageEvent,
/// ClientError>`), and its futures are `Send`: drive it from any task of a
/// multi-threaded runtime. The runtime is a type parameter:
/// `sse_tokio::EventSource` is `EventSource<Tokio>`; with sse-async-std,
/// `EventSource::<Smol>::new(url)`.
///
/// # Cancel safety
///
/// Every method and the `Stream` are cancel-safe: the source keeps its
/// state (bytes read, the connection being opened, the retry timer)
/// between calls, and the next call goes on where the last one stopped.
/// Dropping the source closes its connection.
pub struct EventSource<R: Runtime> {
    runtime: R,
    origin: Target,
    config: ClientConfig,
    connector: Arc<dyn Connector>,
    /// Set when another HTTP client sends the requests.
    requester: Option<Arc<dyn Requester>>,
    conn: Connection<Vec<u8>>,
    state: State,
    /// A refused response being collected for its error.
    rejection: Option<Box<Rejection>>,
    /// Bytes read and not yet used by the connection: `buf[start..end]`.
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    started: Instant,
}

impl<R: Runtime> fmt::Debug for EventSource<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the path: its query may hold a token.
        f.debug_struct("EventSource")
            .field("origin", &self.origin.authority)
            .field("ready_state", &self.ready_state())
            .field("last_event_id", &self.last_event_id())
            .finish_non_exhaustive()
    }
}

impl<R: Runtime + Default> EventSource<R> {
    /// An event source for `url` with default settings, over plain TCP.
    ///
    /// # Errors
    ///
    /// [`ClientError::BadUrl`].
    pub fn new(url: &str) -> Result<Self, ClientError> {
        Self::with_config(url, ClientConfig::default())
    }

    /// An event source with its own settings.
    ///
    /// # Errors
    ///
    /// [`ClientError::BadUrl`]; [`ClientError::Request`] if the method,
    /// headers or `Last-Event-ID` would inject into the request head.
    pub fn with_config(url: &str, config: ClientConfig) -> Result<Self, ClientError> {
        Self::with_runtime(R::default(), url, config)
    }
}

impl<R: Runtime> EventSource<R> {
    /// An event source on `runtime`.
    ///
    /// # Errors
    ///
    /// As [`with_config`](Self::with_config).
    pub fn with_runtime(runtime: R, url: &str, config: ClientConfig) -> Result<Self, ClientError> {
        use std::hash::{BuildHasher, Hasher};
        let origin = Target::parse(url).map_err(|_| ClientError::BadUrl(url.to_owned()))?;
        let seed = std::collections::hash_map::RandomState::new().build_hasher().finish();
        let mut parser = config.reader.parser();
        parser.report_comments(config.comments);
        let mut conn = Connection::new(parser, config.connection(), seed);
        conn.set_last_event_id(&config.last_event_id).map_err(|_| ClientError::Request)?;
        let (headers, forward) = (config.header_pairs(), config.forward_names());
        let request = config.request(&origin, &headers, &forward);
        conn.write_request(&request, &origin.as_url(), &mut Vec::new())
            .map_err(|_| ClientError::Request)?;
        let size = config.reader.read_buffer.max(config.max_head_bytes).max(1);
        Ok(Self {
            connector: default_connector(&runtime),
            requester: None,
            runtime,
            state: State::Idle { target: origin.clone(), wait: None },
            origin,
            config,
            conn,
            rejection: None,
            buf: vec![0; size].into_boxed_slice(),
            start: 0,
            end: 0,
            started: Instant::now(),
        })
    }

    /// An event source whose requests an HTTP client of the user's sends
    /// (see [`Requester`]); `config`'s method, headers and body are that
    /// client's business and unused here.
    ///
    /// # Errors
    ///
    /// [`ClientError::BadUrl`] if the requester's URL is not http(s);
    /// [`ClientError::Request`] if `config.last_event_id` is unusable.
    pub fn with_requester(
        runtime: R,
        requester: impl Requester + 'static,
        mut config: ClientConfig,
    ) -> Result<Self, ClientError> {
        let url = requester.url().to_owned();
        if config.reconnect_mode.is_none() && requester.has_body() {
            config.reconnect_mode = Some(sse_core::ReconnectMode::Never);
        }
        config.body = None;
        config.headers.clear();
        let mut source = Self::with_runtime(runtime, &url, config)?;
        source.requester = Some(Arc::new(requester));
        Ok(source)
    }

    /// Uses `connector` (e.g. TLS) instead of plain TCP.
    #[must_use]
    pub fn with_connector(mut self, connector: impl Connector + 'static) -> Self {
        self.connector = Arc::new(connector);
        self
    }

    /// The ready state: connecting (or waiting to reconnect), open, closed.
    pub fn ready_state(&self) -> ReadyState {
        self.conn.ready_state()
    }

    /// The last event ID, sent as `Last-Event-ID` when reconnecting.
    pub fn last_event_id(&self) -> &str {
        self.conn.last_event_id()
    }

    /// Closes the stream; [`next_event`](Self::next_event) returns `None`.
    pub fn close(&mut self) {
        self.conn.close();
        self.state = State::Done(None);
    }

    /// Drops the current connection and connects again now (any retry
    /// wait is skipped), resuming with `Last-Event-ID`. Does nothing once
    /// the source is closed or failed.
    pub fn reconnect(&mut self) {
        if !matches!(self.state, State::Done(_)) {
            self.state = State::Idle { target: self.origin.clone(), wait: None };
        }
    }

    /// The next event, reconnecting as needed. `Some(Err(_))` once when
    /// the source fails for good, then `None`; `None` also when a stream
    /// the reconnect mode does not reopen ends cleanly.
    pub async fn next_event(&mut self) -> Option<Result<MessageEvent, ClientError>> {
        poll_fn(|cx| self.poll_event(cx)).await
    }

    /// The next event decoded into `T` (see `sse_core::FromSseEvent`).
    pub async fn next_decoded<T>(&mut self) -> Option<Result<T, ClientError>>
    where
        T: for<'a> FromSseEvent<'a>,
    {
        self.next_event().await.map(decode_item)
    }

    /// This source as a stream of events decoded into `T`, a struct or an
    /// enum deriving `FromSseEvent` (an enum picks its variant by event
    /// type): one typed stream instead of matching on `event_type`.
    ///
    /// ```no_run
    /// # async fn demo(source: sse_async::EventSource<impl sse_async::Runtime>) {
    /// use futures_lite::StreamExt;
    /// use sse_core::FromSseEvent;
    ///
    /// #[derive(FromSseEvent, Debug)]
    /// #[sse(rename_all = "lowercase")]
    /// enum Feed {
    ///     Notification(String),
    ///     Alert { level: u8, message: String },
    /// }
    ///
    /// let mut feed = source.decoded::<Feed>();
    /// while let Some(event) = feed.next().await {
    ///     match event {
    ///         Ok(Feed::Notification(text)) => println!("{text}"),
    ///         Ok(Feed::Alert { level, message }) => println!("level {level}: {message}"),
    ///         Err(e) => eprintln!("{e}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn decoded<T>(self) -> Decoded<R, T>
    where
        T: for<'a> FromSseEvent<'a>,
    {
        Decoded { source: self, decode: PhantomData }
    }

    /// The next event's data deserialized as JSON into `T`.
    pub async fn next_json<T>(&mut self) -> Option<Result<T, ClientError>>
    where
        T: serde::de::DeserializeOwned,
    {
        Some(match self.next_event().await? {
            Ok(event) => event.json::<T>().map_err(ClientError::Typed),
            Err(e) => Err(e),
        })
    }

    /// The next event or change of connection ([`Update`]): what
    /// [`next_event`](Self::next_event) does, telling also when a
    /// connection opens and when (and why) the source will retry. The wait
    /// before a retry happens at the start of the next call.
    pub async fn next_update(&mut self) -> Option<Result<Update, ClientError>> {
        poll_fn(|cx| self.poll_update(cx)).await
    }

    /// Polls for the next event (what the `Stream` yields).
    pub fn poll_event(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<MessageEvent, ClientError>>> {
        loop {
            match ready!(self.poll_update(cx)) {
                Some(Ok(Update::Event(event))) => return Poll::Ready(Some(Ok(event))),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }

    /// Polls for the next [`Update`].
    pub fn poll_update(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Update, ClientError>>> {
        loop {
            let next = match &mut self.state {
                State::Done(error) => return Poll::Ready(error.take().map(Err)),
                State::Idle { wait, .. } => {
                    if let Some(wait) = wait {
                        ready!(wait.as_mut().poll(cx));
                    }
                    self.open();
                    continue;
                }
                State::Connecting { opening, deadline, .. } => match opening.as_mut().poll(cx) {
                    Poll::Ready(Ok(opened)) => {
                        let State::Connecting { target, .. } =
                            std::mem::replace(&mut self.state, State::Done(None))
                        else {
                            unreachable!("matched above")
                        };
                        (self.start, self.end) = (0, 0);
                        match opened {
                            Opened::Raw(io) => {
                                self.state =
                                    State::Reading { target, io: Reader::Raw(io), timer: None };
                                continue;
                            }
                            Opened::Response(Response { head, body }) => {
                                let reader = Reader::Body { body, pending: Vec::new(), at: 0 };
                                self.state = State::Reading { target, io: reader, timer: None };
                                let step = self.conn.handle_head(&head, self.now_ms());
                                let handled =
                                    Handled::from_step(step, &self.origin, &mut self.rejection);
                                match self.act(handled) {
                                    Some(update) => return Poll::Ready(Some(update)),
                                    None => continue,
                                }
                            }
                        }
                    }
                    Poll::Ready(Err(Unopened { detail, permanent: true })) => {
                        self.conn.close();
                        let error = if self.requester.is_some() {
                            ClientError::Transport(detail)
                        } else {
                            ClientError::Tls(detail)
                        };
                        self.state = State::Done(Some(error));
                        continue;
                    }
                    Poll::Ready(Err(Unopened { detail, permanent: false })) => {
                        let step = self.conn.handle_error(self.now_ms());
                        self.ended(&step, Some(detail))
                    }
                    Poll::Pending => {
                        ready!(deadline.as_mut().poll(cx));
                        self.timed_out()
                    }
                },
                State::Reading { .. } => ready!(self.poll_read(cx)),
            };
            if let Some(update) = next {
                return Poll::Ready(Some(update));
            }
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn timer(&self, at_ms: u64) -> Timer {
        let wait = Duration::from_millis(at_ms.saturating_sub(self.now_ms()));
        Box::pin(self.runtime.sleep(wait))
    }

    /// Starts an attempt: connects to the target and sends the request,
    /// within the head deadline.
    fn open(&mut self) {
        let State::Idle { target, .. } = std::mem::replace(&mut self.state, State::Done(None))
        else {
            return;
        };
        if let Some(requester) = &self.requester {
            if let Err(reason) = self.conn.start(self.now_ms()) {
                self.state = State::Done(Some(ClientError::Failed(reason)));
                return;
            }
            let sending = requester.send(self.conn.last_event_id());
            let opening: Opening = Box::pin(async move {
                sending.await.map(Opened::Response).map_err(|e| Unopened {
                    permanent: e.kind() == io::ErrorKind::InvalidData,
                    detail: format!("the request failed: {e}"),
                })
            });
            let deadline = self.timer(self.conn.poll_timeout().unwrap_or(u64::MAX));
            self.state = State::Connecting { target, opening, deadline };
            return;
        }
        if target.https && !self.connector.handles_tls() {
            // Not the query: it may hold a token.
            let path = target.path.split('?').next().unwrap_or_default();
            let url = format!("https://{}{path}", target.authority);
            self.conn.close();
            self.state = State::Done(Some(ClientError::TlsUnavailable(url)));
            return;
        }
        if let Err(reason) = self.conn.start(self.now_ms()) {
            self.state = State::Done(Some(ClientError::Failed(reason)));
            return;
        }
        let (headers, forward) = (self.config.header_pairs(), self.config.forward_names());
        let request = self.config.request(&self.origin, &headers, &forward);
        let mut head = Vec::new();
        if self.conn.write_request(&request, &target.as_url(), &mut head).is_err() {
            // Checked when the source was made; a redirect's path cannot inject.
            self.conn.close();
            self.state = State::Done(Some(ClientError::Request));
            return;
        }
        let connect = self.connector.connect(&target);
        let authority = target.authority.clone();
        let opening: Opening = Box::pin(async move {
            let mut io = connect.await.map_err(|e| Unopened {
                permanent: e.kind() == io::ErrorKind::InvalidData,
                detail: format!("cannot connect to {authority}: {e}"),
            })?;
            let failed = |e: io::Error| Unopened {
                detail: format!("sending the request failed: {e}"),
                permanent: false,
            };
            io.write_all(&head).await.map_err(failed)?;
            io.flush().await.map_err(failed)?;
            Ok(Opened::Raw(io))
        });
        let deadline = self.timer(self.conn.poll_timeout().unwrap_or(u64::MAX));
        self.state = State::Connecting { target, opening, deadline };
    }

    /// Hands buffered bytes to the connection, reading more when it needs
    /// them; `Ready(None)` to go round the loop again.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Update, ClientError>>> {
        // Reads this poll: a peer that keeps the socket readable (a flood of
        // comments) must not keep the task from yielding.
        let mut reads = 0;
        loop {
            let now = self.now_ms();
            if self.conn.poll_timeout().is_some_and(|due| now >= due) {
                // Checked here too: with input always ready the timer is
                // never polled.
                if let Some(update) = self.timed_out() {
                    return Poll::Ready(Some(update));
                }
                if !matches!(self.state, State::Reading { .. }) {
                    return Poll::Ready(None);
                }
            }
            let mut rest = &self.buf[self.start..self.end];
            let before = rest.len();
            let step = self.conn.handle_input(&mut rest, now);
            let target = match &self.state {
                State::Reading { target, .. } => target,
                _ => &self.origin,
            };
            let handled = Handled::from_step(step, target, &mut self.rejection);
            self.start += before - rest.len();
            if !matches!(handled, Handled::NeedMore) {
                return Poll::Ready(self.act(handled));
            }
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                (self.start, self.end) = (0, self.end - self.start);
            }
            if self.end == self.buf.len() {
                // The connection bounds what it leaves unconsumed below the
                // buffer's size; a full buffer would read nothing for ever.
                let step = self.conn.handle_error(now);
                return Poll::Ready(self.ended(&step, Some("response head too large".into())));
            }
            let State::Reading { io, .. } = &mut self.state else { return Poll::Ready(None) };
            let free = &mut self.buf[self.end..];
            let read = match io {
                Reader::Raw(io) => Pin::new(io).poll_read(cx, free),
                Reader::Body { body, pending, at } => poll_body(cx, body, pending, at, free),
            };
            // A TLS peer that closes without `close_notify` reads as an
            // error (`UnexpectedEof`), not an end: a body that runs until
            // close could have been cut by anyone on the path.
            reads += 1;
            match read {
                Poll::Ready(Ok(n)) if n > 0 && reads >= READS_PER_POLL => {
                    self.end += n;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Poll::Ready(Ok(0)) => {
                    let step = self.conn.handle_eof(self.now_ms());
                    return Poll::Ready(self.ended(&step, None));
                }
                Poll::Ready(Ok(n)) => self.end += n,
                // A TLS alert or a broken record (the server refused our
                // certificate, say): retrying cannot help.
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::InvalidData => {
                    self.conn.close();
                    let error = ClientError::Tls(format!("TLS failed while reading: {e}"));
                    self.state = State::Done(Some(error));
                    return Poll::Ready(None);
                }
                Poll::Ready(Err(e)) => {
                    let step = self.conn.handle_error(self.now_ms());
                    let detail = format!("reading the response failed: {e}");
                    return Poll::Ready(self.ended(&step, Some(detail)));
                }
                Poll::Pending => return self.poll_deadline(cx),
            }
        }
    }

    /// Waits for the connection's deadline (head, idle, refused body) while
    /// the socket has nothing.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Update, ClientError>>> {
        loop {
            let Some(due) = self.conn.poll_timeout() else { return Poll::Pending };
            let fresh = match &self.state {
                State::Reading { timer: Some((armed, _)), .. } => due < *armed,
                _ => true,
            };
            if fresh {
                let timer = self.timer(due);
                if let State::Reading { timer: slot, .. } = &mut self.state {
                    *slot = Some((due, timer));
                }
            }
            let State::Reading { timer: Some((_, timer)), .. } = &mut self.state else {
                return Poll::Pending;
            };
            ready!(timer.as_mut().poll(cx));
            if self.now_ms() >= due {
                return Poll::Ready(self.timed_out());
            }
            // The deadline moved on since the timer was armed: re-arm.
            if let State::Reading { timer, .. } = &mut self.state {
                *timer = None;
            }
        }
    }

    /// The connection's deadline passed.
    fn timed_out(&mut self) -> Option<Result<Update, ClientError>> {
        let now = self.now_ms().max(self.conn.poll_timeout().unwrap_or(0));
        match self.conn.handle_timeout(now) {
            Some(step) => self.ended(&step, None),
            None => None,
        }
    }

    /// Acts on a step made owned; `Some` to report.
    fn act(&mut self, handled: Handled) -> Option<Result<Update, ClientError>> {
        match handled {
            Handled::NeedMore | Handled::Absorbed => None,
            Handled::Update(update) => Some(update),
            Handled::Redirect(Ok(next)) => {
                self.state = State::Idle { target: next, wait: None };
                None
            }
            Handled::Redirect(Err(status)) => {
                // The connection checked the location; this cannot happen.
                self.conn.close();
                self.state = State::Done(Some(ClientError::Failed(FailReason::Status(status))));
                None
            }
            Handled::End(step) => self.ended(&step, None),
        }
    }

    /// The attempt ended with `step`: wait and reconnect, or stop.
    fn ended(
        &mut self,
        step: &Step<'_>,
        detail: Option<String>,
    ) -> Option<Result<Update, ClientError>> {
        match *step {
            Step::Retry { delay_ms, at_ms, cause } => {
                let cause = match (cause, detail) {
                    (Cause::Io, Some(detail)) => detail,
                    (cause, _) => cause.to_string(),
                };
                let wait = Some(self.timer(at_ms));
                self.state = State::Idle { target: self.origin.clone(), wait };
                Some(Ok(Update::Retrying { delay_ms, cause }))
            }
            Step::Finished { cause: Cause::Ended } => {
                self.state = State::Done(None);
                None
            }
            Step::Finished { cause } => {
                self.state = State::Done(Some(ClientError::Disconnected(cause)));
                None
            }
            Step::Failed(reason) => {
                let error = match self.rejection.take() {
                    Some(rejection) => ClientError::Rejected(rejection),
                    None => ClientError::Failed(reason),
                };
                self.state = State::Done(Some(error));
                None
            }
            _ => None,
        }
    }
}

impl<R: Runtime> Stream for EventSource<R> {
    type Item = Result<MessageEvent, ClientError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_event(cx)
    }
}

/// An [`EventSource`]'s events decoded into `T`, from
/// [`EventSource::decoded`]. An event that does not decode is an
/// `Err(ClientError::Typed(_))` item and the stream goes on.
pub struct Decoded<R: Runtime, T> {
    source: EventSource<R>,
    decode: PhantomData<fn() -> T>,
}

impl<R: Runtime, T> Decoded<R, T> {
    /// The source, for its last event id and ready state.
    pub fn source(&self) -> &EventSource<R> {
        &self.source
    }

    /// The source, to reconnect or close it.
    pub fn source_mut(&mut self) -> &mut EventSource<R> {
        &mut self.source
    }

    /// The source back, untyped.
    pub fn into_inner(self) -> EventSource<R> {
        self.source
    }
}

impl<R: Runtime, T> fmt::Debug for Decoded<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoded").field("source", &self.source).finish()
    }
}

impl<R: Runtime, T: for<'a> FromSseEvent<'a>> Stream for Decoded<R, T> {
    type Item = Result<T, ClientError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(ready!(self.get_mut().source.poll_event(cx)).map(decode_item))
    }
}

/// An event decoded into `T`, or the error that came instead of it.
fn decode_item<T: for<'a> FromSseEvent<'a>>(
    item: Result<MessageEvent, ClientError>,
) -> Result<T, ClientError> {
    item?.decode::<T>().map_err(ClientError::Typed)
}

/// A step of the connection, made owned so the source can act on it.
enum Handled {
    NeedMore,
    Update(Result<Update, ClientError>),
    /// A refused response's head or body, kept for its error.
    Absorbed,
    /// Where a redirect leads (or the status, if nowhere).
    Redirect(Result<Target, u16>),
    /// The attempt ended.
    End(Step<'static>),
}

impl Handled {
    fn from_step(step: Step<'_>, target: &Target, rejection: &mut Option<Box<Rejection>>) -> Self {
        match step {
            Step::NeedMore => Self::NeedMore,
            Step::Open { .. } => Self::Update(Ok(Update::Open)),
            Step::Event(event) => Self::Update(Ok(Update::Event(MessageEvent::from_event(&event)))),
            Step::Limit(e) => Self::Update(Err(ClientError::Limit(e))),
            Step::Comment(text) => Self::Update(Ok(Update::Comment(text.to_owned()))),
            Step::Redirect { status, location } => {
                Self::Redirect(target.follow(location).ok_or(status))
            }
            Step::Rejected { status, reason, headers } => {
                *rejection = Some(Box::new(Rejection::new(status, reason, &headers)));
                Self::Absorbed
            }
            Step::RejectedBody(piece) => {
                if let Some(rejection) = rejection {
                    rejection.extend_body(piece);
                }
                Self::Absorbed
            }
            Step::Retry { delay_ms, at_ms, cause } => {
                Self::End(Step::Retry { delay_ms, at_ms, cause })
            }
            Step::Finished { cause } => Self::End(Step::Finished { cause }),
            Step::Failed(reason) => Self::End(Step::Failed(reason)),
            _ => Self::Absorbed,
        }
    }
}

/// TLS for `https://` and TCP for `http://` with the `rustls` feature;
/// plain TCP (and `https://` refused) without it.
fn default_connector<R: Runtime>(runtime: &R) -> Arc<dyn Connector> {
    #[cfg(feature = "rustls")]
    return Arc::new(crate::tls::TlsConnector::platform(runtime.clone()));
    #[cfg(not(feature = "rustls"))]
    Arc::new(TcpConnector(runtime.clone()))
}

/// Copies what another client's body has into `free`, as a read would.
fn poll_body(
    cx: &mut Context<'_>,
    body: &mut BodyStream,
    pending: &mut Vec<u8>,
    at: &mut usize,
    free: &mut [u8],
) -> Poll<io::Result<usize>> {
    while *at == pending.len() {
        match ready!(body.as_mut().poll_next(cx)) {
            Some(Ok(chunk)) => (*pending, *at) = (chunk, 0),
            Some(Err(e)) => return Poll::Ready(Err(e)),
            None => return Poll::Ready(Ok(0)),
        }
    }
    let n = free.len().min(pending.len() - *at);
    free[..n].copy_from_slice(&pending[*at..*at + n]);
    *at += n;
    Poll::Ready(Ok(n))
}
