//! A reconnecting client with EventSource semantics: a loop that moves
//! bytes and time for the core's [`Connection`], which decides everything
//! else (heads, framing, redirects, reconnects, `Last-Event-ID`).

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use sse_core::client::{Cause, Connection, Step};
pub use sse_core::client::{ClientConfig, ClientError, Target};
use sse_core::MessageEvent;
use sse_core::{FailReason, FromSseEvent, ReadyState};

use crate::runtime::{timeout, Runtime};

/// A bidirectional byte stream a [`Connector`] returns.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Transport for T {}

/// A boxed connect future.
pub type ConnectFuture = Pin<Box<dyn Future<Output = io::Result<Box<dyn Transport>>> + Send>>;

/// Opens connections to a [`Target`]: plain TCP by default ([`TcpConnector`]);
/// plug in TLS or anything else.
pub trait Connector: Send + Sync {
    /// Connects to the target's host and port, speaking TLS first if it is
    /// `https://` and this connector [`handles_tls`](Self::handles_tls).
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
    /// The connection failed or ended; the next attempt starts in
    /// `delay_ms`, with `Last-Event-ID`.
    Retrying {
        /// The wait before the next attempt, in milliseconds.
        delay_ms: u64,
        /// What went wrong, for a person.
        cause: String,
    },
}

/// Where the source is between calls.
enum State {
    /// Connect (to `target`) at the next call, after waiting until `at`.
    Connect { target: Target, at: Option<u64> },
    /// A response is being read on `io`.
    Reading { target: Target, io: Box<dyn Transport> },
    /// Failed: report `Some(error)` once, then end.
    Done(Option<ClientError>),
}

/// What one step of the loop came to, owned.
enum Next {
    Update(Update),
    Limit(sse_core::ParseError),
    /// Keep going (a redirect was followed, more bytes are needed).
    Again,
}

/// A reconnecting event source (the browser's `EventSource`, in Rust): it
/// connects, reads events, and on a dropped connection waits and resumes
/// with `Last-Event-ID`, as the core's [`Connection`] decides.
///
/// The runtime is a type parameter: `sse_tokio::EventSource` is
/// `EventSource<Tokio>`; with sse-async-std, `EventSource::<Smol>::new(url)`.
///
/// # Cancel safety
///
/// [`next_event`](Self::next_event) and [`next_update`](Self::next_update)
/// are cancel-safe while reading events: bytes read stay in the source. A
/// call cancelled while connecting or waiting connects again on the next
/// call.
pub struct EventSource<R: Runtime> {
    runtime: R,
    origin: Target,
    config: ClientConfig,
    connector: Arc<dyn Connector>,
    conn: Connection<Vec<u8>>,
    state: State,
    /// Bytes read and not yet used by the connection: `buf[start..end]`.
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    started: Instant,
}

