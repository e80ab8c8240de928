//! The client's owned parts: where it connects, its settings, its errors.

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::{
    Cause, ConnectionConfig, Headers, Request, DEFAULT_HEAD_TIMEOUT_MS, DEFAULT_MAX_ERROR_BODY,
    DEFAULT_MAX_RESPONSE_HEAD,
};
use crate::error::ParseError;
use crate::http::{Redirect, Url, UrlError};
use crate::{FailReason, ReaderConfig, ReconnectMode};

/// Where a client connects: the parts of a [`Url`], owned, so a
/// reconnecting client can keep it and follow redirects.
///
/// ```
/// use sse_core::client::Target;
///
/// let target = Target::parse("http://example.test:8080/a/stream").unwrap();
/// assert_eq!((target.host.as_str(), target.port), ("example.test", 8080));
/// assert_eq!(target.follow("next").unwrap().path, "/a/next");
/// assert_eq!(target.follow("http://other.test/x").unwrap().authority, "other.test");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// `https://`: the transport must provide TLS.
    pub https: bool,
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port (80 or 443 by default).
    pub port: u16,
    /// Host and port as the URL wrote them: the `Host` header.
    pub authority: String,
    /// Path and query, `/` at least.
    pub path: String,
}

impl Target {
    /// Parses an `http://` or `https://` URL (see [`Url::parse`]).
    ///
    /// # Errors
    ///
    /// [`UrlError`].
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        Url::parse(url).map(|url| Self::from_url(&url))
    }

    /// Copies a borrowed [`Url`].
    pub fn from_url(url: &Url<'_>) -> Self {
        Self {
            https: url.https,
            host: url.host.to_owned(),
            port: url.port,
            authority: url.authority.to_owned(),
            path: url.path.to_owned(),
        }
    }

    /// This target as a borrowed [`Url`].
    pub fn as_url(&self) -> Url<'_> {
        Url {
            https: self.https,
            host: &self.host,
            port: self.port,
            authority: &self.authority,
            path: &self.path,
        }
    }

    /// The target a `Location` header points to, seen from this one;
    /// `None` if it is not a usable location.
    pub fn follow(&self, location: &str) -> Option<Self> {
        let here = self.as_url();
        Some(match here.resolve(location).ok()? {
            Redirect::Url(url) => Self::from_url(&url),
            Redirect::Path(path) => Self { path: path.to_owned(), ..self.clone() },
            Redirect::Relative(rel) => {
                let mut path = String::from(here.directory());
                path.push('/');
                path.push_str(rel);
                Self { path, ..self.clone() }
            }
            Redirect::Query(query) => {
                let mut path = String::from(here.path_only());
                path.push_str(query);
                Self { path, ..self.clone() }
            }
            Redirect::Same => self.clone(),
        })
    }
}

/// Settings of a reconnecting client: what its [`Connection`](super::Connection)
/// needs, owned, plus the reader's buffer and limits. Its `Debug` shows
/// header names but not their values, and the body's length only: both
/// may hold secrets.
#[derive(Clone)]
pub struct ClientConfig {
    /// The reconnect policy.
    pub reconnect: crate::ReconnectConfig,
    /// Reader buffer and event limits.
    pub reader: ReaderConfig,
    /// `GET` or `POST`.
    pub method: String,
    /// Extra request headers: sent to the URL's origin only, unless named
    /// in `forward_headers`.
    pub headers: Vec<(String, String)>,
    /// Names of headers that may follow a redirect to another origin.
    pub forward_headers: Vec<String>,
    /// A request body (sent to the URL's origin only).
    pub body: Option<Vec<u8>>,
    /// When an ended stream is opened again; `None` picks by the request:
    /// [`ReconnectMode::Always`] without a body, [`ReconnectMode::Never`]
    /// with one (a prompt is not sent twice unless asked for). Overrides
    /// `reconnect.mode`.
    pub reconnect_mode: Option<ReconnectMode>,
    /// The `Last-Event-ID` to start from.
    pub last_event_id: String,
    /// Largest response head accepted.
    pub max_head_bytes: usize,
    /// Time to connect and receive the response head before the attempt
    /// counts as failed (and is retried).
    pub head_timeout: core::time::Duration,
    /// Time without a byte from the server after which an open stream
    /// counts as dead and is reconnected; `None` (the default) waits for
    /// ever. Set it above the server's keep-alive interval.
    pub idle_timeout: Option<core::time::Duration>,
    /// Most bytes of a refused response's body kept for the error.
    pub max_error_body: usize,
    /// Report comment lines (servers send them as keep-alives).
    pub comments: bool,
}

impl core::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("ClientConfig")
            .field("reconnect", &self.reconnect)
            .field("reader", &self.reader)
            .field("method", &self.method)
            .field("header_names", &names)
            .field("forward_headers", &self.forward_headers)
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .field("reconnect_mode", &self.reconnect_mode)
            .field("last_event_id", &self.last_event_id)
            .field("max_head_bytes", &self.max_head_bytes)
            .field("head_timeout", &self.head_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_error_body", &self.max_error_body)
            .field("comments", &self.comments)
            .finish()
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            reconnect: crate::ReconnectConfig::DEFAULT,
            reader: ReaderConfig::DEFAULT,
            method: "GET".to_owned(),
            headers: Vec::new(),
            forward_headers: Vec::new(),
            body: None,
            reconnect_mode: None,
            last_event_id: String::new(),
            max_head_bytes: DEFAULT_MAX_RESPONSE_HEAD,
            head_timeout: core::time::Duration::from_millis(DEFAULT_HEAD_TIMEOUT_MS),
            idle_timeout: None,
            max_error_body: DEFAULT_MAX_ERROR_BODY,
            comments: false,
        }
    }
}

