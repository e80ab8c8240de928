//! The HTTP/1.1 handshake of an event stream, sans-IO: request and response
//! heads parsed with `httparse` into caller storage, heads written through
//! a [`Sink`], and a resumable decoder for the chunked transfer coding.
//!
//! Server: [`parse_request`], then [`RequestHead::check`], then
//! [`write_stream_head`] (or [`write_status_head`] to refuse). Client:
//! [`Url::parse`], [`write_request`], then [`parse_response`], then a
//! [`BodyDecoder`] for the body's framing ([`Url::resolve`] for redirects).

use core::fmt;
use core::str;

pub use crate::body::BodyDecoder;
use crate::encoder::Sink;
use crate::reconnect::is_event_stream;
pub use crate::url::{Redirect, Url, UrlError};

/// Default limit on the bytes of a request or response head.
pub const DEFAULT_MAX_HEAD_BYTES: usize = 8 * 1024;
/// Default limit on header lines; it is the length of the caller's
/// `httparse::Header` array, this constant is a suggestion for it.
pub const DEFAULT_MAX_HEADERS: usize = 32;
/// Default longest chunk-size line (size and extensions, without CRLF) the
/// decoder accepts; see [`ChunkedDecoder::with_limits`].
pub const MAX_CHUNK_LINE: usize = 1024;
/// Default longest trailer section (its field lines with their CRLFs, not
/// the final empty line) the decoder skips.
pub const MAX_TRAILER_BYTES: usize = 8 * 1024;

pub use httparse::{Header, EMPTY_HEADER};

/// A head that cannot be accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeadError {
    /// The head is not complete within `limit` bytes.
    TooLarge {
        /// The head size limit.
        limit: usize,
    },
    /// More header lines than the caller's array holds.
    TooManyHeaders {
        /// The number of header slots.
        limit: usize,
    },
    /// Not valid HTTP/1.x.
    Malformed,
}

impl HeadError {
    /// The status a server should answer with: 431 for size limits, 400
    /// for malformed requests.
    pub fn status(&self) -> u16 {
        match self {
            Self::TooLarge { .. } | Self::TooManyHeaders { .. } => 431,
            Self::Malformed => 400,
        }
    }
}

impl fmt::Display for HeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { limit } => write!(f, "HTTP head exceeds {limit} bytes"),
            Self::TooManyHeaders { limit } => write!(f, "more than {limit} HTTP header lines"),
            Self::Malformed => f.write_str("malformed HTTP head"),
        }
    }
}

impl core::error::Error for HeadError {}

/// The head length once `parse` (httparse over at most `max_head` bytes of
/// a `buf_len`-byte buffer) is complete; `None` while more may come.
fn complete_len(
    parse: Result<httparse::Status<usize>, httparse::Error>,
    buf_len: usize,
    max_head: usize,
    header_slots: usize,
) -> Result<Option<usize>, HeadError> {
    match parse {
        Ok(httparse::Status::Complete(len)) => Ok(Some(len)),
        Ok(httparse::Status::Partial) if buf_len >= max_head => {
            Err(HeadError::TooLarge { limit: max_head })
        }
        Ok(httparse::Status::Partial) => Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            Err(HeadError::TooManyHeaders { limit: header_slots })
        }
        Err(_) => Err(HeadError::Malformed),
    }
}

fn find_header<'b>(headers: &[Header<'b>], name: &str) -> Option<&'b [u8]> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value)
}

/// A parsed request head. Strings borrow the input buffer.
#[derive(Debug)]
pub struct RequestHead<'h, 'b> {
    /// The method, e.g. `GET`.
    pub method: &'b str,
    /// The path, without the query.
    pub path: &'b str,
    /// The query string after `?`, if any.
    pub query: Option<&'b str>,
    /// Bytes of the head, including its blank line; the body starts here.
    pub head_len: usize,
    headers: &'h [Header<'b>],
}

/// Why a request is refused (see [`RequestHead::check`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reject {
    /// 405: the method is not allowed.
    MethodNotAllowed,
    /// 404: no stream at this path.
    NotFound,
    /// 400: a header is unusable (e.g. `Last-Event-ID` not UTF-8).
    BadRequest,
}

impl Reject {
    /// The status code to answer with.
    pub fn status(&self) -> u16 {
        match self {
            Self::MethodNotAllowed => 405,
            Self::NotFound => 404,
            Self::BadRequest => 400,
        }
    }
}

