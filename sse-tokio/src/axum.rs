//! axum integration (feature `axum`): an event-stream response that encodes
//! through the core with keep-alive, and a `Last-Event-ID` extractor.
//!
//! Hub frames go out as [`Bytes`] that share the hub's allocation (one
//! encoding, no copy per subscriber); the keep-alive timer is looked at
//! only while the stream is idle; any stream works, pinned or not.
//!
//! ```no_run
//! # async fn run() {
//! use axum::{routing::get, Router};
//! use sse_tokio::axum::{EventStream, LastEventId};
//! use sse_tokio::{Hub, HubConfig};
//!
//! let hub = Hub::new(HubConfig::default());
//! let app = Router::new().route(
//!     "/events",
//!     get(move |LastEventId(last): LastEventId| async move {
//!         EventStream::from_subscription(hub.subscribe(last.as_deref()))
//!     }),
//! );
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_core::Stream;
use sse_core::http::{query_param, ResumeId, LAST_EVENT_ID_PARAM};
use sse_core::{Frame, MessageEvent, SseEvent, TypedError, KEEP_ALIVE};
use tokio::time::{Instant, Sleep};

use crate::DEFAULT_KEEP_ALIVE;
use sse_core::typed::with_frame;
use sse_hub::Subscription;

/// The id the client resumes from: its `Last-Event-ID` header, or when
/// that is absent or empty, the `lastEventId` query parameter (a browser's
/// `EventSource` cannot send the header on its first connection, so a page
/// that kept the last id passes it in the URL). `None` when neither is
/// there; a value that does not decode to UTF-8 is refused with 400, as
/// the built-in server does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LastEventId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for LastEventId {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get("last-event-id").map(HeaderValue::as_bytes);
        let id = match header {
            Some(raw) if !raw.is_empty() => Some(ResumeId::Header(raw)),
            _ => parts
                .uri
                .query()
                .and_then(|query| query_param(query, LAST_EVENT_ID_PARAM))
                .filter(|raw| !raw.is_empty())
                .map(ResumeId::Query),
        };
        match id.map(|id| id.to_string()) {
            None => Ok(Self(None)),
            Some(Some(id)) => Ok(Self(Some(id))),
            Some(None) => Err((StatusCode::BAD_REQUEST, "the last event id is not UTF-8")),
        }
    }
}

/// Something an [`EventStream`] can send: a typed event (encoded by the
/// core), a frame built on the spot, or bytes that are already encoded
/// frames (from a hub).
pub trait IntoFrames {
    /// The encoded frames.
    ///
    /// # Errors
    ///
    /// [`TypedError`] if the event cannot be encoded.
    fn into_frames(self, scratch: &mut Vec<u8>) -> Result<Bytes, TypedError>;
}

/// Pre-encoded frames from a [`Hub`](crate::Hub) subscription, handed on
/// without a copy: the [`Bytes`] own the hub's shared allocation.
impl IntoFrames for crate::Encoded {
    fn into_frames(self, _scratch: &mut Vec<u8>) -> Result<Bytes, TypedError> {
        Ok(Bytes::from_owner(self))
    }
}

/// Bytes that are already encoded frames, sent as they are.
impl IntoFrames for Bytes {
    fn into_frames(self, _scratch: &mut Vec<u8>) -> Result<Bytes, TypedError> {
        Ok(self)
    }
}

/// A frame built on the spot, as with axum's `Event` builder:
/// `Frame::new().event("tick").data("…")`.
impl IntoFrames for Frame<'_> {
    fn into_frames(self, _scratch: &mut Vec<u8>) -> Result<Bytes, TypedError> {
        encode(&self)
    }
}

/// An owned event (its type, data, id and retry), for a stream that builds
/// events from runtime strings; an empty `id` sends none and the type
/// `message` (or an empty one) sends no `event:` line.
impl IntoFrames for MessageEvent {
    fn into_frames(self, _scratch: &mut Vec<u8>) -> Result<Bytes, TypedError> {
        let mut frame = Frame::new().data(&self.data);
        if !self.event_type.is_empty() && self.event_type != "message" {
            frame = frame.event(&self.event_type);
        }
        if !self.id.is_empty() {
            frame = frame.id(&self.id);
        }
        if let Some(ms) = self.retry {
            frame = frame.retry(ms);
        }
        encode(&frame)
    }
}

/// A typed event, encoded by the core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Typed<T>(pub T);

impl<T: SseEvent> IntoFrames for Typed<T> {
    fn into_frames(self, scratch: &mut Vec<u8>) -> Result<Bytes, TypedError> {
        with_frame(&self.0, scratch, encode)?
    }
}

/// Encodes one frame into its own buffer.
fn encode(frame: &Frame<'_>) -> Result<Bytes, TypedError> {
    let mut out = Vec::with_capacity(frame.encoded_len().map_err(TypedError::Frame)?);
    frame.write_to(&mut out).map_err(|e| match e {
        sse_core::WriteError::Invalid(e) => TypedError::Frame(e),
        sse_core::WriteError::Sink(never) => match never {},
    })?;
    Ok(Bytes::from(out))
}

