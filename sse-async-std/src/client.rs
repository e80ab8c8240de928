//! A reconnecting client with EventSource semantics on runtime `R`,
//! driven by the core's [`Reconnect`] policy, URL and handshake.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_io::AsyncRead;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use sse_core::http::{parse_response, BodyDecoder, EMPTY_HEADER};
pub use sse_core::owned::{ClientConfig, ClientError};
use sse_core::owned::{Jitter, MessageEvent, ReadError, Target};
use sse_core::{Action, FailReason, ReadyState, Reconnect};

use crate::reader::EventReader;
use crate::runtime::{timeout, Runtime};

/// Raw bytes read from the connection at a time while reading a body.
const BODY_BUFFER: usize = 8 * 1024;

/// A response body de-framed by the core's [`BodyDecoder`].
struct Body<S> {
    inner: S,
    decoder: BodyDecoder,
    raw: Box<[u8]>,
    start: usize,
    end: usize,
}

impl<S: AsyncRead + Unpin> AsyncRead for Body<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let Body { inner, decoder, raw, start, end } = &mut *self;
        loop {
            if *start < *end {
                let limit = (*end).min(*start + out.len());
                let step = decoder
                    .decode(&raw[*start..limit])
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                out[..step.data.len()].copy_from_slice(step.data);
                *start += step.consumed;
                if step.done || !step.data.is_empty() {
                    return Poll::Ready(Ok(step.data.len()));
                }
                continue;
            }
            if decoder.is_done() || out.is_empty() {
                return Poll::Ready(Ok(0));
            }
            let n = std::task::ready!(Pin::new(&mut *inner).poll_read(cx, raw))?;
            if n == 0 {
                return Poll::Ready(if decoder.may_end() {
                    Ok(0)
                } else {
                    Err(io::Error::new(io::ErrorKind::UnexpectedEof, "response body cut short"))
                });
            }
            (*start, *end) = (0, n);
        }
    }
}

/// What a connection attempt came to.
enum Attempt<S> {
    Open(Box<EventReader<Body<S>>>),
    Retry(u64),
    Fail(FailReason),
}

/// A reconnecting event source on runtime `R`: it connects, reads events,
/// and on a dropped connection waits and resumes with `Last-Event-ID`, as
/// the core's [`Reconnect`] policy decides.
///
/// ```no_run
/// # #[cfg(feature = "smol")]
/// # smol::block_on(async {
/// use sse_async_std::{EventSource, Smol};
///
/// let mut source = EventSource::new(Smol, "http://127.0.0.1:8080/events")?;
/// while let Some(event) = source.next_event().await {
///     let event = event?;
///     println!("{} {}: {}", event.event_type, event.id, event.data);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
///
/// # Cancel safety
///
/// [`next_event`](Self::next_event) is cancel-safe while reading events; a
/// call cancelled while connecting or waiting just connects again.
pub struct EventSource<R: Runtime> {
    runtime: R,
    target: Target,
    config: ClientConfig,
    policy: Reconnect,
    reader: Option<Box<EventReader<Body<R::TcpStream>>>>,
    last_event_id: String,
    started: Instant,
    rng: Jitter,
    failed: Option<Option<FailReason>>,
}