impl<'h, 'b> RequestHead<'h, 'b> {
    /// The first header with this name (case-insensitive), raw.
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        find_header(self.headers, name)
    }

    /// All headers, in order.
    pub fn headers(&self) -> &'h [Header<'b>] {
        self.headers
    }

    /// The `Last-Event-ID` header, if present and valid UTF-8 (an empty
    /// value counts as absent).
    pub fn last_event_id(&self) -> Option<&'b str> {
        self.header("last-event-id").and_then(|v| str::from_utf8(v).ok()).filter(|v| !v.is_empty())
    }

    /// Where the client asks to resume: the `Last-Event-ID` header, or,
    /// when the header is absent or empty, the [`LAST_EVENT_ID_PARAM`]
    /// query parameter. A browser's `EventSource` cannot set the header on
    /// its first connection, so a page that kept the last id (in
    /// `localStorage`, say) passes it in the URL; the header wins when
    /// both are present.
    ///
    /// ```
    /// use sse_core::http::{parse_request, ResumeId, EMPTY_HEADER};
    ///
    /// let raw = b"GET /events?lastEventId=1700000000000-0%2B1 HTTP/1.1\r\n\r\n";
    /// let mut headers = [EMPTY_HEADER; 4];
    /// let head = parse_request(raw, &mut headers, 1024).unwrap().unwrap();
    /// let id = head.resume_id().unwrap();
    /// assert_eq!(id, ResumeId::Query("1700000000000-0%2B1"));
    /// let mut out = [0u8; 64];
    /// assert_eq!(id.decode(&mut out), Some("1700000000000-0+1"));
    /// ```
    pub fn resume_id(&self) -> Option<ResumeId<'b>> {
        match self.header("last-event-id") {
            Some(v) if !v.is_empty() => Some(ResumeId::Header(v)),
            _ => query_param(self.query?, LAST_EVENT_ID_PARAM)
                .filter(|v| !v.is_empty())
                .map(ResumeId::Query),
        }
    }

    /// The `Accept` header, if present and UTF-8.
    pub fn accept(&self) -> Option<&'b str> {
        self.header("accept").and_then(|v| str::from_utf8(v).ok())
    }

    /// The `Origin` header, for CORS.
    pub fn origin(&self) -> Option<&'b str> {
        self.header("origin").and_then(|v| str::from_utf8(v).ok())
    }

    /// Whether the client accepts an event stream: no `Accept` header, or
    /// one listing `text/event-stream`, `text/*` or `*/*`.
    pub fn accepts_event_stream(&self) -> bool {
        let Some(accept) = self.accept() else { return true };
        accept.split(',').any(|range| {
            let essence = range.split(';').next().unwrap_or("").trim();
            is_event_stream(essence) || essence.eq_ignore_ascii_case("text/*") || essence == "*/*"
        })
    }

    /// Checks a request for an event stream at `path`: `GET` (or `HEAD`)
    /// only, exact path, and a `Last-Event-ID` that is valid UTF-8.
    ///
    /// # Errors
    ///
    /// The [`Reject`] to answer with.
    pub fn check(&self, path: &str) -> Result<(), Reject> {
        if self.method != "GET" && self.method != "HEAD" {
            return Err(Reject::MethodNotAllowed);
        }
        if self.path != path {
            return Err(Reject::NotFound);
        }
        if let Some(id) = self.resume_id() {
            if !id.is_valid() {
                return Err(Reject::BadRequest);
            }
        }
        Ok(())
    }
}

/// The query parameter a page passes its last event id in when it cannot
/// send the `Last-Event-ID` header (see [`RequestHead::resume_id`]).
pub const LAST_EVENT_ID_PARAM: &str = "lastEventId";

/// The id a client resumes from, as it arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResumeId<'b> {
    /// The `Last-Event-ID` header's raw value.
    Header(&'b [u8]),
    /// The [`LAST_EVENT_ID_PARAM`] query parameter, still percent-encoded
    /// (`+` stands for a space, as in a form).
    Query(&'b str),
}

impl ResumeId<'_> {
    /// The id, decoded into `out`: `None` if it does not fit, has a bad
    /// escape or is not UTF-8 (such a request is refused with 400).
    pub fn decode<'o>(&self, out: &'o mut [u8]) -> Option<&'o str> {
        let len = match *self {
            Self::Header(raw) => {
                out.get_mut(..raw.len())?.copy_from_slice(raw);
                raw.len()
            }
            Self::Query(raw) => percent_decode(raw.as_bytes(), out)?,
        };
        str::from_utf8(&out[..len]).ok()
    }

    /// Whether the id decodes (escapes well formed, UTF-8).
    pub fn is_valid(&self) -> bool {
        match *self {
            Self::Header(raw) => str::from_utf8(raw).is_ok(),
            Self::Query(raw) => {
                // Validate as the bytes decode, one character at a time.
                let (mut char_buf, mut have, mut need) = ([0u8; 4], 0, 0);
                let decoded = each_decoded(raw.as_bytes(), |byte| {
                    if need == 0 {
                        need = match byte {
                            0x00..=0x7f => 1,
                            0xc0..=0xdf => 2,
                            0xe0..=0xef => 3,
                            0xf0..=0xf7 => 4,
                            _ => return false,
                        };
                        have = 0;
                    }
                    char_buf[have] = byte;
                    have += 1;
                    if have < need {
                        return true;
                    }
                    need = 0;
                    str::from_utf8(&char_buf[..have]).is_ok()
                });
                decoded && need == 0
            }
        }
    }

    /// The id, decoded (`None` as for [`decode`](Self::decode)).
    #[cfg(feature = "alloc")]
    pub fn to_string(&self) -> Option<alloc::string::String> {
        let len = match *self {
            Self::Header(raw) => raw.len(),
            Self::Query(raw) => raw.len(),
        };
        let mut out = alloc::vec![0u8; len];
        let id = self.decode(&mut out)?;
        Some(alloc::string::String::from(id))
    }
}

