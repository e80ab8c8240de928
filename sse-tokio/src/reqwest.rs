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
/// Redirects are the client's to follow, by its policy. reqwest's default
/// policy drops only `Authorization`, `Cookie` and proxy credentials when
/// a redirect changes host, and resends the body on 307/308: an API key
/// in another header, or a prompt, would go to that host. For such
/// requests build the client with `redirect::Policy::none()` (a redirect
/// then fails the stream, with its status) or a policy that stops at the
/// origin's edge, as below.
///
/// ```no_run
/// use sse_tokio::{ClientConfig, EventSource, ReqwestTransport, Tokio};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// // Proxies, timeouts, TLS: yours. No redirects: the key stays home.
/// let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
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
pub struct ReqwestTransport {
    client: reqwest::Client,
    request: reqwest::Request,
}

/// Without headers, body or query: they may hold secrets.
impl std::fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = self.request.url();
        f.debug_struct("ReqwestTransport")
            .field("method", self.request.method())
            .field("origin", &url.origin().ascii_serialization())
            .field("path", &url.path())
            .finish_non_exhaustive()
    }
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
        // Any id the parser keeps (no NUL, CR or LF) as its bytes; one a
        // header cannot carry (other control bytes) fails for good rather
        // than resuming from the start without a word.
        let last_event_id = HeaderValue::from_bytes(last_event_id.as_bytes()).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "the last event ID cannot be sent as a Last-Event-ID header",
            )
        });
        Box::pin(async move {
            let mut request = request?;
            let headers = request.headers_mut();
            headers.entry(ACCEPT).or_insert(HeaderValue::from_static("text/event-stream"));
            headers.entry(CACHE_CONTROL).or_insert(HeaderValue::from_static("no-cache"));
            let last_event_id = last_event_id?;
            if !last_event_id.is_empty() {
                headers.insert("last-event-id", last_event_id);
            }
            // Not the URL in the message: its query may hold a token.
            let response =
                client.execute(request).await.map_err(|e| io::Error::other(e.without_url()))?;
            let status = response.status();
            let head = Response::head_text(
                status.as_u16(),
                status.canonical_reason().unwrap_or(""),
                response.headers().iter().map(|(name, value)| (name.as_str(), value.as_bytes())),
            );
            let body = response
                .bytes_stream()
                .map_ok(|chunk| chunk.to_vec())
                .map_err(|e| io::Error::other(e.without_url()));
            Ok(Response { head, body: Box::pin(body) })
        })
    }
}
