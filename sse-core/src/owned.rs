//! Owned events and a decoder that yields them: what an async reader needs,
//! since a `Stream` cannot lend events borrowed from its buffer. Shared by
//! every adapter.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
#[cfg(feature = "std")]
use core::fmt;

use crate::error::ParseError;
use crate::http::{Redirect, RequestHead, Url, UrlError};
use crate::parser::{Event, Limits, Parser, Status};
#[cfg(feature = "json")]
use crate::typed::{FromSseEvent, TypedError};

/// Default size of the read buffer.
pub const DEFAULT_READ_BUFFER: usize = 8 * 1024;
/// Default largest event data accepted (larger events are skipped with
/// a [`ParseError`]).
pub const DEFAULT_MAX_EVENT_BYTES: usize = 1024 * 1024;

/// Buffer sizes and limits of a reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReaderConfig {
    /// Bytes read from the transport at a time.
    pub read_buffer: usize,
    /// Largest event data accepted, in bytes.
    pub max_event_bytes: usize,
    /// Id and event-type limits.
    pub limits: Limits,
}

impl ReaderConfig {
    /// [`DEFAULT_READ_BUFFER`], [`DEFAULT_MAX_EVENT_BYTES`], [`Limits::DEFAULT`].
    pub const DEFAULT: Self = Self {
        read_buffer: DEFAULT_READ_BUFFER,
        max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
        limits: Limits::DEFAULT,
    };

    /// Sets the read buffer size (at least 1).
    #[must_use]
    pub const fn with_read_buffer(mut self, bytes: usize) -> Self {
        self.read_buffer = if bytes == 0 { 1 } else { bytes };
        self
    }

    /// Sets the largest event data accepted.
    #[must_use]
    pub const fn with_max_event_bytes(mut self, bytes: usize) -> Self {
        self.max_event_bytes = bytes;
        self
    }

    /// Sets the id and event-type limits.
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

impl Default for ReaderConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A dispatched event, owned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MessageEvent {
    /// The event type (`"message"` by default).
    pub event_type: String,
    /// The data lines joined with LF.
    pub data: String,
    /// The stream's last event ID at dispatch.
    pub id: String,
    /// A `retry` value set in this event's block, if any.
    pub retry: Option<u64>,
}

impl MessageEvent {
    /// Copies a borrowed event out of the parser.
    pub fn from_event(event: &Event<'_>) -> Self {
        Self {
            event_type: event.event_type.to_owned(),
            data: event.data.to_owned(),
            id: event.id.to_owned(),
            retry: event.retry,
        }
    }

    /// A borrowed view, for `sse-core`'s typed decoding.
    pub fn as_event(&self) -> Event<'_> {
        Event { event_type: &self.event_type, data: &self.data, id: &self.id, retry: self.retry }
    }

    #[cfg(feature = "json")]
    /// Builds a typed value (see `sse_core::FromSseEvent`).
    ///
    /// # Errors
    ///
    /// [`TypedError`] when the event does not fit the type.
    pub fn decode<'a, T: FromSseEvent<'a>>(&'a self) -> Result<T, TypedError> {
        T::from_event(&self.as_event())
    }

    #[cfg(feature = "json")]
    /// Deserializes the data as JSON (with `serde-json-core`).
    ///
    /// # Errors
    ///
    /// [`TypedError::JsonDecode`] if the data is not that JSON.
    pub fn json<'a, T: serde::Deserialize<'a>>(&'a self) -> Result<T, TypedError> {
        crate::typed::json_value(&self.data)
    }
}

/// A parser on a heap buffer sized from a [`ReaderConfig`], yielding
/// [`MessageEvent`]s. Adapters feed it whatever bytes they read.
///
/// ```
/// use sse_core::owned::{EventDecoder, ReaderConfig};
///
/// let mut decoder = EventDecoder::new(&ReaderConfig::DEFAULT);
/// let (used, event) = decoder.feed(b"id: 7\ndata: hi\n\nrest");
/// assert_eq!(used, 16);
/// assert_eq!(event.unwrap().unwrap().data, "hi");
/// assert_eq!(decoder.last_event_id(), "7");
/// ```
#[derive(Debug)]
pub struct EventDecoder {
    parser: Parser<Vec<u8>>,
}