/// The raw value of the first `name=value` pair in `query`.
pub fn query_param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then_some(value)
    })
}

/// Percent-decodes `raw` into `out` (`+` is a space): the decoded length,
/// or `None` for a bad escape or too small an `out`.
fn percent_decode(raw: &[u8], out: &mut [u8]) -> Option<usize> {
    let mut len = 0;
    let fits = each_decoded(raw, |byte| match out.get_mut(len) {
        Some(slot) => {
            *slot = byte;
            len += 1;
            true
        }
        None => false,
    });
    fits.then_some(len)
}

/// Hands each percent-decoded byte of `raw` to `f` until it returns
/// false; whether every byte decoded and was taken.
fn each_decoded(raw: &[u8], mut f: impl FnMut(u8) -> bool) -> bool {
    let mut i = 0;
    while i < raw.len() {
        let byte = match raw[i] {
            b'%' => {
                let (Some(hi), Some(lo)) =
                    (raw.get(i + 1).and_then(|&b| hex(b)), raw.get(i + 2).and_then(|&b| hex(b)))
                else {
                    return false;
                };
                i += 2;
                hi << 4 | lo
            }
            b'+' => b' ',
            b => b,
        };
        if !f(byte) {
            return false;
        }
        i += 1;
    }
    true
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses a request head from the start of `buf` into `headers`.
///
/// Returns `Ok(None)` while the head is incomplete and under `max_head`
/// bytes: read more and call again with the whole buffer.
///
/// ```
/// use sse_core::http::{parse_request, EMPTY_HEADER};
///
/// let mut headers = [EMPTY_HEADER; 16];
/// let buf = b"GET /events?topic=a HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 41\r\n\r\n";
/// let head = parse_request(buf, &mut headers, 8192).unwrap().unwrap();
/// assert_eq!((head.method, head.path, head.query), ("GET", "/events", Some("topic=a")));
/// assert_eq!(head.last_event_id(), Some("41"));
/// assert!(head.check("/events").is_ok());
/// ```
///
/// # Errors
///
/// [`HeadError`]; its [`status`](HeadError::status) is the answer to send.
pub fn parse_request<'h, 'b>(
    buf: &'b [u8],
    headers: &'h mut [Header<'b>],
    max_head: usize,
) -> Result<Option<RequestHead<'h, 'b>>, HeadError> {
    let slots = headers.len();
    let mut req = httparse::Request::new(headers);
    let parsed = req.parse(&buf[..buf.len().min(max_head)]);
    let Some(head_len) = complete_len(parsed, buf.len(), max_head, slots)? else {
        return Ok(None);
    };
    let method = req.method.ok_or(HeadError::Malformed)?;
    let target = req.path.ok_or(HeadError::Malformed)?;
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    Ok(Some(RequestHead { method, path, query, head_len, headers: req.headers }))
}

impl<'h, 'b> RequestHead<'h, 'b> {
    /// A head that arrived already parsed (an HTTP/2 request's method,
    /// `:path` split at `?`, and headers), so the same
    /// [`Handshake`](crate::server::Handshake) decisions apply to it.
    /// `head_len` is 0.
    pub fn from_parts(
        method: &'b str,
        path: &'b str,
        query: Option<&'b str>,
        headers: &'h [Header<'b>],
    ) -> Self {
        Self { method, path, query, head_len: 0, headers }
    }
}

/// Options of the `200` stream head.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StreamHead<'a> {
    /// `Access-Control-Allow-Origin` value (e.g. `*` or the request's
    /// `Origin`); `None` writes no CORS headers.
    pub allow_origin: Option<&'a str>,
}

