//! A reconnecting client with EventSource semantics, driven by the core's
//! [`Reconnect`] policy and HTTP handshake.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use sse_core::http::{parse_response, BodyDecoder, EMPTY_HEADER};
pub use sse_core::owned::{ClientConfig, ClientError, Target};
use sse_core::owned::{Jitter, MessageEvent, ReadError};
use sse_core::{Action, FailReason, FromSseEvent, ReadyState, Reconnect};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use crate::reader::EventReader;

/// Raw bytes read from the connection at a time while reading a body.
const BODY_BUFFER: usize = 8 * 1024;

/// A bidirectional byte stream a [`Connector`] returns.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Transport for T {}

/// A boxed connect future.
pub type ConnectFuture = Pin<Box<dyn Future<Output = io::Result<Box<dyn Transport>>> + Send>>;

/// Opens connections: plain TCP by default; plug in TLS or anything else.
pub trait Connector: Send + Sync {
    /// Connects to `host:port`.
    fn connect(&self, host: &str, port: u16) -> ConnectFuture;
}

/// Plain TCP.
#[derive(Clone, Copy, Debug, Default)]
pub struct TcpConnector;

impl Connector for TcpConnector {
    fn connect(&self, host: &str, port: u16) -> ConnectFuture {
        let addr = format!("{host}:{port}");
        Box::pin(async move {
            let stream = TcpStream::connect(addr).await?;
            let _ = stream.set_nodelay(true);
            Ok(Box::new(stream) as Box<dyn Transport>)
        })
    }
}

/// The response body, de-framed by the core's [`BodyDecoder`].
struct Body {
    inner: Box<dyn Transport>,
    decoder: BodyDecoder,
    /// Raw bytes read from the connection (the ones that came with the
    /// head first) and not yet decoded: `raw[start..end]`.
    raw: Box<[u8]>,
    start: usize,
    end: usize,
}

impl AsyncRead for Body {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let Body { inner, decoder, raw, start, end } = &mut *self;
        loop {
            if *start < *end {
                // Never decode more input than there is room for, so every
                // decoded byte can be delivered.
                let limit = (*end).min(*start + buf.remaining());
                let step = decoder
                    .decode(&raw[*start..limit])
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                buf.put_slice(step.data);
                *start += step.consumed;
                if step.done || !step.data.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            if decoder.is_done() {
                return Poll::Ready(Ok(()));
            }
            let mut read = ReadBuf::new(raw);
            std::task::ready!(Pin::new(&mut *inner).poll_read(cx, &mut read))?;
            let n = read.filled().len();
            if n == 0 {
                return Poll::Ready(if decoder.may_end() {
                    Ok(())
                } else {
                    Err(io::Error::new(io::ErrorKind::UnexpectedEof, "response body cut short"))
                });
            }
            (*start, *end) = (0, n);
        }
    }
}

/// What a connection attempt came to.
enum Attempt {
    Open(Box<EventReader<Body>>),
    Retry(u64, String),
    Fail(FailReason),
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

/// A reconnecting event source (the browser's `EventSource`, in Rust): it
/// connects, reads events, and on a dropped connection waits and resumes
/// with `Last-Event-ID`, as the core's [`Reconnect`] policy decides.
///
/// ```no_run
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use sse_tokio::EventSource;
///
/// let mut source = EventSource::new("http://127.0.0.1:8080/events/stream")?;
/// while let Some(event) = source.next_event().await {
///     let event = event?;
///     println!("{} {}: {}", event.event_type, event.id, event.data);
/// }
/// # Ok(())
/// # }
/// ```
///
/// # Cancel safety
///
/// [`next_event`](Self::next_event) is cancel-safe while reading events; a
/// call cancelled while connecting or waiting to reconnect just connects
/// again on the next call.
pub struct EventSource {
    target: Target,
    config: ClientConfig,
    connector: std::sync::Arc<dyn Connector>,
    policy: Reconnect,
    reader: Option<Box<EventReader<Body>>>,
    last_event_id: String,
    started: Instant,
    rng: Jitter,
    failed: Option<Option<FailReason>>,
    /// A wait decided by the last call, taken at the start of the next.
    delay: Option<u64>,
}

impl fmt::Debug for EventSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSource")
            .field("target", &self.target)
            .field("ready_state", &self.ready_state())
            .field("last_event_id", &self.last_event_id)
            .finish_non_exhaustive()
    }
}

