//! The client side: where to connect, the settings, the request head, the
//! errors, and the jitter of reconnect delays.

use alloc::borrow::ToOwned;
use alloc::string::String;
#[cfg(feature = "json")]
use alloc::vec::Vec;

use crate::http::{Redirect, Url, UrlError};
#[cfg(feature = "json")]
use crate::owned::ReaderConfig;
#[cfg(feature = "json")]
use crate::{error::ParseError, typed::TypedError};

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