impl<'a> StreamHead<'a> {
    /// The stream response's header fields, names in their usual case, in
    /// the order [`write_stream_head`] writes them (it adds only
    /// `Connection: close`, which HTTP/2 forbids): what an HTTP/2 server
    /// sends with its `200`.
    ///
    /// ```
    /// use sse_core::http::StreamHead;
    ///
    /// let head = StreamHead { allow_origin: Some("*") };
    /// let fields: Vec<_> = head.fields().collect();
    /// assert_eq!(fields[0], ("Content-Type", "text/event-stream"));
    /// assert!(fields.contains(&("Access-Control-Allow-Origin", "*")));
    /// ```
    pub fn fields(&self) -> impl Iterator<Item = (&'static str, &'a str)> + 'a {
        let cors = self
            .allow_origin
            .map(|origin| [("Access-Control-Allow-Origin", origin), CORS_ALLOW_HEADERS]);
        STREAM_FIELDS.into_iter().chain(cors.into_iter().flatten())
    }

    /// Whether the fields can be sent (the origin has no CR, LF or NUL).
    pub fn is_valid(&self) -> bool {
        self.allow_origin.map_or(true, |origin| valid_value(origin.as_bytes()))
    }
}

/// Why a head could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeadWriteError<E> {
    /// A value contains CR, LF or NUL (header injection), or a header name
    /// is not a token.
    Invalid,
    /// The sink failed.
    Sink(E),
}

