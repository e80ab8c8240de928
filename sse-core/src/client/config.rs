//! The client's owned parts: where it connects, its settings, its errors.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use super::{ConnectionConfig, Request, DEFAULT_HEAD_TIMEOUT_MS, DEFAULT_MAX_RESPONSE_HEAD};
use crate::error::ParseError;
use crate::http::{Redirect, Url, UrlError};
use crate::ReaderConfig;

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
/// needs, owned, plus the reader's buffer and limits.
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

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            reconnect: crate::ReconnectConfig::DEFAULT,
            reader: ReaderConfig::DEFAULT,
            method: "GET".to_owned(),
            headers: Vec::new(),
            body: None,
            last_event_id: String::new(),
            max_head_bytes: DEFAULT_MAX_RESPONSE_HEAD,
            head_timeout: core::time::Duration::from_millis(DEFAULT_HEAD_TIMEOUT_MS),
        }
    }
}

impl ClientConfig {
    /// The settings of the [`Connection`](super::Connection).
    pub fn connection(&self) -> ConnectionConfig {
        ConnectionConfig {
            reconnect: self.reconnect,
            max_head_bytes: self.max_head_bytes,
            head_timeout_ms: u64::try_from(self.head_timeout.as_millis()).unwrap_or(u64::MAX),
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
    ) -> Request<'a> {
        Request {
            origin: origin.as_url(),
            method: &self.method,
            headers,
            body: self.body.as_deref(),
        }
    }
}

/// Why a reconnecting client stopped, or could not go on.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The URL is not `http[s]://host[:port]/path`.
    BadUrl(String),
    /// The connection failed for good (204, a status, the content type,
    /// too many redirects, or closed).
    Failed(crate::FailReason),
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
}

impl core::fmt::Display for ClientError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BadUrl(url) => write!(f, "not an http:// or https:// URL: {url}"),
            Self::Failed(reason) => write!(f, "event source failed: {reason}"),
            Self::Limit(e) => write!(f, "{e}"),
            #[cfg(feature = "json")]
            Self::Typed(e) => write!(f, "{e}"),
            Self::Request => f.write_str("request headers would inject into the HTTP head"),
            Self::TlsUnavailable(url) => write!(
                f,
                "{url} needs TLS and this client has no TLS connector; refusing to send it in plain text"
            ),
        }
    }
}

impl core::error::Error for ClientError {}
