//! `http://` and `https://` URLs as an event-source client needs them:
//! where to connect, what to send as `Host`, and where a redirect points.

use core::fmt;

/// A parsed `http://` or `https://` URL, borrowed from its text.
///
/// ```
/// use sse_core::http::Url;
///
/// let url = Url::parse("http://[::1]:8080/events?room=1").unwrap();
/// assert_eq!((url.host, url.port, url.path), ("::1", 8080, "/events?room=1"));
/// assert_eq!(url.authority, "[::1]:8080"); // the `Host` header
/// assert!(!url.https);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Url<'a> {
    /// `https://` (needs a TLS transport) rather than `http://`.
    pub https: bool,
    /// Host name or address; an IPv6 address without its brackets.
    pub host: &'a str,
    /// The port: given, or 80 / 443 by scheme.
    pub port: u16,
    /// Host and port as written in the URL: the `Host` header's value.
    pub authority: &'a str,
    /// Path and query, `/` at least. A fragment is dropped.
    pub path: &'a str,
}

/// A URL that is not `http[s]://host[:port][/path]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UrlError;

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an http:// or https:// URL with a host")
    }
}

impl core::error::Error for UrlError {}

/// Where a `Location` header points, relative to the URL that answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Redirect<'a> {
    /// Another URL, perhaps on another host.
    Url(Url<'a>),
    /// A new path and query on the same host and port.
    Path(&'a str),
    /// A path relative to the answering URL's directory: join it to
    /// [`Url::directory`] with a `/`. (`.` and `..` segments are sent as
    /// they are; servers resolve them.)
    Relative(&'a str),
    /// A new query (`?...`) on the answering URL's path.
    Query(&'a str),
    /// The answering URL itself (the location was only a fragment).
    Same,
}

impl<'a> Url<'a> {
    /// Parses `http[s]://host[:port][/path][#fragment]`.
    ///
    /// # Errors
    ///
    /// [`UrlError`] for another scheme, an empty host, a bad port, user
    /// info, or whitespace or control characters anywhere.
    pub fn parse(url: &'a str) -> Result<Self, UrlError> {
        if url.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(UrlError);
        }
        let (https, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "http://") {
            (false, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(url, "https://") {
            (true, rest)
        } else {
            return Err(UrlError);
        };
        let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        Self::parse_authority(https, &rest[..split], &rest[split..])
    }

    /// The path up to (not including) its last `/`, the base for a
    /// [`Redirect::Relative`] location.
    pub fn directory(&self) -> &'a str {
        self.path_only().rsplit_once('/').map_or("", |(dir, _)| dir)
    }

    /// Where `location` (a `Location` header) points, seen from this URL.
    ///
    /// ```
    /// use sse_core::http::{Redirect, Url};
    ///
    /// let here = Url::parse("http://example.test/a/b").unwrap();
    /// assert_eq!(here.resolve("/c"), Ok(Redirect::Path("/c")));
    /// assert_eq!(here.resolve("c"), Ok(Redirect::Relative("c")));
    /// assert_eq!(here.directory(), "/a");
    /// ```
    ///
    /// # Errors
    ///
    /// [`UrlError`] for an absolute URL that does not parse, or a location
    /// with whitespace or control characters.
    pub fn resolve<'l>(&self, location: &'l str) -> Result<Redirect<'l>, UrlError> {
        if location.is_empty() || location.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(UrlError);
        }
        if has_scheme(location) {
            return Url::parse(location).map(Redirect::Url);
        }
        // A fragment never reaches the server.
        let location = location.split_once('#').map_or(location, |(before, _)| before);
        if location.is_empty() {
            Ok(Redirect::Same)
        } else if let Some(rest) = location.strip_prefix("//") {
            // Scheme-relative: same scheme, another authority.
            let split = rest.find(['/', '?']).unwrap_or(rest.len());
            if split == 0 {
                return Err(UrlError);
            }
            Url::parse_authority(self.https, &rest[..split], &rest[split..]).map(Redirect::Url)
        } else if location.starts_with('/') {
            Ok(Redirect::Path(location))
        } else if location.starts_with('?') {
            Ok(Redirect::Query(location))
        } else {
            Ok(Redirect::Relative(location))
        }
    }

    /// The path without its query.
    pub fn path_only(&self) -> &'a str {
        self.path.split_once('?').map_or(self.path, |(p, _)| p)
    }

    /// The URL made of `authority` and `path` (which may hold a query and
    /// a fragment) under the given scheme.
    fn parse_authority(https: bool, authority: &'a str, path: &'a str) -> Result<Self, UrlError> {
        let default_port = if https { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or(UrlError)?;
            match after.strip_prefix(':') {
                Some(port) => (host, parse_port(port)?),
                None if after.is_empty() => (host, default_port),
                None => return Err(UrlError),
            }
        } else {
            match authority.split_once(':') {
                Some((host, port)) => (host, parse_port(port)?),
                None => (authority, default_port),
            }
        };
        if host.is_empty() || host.contains(['@', '[', ']']) {
            return Err(UrlError);
        }
        let path = path.split_once('#').map_or(path, |(before, _)| before);
        let path = match path.as_bytes().first() {
            None => "/",
            Some(b'/') => path,
            // `http://host?query`: the request target would need a `/`
            // this borrowed form cannot add.
            Some(_) => return Err(UrlError),
        };
        Ok(Self { https, host, port, authority, path })
    }
}

/// Whether `location` starts with a URI scheme (`ALPHA *(ALPHA / DIGIT /
/// "+" / "-" / ".") ":"`) before any `/`, `?` or `#`: an absolute URL, not
/// a path that happens to contain `://` in its query.
fn has_scheme(location: &str) -> bool {
    let Some(colon) = location.find(':') else { return false };
    let scheme = &location[..colon];
    !scheme.is_empty()
        && scheme.as_bytes()[0].is_ascii_alphabetic()
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

fn parse_port(port: &str) -> Result<u16, UrlError> {
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError);
    }
    port.parse().map_err(|_| UrlError)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}