impl<E: fmt::Display> fmt::Display for HeadWriteError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid => f.write_str("header name or value would inject into the HTTP head"),
            Self::Sink(e) => write!(f, "sink error: {e}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for HeadWriteError<E> {}

fn valid_value(v: &[u8]) -> bool {
    !v.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0)
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn put<S: Sink>(sink: &mut S, parts: &[&[u8]]) -> Result<(), HeadWriteError<S::Error>> {
    parts.iter().try_for_each(|p| sink.write(p)).map_err(HeadWriteError::Sink)
}

/// Writes the `200` head that starts an event stream: `Content-Type:
/// text/event-stream`, `Cache-Control: no-cache`, `X-Accel-Buffering: no`
/// (so nginx does not buffer), optional CORS, and `Connection: close`: the
/// body is delimited by the end of the connection, with no chunking.
///
/// ```
/// use sse_core::http::{write_stream_head, StreamHead};
/// let mut out = Vec::new();
/// write_stream_head(&mut out, &StreamHead { allow_origin: Some("*") }).unwrap();
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"));
/// assert!(text.contains("\r\nAccess-Control-Allow-Origin: *\r\n"));
/// assert!(text.ends_with("\r\n\r\n"));
/// ```
///
/// # Errors
///
/// [`HeadWriteError::Invalid`] if the origin contains CR, LF or NUL;
/// [`HeadWriteError::Sink`] if the sink fails.
pub fn write_stream_head<S: Sink>(
    sink: &mut S,
    head: &StreamHead<'_>,
) -> Result<(), HeadWriteError<S::Error>> {
    if !head.is_valid() {
        return Err(HeadWriteError::Invalid);
    }
    put(sink, &[b"HTTP/1.1 200 OK\r\n"])?;
    // Plain loops over the same fields `StreamHead::fields` lists: an
    // iterator chain costs half a KiB of flash here.
    let field = |sink: &mut S, (name, value): (&str, &str)| {
        put(sink, &[name.as_bytes(), b": ", value.as_bytes(), b"\r\n"])
    };
    for pair in STREAM_FIELDS {
        field(sink, pair)?;
    }
    if let Some(origin) = head.allow_origin {
        field(sink, ("Access-Control-Allow-Origin", origin))?;
        field(sink, CORS_ALLOW_HEADERS)?;
    }
    put(sink, &[b"Connection: close\r\n\r\n"])
}

/// The stream response's fields, whatever the options.
const STREAM_FIELDS: [(&str, &str); 3] = [
    ("Content-Type", "text/event-stream"),
    ("Cache-Control", "no-cache"),
    ("X-Accel-Buffering", "no"),
];
/// Sent with `Access-Control-Allow-Origin`.
const CORS_ALLOW_HEADERS: (&str, &str) =
    ("Access-Control-Allow-Headers", "Last-Event-ID, Cache-Control");

/// Writes a head with no body for a refusal or a stop: `204` (tell an
/// EventSource to stop reconnecting), `400`, `404`, `405` (with `Allow:
/// GET, HEAD`), `431`, or any other status.
///
/// # Errors
///
/// [`HeadWriteError::Sink`] if the sink fails.
pub fn write_status_head<S: Sink>(
    sink: &mut S,
    status: u16,
) -> Result<(), HeadWriteError<S::Error>> {
    let reason: &[u8] = match status {
        204 => b"No Content",
        400 => b"Bad Request",
        404 => b"Not Found",
        405 => b"Method Not Allowed",
        406 => b"Not Acceptable",
        431 => b"Request Header Fields Too Large",
        500 => b"Internal Server Error",
        503 => b"Service Unavailable",
        _ => b"Status",
    };
    let mut code = itoa::Buffer::new();
    put(sink, &[b"HTTP/1.1 ", code.format(status).as_bytes(), b" ", reason, b"\r\n"])?;
    if status == 405 {
        put(sink, &[b"Allow: GET, HEAD\r\n"])?;
    }
    if status != 204 {
        put(sink, &[b"Content-Length: 0\r\n"])?;
    }
    put(sink, &[b"Connection: close\r\n\r\n"])
}

/// Writes a `503 Service Unavailable` with `Retry-After: retry_after_secs`
/// and `Connection: close`: the answer of a server at its connection
/// limit.
///
/// ```
/// use sse_core::http::write_busy_head;
///
/// let mut out = Vec::new();
/// write_busy_head(&mut out, 2).unwrap();
/// assert!(out.starts_with(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\n"));
/// ```
///
/// # Errors
///
/// [`HeadWriteError::Sink`] if the sink fails.
pub fn write_busy_head<S: Sink>(
    sink: &mut S,
    retry_after_secs: u64,
) -> Result<(), HeadWriteError<S::Error>> {
    let mut secs = itoa::Buffer::new();
    put(
        sink,
        &[
            b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: ",
            secs.format(retry_after_secs).as_bytes(),
            b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ],
    )
}

/// Writes the head of a `200 OK` with a fixed body of `len` bytes (the page
/// that opens a stream, say), then `Connection: close`. The body follows.
///
/// ```
/// use sse_core::http::write_body_head;
/// let mut out = Vec::new();
/// write_body_head(&mut out, "text/html", 5).unwrap();
/// assert!(out.starts_with(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n"));
/// assert!(out.ends_with(b"\r\n\r\n"));
/// ```
///
/// # Errors
///
/// [`HeadWriteError::Invalid`] if the content type would inject into the
/// head; [`HeadWriteError::Sink`] if the sink fails.
pub fn write_body_head<S: Sink>(
    sink: &mut S,
    content_type: &str,
    len: usize,
) -> Result<(), HeadWriteError<S::Error>> {
    if !valid_value(content_type.as_bytes()) {
        return Err(HeadWriteError::Invalid);
    }
    let mut n = itoa::Buffer::new();
    put(sink, &[b"HTTP/1.1 200 OK\r\nContent-Type: ", content_type.as_bytes(), b"\r\n"])?;
    put(sink, &[b"Content-Length: ", n.format(len).as_bytes(), b"\r\n"])?;
    put(sink, &[b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n"])
}

/// A client request for an event stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientRequest<'a> {
    /// `GET`, or `POST` for APIs that stream the response to a POST.
    pub method: &'a str,
    /// The `Host` header value (host, and port if not the default).
    pub host: &'a str,
    /// The request target: path and query.
    pub path: &'a str,
    /// Sent as `Last-Event-ID` when non-empty.
    pub last_event_id: &'a str,
    /// Extra headers (e.g. `Authorization`, `Content-Type`).
    pub headers: &'a [(&'a str, &'a str)],
    /// A body, sent with `Content-Length`.
    pub body: Option<&'a [u8]>,
}

impl<'a> ClientRequest<'a> {
    /// A `GET` for `path` on `host`.
    pub const fn get(host: &'a str, path: &'a str) -> Self {
        Self { method: "GET", host, path, last_event_id: "", headers: &[], body: None }
    }
}

/// Writes a client request: `Accept: text/event-stream`, `Cache-Control:
/// no-cache`, `Last-Event-ID` when non-empty, the extra headers, and the
/// body with its `Content-Length`.
///
/// ```
/// use sse_core::http::{write_request, ClientRequest};
/// let mut out = Vec::new();
/// let req = ClientRequest { last_event_id: "17", ..ClientRequest::get("example.test", "/events") };
/// write_request(&mut out, &req).unwrap();
/// assert_eq!(
///     out,
///     b"GET /events HTTP/1.1\r\nHost: example.test\r\nAccept: text/event-stream\r\n\
///       Cache-Control: no-cache\r\nLast-Event-ID: 17\r\n\r\n"
/// );
/// ```
///
/// # Errors
///
/// [`HeadWriteError::Invalid`] if any part would inject into the head (CR,
/// LF or NUL in a value, space in the path, a header name that is not a
/// token), or an extra header would conflict with the ones written here
/// (`Host`, `Content-Length`, `Transfer-Encoding`); [`HeadWriteError::Sink`]
/// if the sink fails.
pub fn write_request<S: Sink>(
    sink: &mut S,
    req: &ClientRequest<'_>,
) -> Result<(), HeadWriteError<S::Error>> {
    write_request_with(sink, req, |_| true)
}

/// [`write_request`], writing only the extra headers whose name `keep`
/// accepts (every header is still checked for injection).
pub(crate) fn write_request_with<S: Sink>(
    sink: &mut S,
    req: &ClientRequest<'_>,
    keep: impl Fn(&str) -> bool,
) -> Result<(), HeadWriteError<S::Error>> {
    let ok = valid_name(req.method)
        && !req.path.is_empty()
        && !req.path.bytes().any(|b| b <= b' ')
        && valid_value(req.host.as_bytes())
        && valid_value(req.last_event_id.as_bytes())
        && req.headers.iter().all(|(n, v)| {
            valid_name(n)
                && valid_value(v.as_bytes())
                && !["host", "content-length", "transfer-encoding"]
                    .iter()
                    .any(|reserved| n.eq_ignore_ascii_case(reserved))
        });
    if !ok {
        return Err(HeadWriteError::Invalid);
    }
    put(sink, &[req.method.as_bytes(), b" ", req.path.as_bytes(), b" HTTP/1.1\r\n"])?;
    put(sink, &[b"Host: ", req.host.as_bytes(), b"\r\n"])?;
    put(sink, &[b"Accept: text/event-stream\r\nCache-Control: no-cache\r\n"])?;
    if !req.last_event_id.is_empty() {
        put(sink, &[b"Last-Event-ID: ", req.last_event_id.as_bytes(), b"\r\n"])?;
    }
    for (name, value) in req.headers.iter().filter(|(name, _)| keep(name)) {
        put(sink, &[name.as_bytes(), b": ", value.as_bytes(), b"\r\n"])?;
    }
    if let Some(body) = req.body {
        let mut len = itoa::Buffer::new();
        put(sink, &[b"Content-Length: ", len.format(body.len()).as_bytes(), b"\r\n\r\n", body])
    } else {
        put(sink, &[b"\r\n"])
    }
}

/// A parsed response head.
#[derive(Debug)]
pub struct ResponseHead<'h, 'b> {
    /// The status code.
    pub status: u16,
    /// Bytes of the head, including its blank line; the body starts here.
    pub head_len: usize,
    headers: &'h [Header<'b>],
}

/// How a response body is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyFraming {
    /// `Transfer-Encoding: chunked`: decode with [`ChunkedDecoder`].
    Chunked,
    /// `Content-Length`: exactly this many bytes.
    Length(u64),
    /// Neither: the body ends when the connection closes.
    UntilClose,
}