impl<R: Runtime> fmt::Debug for EventSource<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSource")
            .field("target", &self.target)
            .field("ready_state", &self.ready_state())
            .field("last_event_id", &self.last_event_id)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> EventSource<R> {
    /// An event source for `url` with default settings.
    ///
    /// # Errors
    ///
    /// [`ClientError::BadUrl`].
    pub fn new(runtime: R, url: &str) -> Result<Self, ClientError> {
        Self::with_config(runtime, url, ClientConfig::default())
    }

    /// An event source with its own settings.
    ///
    /// # Errors
    ///
    /// [`ClientError::BadUrl`]; [`ClientError::Request`] if the method,
    /// headers or `Last-Event-ID` would inject into the request head.
    pub fn with_config(runtime: R, url: &str, config: ClientConfig) -> Result<Self, ClientError> {
        use std::hash::{BuildHasher, Hasher};
        let target = Target::parse(url).map_err(|_| ClientError::BadUrl(url.to_owned()))?;
        if target.https {
            // This client speaks plain TCP only.
            return Err(ClientError::BadUrl(url.to_owned()));
        }
        let source = Self {
            runtime,
            target,
            last_event_id: config.last_event_id.clone(),
            policy: Reconnect::new(config.reconnect),
            config,
            reader: None,
            started: Instant::now(),
            rng: Jitter::new(
                std::collections::hash_map::RandomState::new().build_hasher().finish(),
            ),
            failed: None,
        };
        source.config.request(&source.target, &source.target, &source.last_event_id, false)?;
        Ok(source)
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
            if let Some(reason) = &mut self.failed {
                return reason.take().map(|r| Err(ClientError::Failed(r)));
            }
            let Some(reader) = &mut self.reader else {
                match self.connect().await {
                    Attempt::Open(reader) => self.reader = Some(reader),
                    Attempt::Retry(delay) => self.wait(delay).await,
                    Attempt::Fail(reason) => self.failed = Some(Some(reason)),
                }
                continue;
            };
            let item = reader.next_event().await;
            self.last_event_id = reader.last_event_id().to_owned();
            if let Some(ms) = reader.retry() {
                self.policy.set_retry(ms);
            }
            match item {
                Some(Ok(event)) => return Some(Ok(event)),
                Some(Err(ReadError::Limit(e))) => return Some(Err(ClientError::Limit(e))),
                // Network error or end of body: reconnect.
                Some(Err(_)) | None => {
                    self.reader = None;
                    match self.disconnected::<R::TcpStream>() {
                        Attempt::Retry(delay) => self.wait(delay).await,
                        Attempt::Fail(reason) => self.failed = Some(Some(reason)),
                        Attempt::Open(_) => {}
                    }
                }
            }
        }
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

    async fn wait(&self, delay_ms: u64) {
        self.runtime.sleep(Duration::from_millis(delay_ms)).await;
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn disconnected<S>(&mut self) -> Attempt<S> {
        let now = self.now_ms();
        match self.policy.on_disconnect(now, &mut || self.rng.next_u64()) {
            Action::Retry { delay_ms } => Attempt::Retry(delay_ms),
            Action::Fail(reason) => Attempt::Fail(reason),
            Action::Open | Action::Redirect => Attempt::Retry(0),
        }
    }

    async fn connect(&mut self) -> Attempt<R::TcpStream> {
        let mut target = self.target.clone();
        // A 303 turns the request into a GET without body.
        let mut see_other = false;
        loop {
            let limit = self.config.head_timeout;
            let response = timeout(&self.runtime, limit, self.request(&target, see_other)).await;
            let Some(Ok(response)) = response else { return self.disconnected() };
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
                    Some(next) if !next.https => {
                        target = next;
                        see_other |= response.status == 303;
                    }
                    _ => {
                        self.policy.close();
                        return Attempt::Fail(FailReason::Status(response.status));
                    }
                },
                Action::Retry { delay_ms } => return Attempt::Retry(delay_ms),
                Action::Fail(reason) => return Attempt::Fail(reason),
            }
        }
    }

    async fn request(
        &self,
        target: &Target,
        see_other: bool,
    ) -> io::Result<Response<R::TcpStream>> {
        let head = self
            .config
            .request(target, &self.target, &self.last_event_id, see_other)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let mut stream = self.runtime.connect(&target.host, target.port).await?;
        stream.write_all(&head).await?;
        stream.flush().await?;
        let max = self.config.max_head_bytes;
        let mut buf = Vec::with_capacity(1024);
        loop {
            let mut chunk = [0u8; 2048];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            buf.extend_from_slice(&chunk[..n]);
            let mut headers = [EMPTY_HEADER; 64];
            let invalid = |e| io::Error::new(io::ErrorKind::InvalidData, e);
            let Some(head) = parse_response(&buf, &mut headers, max).map_err(invalid)? else {
                continue;
            };
            let framing = head.framing().map_err(invalid)?;
            let early = &buf[head.head_len..];
            let mut raw = vec![0; BODY_BUFFER.max(early.len())].into_boxed_slice();
            raw[..early.len()].copy_from_slice(early);
            return Ok(Response {
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
            });
        }
    }
}

struct Response<S> {
    status: u16,
    content_type: Option<String>,
    location: Option<String>,
    body: Body<S>,
}