type ErrorHook = Box<dyn FnMut(&TypedError) + Send>;

/// An event-stream response: `200`, `Content-Type: text/event-stream`,
/// `Cache-Control: no-cache`, `X-Accel-Buffering: no`, and a body that
/// encodes each item through the core, with a keep-alive comment whenever
/// the stream has been idle for the interval (15 s by default).
///
/// An item that fails to encode ends the response with that error (the
/// client sees the stream cut and reconnects), unless
/// [`on_encode_error`](Self::on_encode_error) takes it.
///
/// ```
/// use futures_util::stream::{self, StreamExt};
/// use sse_core::Frame;
/// use sse_tokio::axum::EventStream;
///
/// // Not `Unpin` (an async block per item): no `Box::pin` needed.
/// let ticks = stream::iter(0..3).then(|n| async move { n * 10 });
/// let response = EventStream::new(ticks.map(|n| Frame::new().event("tick").data(if n > 0 { "more" } else { "zero" })));
/// # let _ = response;
/// ```
pub struct EventStream<S> {
    events: S,
    keep_alive: Option<Duration>,
    on_error: Option<ErrorHook>,
}

impl<S> std::fmt::Debug for EventStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").field("keep_alive", &self.keep_alive).finish_non_exhaustive()
    }
}

impl<S> EventStream<S>
where
    S: Stream + Send + 'static,
    S::Item: IntoFrames,
{
    /// A response streaming `events`.
    pub fn new(events: S) -> Self {
        Self { events, keep_alive: Some(DEFAULT_KEEP_ALIVE), on_error: None }
    }

    /// Sets the keep-alive interval; `None` sends none.
    #[must_use]
    pub fn keep_alive(mut self, interval: Option<Duration>) -> Self {
        self.keep_alive = interval;
        self
    }

    /// Hands each item that fails to encode to `report` and goes on with
    /// the next, instead of ending the response.
    #[must_use]
    pub fn on_encode_error(mut self, report: impl FnMut(&TypedError) + Send + 'static) -> Self {
        self.on_error = Some(Box::new(report));
        self
    }
}

impl EventStream<Subscription> {
    /// A response streaming a hub subscription's frames as they are.
    pub fn from_subscription(subscription: Subscription) -> Self {
        Self::new(subscription)
    }
}

impl<S> IntoResponse for EventStream<S>
where
    S: Stream + Send + 'static,
    S::Item: IntoFrames,
{
    fn into_response(self) -> Response {
        let body = Body {
            events: Box::pin(self.events),
            keep_alive: self.keep_alive,
            timer: None,
            last_sent: Instant::now(),
            scratch: Vec::new(),
            on_error: self.on_error,
            done: false,
        };
        let mut response = Response::new(axum::body::Body::from_stream(body));
        *response.status_mut() = StatusCode::OK;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
        response
    }
}

/// The response body: encoded items and keep-alives.
struct Body<S> {
    events: Pin<Box<S>>,
    keep_alive: Option<Duration>,
    /// Armed the first time the stream is found idle, then re-armed only
    /// when it fires: events never touch the timer, only `last_sent`.
    timer: Option<Pin<Box<Sleep>>>,
    last_sent: Instant,
    scratch: Vec<u8>,
    on_error: Option<ErrorHook>,
    done: bool,
}

impl<S> Stream for Body<S>
where
    S: Stream,
    S::Item: IntoFrames,
{
    type Item = Result<Bytes, TypedError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let mut skipped = 0;
        while !this.done {
            if skipped == 64 {
                // A run of items that all fail: let others run first.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            match this.events.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => match item.into_frames(&mut this.scratch) {
                    Ok(bytes) => {
                        if this.keep_alive.is_some() {
                            this.last_sent = Instant::now();
                        }
                        return Poll::Ready(Some(Ok(bytes)));
                    }
                    Err(e) => match this.on_error.as_mut() {
                        Some(report) => {
                            report(&e);
                            skipped += 1;
                        }
                        None => {
                            this.done = true;
                            return Poll::Ready(Some(Err(e)));
                        }
                    },
                },
                Poll::Ready(None) => this.done = true,
                Poll::Pending => return this.poll_idle(cx),
            }
        }
        Poll::Ready(None)
    }
}

impl<S> Body<S> {
    /// The stream is idle: a keep-alive once it has been for the interval.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, TypedError>>> {
        let Some(interval) = self.keep_alive else { return Poll::Pending };
        let due = self.last_sent + interval;
        let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
        loop {
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if timer.deadline() >= due {
                self.last_sent = Instant::now();
                timer.as_mut().reset(self.last_sent + interval);
                return Poll::Ready(Some(Ok(Bytes::from_static(KEEP_ALIVE))));
            }
            // Events went out since it was armed: wait out the rest.
            timer.as_mut().reset(due);
        }
    }
}