impl<'h, 'b> ResponseHead<'h, 'b> {
    /// The first header with this name (case-insensitive), raw.
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        find_header(self.headers, name)
    }

    /// The `Content-Type` header, if present and UTF-8.
    pub fn content_type(&self) -> Option<&'b str> {
        self.header("content-type").and_then(|v| str::from_utf8(v).ok())
    }

    /// Whether the content type's essence is `text/event-stream`.
    pub fn is_event_stream(&self) -> bool {
        self.content_type().is_some_and(is_event_stream)
    }

    /// The `Location` header (redirect target), if present and UTF-8.
    pub fn location(&self) -> Option<&'b str> {
        self.header("location").and_then(|v| str::from_utf8(v).ok())
    }

    /// How the body is delimited (RFC 9112, section 6.3): a
    /// `Transfer-Encoding` decides whenever present (chunked if its final
    /// coding is `chunked`, else until close); otherwise `Content-Length`.
    ///
    /// # Errors
    ///
    /// [`HeadError::Malformed`] for a `Content-Length` that is not digits,
    /// or several that disagree.
    pub fn framing(&self) -> Result<BodyFraming, HeadError> {
        let mut last_coding: Option<&[u8]> = None;
        for h in self.headers.iter().filter(|h| h.name.eq_ignore_ascii_case("transfer-encoding")) {
            for coding in h.value.split(|&b| b == b',') {
                let coding = coding.trim_ascii();
                if !coding.is_empty() {
                    last_coding = Some(coding);
                }
            }
        }
        if let Some(coding) = last_coding {
            return Ok(if coding.eq_ignore_ascii_case(b"chunked") {
                BodyFraming::Chunked
            } else {
                BodyFraming::UntilClose
            });
        }
        let mut length = None;
        for h in self.headers.iter().filter(|h| h.name.eq_ignore_ascii_case("content-length")) {
            for value in h.value.split(|&b| b == b',') {
                let value = value.trim_ascii();
                if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
                    return Err(HeadError::Malformed);
                }
                let n = str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or(HeadError::Malformed)?;
                if length.is_some_and(|l| l != n) {
                    return Err(HeadError::Malformed);
                }
                length = Some(n);
            }
        }
        Ok(length.map_or(BodyFraming::UntilClose, BodyFraming::Length))
    }
}

