//! The server side of an event stream's handshake, sans-IO: a request
//! head, read over as many reads as it takes, becomes a decision.

use crate::http::{parse_request, Header, RequestHead, DEFAULT_MAX_HEAD_BYTES};

/// What a server has at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    /// An event stream.
    Stream,
    /// A fixed page (the one that opens the stream, say).
    Page,
}

/// What a request head came to.
#[derive(Debug)]
#[non_exhaustive]
pub enum Decision<'h, 'b> {
    /// The head is not complete: read more, append, and call again with
    /// the whole buffer.
    NeedMore,
    /// Start an event stream (`GET`, or `HEAD` for the head alone); resume
    /// after [`RequestHead::resume_id`] (the `Last-Event-ID` header, else
    /// the `lastEventId` query parameter).
    Stream(RequestHead<'h, 'b>),
    /// Serve the page (`GET`, or `HEAD`).
    Page(RequestHead<'h, 'b>),
    /// Answer with this status and close: 400 (malformed, or a resume id
    /// that does not decode to UTF-8), 404, 405, 431 (head over a
    /// limit).
    Refuse(u16),
}

/// Reads request heads within a size limit and decides what each gets.
///
/// ```
/// use sse_core::http::EMPTY_HEADER;
/// use sse_core::server::{Decision, Handshake, Resource};
///
/// let handshake = Handshake::new();
/// let routes = |path: &str| match path {
///     "/events" => Some(Resource::Stream),
///     "/" => Some(Resource::Page),
///     _ => None,
/// };
/// let raw = b"GET /events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 41\r\n\r\n";
/// let mut headers = [EMPTY_HEADER; 16];
/// // Half a head: read more.
/// assert!(matches!(handshake.read(&raw[..20], &mut headers, routes), Decision::NeedMore));
/// match handshake.read(raw, &mut headers, routes) {
///     Decision::Stream(head) => assert_eq!(head.last_event_id(), Some("41")),
///     other => panic!("{other:?}"),
/// }
/// let mut headers = [EMPTY_HEADER; 16];
/// let post = b"POST /events HTTP/1.1\r\n\r\n";
/// assert!(matches!(handshake.read(post, &mut headers, routes), Decision::Refuse(405)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Handshake {
    max_head_bytes: usize,
}

impl Default for Handshake {
    fn default() -> Self {
        Self::new()
    }
}

impl Handshake {
    /// A handshake with the default head limit ([`DEFAULT_MAX_HEAD_BYTES`]).
    pub const fn new() -> Self {
        Self { max_head_bytes: DEFAULT_MAX_HEAD_BYTES }
    }

    /// Sets the largest request head accepted (431 beyond).
    #[must_use]
    pub const fn with_max_head_bytes(mut self, bytes: usize) -> Self {
        self.max_head_bytes = bytes;
        self
    }

    /// The head limit.
    pub const fn max_head_bytes(&self) -> usize {
        self.max_head_bytes
    }

    /// Decides what the request head at the start of `buf` gets. `headers`
    /// are the header slots (more header lines: 431); `route` says what
    /// the server has at a path (without the query).
    pub fn read<'h, 'b>(
        &self,
        buf: &'b [u8],
        headers: &'h mut [Header<'b>],
        route: impl FnOnce(&str) -> Option<Resource>,
    ) -> Decision<'h, 'b> {
        match parse_request(buf, headers, self.max_head_bytes) {
            Ok(Some(head)) => Self::decide(head, route),
            Ok(None) => Decision::NeedMore,
            Err(e) => Decision::Refuse(e.status()),
        }
    }

    /// Decides what a head that arrived already parsed gets (an HTTP/2
    /// request, made with [`RequestHead::from_parts`]): the same routing
    /// and checks as [`read`](Self::read). Never [`Decision::NeedMore`].
    pub fn decide<'h, 'b>(
        head: RequestHead<'h, 'b>,
        route: impl FnOnce(&str) -> Option<Resource>,
    ) -> Decision<'h, 'b> {
        let Some(resource) = route(head.path) else { return Decision::Refuse(404) };
        if let Err(reject) = head.check(head.path) {
            return Decision::Refuse(reject.status());
        }
        match resource {
            Resource::Stream => Decision::Stream(head),
            Resource::Page => Decision::Page(head),
        }
    }
}
