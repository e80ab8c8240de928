//! A user's `reqwest::Client` as the transport of an [`EventSource`]:
//! reqwest carries the HTTP (proxies, HTTP/2, cookies, its TLS settings,
//! its redirect policy), the event source keeps what it does best
//! (`Last-Event-ID`, `retry`, backoff with jitter, the reconnect mode,
//! bounded parsing, typed events), with the same `Stream` of events.
//!
//! [`EventSource`]: crate::EventSource

use std::future::Future;
use std::io;
use std::pin::Pin;

use futures_util::TryStreamExt;
use reqwest::header::{HeaderValue, ACCEPT, CACHE_CONTROL};
use sse_async::{Requester, Response};

/// A `reqwest::Client` and the request to send on every attempt.
///
/// ```no_run
/// use sse_tokio::{ClientConfig, EventSource, ReqwestTransport, Tokio};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = reqwest::Client::new(); // proxies, timeouts, TLS: yours
/// let request = client
///     .post("https://api.example/v1/messages")
///     .header("x-api-key", "...")
///     .body(r#"{"prompt":"hi","stream":true}"#)
///     .build()?;
/// let transport = ReqwestTransport::new(client, request);
/// let mut source = EventSource::with_requester(Tokio, transport, ClientConfig::default())?;
/// while let Some(event) = source.next_event().await {
///     println!("{}", event?.data);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    request: reqwest::Request,
}

impl ReqwestTransport {
    /// Sends a copy of `request` with `client` on every attempt, adding
    /// `Accept: text/event-stream` and `Cache-Control: no-cache` unless
    /// set, and `Last-Event-ID` when resuming. A request whose body is a
    /// stream cannot be copied: every attempt then fails for good.
    pub fn new(client: reqwest::Client, request: reqwest::Request) -> Self {
        Self { client, request }
    }
}

impl Requester for ReqwestTransport {
    fn url(&self) -> &str {
        self.request.url().as_str()
    }

    fn has_body(&self) -> bool {
        self.request.body().is_some()
    }

    fn send(
        &self,
        last_event_id: &str,
    ) -> Pin<Box<dyn Future<Output = io::Result<Response>> + Send>> {
        let client = self.client.clone();
        let request = self.request.try_clone().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "the request's body is a stream: it cannot be sent again",
            )
        });
        let last_event_id = HeaderValue::from_str(last_event_id);
        Box::pin(async move {
            let mut request = request?;
            let headers = request.headers_mut();
            headers.entry(ACCEPT).or_insert(HeaderValue::from_static("text/event-stream"));
            headers.entry(CACHE_CONTROL).or_insert(HeaderValue::from_static("no-cache"));
            match last_event_id {
                Ok(id) if !id.is_empty() => {
                    headers.insert("last-event-id", id);
                }
                // Empty, or (never, the parser refuses them) unsendable.
                _ => {}
            }
            let response = client.execute(request).await.map_err(io::Error::other)?;
            let status = response.status();
            let head = Response::head_text(
                status.as_u16(),
                status.canonical_reason().unwrap_or(""),
                response.headers().iter().map(|(name, value)| (name.as_str(), value.as_bytes())),
            );
            let body =
                response.bytes_stream().map_ok(|chunk| chunk.to_vec()).map_err(io::Error::other);
            Ok(Response { head, body: Box::pin(body) })
        })
    }
}