/// Parses a response head from the start of `buf` into `headers`;
/// `Ok(None)` while incomplete (see [`parse_request`]).
///
/// ```
/// use sse_core::http::{parse_response, BodyFraming, EMPTY_HEADER};
///
/// let mut headers = [EMPTY_HEADER; 16];
/// let buf = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n\
///             Transfer-Encoding: chunked\r\n\r\n5\r\n...";
/// let head = parse_response(buf, &mut headers, 8192).unwrap().unwrap();
/// assert_eq!(head.status, 200);
/// assert!(head.is_event_stream());
/// assert_eq!(head.framing(), Ok(BodyFraming::Chunked));
/// assert_eq!(&buf[head.head_len..], b"5\r\n...");
/// ```
///
/// # Errors
///
/// [`HeadError`] for oversized or malformed heads.
pub fn parse_response<'h, 'b>(
    buf: &'b [u8],
    headers: &'h mut [Header<'b>],
    max_head: usize,
) -> Result<Option<ResponseHead<'h, 'b>>, HeadError> {
    let slots = headers.len();
    let mut res = httparse::Response::new(headers);
    let parsed = res.parse(&buf[..buf.len().min(max_head)]);
    let Some(head_len) = complete_len(parsed, buf.len(), max_head, slots)? else {
        return Ok(None);
    };
    let status = res.code.ok_or(HeadError::Malformed)?;
    Ok(Some(ResponseHead { status, head_len, headers: res.headers }))
}

/// Why a chunked body could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChunkedError {
    /// A chunk-size line is not hex digits (plus extensions) and CRLF, or a
    /// chunk's data is not followed by CRLF.
    Malformed,
    /// A chunk size does not fit in 64 bits.
    SizeOverflow,
    /// A chunk-size line is longer than the limit ([`MAX_CHUNK_LINE`] by
    /// default).
    LineTooLong,
    /// The trailer section is longer than the limit ([`MAX_TRAILER_BYTES`]
    /// by default).
    TrailerTooLong,
}

impl fmt::Display for ChunkedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "malformed chunked body",
            Self::SizeOverflow => "chunk size overflows",
            Self::LineTooLong => "chunk-size line too long",
            Self::TrailerTooLong => "chunked trailer too long",
        })
    }
}

impl core::error::Error for ChunkedError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chunked {
    /// Reading hex digits; `digits` seen so far, `line` bytes of the line.
    Size { size: u64, digits: u32, line: usize },
    /// Whitespace after the size: only more of it, `;` or CR may follow.
    SizeWs { size: u64, line: usize },
    /// After `;`: extensions (visible characters) up to CR.
    Extension { size: u64, line: usize },
    /// Expecting the LF of the size line.
    SizeLf { size: u64 },
    /// Inside chunk data.
    Data { remaining: u64 },
    /// Expecting the CR after chunk data.
    DataCr,
    /// Expecting the LF after chunk data.
    DataLf,
    /// In the trailer: `line` bytes of the current line, `total` overall.
    Trailer { line: usize, total: usize, cr: bool },
    /// The last chunk and trailer were read.
    Done,
}

/// What one [`ChunkedDecoder::decode`] call found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decoded<'a> {
    /// Input bytes consumed; pass the rest in next time.
    pub consumed: usize,
    /// Payload bytes, borrowed from the input (may be empty).
    pub data: &'a [u8],
    /// The body is complete; nothing more will come.
    pub done: bool,
}