impl EventSource {
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
    /// [`ClientError::BadUrl`].
    /// [`ClientError::Request`] if the method, headers or `Last-Event-ID`
    /// would inject into the request head.
    pub fn with_config(url: &str, config: ClientConfig) -> Result<Self, ClientError> {
        use std::hash::{BuildHasher, Hasher};
        let target = Target::parse(url).map_err(|_| ClientError::BadUrl(url.to_owned()))?;
        config.request(&target, &target, &config.last_event_id, false)?;
        let seed = std::collections::hash_map::RandomState::new().build_hasher().finish();
        Ok(Self {
            target,
            last_event_id: config.last_event_id.clone(),
            policy: Reconnect::new(config.reconnect),
            config,
            connector: std::sync::Arc::new(TcpConnector),
            reader: None,
            started: Instant::now(),
            rng: Jitter::new(seed),
            failed: None,
            delay: None,
        })
    }

    /// Uses `connector` (e.g. TLS) instead of plain TCP.
    #[must_use]
    pub fn with_connector(mut self, connector: impl Connector + 'static) -> Self {
        self.connector = std::sync::Arc::new(connector);
        self
    }

    /// The ready state: connecting (or waiting to reconnect), open, closed.
    pub fn ready_state(&self) -> ReadyState {
        self.policy.ready_state()
    }