impl EventDecoder {
    /// A decoder whose buffer holds `max_event_bytes` of data plus the id
    /// and event-type limits.
    pub fn new(config: &ReaderConfig) -> Self {
        let size = config.max_event_bytes.saturating_add(config.limits.reserved_bytes()).max(1);
        let parser = Parser::with_limits(vec![0; size], config.limits)
            .unwrap_or_else(|_| Parser::new(vec![0; size]));
        Self { parser }
    }

    /// Parses from `input`: the bytes consumed, and an event or a limit
    /// error if one is ready (feed the rest again).
    pub fn feed(&mut self, input: &[u8]) -> (usize, Option<Result<MessageEvent, ParseError>>) {
        let feed = self.parser.feed(input);
        let item = match feed.status {
            Status::Event(event) => Some(Ok(MessageEvent::from_event(&event))),
            Status::Error(e) => Some(Err(e)),
            Status::NeedMore => None,
        };
        (feed.consumed, item)
    }

    /// The end of the stream: a partial event is discarded.
    pub fn finish(&mut self) {
        self.parser.finish();
    }

    /// The last event ID seen (or seeded).
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// The last `retry` value seen, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.parser.retry()
    }

    /// Seeds the last event ID, e.g. the one a reconnecting client resumes
    /// from.
    ///
    /// # Errors
    ///
    /// [`ParseError::IdTooLong`] if it exceeds the id limit.
    pub fn set_last_event_id(&mut self, id: &str) -> Result<(), ParseError> {
        self.parser.set_last_event_id(id)
    }
}

/// The request that opened a stream, owned: what a server hands its
/// stream handlers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// The method (`GET` or `HEAD` for streams).
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// The client's `Last-Event-ID`, if it sent a non-empty one.
    pub last_event_id: Option<String>,
    /// All headers, names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Request {
    /// Copies a parsed head.
    ///
    /// # Errors
    ///
    /// The status to answer with: `400` if `Last-Event-ID` is not UTF-8.
    pub fn from_head(head: &RequestHead<'_, '_>) -> Result<Self, u16> {
        if head.header("last-event-id").is_some_and(|v| core::str::from_utf8(v).is_err()) {
            return Err(400);
        }
        Ok(Self {
            method: head.method.to_owned(),
            path: head.path.to_owned(),
            query: head.query.map(str::to_owned),
            last_event_id: head.last_event_id().map(str::to_owned),
            headers: head.headers().iter().map(|h| (h.name.to_owned(), h.value.to_vec())).collect(),
        })
    }

    /// A header's value by name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }
}

/// Where a client connects: the parts of a [`Url`], owned, so a
/// reconnecting client can keep it and follow redirects.
///
/// ```
/// use sse_core::owned::Target;
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

/// Settings of a reconnecting client, shared by the async adapters.
#[cfg(feature = "json")]
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The reconnect policy.
    pub reconnect: crate::ReconnectConfig,
    /// Reader buffer and event limits.
    pub reader: ReaderConfig,
    /// `GET` or `POST`.
    pub method: String,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
    /// A request body (sent on every reconnect).
    pub body: Option<Vec<u8>>,
    /// The `Last-Event-ID` to start from.
    pub last_event_id: String,
    /// Largest response head accepted.
    pub max_head_bytes: usize,
    /// Time to connect and receive the response head before the attempt
    /// counts as failed (and is retried).
    pub head_timeout: core::time::Duration,
}

#[cfg(feature = "json")]
impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            reconnect: crate::ReconnectConfig::DEFAULT,
            reader: ReaderConfig::DEFAULT,
            method: "GET".to_owned(),
            headers: Vec::new(),
            body: None,
            last_event_id: String::new(),
            max_head_bytes: 16 * 1024,
            head_timeout: core::time::Duration::from_secs(30),
        }
    }
}