/// A resumable decoder for `Transfer-Encoding: chunked`. It keeps a few
/// integers of state, copies nothing, and bounds every line it skips.
///
/// ```
/// use sse_core::http::ChunkedDecoder;
///
/// let mut decoder = ChunkedDecoder::new();
/// let mut body = Vec::new();
/// let mut input: &[u8] = b"5\r\ndata:\r\n6;ext=1\r\n hi\n\n\n\r\n0\r\n\r\n";
/// loop {
///     let step = decoder.decode(input).unwrap();
///     body.extend_from_slice(step.data);
///     input = &input[step.consumed..];
///     if step.done || input.is_empty() {
///         break;
///     }
/// }
/// assert_eq!(body, b"data: hi\n\n\n");
/// assert!(decoder.is_done());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkedDecoder {
    state: Chunked,
    max_line: usize,
    max_trailer: usize,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkedDecoder {
    /// A decoder at the start of a body, with the default limits.
    pub const fn new() -> Self {
        Self::with_limits(MAX_CHUNK_LINE, MAX_TRAILER_BYTES)
    }

    /// A decoder with its own limits on the chunk-size line and the trailer.
    pub const fn with_limits(max_line: usize, max_trailer: usize) -> Self {
        Self { state: Chunked::Size { size: 0, digits: 0, line: 0 }, max_line, max_trailer }
    }

    /// One more byte on a chunk-size line.
    fn grow(&self, line: usize) -> Result<usize, ChunkedError> {
        if line < self.max_line {
            Ok(line + 1)
        } else {
            Err(ChunkedError::LineTooLong)
        }
    }

    /// One more byte of trailer fields.
    fn count(&self, total: usize) -> Result<usize, ChunkedError> {
        if total < self.max_trailer {
            Ok(total + 1)
        } else {
            Err(ChunkedError::TrailerTooLong)
        }
    }

    /// Whether the terminating chunk and trailer have been read.
    pub fn is_done(&self) -> bool {
        self.state == Chunked::Done
    }

    /// Un-reads the last `n` data bytes the previous call returned.
    pub(crate) fn give_back(&mut self, n: u64) {
        self.state = match self.state {
            Chunked::Data { remaining } => Chunked::Data { remaining: remaining + n },
            Chunked::DataCr if n > 0 => Chunked::Data { remaining: n },
            state => state,
        };
    }

    /// Decodes from the start of `input` until payload bytes are found, the
    /// body ends, or the input is used up. Call again with the rest.
    ///
    /// # Errors
    ///
    /// [`ChunkedError`]; the body cannot be resumed after one.
    pub fn decode<'a>(&mut self, input: &'a [u8]) -> Result<Decoded<'a>, ChunkedError> {
        let mut pos = 0;
        while pos < input.len() {
            let b = input[pos];
            self.state = match self.state {
                Chunked::Data { remaining } => {
                    let take =
                        usize::try_from(remaining).unwrap_or(usize::MAX).min(input.len() - pos);
                    let data = &input[pos..pos + take];
                    let left = remaining - take as u64;
                    self.state =
                        if left == 0 { Chunked::DataCr } else { Chunked::Data { remaining: left } };
                    return Ok(Decoded { consumed: pos + take, data, done: false });
                }
                Chunked::Size { size, digits, line } => match b {
                    b'\r' if digits > 0 => Chunked::SizeLf { size },
                    b' ' | b'\t' if digits > 0 => Chunked::SizeWs { size, line: self.grow(line)? },
                    b';' if digits > 0 => Chunked::Extension { size, line: self.grow(line)? },
                    _ => {
                        let digit = (b as char).to_digit(16).ok_or(ChunkedError::Malformed)?;
                        if size >> 60 != 0 {
                            return Err(ChunkedError::SizeOverflow);
                        }
                        let line = self.grow(line)?;
                        Chunked::Size {
                            size: size << 4 | u64::from(digit),
                            digits: digits + 1,
                            line,
                        }
                    }
                },
                Chunked::SizeWs { size, line } => match b {
                    b'\r' => Chunked::SizeLf { size },
                    b' ' | b'\t' => Chunked::SizeWs { size, line: self.grow(line)? },
                    b';' => Chunked::Extension { size, line: self.grow(line)? },
                    _ => return Err(ChunkedError::Malformed),
                },
                Chunked::Extension { size, line } => match b {
                    b'\r' => Chunked::SizeLf { size },
                    b'\t' | b' '..=b'~' | 0x80.. => {
                        Chunked::Extension { size, line: self.grow(line)? }
                    }
                    _ => return Err(ChunkedError::Malformed),
                },
                Chunked::SizeLf { size } => match (b, size) {
                    (b'\n', 0) => Chunked::Trailer { line: 0, total: 0, cr: false },
                    (b'\n', size) => Chunked::Data { remaining: size },
                    _ => return Err(ChunkedError::Malformed),
                },
                Chunked::DataCr if b == b'\r' => Chunked::DataLf,
                Chunked::DataLf if b == b'\n' => Chunked::Size { size: 0, digits: 0, line: 0 },
                Chunked::DataCr | Chunked::DataLf => return Err(ChunkedError::Malformed),
                Chunked::Trailer { line, total, cr } => match (b, cr) {
                    // The empty line that ends the body is not counted.
                    (b'\r', false) if line == 0 => Chunked::Trailer { line, total, cr: true },
                    (b'\n', true) if line == 0 => {
                        self.state = Chunked::Done;
                        return Ok(Decoded { consumed: pos + 1, data: &[], done: true });
                    }
                    (b'\n', true) => {
                        Chunked::Trailer { line: 0, total: self.count(total)?, cr: false }
                    }
                    (b'\r', false) => {
                        Chunked::Trailer { line, total: self.count(total)?, cr: true }
                    }
                    (b'\r' | b'\n', _) | (_, true) => return Err(ChunkedError::Malformed),
                    (_, false) => {
                        Chunked::Trailer { line: line + 1, total: self.count(total)?, cr: false }
                    }
                },
                Chunked::Done => return Ok(Decoded { consumed: pos, data: &[], done: true }),
            };
            pos += 1;
        }
        Ok(Decoded { consumed: pos, data: &[], done: self.state == Chunked::Done })
    }
}
