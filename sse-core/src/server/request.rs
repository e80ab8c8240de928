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
    /// The client's `Last-Event-ID`, if it sent a non-empty one.
    pub last_event_id: Option<String>,
    /// All headers, names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Request {
    /// Copies a parsed head (one the [`Handshake`](super::Handshake)
    /// accepted: its `Last-Event-ID`, if any, is UTF-8).
    pub fn from_head(head: &RequestHead<'_, '_>) -> Self {
        Self {
            method: head.method.to_owned(),
            path: head.path.to_owned(),
            query: head.query.map(str::to_owned),
            last_event_id: head.last_event_id().map(str::to_owned),
            headers: head.headers().iter().map(|h| (h.name.to_owned(), h.value.to_vec())).collect(),
        }
    }

    /// A header's value by name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }
}
