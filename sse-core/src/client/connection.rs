//! The client connection as a sans-IO state machine.
//!
//! ## Design
//!
//! One [`Connection`] is one event source across all its attempts: it
//! holds the [`Parser`] (and with it the last event ID and the server's
//! `retry`), the [`Reconnect`] policy, and the phase of the current
//! attempt. An adapter is a loop that moves bytes and time:
//!
//! 1. [`start`](Connection::start) an attempt, connect to the target (the
//!    origin, or where the last [`Step::Redirect`] points) within
//!    [`poll_timeout`](Connection::poll_timeout), and send what
//!    [`write_request`](Connection::write_request) writes;
//! 2. read, and hand the bytes to [`handle_input`](Connection::handle_input)
//!    until it says [`Step::NeedMore`]; keep the bytes it did not consume
//!    and append the next read to them;
//! 3. on end of input call [`handle_eof`](Connection::handle_eof), on an
//!    I/O error [`handle_error`](Connection::handle_error), at the
//!    deadline [`handle_timeout`](Connection::handle_timeout);
//! 4. on [`Step::Retry`] drop the connection and wait until `at_ms`; on
//!    [`Step::Redirect`] connect to the location at once; on
//!    [`Step::Finished`] or [`Step::Failed`] stop. A refused response
//!    ([`Step::Rejected`]) is followed by its body
//!    ([`Step::RejectedBody`], bounded), then by [`Step::Failed`].
//!
//! To reconnect at once (the user asked, say), call
//! [`start`](Connection::start) again: it abandons the current attempt and
//! keeps the last event ID.
//!
//! Time enters as a number of milliseconds on any monotonic clock; random
//! jitter comes from a seed given at construction. Nothing here allocates:
//! the response head is parsed where the caller's bytes lie, and events are
//! assembled in the parser's buffer.

use core::fmt;

use crate::body::BodyDecoder;
use crate::encoder::Sink;
use crate::error::ParseError;
use crate::http::{
    parse_response, write_request_with, BodyFraming, ChunkedError, ClientRequest, HeadError,
    HeadWriteError, EMPTY_HEADER,
};
use crate::parser::{Event, Fed, Parser};
use crate::reconnect::{Action, FailReason, Jitter, ReadyState, Reconnect, ReconnectConfig};
use crate::url::Url;

/// Default limit on a response head, in bytes.
pub const DEFAULT_MAX_RESPONSE_HEAD: usize = 16 * 1024;
/// Header lines of a response head the connection can parse (the storage
/// is on the stack while a head is parsed: 32 bytes a slot).
pub const RESPONSE_HEADER_SLOTS: usize = 64;
/// Default time from [`Connection::start`] to a complete response head.
pub const DEFAULT_HEAD_TIMEOUT_MS: u64 = 30_000;
/// Default limit on the body of a refused response that is handed over
/// ([`Step::RejectedBody`]): enough for any API's JSON error.
pub const DEFAULT_MAX_ERROR_BODY: usize = 64 * 1024;

/// Settings of a [`Connection`]; the `DEFAULT_*` constants are the
/// defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConnectionConfig {
    /// The reconnect policy.
    pub reconnect: ReconnectConfig,
    /// Largest response head accepted; a larger one fails the attempt.
    pub max_head_bytes: usize,
    /// Time to connect and receive the response head before the attempt
    /// counts as failed (and is retried), in ms; also the time a refused
    /// response's body may take.
    pub head_timeout_ms: u64,
    /// Time without a byte from the server (events and comments alike)
    /// after which an open stream counts as dead and is reconnected, in
    /// ms. `None` (the default) waits for ever: set it when a NAT or a
    /// proxy may drop the connection silently, above the server's
    /// keep-alive interval.
    pub idle_timeout_ms: Option<u64>,
    /// Most bytes of a refused response's body handed over.
    pub max_error_body: usize,
}