impl ClientConfig {
    /// The settings of the [`Connection`](super::Connection).
    pub fn connection(&self) -> ConnectionConfig {
        let by_request =
            if self.body.is_some() { ReconnectMode::Never } else { ReconnectMode::Always };
        ConnectionConfig {
            reconnect: self.reconnect.with_mode(self.reconnect_mode.unwrap_or(by_request)),
            max_head_bytes: self.max_head_bytes,
            head_timeout_ms: millis(self.head_timeout),
            idle_timeout_ms: self.idle_timeout.map(millis),
            max_error_body: self.max_error_body,
        }
    }

    /// The headers as [`Request::headers`] takes them.
    pub fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
    }

    /// The request to `origin`, its headers given by
    /// [`header_pairs`](Self::header_pairs).
    pub fn request<'a>(
        &'a self,
        origin: &'a Target,
        headers: &'a [(&'a str, &'a str)],
        forward_headers: &'a [&'a str],
    ) -> Request<'a> {
        Request {
            origin: origin.as_url(),
            method: &self.method,
            headers,
            body: self.body.as_deref(),
            forward_headers,
        }
    }

    /// The names of [`forward_headers`](Self::forward_headers) as
    /// [`Request::forward_headers`] takes them.
    pub fn forward_names(&self) -> Vec<&str> {
        self.forward_headers.iter().map(String::as_str).collect()
    }
}

fn millis(duration: core::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A refused response, as the user needs it to act: the status, the
/// content type and encoding, and the first bytes of the body (an API's
/// JSON error says what was wrong).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Why the source failed.
    pub reason: FailReason,
    /// The status.
    pub status: u16,
    /// The status line's reason phrase.
    pub reason_phrase: String,
    /// The `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The `Content-Encoding`, if any.
    pub content_encoding: Option<String>,
    /// The body, up to the configured limit.
    pub body: Vec<u8>,
}

impl Rejection {
    /// From a [`Step::Rejected`](super::Step::Rejected); the body follows
    /// with [`extend_body`](Self::extend_body).
    pub fn new(status: u16, reason: FailReason, headers: &Headers<'_>) -> Self {
        let text = |name| headers.get(name).map(|v| String::from_utf8_lossy(v).into_owned());
        Self {
            reason,
            status,
            reason_phrase: headers.reason().to_owned(),
            content_type: text("content-type"),
            content_encoding: text("content-encoding"),
            body: Vec::new(),
        }
    }

    /// Appends a [`Step::RejectedBody`](super::Step::RejectedBody) piece.
    pub fn extend_body(&mut self, piece: &[u8]) {
        self.body.extend_from_slice(piece);
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> alloc::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

impl core::fmt::Display for Rejection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "server answered {}", self.status)?;
        if !self.reason_phrase.is_empty() {
            write!(f, " {}", self.reason_phrase)?;
        }
        match (&self.reason, &self.content_type, &self.content_encoding) {
            (FailReason::ContentType, Some(ty), _) => {
                write!(f, " with content type {ty}, not text/event-stream")?;
            }
            (FailReason::ContentType, None, _) => {
                f.write_str(" with no content type, not text/event-stream")?;
            }
            (FailReason::ContentEncoding, _, Some(coding)) => {
                write!(f, " with Content-Encoding {coding}, which an event stream cannot be")?;
            }
            _ => {}
        }
        let body = self.body_text();
        let body = body.trim();
        if !body.is_empty() && self.reason != FailReason::ContentEncoding {
            write!(f, ": {body}")?;
        }
        Ok(())
    }
}

/// Why a reconnecting client stopped, or could not go on.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The URL is not `http[s]://host[:port]/path`.
    BadUrl(String),
    /// The connection failed for good (204, too many redirects, or
    /// closed).
    Failed(crate::FailReason),
    /// The server refused the stream: its status, content type and body.
    Rejected(Box<Rejection>),
    /// The stream broke and the reconnect mode does not open it again.
    Disconnected(Cause),
    /// An event exceeded a limit and was skipped; the stream goes on.
    Limit(ParseError),
    /// A typed event did not decode.
    #[cfg(feature = "json")]
    Typed(crate::typed::TypedError),
    /// The request could not be written (header injection refused).
    Request,
    /// The URL is `https://` and the client has no TLS connector: the
    /// request is never sent in plain text.
    TlsUnavailable(String),
    /// The TLS handshake failed (a certificate the client does not trust,
    /// a server that does not speak TLS): retrying cannot help.
    Tls(String),
    /// The transport (an HTTP client of the user's) failed in a way that
    /// retrying cannot help.
    Transport(String),
}

impl core::fmt::Display for ClientError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BadUrl(url) => write!(f, "not an http:// or https:// URL: {url}"),
            Self::Failed(reason) => write!(f, "event source failed: {reason}"),
            Self::Rejected(rejection) => write!(f, "{rejection}"),
            Self::Disconnected(cause) => write!(f, "stream ended: {cause}"),
            Self::Limit(e) => write!(f, "{e}"),
            #[cfg(feature = "json")]
            Self::Typed(e) => write!(f, "{e}"),
            Self::Request => f.write_str("request headers would inject into the HTTP head"),
            Self::TlsUnavailable(url) => write!(
                f,
                "{url} needs TLS and this client has no TLS connector; refusing to send it in plain text"
            ),
            Self::Tls(detail) | Self::Transport(detail) => f.write_str(detail),
        }
    }
}

impl core::error::Error for ClientError {}