impl<R: Runtime> fmt::Debug for EventSource<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSource")
            .field("origin", &self.origin)
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
        let mut conn = Connection::new(config.reader.parser(), config.connection(), seed);
        conn.set_last_event_id(&config.last_event_id).map_err(|_| ClientError::Request)?;
        let headers = config.header_pairs();
        conn.write_request(&config.request(&origin, &headers), &origin.as_url(), &mut Vec::new())
            .map_err(|_| ClientError::Request)?;
        let size = config.reader.read_buffer.max(config.max_head_bytes).max(1);
        Ok(Self {
            connector: Arc::new(TcpConnector(runtime.clone())),
            runtime,
            state: State::Connect { target: origin.clone(), at: None },
            origin,
            config,
            conn,
            buf: vec![0; size].into_boxed_slice(),
            start: 0,
            end: 0,
            started: Instant::now(),
        })
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

    /// The next event, reconnecting as needed. `Some(Err(Failed))` once
    /// when the source fails for good, then `None`.
    pub async fn next_event(&mut self) -> Option<Result<MessageEvent, ClientError>> {
        loop {
            match self.next_update().await? {
                Ok(Update::Event(event)) => return Some(Ok(event)),
                Ok(Update::Open | Update::Retrying { .. }) => {}
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// The next event decoded into `T` (see `sse_core::FromSseEvent`).
    pub async fn next_decoded<T>(&mut self) -> Option<Result<T, ClientError>>
    where
        T: for<'a> FromSseEvent<'a>,
    {
        Some(match self.next_event().await? {
            Ok(event) => event.decode::<T>().map_err(ClientError::Typed),
            Err(e) => Err(e),
        })
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
        loop {
            let next = match &mut self.state {
                State::Done(error) => return error.take().map(Err),
                State::Connect { .. } => self.connect().await,
                State::Reading { .. } => self.read().await,
            };
            match next {
                Next::Update(update) => return Some(Ok(update)),
                Next::Limit(e) => return Some(Err(ClientError::Limit(e))),
                Next::Again => {}
            }
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Waits out a retry, then connects and sends the request, within the
    /// head timeout.
    async fn connect(&mut self) -> Next {
        let State::Connect { target, at } = &mut self.state else { return Next::Again };
        let (target, at) = (target.clone(), at.take());
        if let Some(at) = at {
            let wait = at.saturating_sub(self.now_ms());
            self.runtime.sleep(Duration::from_millis(wait)).await;
        }
        if target.https && !self.connector.handles_tls() {
            let url = format!("https://{}{}", target.authority, target.path);
            self.conn.close();
            self.state = State::Done(Some(ClientError::TlsUnavailable(url)));
            return Next::Again;
        }
        if let Err(reason) = self.conn.start(self.now_ms()) {
            self.state = State::Done(Some(ClientError::Failed(reason)));
            return Next::Again;
        }
        let headers = self.config.header_pairs();
        let request = self.config.request(&self.origin, &headers);
        let mut head = Vec::new();
        if self.conn.write_request(&request, &target.as_url(), &mut head).is_err() {
            // Checked when the source was made; a redirect's path cannot inject.
            self.conn.close();
            self.state = State::Done(Some(ClientError::Request));
            return Next::Again;
        }
        let connect = self.connector.connect(&target);
        let send = async {
            let mut io = connect
                .await
                .map_err(|e| format!("cannot connect to {}: {e}", target.authority))?;
            let failed = |e: io::Error| format!("sending the request failed: {e}");
            io.write_all(&head).await.map_err(failed)?;
            io.flush().await.map_err(failed)?;
            Ok::<_, String>(io)
        };
        let limit = self.head_time_left();
        let sent = timeout(&self.runtime, limit, send).await;
        (self.start, self.end) = (0, 0);
        match sent {
            Some(Ok(io)) => {
                self.state = State::Reading { target, io };
                Next::Again
            }
            Some(Err(cause)) => {
                let step = self.conn.handle_error(self.now_ms());
                self.ended(step, Some(cause))
            }
            None => {
                let now = self.now_ms().max(self.conn.poll_timeout().unwrap_or(0));
                let step = self.conn.handle_timeout(now).unwrap_or(Step::NeedMore);
                self.ended(step, None)
            }
        }
    }

    /// Time left until the connection's head deadline (none while reading
    /// the body).
    fn head_time_left(&self) -> Duration {
        match self.conn.poll_timeout() {
            Some(deadline) => Duration::from_millis(deadline.saturating_sub(self.now_ms())),
            None => Duration::MAX,
        }
    }

    /// Hands buffered bytes to the connection, reading more when it needs
    /// them.
    async fn read(&mut self) -> Next {
        let now = self.now_ms();
        let mut rest = &self.buf[self.start..self.end];
        let before = rest.len();
        let step = self.conn.handle_input(&mut rest, now);
        self.start += before - rest.len();
        let State::Reading { target, .. } = &self.state else { return Next::Again };
        let next = match step {
            Step::NeedMore => None,
            Step::Open { .. } => Some(Next::Update(Update::Open)),
            Step::Event(event) => {
                Some(Next::Update(Update::Event(MessageEvent::from_event(&event))))
            }
            Step::Limit(e) => Some(Next::Limit(e)),
            Step::Redirect { status, location } => Some(match target.follow(location) {
                Some(next) => {
                    self.state = State::Connect { target: next, at: None };
                    Next::Again
                }
                // The connection checked the location; this cannot happen.
                None => {
                    self.conn.close();
                    self.state = State::Done(Some(ClientError::Failed(FailReason::Status(status))));
                    Next::Again
                }
            }),
            step @ (Step::Retry { .. } | Step::Failed(_)) => {
                let step = owned_end(&step);
                Some(self.ended(step, None))
            }
            _ => Some(Next::Again),
        };
        if let Some(next) = next {
            return next;
        }
        self.read_more().await
    }

    /// Reads more bytes after those kept, within the head deadline if the
    /// head is still awaited.
    async fn read_more(&mut self) -> Next {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        let limit = self.head_time_left();
        let State::Reading { io, .. } = &mut self.state else { return Next::Again };
        let read = io.read(&mut self.buf[self.end..]);
        let read = if limit == Duration::MAX {
            Some(read.await)
        } else {
            timeout(&self.runtime, limit, read).await
        };
        let now = self.now_ms();
        match read {
            Some(Ok(0)) => {
                let step = self.conn.handle_eof(now);
                self.ended(step, None)
            }
            Some(Ok(n)) => {
                self.end += n;
                Next::Again
            }
            Some(Err(e)) => {
                let step = self.conn.handle_error(now);
                self.ended(step, Some(format!("reading the response failed: {e}")))
            }
            None => {
                let now = now.max(self.conn.poll_timeout().unwrap_or(0));
                let step = self.conn.handle_timeout(now).unwrap_or(Step::NeedMore);
                self.ended(step, None)
            }
        }
    }

    /// The attempt ended with `step`: wait and reconnect, or stop.
    fn ended(&mut self, step: Step<'_>, detail: Option<String>) -> Next {
        match step {
            Step::Retry { delay_ms, at_ms, cause } => {
                let cause = match (cause, detail) {
                    (Cause::Io, Some(detail)) => detail,
                    (cause, _) => cause.to_string(),
                };
                self.state = State::Connect { target: self.origin.clone(), at: Some(at_ms) };
                Next::Update(Update::Retrying { delay_ms, cause })
            }
            Step::Failed(reason) => {
                self.state = State::Done(Some(ClientError::Failed(reason)));
                Next::Again
            }
            _ => Next::Again,
        }
    }
}

/// A step that ends an attempt, without its borrows.
fn owned_end(step: &Step<'_>) -> Step<'static> {
    match step {
        Step::Retry { delay_ms, at_ms, cause } => {
            Step::Retry { delay_ms: *delay_ms, at_ms: *at_ms, cause: *cause }
        }
        Step::Failed(reason) => Step::Failed(*reason),
        _ => Step::NeedMore,
    }
}