#[cfg(feature = "json")]
impl ClientConfig {
    /// The request head (and body) for `target`, resuming after
    /// `last_event_id`. `origin` is the URL the client was made for:
    /// credentials (`Authorization`, `Proxy-Authorization`, `Cookie`) go
    /// only to it (same scheme, host and port), never to another host a
    /// redirect names. After a `303 See Other` (`see_other`) the request is
    /// a `GET` without the body.
    ///
    /// # Errors
    ///
    /// [`ClientError::Request`] if the method, a header or the id would
    /// inject into the head.
    pub fn request(
        &self,
        target: &Target,
        origin: &Target,
        last_event_id: &str,
        see_other: bool,
    ) -> Result<Vec<u8>, ClientError> {
        let same_origin = target.https == origin.https
            && target.port == origin.port
            && target.host.eq_ignore_ascii_case(&origin.host);
        let credential = |name: &str| {
            ["authorization", "proxy-authorization", "cookie"]
                .iter()
                .any(|c| name.eq_ignore_ascii_case(c))
        };
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .filter(|(name, _)| same_origin || !credential(name))
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let request = crate::http::ClientRequest {
            method: if see_other { "GET" } else { &self.method },
            host: &target.authority,
            path: &target.path,
            last_event_id,
            headers: &headers,
            body: if see_other { None } else { self.body.as_deref() },
        };
        let mut head = Vec::new();
        crate::http::write_request(&mut head, &request).map_err(|_| ClientError::Request)?;
        Ok(head)
    }
}

/// Why a reconnecting client stopped, or could not go on.
#[cfg(feature = "json")]
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The URL is not `http://host[:port]/path`.
    BadUrl(String),
    /// The connection failed for good (204, a status, the content type,
    /// too many redirects, or closed).
    Failed(crate::FailReason),
    /// An event exceeded a limit and was skipped; the stream goes on.
    Limit(ParseError),
    /// A typed event did not decode.
    Typed(TypedError),
    /// The request could not be written (header injection refused).
    Request,
}

#[cfg(feature = "json")]
impl core::fmt::Display for ClientError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BadUrl(url) => write!(f, "not an http:// URL: {url}"),
            Self::Failed(reason) => write!(f, "event source failed: {reason}"),
            Self::Limit(e) => write!(f, "{e}"),
            Self::Typed(e) => write!(f, "{e}"),
            Self::Request => f.write_str("request headers would inject into the HTTP head"),
        }
    }
}

#[cfg(feature = "json")]
impl core::error::Error for ClientError {}

/// Jitter for reconnect delays: a xorshift generator. Delays need spread
/// between clients, not cryptographic strength.
#[derive(Clone, Copy, Debug)]
pub struct Jitter(u64);

impl Jitter {
    /// A generator from `seed` (any value; zero is made odd).
    pub const fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    /// The next value, as `Reconnect::on_response` and `on_disconnect`
    /// take it.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// Why reading events failed.
#[cfg(feature = "std")]
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// An event exceeded a limit; it was skipped and reading can go on.
    Limit(ParseError),
    /// The transport failed; the stream is over.
    Io(std::io::Error),
}

#[cfg(feature = "std")]
impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Limit(e) => write!(f, "{e}"),
            Self::Io(e) => write!(f, "reading the event stream failed: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Limit(e) => Some(e),
            Self::Io(e) => Some(e),
        }
    }
}

#[cfg(feature = "std")]
impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// Why writing an event failed.
#[cfg(all(feature = "std", feature = "json"))]
#[derive(Debug)]
#[non_exhaustive]
pub enum WriteError {
    /// The frame would inject fields (nothing was written).
    Frame(crate::error::FrameError),
    /// A typed event could not be encoded (nothing was written).
    Typed(crate::typed::TypedError),
    /// The transport failed; part of the frame may have been written.
    Io(std::io::Error),
}

#[cfg(all(feature = "std", feature = "json"))]
impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Frame(e) => write!(f, "invalid frame: {e}"),
            Self::Typed(e) => write!(f, "cannot encode event: {e}"),
            Self::Io(e) => write!(f, "writing the event stream failed: {e}"),
        }
    }
}

#[cfg(all(feature = "std", feature = "json"))]
impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Frame(e) => Some(e),
            Self::Typed(e) => Some(e),
            Self::Io(e) => Some(e),
        }
    }
}

/// Encoding into a `Vec` cannot fail on the sink side; only the frame can
/// be refused.
#[cfg(all(feature = "std", feature = "json"))]
impl From<crate::error::WriteError<std::convert::Infallible>> for WriteError {
    fn from(e: crate::error::WriteError<std::convert::Infallible>) -> Self {
        match e {
            crate::error::WriteError::Invalid(e) => Self::Frame(e),
            crate::error::WriteError::Sink(never) => match never {},
        }
    }
}

#[cfg(all(feature = "std", feature = "json"))]
impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}
