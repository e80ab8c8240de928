//! axum integration (feature `axum`): an event-stream response that encodes
//! through the core with keep-alive, and a `Last-Event-ID` extractor.
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

use std::convert::Infallible;
use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_core::Stream;
use sse_core::{SseEvent, TypedError, KEEP_ALIVE};
use tokio::time::{sleep, Instant, Sleep};

use crate::DEFAULT_KEEP_ALIVE;
use sse_core::typed::with_frame;
use sse_hub::Subscription;

/// The client's `Last-Event-ID` header: `None` if absent, empty or not
/// UTF-8.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LastEventId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for LastEventId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let id = parts
            .headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        Ok(Self(id))
    }
}

/// Something an [`EventStream`] can send: a typed event (encoded by the
/// core) or bytes that are already encoded frames (from a hub).
pub trait IntoFrames {
    /// The encoded frames.
    ///
    /// # Errors
    ///
    /// [`TypedError`] if the event cannot be encoded.
    fn into_frames(self, scratch: &mut Vec<u8>) -> Result<Bytes, TypedError>;
}

/// Pre-encoded frames from a [`Hub`](crate::Hub) subscription.
impl IntoFrames for crate::Encoded {
    fn into_frames(self, _scratch: &mut Vec<u8>) -> Result<Bytes, TypedError> {
        Ok(Bytes::from(self.to_vec()))
    }
}

/// A typed event, encoded by the core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Typed<T>(pub T);

impl<T: SseEvent> IntoFrames for Typed<T> {
    fn into_frames(self, scratch: &mut Vec<u8>) -> Result<Bytes, TypedError> {
        let mut out = Vec::new();
        with_frame(&self.0, scratch, |frame| {
            out.clear();
            frame.write_to(&mut out)
        })?
        .map_err(|e| match e {
            sse_core::WriteError::Invalid(e) => TypedError::Frame(e),
            sse_core::WriteError::Sink(never) => match never {},
        })?;
        Ok(Bytes::from(out))
    }
}

/// An event-stream response: `200`, `Content-Type: text/event-stream`,
/// `Cache-Control: no-cache`, `X-Accel-Buffering: no`, and a body that
/// encodes each item through the core, with a keep-alive comment whenever
/// the stream is idle for the interval (15 s by default). Items that fail
/// to encode are skipped.
pub struct EventStream<S> {
    events: S,
    keep_alive: Option<Duration>,
}

impl<S> std::fmt::Debug for EventStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").field("keep_alive", &self.keep_alive).finish_non_exhaustive()
    }
}

impl<S> EventStream<S>
where
    S: Stream + Send + Unpin + 'static,
    S::Item: IntoFrames,
{
    /// A response streaming `events`.
    pub fn new(events: S) -> Self {
        Self { events, keep_alive: Some(DEFAULT_KEEP_ALIVE) }
    }

    /// Sets the keep-alive interval; `None` sends none.
    #[must_use]
    pub fn keep_alive(mut self, interval: Option<Duration>) -> Self {
        self.keep_alive = interval;
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
    S: Stream + Send + Unpin + 'static,
    S::Item: IntoFrames,
{
    fn into_response(self) -> Response {
        let body = Encoded {
            events: self.events,
            keep_alive: self.keep_alive,
            timer: self.keep_alive.map(|d| Box::pin(sleep(d))),
            scratch: vec![0; 1024],
            done: false,
        };
        let mut response = Response::new(Body::from_stream(body));
        *response.status_mut() = StatusCode::OK;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
        response
    }
}

/// The body stream: encoded items and keep-alives.
struct Encoded<S> {
    events: S,
    keep_alive: Option<Duration>,
    timer: Option<Pin<Box<Sleep>>>,
    scratch: Vec<u8>,
    done: bool,
}

impl<S> Stream for Encoded<S>
where
    S: Stream + Unpin,
    S::Item: IntoFrames,
{
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            match Pin::new(&mut this.events).poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    if let (Some(timer), Some(interval)) = (&mut this.timer, this.keep_alive) {
                        timer.as_mut().reset(Instant::now() + interval);
                    }
                    match item.into_frames(&mut this.scratch) {
                        Ok(bytes) => return Poll::Ready(Some(Ok(bytes))),
                        // Skip what cannot be encoded; the stream goes on.
                        Err(_) => continue,
                    }
                }
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => {}
            }
            if let (Some(timer), Some(interval)) = (&mut this.timer, this.keep_alive) {
                if timer.as_mut().poll(cx).is_ready() {
                    timer.as_mut().reset(Instant::now() + interval);
                    return Poll::Ready(Some(Ok(Bytes::from_static(KEEP_ALIVE))));
                }
            }
            return Poll::Pending;
        }
    }
}
