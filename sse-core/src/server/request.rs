//! The server side: the request that opened a stream, owned.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use crate::http::RequestHead;

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
    /// The id the client resumes from, if it sent a non-empty one: the
    /// `Last-Event-ID` header, else the `lastEventId` query parameter
    /// (see [`RequestHead::resume_id`]).
    pub last_event_id: Option<String>,
    /// All headers, names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Request {
    /// Copies a parsed head (one the [`Handshake`](super::Handshake)
    /// accepted: its resume id, if any, decodes).
    pub fn from_head(head: &RequestHead<'_, '_>) -> Self {
        Self {
            method: head.method.to_owned(),
            path: head.path.to_owned(),
            query: head.query.map(str::to_owned),
            last_event_id: head.resume_id().and_then(|id| id.to_string()),
            headers: head.headers().iter().map(|h| (h.name.to_owned(), h.value.to_vec())).collect(),
        }
    }

    /// A header's value by name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }
}