impl ConnectionConfig {
    /// The defaults.
    pub const DEFAULT: Self = Self {
        reconnect: ReconnectConfig::DEFAULT,
        max_head_bytes: DEFAULT_MAX_RESPONSE_HEAD,
        head_timeout_ms: DEFAULT_HEAD_TIMEOUT_MS,
        idle_timeout_ms: None,
        max_error_body: DEFAULT_MAX_ERROR_BODY,
    };
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What every attempt asks for: the URL the source was made for, and the
/// user's method, headers and body.
///
/// The headers and the body go only to the origin (same scheme, host and
/// port). A redirect to another origin gets neither: an API key may be in
/// any header (`X-Api-Key`), and a prompt is not sent to a host the user
/// did not name. Headers listed in `forward_headers` go everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Request<'a> {
    /// The event source's URL. Credentials go only to its origin.
    pub origin: Url<'a>,
    /// `GET`, or `POST` for APIs that stream the answer to a request.
    pub method: &'a str,
    /// Extra headers (e.g. `Authorization`, `Content-Type`).
    pub headers: &'a [(&'a str, &'a str)],
    /// A body, sent with `Content-Length`.
    pub body: Option<&'a [u8]>,
    /// Names of headers safe to send to another origin a redirect names
    /// (case-insensitive), e.g. `Accept`.
    pub forward_headers: &'a [&'a str],
}

impl<'a> Request<'a> {
    /// A `GET` of `origin` with no extra headers.
    pub const fn get(origin: Url<'a>) -> Self {
        Self { origin, method: "GET", headers: &[], body: None, forward_headers: &[] }
    }
}

/// Why an attempt ended and the source will reconnect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// The transport failed (the adapter knows the details).
    Io,
    /// The connection closed before a whole response head arrived.
    ClosedBeforeHead,
    /// No whole response head within the head timeout.
    HeadTimeout {
        /// The timeout, in ms.
        limit_ms: u64,
    },
    /// Nothing arrived on an open stream for the idle timeout.
    IdleTimeout {
        /// The timeout, in ms.
        limit_ms: u64,
    },
    /// The response head is malformed or over a limit.
    Head(HeadError),
    /// The server answered with this status and the policy retries it.
    Status(u16),
    /// The body's framing is broken.
    Body(ChunkedError),
    /// The connection closed in the middle of the body's framing.
    CutShort,
    /// The server ended the stream.
    Ended,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io => f.write_str("connection failed"),
            Self::ClosedBeforeHead => f.write_str("connection closed before the response head"),
            Self::HeadTimeout { limit_ms } => write!(f, "no response head within {limit_ms} ms"),
            Self::IdleTimeout { limit_ms } => write!(f, "nothing received for {limit_ms} ms"),
            Self::Head(e) => write!(f, "bad response: {e}"),
            Self::Status(status) => write!(f, "server answered {status}"),
            Self::Body(e) => write!(f, "bad response body: {e}"),
            Self::CutShort => f.write_str("response body cut short"),
            Self::Ended => f.write_str("the server ended the stream"),
        }
    }
}

/// A response head's header lines, borrowed from the bytes read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Headers<'a> {
    /// The head from its status line to its blank line.
    raw: &'a [u8],
}

impl<'a> Headers<'a> {
    /// The status line's reason phrase (`Unauthorized`), if UTF-8.
    pub fn reason(&self) -> &'a str {
        let line = self.raw.split(|&b| b == b'\n').next().unwrap_or_default();
        let mut parts = line.trim_ascii().splitn(3, |&b| b == b' ');
        let reason = parts.nth(2).unwrap_or_default();
        core::str::from_utf8(reason).unwrap_or_default()
    }

    /// The header lines as `(name, value)`, in order, values trimmed.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a [u8])> + 'a {
        // The head was accepted by httparse: lines end in LF (CRLF or a
        // bare LF) and each line after the status line is `name: value`.
        self.raw.split(|&b| b == b'\n').skip(1).filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            let name = core::str::from_utf8(&line[..colon]).ok()?;
            Some((name, line[colon + 1..].trim_ascii()))
        })
    }

    /// The first header with this name (case-insensitive), raw.
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        self.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// A header's value as text, if present and UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&'a str> {
        self.get(name).and_then(|v| core::str::from_utf8(v).ok())
    }
}