    /// The last event ID, sent as `Last-Event-ID` when reconnecting.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// Closes the stream; [`next_event`](Self::next_event) returns `None`.
    pub fn close(&mut self) {
        self.policy.close();
        self.reader = None;
        self.failed = Some(None);
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

    /// The next event or change of connection ([`Update`]): what
    /// [`next_event`](Self::next_event) does, telling also when a
    /// connection opens and when (and why) the source will retry. The wait
    /// before a retry happens at the start of the next call.
    pub async fn next_update(&mut self) -> Option<Result<Update, ClientError>> {
        loop {
            if let Some(reason) = &mut self.failed {
                return reason.take().map(|r| Err(ClientError::Failed(r)));
            }
            if let Some(delay) = self.delay.take() {
                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            }
            let Some(reader) = &mut self.reader else {
                match self.connect().await {
                    Attempt::Open(reader) => {
                        self.reader = Some(reader);
                        return Some(Ok(Update::Open));
                    }
                    Attempt::Retry(delay_ms, cause) => {
                        self.delay = Some(delay_ms);
                        return Some(Ok(Update::Retrying { delay_ms, cause }));
                    }
                    Attempt::Fail(reason) => self.failed = Some(Some(reason)),
                }
                continue;
            };
            let item = reader.next_event().await;
            self.last_event_id = reader.last_event_id().to_owned();
            if let Some(ms) = reader.retry() {
                self.policy.set_retry(ms);
            }
            let cause = match item {
                Some(Ok(event)) => return Some(Ok(Update::Event(event))),
                Some(Err(ReadError::Limit(e))) => return Some(Err(ClientError::Limit(e))),
                Some(Err(e)) => e.to_string(),
                None => "the server ended the stream".to_owned(),
            };
            // Network error or end of body: reconnect.
            self.reader = None;
            match self.disconnected(cause) {
                Attempt::Retry(delay_ms, cause) => {
                    self.delay = Some(delay_ms);
                    return Some(Ok(Update::Retrying { delay_ms, cause }));
                }
                Attempt::Fail(reason) => self.failed = Some(Some(reason)),
                Attempt::Open(_) => {}
            }
        }
    }

    /// What the policy says after a failed or ended connection.
    fn disconnected(&mut self, cause: String) -> Attempt {
        let now = self.now_ms();
        match self.policy.on_disconnect(now, &mut || self.rng.next_u64()) {
            Action::Retry { delay_ms } => Attempt::Retry(delay_ms, cause),
            Action::Fail(reason) => Attempt::Fail(reason),
            Action::Open | Action::Redirect => Attempt::Retry(0, cause),
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

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    async fn connect(&mut self) -> Attempt {
        let mut target = self.target.clone();
        // A 303 turns the request into a GET without body.
        let mut see_other = false;
        loop {
            let limit = self.config.head_timeout;
            let attempt = tokio::time::timeout(limit, self.request(&target, see_other)).await;
            let response = match attempt.unwrap_or_else(|_| {
                Err(ConnectError::Io(format!("no response head within {limit:?}")))
            }) {
                Ok(response) => response,
                // Checked when the source was made; cannot happen.
                Err(ConnectError::Request) => return Attempt::Fail(FailReason::Closed),
                Err(ConnectError::Io(cause)) => return self.disconnected(cause),
            };
            let now = self.now_ms();
            let action = self.policy.on_response(
                response.status,
                response.content_type.as_deref(),
                now,
                &mut || self.rng.next_u64(),
            );
            match action {
                Action::Open => {
                    let mut reader = EventReader::with_config(response.body, self.config.reader);
                    let _ = reader.set_last_event_id(&self.last_event_id);
                    return Attempt::Open(Box::new(reader));
                }
                Action::Redirect => match response.location.and_then(|l| target.follow(&l)) {
                    Some(next) => {
                        target = next;
                        see_other |= response.status == 303;
                    }
                    _ => {
                        self.policy.close();
                        return Attempt::Fail(FailReason::Status(response.status));
                    }
                },
                Action::Retry { delay_ms } => {
                    return Attempt::Retry(delay_ms, format!("server answered {}", response.status))
                }
                Action::Fail(reason) => return Attempt::Fail(reason),
            }
        }
    }

    async fn request(&self, target: &Target, see_other: bool) -> Result<Response, ConnectError> {
        let mut stream = self.connector.connect(&target.host, target.port).await.map_err(|e| {
            ConnectError::Io(format!("cannot connect to {}: {e}", target.authority))
        })?;
        let head = self
            .config
            .request(target, &self.target, &self.last_event_id, see_other)
            .map_err(|_| ConnectError::Request)?;
        let failed = |e: io::Error| ConnectError::Io(format!("sending the request failed: {e}"));
        stream.write_all(&head).await.map_err(failed)?;
        stream.flush().await.map_err(failed)?;

        let max = self.config.max_head_bytes;
        let mut buf = Vec::with_capacity(1024);
        loop {
            let mut chunk = [0u8; 2048];
            let n = stream
                .read(&mut chunk)
                .await
                .map_err(|e| ConnectError::Io(format!("reading the response failed: {e}")))?;
            if n == 0 {
                return Err(ConnectError::Io("connection closed before the response head".into()));
            }
            buf.extend_from_slice(&chunk[..n]);
            let mut headers = [EMPTY_HEADER; 64];
            let Some(head) = parse_response(&buf, &mut headers, max)
                .map_err(|e| ConnectError::Io(format!("bad response: {e}")))?
            else {
                continue;
            };
            let framing =
                head.framing().map_err(|e| ConnectError::Io(format!("bad response: {e}")))?;
            let early = &buf[head.head_len..];
            let mut raw = vec![0; BODY_BUFFER.max(early.len())].into_boxed_slice();
            raw[..early.len()].copy_from_slice(early);
            let response = Response {
                status: head.status,
                content_type: head.content_type().map(str::to_owned),
                location: head.location().map(str::to_owned),
                body: Body {
                    inner: stream,
                    decoder: BodyDecoder::new(framing),
                    raw,
                    start: 0,
                    end: early.len(),
                },
            };
            return Ok(response);
        }
    }
}

struct Response {
    status: u16,
    content_type: Option<String>,
    location: Option<String>,
    body: Body,
}

enum ConnectError {
    /// Why the attempt failed, for a person.
    Io(String),
    Request,
}
