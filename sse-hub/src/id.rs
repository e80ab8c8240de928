//! Event ids a hub assigns: `<milliseconds>-<sequence>`, the shape Redis
//! Streams gives its entries, so the same ids work for the in-memory log
//! and for Redis, and ids from an earlier run of a process are never
//! handed out again (the clock has moved on).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// An id in the `<milliseconds>-<sequence>` shape, ordered first by
/// milliseconds, then by sequence (as Redis orders stream entries).
///
/// ```
/// use sse_hub::StreamId;
///
/// let id: StreamId = "1700000000000-3".parse().unwrap();
/// assert_eq!((id.ms, id.seq), (1_700_000_000_000, 3));
/// assert_eq!(id.to_string(), "1700000000000-3");
/// assert!(id < "1700000000001-0".parse().unwrap());
/// assert!("42".parse::<StreamId>().is_err(), "an id the hub never assigned");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    /// Milliseconds since the Unix epoch when the entry was added.
    pub ms: u64,
    /// Order among the entries added in the same millisecond.
    pub seq: u64,
}

/// The longest text form of a [`StreamId`]: two 20-digit numbers and `-`.
pub const MAX_STREAM_ID_LEN: usize = 41;

impl StreamId {
    /// The id with these parts.
    pub const fn new(ms: u64, seq: u64) -> Self {
        Self { ms, seq }
    }

    /// Parses `<ms>-<seq>`: ASCII digits only (no sign, space or empty
    /// part), each part fitting in a `u64`. Anything else is `None`, so an
    /// id from another scheme (or garbage) is never taken for a position.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() > MAX_STREAM_ID_LEN {
            return None;
        }
        let (ms, seq) = text.split_once('-')?;
        Some(Self { ms: digits(ms)?, seq: digits(seq)? })
    }

    /// The next id after `self` for an entry added at `now_ms`: the clock's
    /// millisecond when it moved forward, else the same millisecond with
    /// the next sequence (a clock that steps back never reorders ids).
    pub fn next_at(self, now_ms: u64) -> Self {
        if now_ms > self.ms {
            Self { ms: now_ms, seq: 0 }
        } else if self.seq == u64::MAX {
            Self { ms: self.ms.saturating_add(1), seq: 0 }
        } else {
            Self { ms: self.ms, seq: self.seq + 1 }
        }
    }

    /// The text form, without allocating.
    pub fn text(self) -> StreamIdText {
        let mut out = StreamIdText { buf: [0; MAX_STREAM_ID_LEN], len: 0 };
        // Cannot fail: the buffer holds the longest form.
        let _ = fmt::Write::write_fmt(&mut out, format_args!("{}-{}", self.ms, self.seq));
        out
    }
}

/// The point a new run's ids start after. Ids never run ahead of the clock,
/// so every id of an earlier run is at or before the millisecond this run
/// starts in; waiting for that millisecond to end (at most 1 ms, once per
/// log) makes this run's ids greater than all of them.
pub(crate) fn run_start() -> StreamId {
    let started = now_ms();
    while now_ms() == started {
        std::thread::sleep(std::time::Duration::from_micros(100));
    }
    StreamId { ms: started, seq: u64::MAX }
}

/// Milliseconds since the Unix epoch now (0 for a clock set before 1970).
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn digits(part: &str) -> Option<u64> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// Why a text is not a [`StreamId`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotAStreamId;

impl fmt::Display for NotAStreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an id of the form <milliseconds>-<sequence>")
    }
}

impl std::error::Error for NotAStreamId {}

impl std::str::FromStr for StreamId {
    type Err = NotAStreamId;
    fn from_str(s: &str) -> Result<Self, NotAStreamId> {
        Self::parse(s).ok_or(NotAStreamId)
    }
}

/// A [`StreamId`]'s text on the stack.
#[derive(Clone, Copy)]
pub struct StreamIdText {
    buf: [u8; MAX_STREAM_ID_LEN],
    len: usize,
}

impl StreamIdText {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and '-' are ever written.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl fmt::Write for StreamIdText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.buf.get_mut(self.len..end).ok_or(fmt::Error)?.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The id of a published event: the one the hub's log assigned, or the
/// frame's own when it carried one (possible with a hub that keeps its own
/// log; such ids are the publisher's to keep ordered and unique).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventId(Box<str>);

impl EventId {
    /// The id as sent in the `id:` field.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as a [`StreamId`], if it has that shape (always, for ids the
    /// hub assigned).
    pub fn stream_id(&self) -> Option<StreamId> {
        StreamId::parse(&self.0)
    }
}

impl EventId {
    pub(crate) fn own(id: &str) -> Self {
        Self(id.into())
    }
}

impl From<StreamId> for EventId {
    fn from(id: StreamId) -> Self {
        Self(id.text().as_str().into())
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for EventId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for EventId {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

/// The id of the frame `bytes` start with, when it begins with an `id:`
/// line in the shape the hub writes (`id: <ms>-<seq>\n`).
pub(crate) fn leading_id(bytes: &[u8]) -> Option<StreamId> {
    let rest = bytes.strip_prefix(b"id: ")?;
    let end = rest.iter().take(MAX_STREAM_ID_LEN + 1).position(|&b| b == b'\n')?;
    StreamId::parse(std::str::from_utf8(&rest[..end]).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_is_strict() {
        for bad in [
            "",
            "-",
            "1-",
            "-1",
            "1",
            "a-1",
            "1-b",
            "+1-1",
            "1 -1",
            "1-1-1",
            "18446744073709551616-0",
        ] {
            assert_eq!(StreamId::parse(bad), None, "{bad:?}");
        }
        assert_eq!(
            StreamId::parse("18446744073709551615-18446744073709551615").map(|i| i.seq),
            Some(u64::MAX)
        );
        assert_eq!(StreamId::parse(&"1".repeat(42)), None);
    }

    #[test]
    fn next_is_always_greater() {
        let id = StreamId::new(100, 5);
        assert_eq!(id.next_at(200), StreamId::new(200, 0));
        assert_eq!(id.next_at(100), StreamId::new(100, 6));
        assert_eq!(id.next_at(50), StreamId::new(100, 6), "a clock that stepped back");
        assert_eq!(StreamId::new(7, u64::MAX).next_at(0), StreamId::new(8, 0));
        let max = StreamId::new(u64::MAX, u64::MAX);
        assert_eq!(max.text().as_str(), "18446744073709551615-18446744073709551615");
    }

    #[test]
    fn leading_id_reads_the_hubs_frames() {
        assert_eq!(leading_id(b"id: 5-1\ndata: x\n\n"), Some(StreamId::new(5, 1)));
        assert_eq!(leading_id(b"data: x\n\n"), None);
        assert_eq!(leading_id(b"id: 5\n\n"), None);
    }
}