/// What happened next, from [`Connection::handle_input`] and the other
/// `handle_*` calls.
#[derive(Debug)]
#[non_exhaustive]
pub enum Step<'a> {
    /// All the input that can be used now was used: read more. Bytes not
    /// consumed (a partial response head) stay in front of the next read.
    NeedMore,
    /// The server answered with an event stream; events follow.
    Open {
        /// The status (200).
        status: u16,
        /// The response's headers.
        headers: Headers<'a>,
    },
    /// An event.
    Event(Event<'a>),
    /// An event exceeded a limit and was skipped; the stream goes on.
    Limit(ParseError),
    /// A comment line (servers send them as keep-alives), when the parser
    /// reports them ([`Parser::report_comments`]).
    Comment(&'a str),
    /// Text of the data of the event being received, handed out as it
    /// arrives, when asked for ([`Connection::report_data_parts`]); as
    /// [`Status::DataPart`](crate::Status::DataPart). The event's data is
    /// the parts since the last [`Event`](Self::Event) or
    /// [`Limit`](Self::Limit), joined, then its own data; any other step
    /// that ends the attempt drops them.
    DataPart(&'a str),
    /// Connect to `location` now (resolve it against the target that
    /// answered, e.g. with [`Url::resolve`]); call
    /// [`start`](Connection::start) first. Drop this connection.
    Redirect {
        /// The redirect status (301, 302, 303, 307, 308).
        status: u16,
        /// The `Location` header's value.
        location: &'a str,
    },
    /// The attempt ended: drop the connection, wait `delay_ms` (until
    /// `at_ms`), then [`start`](Connection::start) again at the origin; the
    /// request then carries `Last-Event-ID`.
    Retry {
        /// The wait, in ms.
        delay_ms: u64,
        /// When to connect again, on the caller's clock.
        at_ms: u64,
        /// Why the attempt ended.
        cause: Cause,
    },
    /// The server refused the stream (a status other than 200, a content
    /// type other than `text/event-stream`, a `Content-Encoding`): its
    /// body follows as [`Step::RejectedBody`] (up to
    /// [`ConnectionConfig::max_error_body`] bytes), then
    /// [`Step::Failed`] with `reason`.
    Rejected {
        /// The status.
        status: u16,
        /// Why the source fails.
        reason: FailReason,
        /// The response's headers.
        headers: Headers<'a>,
    },
    /// A piece of the refused response's body.
    RejectedBody(&'a [u8]),
    /// The stream is over and the reconnect mode does not open it again;
    /// `cause` says how it ended ([`Cause::Ended`]: the server ended it,
    /// anything else is an error).
    Finished {
        /// How the last attempt ended.
        cause: Cause,
    },
    /// The source failed for good (or was closed): no more attempts.
    Failed(FailReason),
}

/// Who took the body's framing apart: the connection itself (raw bytes
/// from a socket), or another HTTP client that hands over the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framed {
    Raw,
    Elsewhere,
}

/// Where an attempt is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Ready to start an attempt (first, or after a redirect).
    Ready,
    /// Waiting to reconnect until this time.
    Waiting { until: u64 },
    /// Connecting, sending, reading the response head; the deadline, and
    /// the bytes of interim (1xx) heads skipped, which count against the
    /// head limit.
    Head { deadline: u64, interim: usize },
    /// Reading the body; the idle deadline, if one is set.
    Body { decoder: BodyDecoder, idle: Option<u64> },
    /// Reading a refused response's body, until `deadline`, at most `left`
    /// more bytes; then failing with `reason`.
    Rejected { decoder: BodyDecoder, deadline: u64, left: usize, reason: FailReason },
    /// Failed or closed for good.
    Closed,
}

/// One event source's connection, across reconnects and redirects (see
/// the module docs for the loop that drives it).
///
/// ```
/// use sse_core::client::{Connection, ConnectionConfig, Request, Step};
/// use sse_core::http::Url;
/// use sse_core::Parser;
///
/// let url = Url::parse("http://example.test/events").unwrap();
/// let mut conn = Connection::new(Parser::new([0u8; 1024]), ConnectionConfig::DEFAULT, 7);
/// conn.start(0).unwrap();
/// let mut request = Vec::new();
/// conn.write_request(&Request::get(url), &url, &mut request).unwrap();
/// assert!(request.starts_with(b"GET /events HTTP/1.1\r\nHost: example.test\r\n"));
///
/// // What the socket read: a head and a first event.
/// let mut input: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 1\ndata: hi\n\n";
/// assert!(matches!(conn.handle_input(&mut input, 5), Step::Open { status: 200, .. }));
/// match conn.handle_input(&mut input, 5) {
///     Step::Event(event) => assert_eq!((event.data, event.id), ("hi", "1")),
///     other => panic!("{other:?}"),
/// }
/// assert!(matches!(conn.handle_input(&mut input, 5), Step::NeedMore));
/// // The server goes away: reconnect after the reconnection time.
/// match conn.handle_eof(10) {
///     Step::Retry { at_ms, .. } => assert!(at_ms >= 3_010),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(conn.last_event_id(), "1");
/// ```
pub struct Connection<B> {
    parser: Parser<B>,
    policy: Reconnect,
    config: ConnectionConfig,
    phase: Phase,
    /// A 303 answered this chain of redirects: ask with `GET`, no body.
    see_other: bool,
    rng: Jitter,
    /// Read with [`Parser::feed_parts`].
    parts: bool,
}

impl<B> fmt::Debug for Connection<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("phase", &self.phase)
            .field("ready_state", &self.policy.ready_state())
            .field("see_other", &self.see_other)
            .finish_non_exhaustive()
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Connection<B> {
    /// A connection that assembles events in `parser` (its buffer and
    /// limits bound every event; with
    /// [`report_data_parts`](Self::report_data_parts), its limits), with
    /// `seed` for the reconnect jitter (any value; clients should differ).
    pub fn new(parser: Parser<B>, config: ConnectionConfig, seed: u64) -> Self {
        Self {
            parser,
            policy: Reconnect::new(config.reconnect),
            config,
            phase: Phase::Ready,
            see_other: false,
            rng: Jitter::new(seed),
            parts: false,
        }
    }

    /// Reports the data of events as it arrives ([`Step::DataPart`]),
    /// where the parser would otherwise keep it until the event ends
    /// ([`Parser::feed_parts`]): events may then be larger than the
    /// parser's buffer, up to its [`Limits::max_data_len`](crate::Limits::max_data_len),
    /// and large ones are not copied. Off by default.
    pub fn report_data_parts(&mut self, on: bool) {
        self.parts = on;
    }

    /// The settings.
    pub fn config(&self) -> &ConnectionConfig {
        &self.config
    }

    /// The ready state: connecting (or waiting to reconnect), open, closed.
    pub fn ready_state(&self) -> ReadyState {
        self.policy.ready_state()
    }

    /// The last event ID: sent as `Last-Event-ID` by the next request.
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// Seeds the last event ID (e.g. saved from an earlier run).
    ///
    /// # Errors
    ///
    /// [`ParseError`] if it is too long for the parser, or holds NUL, CR
    /// or LF.
    pub fn set_last_event_id(&mut self, id: &str) -> Result<(), ParseError> {
        self.parser.set_last_event_id(id)
    }

    /// The reconnection time: the server's last `retry`, else the default.
    pub fn reconnection_time_ms(&self) -> u64 {
        self.policy.reconnection_time_ms()
    }

    /// Whether the next request is a `GET` without body because a `303 See
    /// Other` answered the last one.
    pub fn see_other(&self) -> bool {
        self.see_other
    }

    /// Starts an attempt at `now_ms`: connect, then write the request.
    /// The head timeout runs from here. Call it before the first attempt,
    /// after a [`Step::Redirect`], and once a [`Step::Retry`]'s wait is
    /// over (starting earlier just reconnects earlier).
    ///
    /// # Errors
    ///
    /// [`FailReason::Closed`] (or the reason it failed) once the source
    /// is closed.
    pub fn start(&mut self, now_ms: u64) -> Result<(), FailReason> {
        if self.phase == Phase::Closed || self.policy.ready_state() == ReadyState::Closed {
            self.phase = Phase::Closed;
            return Err(FailReason::Closed);
        }
        if self.phase != Phase::Ready {
            // Not a redirect's next hop: a new request from the origin
            // (a retry, or one that abandons the attempt under way).
            self.parser.finish();
            self.see_other = false;
            self.policy.forget_redirects();
        }
        let deadline = now_ms.saturating_add(self.config.head_timeout_ms);
        self.phase = Phase::Head { deadline, interim: 0 };
        Ok(())
    }

    /// Writes the request for `target` (the origin, or where redirects
    /// led): the user's method, headers and body, `Last-Event-ID` when
    /// there is one. The headers (but for
    /// [`forward_headers`](Request::forward_headers)) and the body go only
    /// to the origin (same scheme, host and port); after a `303` the
    /// request is a `GET` without body.
    ///
    /// # Errors
    ///
    /// [`HeadWriteError::Invalid`] if the method, a header or the path
    /// would inject into the head; [`HeadWriteError::Sink`] if the sink
    /// fails.
    pub fn write_request<S: Sink>(
        &self,
        request: &Request<'_>,
        target: &Url<'_>,
        sink: &mut S,
    ) -> Result<(), HeadWriteError<S::Error>> {
        let origin = &request.origin;
        let same_origin = target.https == origin.https
            && target.port == origin.port
            && target.host.eq_ignore_ascii_case(origin.host);
        let head = ClientRequest {
            method: if self.see_other { "GET" } else { request.method },
            host: target.authority,
            path: target.path,
            last_event_id: self.parser.last_event_id(),
            headers: request.headers,
            body: if self.see_other || !same_origin { None } else { request.body },
        };
        write_request_with(sink, &head, |name| {
            same_origin || request.forward_headers.iter().any(|f| name.eq_ignore_ascii_case(f))
        })
    }

    /// When the caller must call [`handle_timeout`](Self::handle_timeout)
    /// (the head deadline), or may [`start`](Self::start) again (the end of
    /// a retry wait), on its clock; `None` when nothing is due.
    pub fn poll_timeout(&self) -> Option<u64> {
        match self.phase {
            Phase::Head { deadline, .. } | Phase::Rejected { deadline, .. } => Some(deadline),
            Phase::Waiting { until } => Some(until),
            Phase::Body { idle, .. } => idle,
            Phase::Ready | Phase::Closed => None,
        }
    }

    /// Time passed: past the head deadline or the idle timeout the
    /// attempt ends (with [`Step::Retry`], unless the mode says no more);
    /// past a refused body's deadline the source fails. Otherwise `None`.
    pub fn handle_timeout(&mut self, now_ms: u64) -> Option<Step<'static>> {
        match self.phase {
            Phase::Head { deadline, .. } if now_ms >= deadline => {
                let limit_ms = self.config.head_timeout_ms;
                Some(self.retry(now_ms, Cause::HeadTimeout { limit_ms }))
            }
            Phase::Body { idle: Some(deadline), .. } if now_ms >= deadline => {
                let limit_ms = self.config.idle_timeout_ms.unwrap_or_default();
                Some(self.retry(now_ms, Cause::IdleTimeout { limit_ms }))
            }
            Phase::Rejected { deadline, reason, .. } if now_ms >= deadline => {
                Some(self.fail(reason))
            }
            _ => None,
        }
    }

    /// The connection reached its end of input.
    pub fn handle_eof(&mut self, now_ms: u64) -> Step<'static> {
        match self.phase {
            Phase::Head { .. } => self.retry(now_ms, Cause::ClosedBeforeHead),
            Phase::Body { decoder, .. } if decoder.may_end() => self.retry(now_ms, Cause::Ended),
            Phase::Body { .. } => self.retry(now_ms, Cause::CutShort),
            Phase::Rejected { reason, .. } => self.fail(reason),
            Phase::Ready => self.retry(now_ms, Cause::ClosedBeforeHead),
            Phase::Waiting { .. } => Step::NeedMore,
            Phase::Closed => Step::Failed(FailReason::Closed),
        }
    }

    /// Connecting, writing or reading failed: the attempt ends.
    pub fn handle_error(&mut self, now_ms: u64) -> Step<'static> {
        match self.phase {
            Phase::Ready | Phase::Head { .. } | Phase::Body { .. } => self.retry(now_ms, Cause::Io),
            Phase::Rejected { reason, .. } => self.fail(reason),
            Phase::Waiting { .. } => Step::NeedMore,
            Phase::Closed => Step::Failed(FailReason::Closed),
        }
    }

    /// Closes the source: no more attempts.
    pub fn close(&mut self) {
        self.policy.close();
        self.parser.finish();
        self.phase = Phase::Closed;
    }

    /// Takes bytes the connection read, advancing `input` past what was
    /// used, and returns what happened. Call again until [`Step::NeedMore`]
    /// (or a step that ends the attempt); then keep what is left of `input`
    /// in front of the next read.
    pub fn handle_input<'c, 'i: 'c>(&'c mut self, input: &mut &'i [u8], now_ms: u64) -> Step<'c> {
        match self.phase {
            Phase::Head { .. } => self.head(input, now_ms, Framed::Raw),
            Phase::Body { .. } => self.body(input, now_ms),
            Phase::Rejected { .. } => self.rejected_body(input),
            // Bytes of an attempt that already ended.
            Phase::Ready | Phase::Waiting { .. } => {
                *input = &[];
                Step::NeedMore
            }
            Phase::Closed => {
                *input = &[];
                Step::Failed(FailReason::Closed)
            }
        }
    }

    /// A response read by another HTTP client (reqwest or hyper, HTTP/2
    /// included): its head, written out as HTTP/1.1 text (status line,
    /// header lines, blank line). Its body then comes to
    /// [`handle_input`](Self::handle_input) as the client hands it over,
    /// without chunk sizes, and its end to
    /// [`handle_eof`](Self::handle_eof). Redirects are the other client's
    /// to follow: one that reaches here is a refusal.
    ///
    /// ```
    /// use sse_core::client::{Connection, ConnectionConfig, Step};
    /// use sse_core::Parser;
    ///
    /// let mut conn = Connection::new(Parser::new([0u8; 256]), ConnectionConfig::DEFAULT, 1);
    /// conn.start(0).unwrap();
    /// let head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
    /// assert!(matches!(conn.handle_head(head, 1), Step::Open { status: 200, .. }));
    /// // The body as the client decoded it: no chunk sizes.
    /// let mut body: &[u8] = b"data: hi\n\n";
    /// assert!(matches!(conn.handle_input(&mut body, 2), Step::Event(e) if e.data == "hi"));
    /// ```
    pub fn handle_head<'c, 'h: 'c>(&'c mut self, head: &'h [u8], now_ms: u64) -> Step<'c> {
        match self.phase {
            // The other client read the whole head: one that does not end
            // with its blank line is malformed (else the body would be
            // taken for the rest of it).
            Phase::Head { .. } if !head.ends_with(b"\n\n") && !head.ends_with(b"\n\r\n") => {
                self.retry(now_ms, Cause::Head(HeadError::Malformed))
            }
            Phase::Head { .. } => self.head(&mut &head[..], now_ms, Framed::Elsewhere),
            Phase::Closed => Step::Failed(FailReason::Closed),
            _ => Step::NeedMore,
        }
    }

    fn head<'c, 'i: 'c>(
        &'c mut self,
        input: &mut &'i [u8],
        now_ms: u64,
        framed: Framed,
    ) -> Step<'c> {
        let max = self.config.max_head_bytes;
        loop {
            let buf: &'i [u8] = input;
            let mut slots = [EMPTY_HEADER; RESPONSE_HEADER_SLOTS];
            let head = match parse_response(buf, &mut slots, max) {
                Ok(Some(head)) => head,
                Ok(None) => return Step::NeedMore,
                Err(e) => return self.retry(now_ms, Cause::Head(e)),
            };
            let head_len = head.head_len;
            // Interim answers (100 Continue, 103 Early Hints) precede the
            // real one; 101 would switch protocols and is not skipped. They
            // count against the head limit, so a flood of them ends.
            if (100..200).contains(&head.status) && head.status != 101 {
                let Phase::Head { deadline, interim } = self.phase else { return Step::NeedMore };
                let interim = interim.saturating_add(head_len);
                if interim > max {
                    return self.retry(now_ms, Cause::Head(HeadError::TooLarge { limit: max }));
                }
                self.phase = Phase::Head { deadline, interim };
                *input = &buf[head_len..];
                continue;
            }
            let framing = match (framed, head.framing()) {
                (Framed::Elsewhere, _) => BodyFraming::UntilClose,
                (Framed::Raw, Ok(framing)) => framing,
                (Framed::Raw, Err(e)) => return self.retry(now_ms, Cause::Head(e)),
            };
            let status = head.status;
            let location = head.location();
            let headers = Headers { raw: &buf[..head_len] };
            let rng = &mut self.rng;
            let mut action =
                self.policy
                    .on_response(status, head.content_type(), now_ms, &mut || rng.next_u64());
            let encoded = headers
                .get("content-encoding")
                .is_some_and(|coding| !coding.eq_ignore_ascii_case(b"identity"));
            if action == Action::Open && encoded {
                self.policy.close();
                action = Action::Fail(FailReason::ContentEncoding);
            }
            if action == Action::Redirect && framed == Framed::Elsewhere {
                self.policy.close();
                action = Action::Fail(FailReason::Status(status));
            }
            return match action {
                Action::Open => {
                    *input = &buf[head_len..];
                    let idle = self.idle_deadline(now_ms);
                    self.phase = Phase::Body { decoder: BodyDecoder::new(framing), idle };
                    Step::Open { status, headers }
                }
                Action::Redirect => {
                    *input = &[];
                    // A location that resolves against one URL resolves
                    // against any: only its own syntax can fail.
                    let base = Url { https: false, host: "", port: 0, authority: "", path: "/" };
                    match location.filter(|l| base.resolve(l).is_ok()) {
                        Some(location) => {
                            self.see_other |= status == 303;
                            self.phase = Phase::Ready;
                            Step::Redirect { status, location }
                        }
                        None => {
                            self.close();
                            Step::Failed(FailReason::Status(status))
                        }
                    }
                }
                Action::Retry { delay_ms } => {
                    *input = &[];
                    self.wait(now_ms, delay_ms, Cause::Status(status))
                }
                Action::Fail(reason @ (FailReason::NoContent | FailReason::TooManyRedirects)) => {
                    *input = &[];
                    self.fail(reason)
                }
                Action::Fail(reason) => {
                    *input = &buf[head_len..];
                    self.phase = Phase::Rejected {
                        decoder: BodyDecoder::new(framing),
                        deadline: now_ms.saturating_add(self.config.head_timeout_ms),
                        left: self.config.max_error_body,
                        reason,
                    };
                    Step::Rejected { status, reason, headers }
                }
            };
        }
    }

    /// The refused response's body, up to the limit; then the failure.
    fn rejected_body<'c, 'i: 'c>(&'c mut self, input: &mut &'i [u8]) -> Step<'c> {
        let Phase::Rejected { mut decoder, deadline, left, reason } = self.phase else {
            return Step::NeedMore;
        };
        let buf: &'i [u8] = input;
        if left == 0 || decoder.is_done() {
            *input = &[];
            return self.fail(reason);
        }
        if buf.is_empty() {
            return Step::NeedMore;
        }
        let Ok(decoded) = decoder.decode(buf) else {
            *input = &[];
            return self.fail(reason);
        };
        let data = &decoded.data[..decoded.data.len().min(left)];
        *input = &buf[decoded.consumed..];
        self.phase = Phase::Rejected { decoder, deadline, left: left - data.len(), reason };
        if data.is_empty() {
            if decoder.is_done() {
                return self.fail(reason);
            }
            if decoded.consumed == 0 || input.is_empty() {
                return Step::NeedMore;
            }
            // Framing only (a chunk-size line): go on with what is left.
            return self.rejected_body(input);
        }
        Step::RejectedBody(data)
    }

    fn body<'c, 'i: 'c>(&'c mut self, input: &mut &'i [u8], now_ms: u64) -> Step<'c> {
        let Phase::Body { mut decoder, mut idle } = self.phase else { return Step::NeedMore };
        if !input.is_empty() {
            // Anything the server sends, a comment too, shows it is alive.
            idle = self.idle_deadline(now_ms);
        }
        loop {
            let buf: &'i [u8] = input;
            if decoder.is_done() {
                // The body ended (its length, or the last chunk): the server
                // may keep the connection open, so do not wait for the end
                // of input. What follows is not part of the stream.
                *input = &[];
                return self.retry(now_ms, Cause::Ended);
            }
            if buf.is_empty() {
                self.phase = Phase::Body { decoder, idle };
                return Step::NeedMore;
            }
            let decoded = match decoder.decode(buf) {
                Ok(decoded) => decoded,
                Err(e) => {
                    *input = &[];
                    self.phase = Phase::Body { decoder, idle };
                    return self.retry(now_ms, Cause::Body(e));
                }
            };
            let (used, fed) = if decoded.data.is_empty() {
                (0, Fed::NeedMore)
            } else if self.parts {
                self.parser.parts_ready(decoded.data)
            } else {
                self.parser.feed_ready::<false>(decoded.data)
            };
            // Payload the parser did not take (the event ended before it)
            // goes back, to be decoded again on the next call.
            let unused = decoded.data.len() - used;
            decoder.give_back(unused);
            *input = &buf[decoded.consumed - unused..];
            self.phase = Phase::Body { decoder, idle };
            if let Some(ms) = self.parser.retry() {
                self.policy.set_retry(ms);
            }
            match fed {
                Fed::Ready(ready) => return Step::Event(self.parser.event(ready)),
                Fed::Unchecked(ready) => return Step::Event(self.parser.event_unchecked(ready)),
                Fed::Error(e) => return Step::Limit(e),
                Fed::Comment(text) => return Step::Comment(self.parser.text_of(text)),
                Fed::Part(text) => return Step::DataPart(self.parser.text_of(text)),
                Fed::NeedMore if decoder.is_done() => {
                    *input = &[];
                    return self.retry(now_ms, Cause::Ended);
                }
                Fed::NeedMore => {}
            }
        }
    }

    fn idle_deadline(&self, now_ms: u64) -> Option<u64> {
        self.config.idle_timeout_ms.map(|ms| now_ms.saturating_add(ms))
    }

    /// Fails for good.
    fn fail(&mut self, reason: FailReason) -> Step<'static> {
        self.policy.close();
        self.parser.finish();
        self.phase = Phase::Closed;
        Step::Failed(reason)
    }

    /// The attempt ended: the policy decides when to try again.
    fn retry(&mut self, now_ms: u64, cause: Cause) -> Step<'static> {
        self.parser.finish();
        let rng = &mut self.rng;
        let action = if cause == Cause::Ended {
            self.policy.on_end(now_ms, &mut || rng.next_u64())
        } else {
            self.policy.on_disconnect(now_ms, &mut || rng.next_u64())
        };
        match action {
            Action::Retry { delay_ms } => self.wait(now_ms, delay_ms, cause),
            Action::Fail(FailReason::Finished) => {
                self.phase = Phase::Closed;
                Step::Finished { cause }
            }
            Action::Fail(reason) => {
                self.phase = Phase::Closed;
                Step::Failed(reason)
            }
            // The policy answers a disconnect with a wait or a failure.
            Action::Open | Action::Redirect => self.wait(now_ms, 0, cause),
        }
    }

    fn wait(&mut self, now_ms: u64, delay_ms: u64, cause: Cause) -> Step<'static> {
        self.parser.finish();
        let at_ms = now_ms.saturating_add(delay_ms);
        self.phase = Phase::Waiting { until: at_ms };
        self.see_other = false;
        Step::Retry { delay_ms, at_ms, cause }
    }
}
