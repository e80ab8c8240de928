//! The frame encoder: one event (or comment) in, `text/event-stream` bytes out.

use memchr::{memchr, memchr2};

use crate::error::{EncodeError, FrameError, WriteError};

/// A keep-alive frame: an empty comment line. Servers send one about every
/// 15 seconds so that proxies keep an idle stream open; clients ignore it.
pub const KEEP_ALIVE: &[u8] = b":\n";

/// Where encoded bytes go, piece by piece, so a frame of any size can be
/// written without a buffer that holds all of it.
///
/// ```
/// use sse_core::{Frame, Sink};
///
/// /// Counts bytes and keeps the last one (a stand-in for a socket).
/// struct Meter(usize, u8);
/// impl Sink for Meter {
///     type Error = core::convert::Infallible;
///     fn write(&mut self, bytes: &[u8]) -> Result<(), Self::Error> {
///         self.0 += bytes.len();
///         self.1 = *bytes.last().unwrap_or(&self.1);
///         Ok(())
///     }
/// }
///
/// let big = "x".repeat(1 << 20);
/// let mut meter = Meter(0, 0);
/// Frame::new().data(&big).write_to(&mut meter).unwrap();
/// assert_eq!(meter.0, (1 << 20) + "data: \n\n".len());
/// assert_eq!(meter.1, b'\n');
/// ```
pub trait Sink {
    /// The sink's failure type.
    type Error;

    /// Writes all of `bytes`.
    ///
    /// # Errors
    ///
    /// Whatever the sink reports; the frame is then incomplete.
    fn write(&mut self, bytes: &[u8]) -> Result<(), Self::Error>;
}

impl<S: Sink + ?Sized> Sink for &mut S {
    type Error = S::Error;
    fn write(&mut self, bytes: &[u8]) -> Result<(), Self::Error> {
        (**self).write(bytes)
    }
}

#[cfg(feature = "alloc")]
impl Sink for alloc::vec::Vec<u8> {
    type Error = core::convert::Infallible;
    fn write(&mut self, bytes: &[u8]) -> Result<(), Self::Error> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// A [`Sink`] into a caller's slice: copies while it fits, and counts every
/// byte regardless, so a too-small buffer can report the size it needed.
/// Handy for heads and frames on targets without an allocator.
///
/// ```
/// use sse_core::{Frame, SliceSink};
///
/// let mut buf = [0u8; 64];
/// let mut sink = SliceSink::new(&mut buf);
/// Frame::new().data("hi").write_to(&mut sink).unwrap();
/// assert_eq!(sink.written(), Some(&b"data: hi\n\n"[..]));
/// ```
#[derive(Debug)]
pub struct SliceSink<'a> {
    out: &'a mut [u8],
    len: usize,
}

impl<'a> SliceSink<'a> {
    /// A sink writing from the start of `out`.
    pub fn new(out: &'a mut [u8]) -> Self {
        Self { out, len: 0 }
    }

    /// Bytes written so far, or needed if they did not all fit.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes written, or `None` if they did not fit.
    pub fn written(&self) -> Option<&[u8]> {
        self.out.get(..self.len)
    }
}

impl Sink for SliceSink<'_> {
    type Error = core::convert::Infallible;
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> Result<(), Self::Error> {
        let end = self.len + bytes.len();
        if let Some(dst) = self.out.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
        }
        self.len = end;
        Ok(())
    }
}

/// One frame of an event stream: an event with its fields, and/or a comment.
///
/// Build it with the methods, then [`encode`](Self::encode) it into a
/// buffer or [`write_to`](Self::write_to) a [`Sink`]. Fields are written in
/// the order comment, `event`, `id`, `retry`, `data`, followed by the blank
/// line that dispatches the event. A frame with only a comment is written
/// without the blank line, so it can go between events (e.g. keep-alives).
///
/// Parsing an encoded frame gives it back: the same event type (absent or
/// empty reads as `"message"`), id and retry, and the same data with every
/// CR, LF or CRLF turned into LF.
///
/// ```
/// use sse_core::Frame;
///
/// let mut out = [0u8; 64];
/// let n = Frame::new().data("a\r\nb").retry(2500).encode(&mut out).unwrap();
/// assert_eq!(&out[..n], b"retry: 2500\ndata: a\ndata: b\n\n");
///
/// // Injection attempts are refused, not stripped:
/// assert!(Frame::new().event("x\ndata: forged").data("d").encode(&mut out).is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Frame<'a> {
    /// Comment text; each line becomes a `:` line.
    pub comment: Option<&'a str>,
    /// The event type (`event:`). Must not contain CR or LF.
    pub event: Option<&'a str>,
    /// The event id (`id:`). Must not contain CR, LF or NUL. `Some("")`
    /// resets the client's last event ID.
    pub id: Option<&'a str>,
    /// The reconnection time in milliseconds (`retry:`).
    pub retry: Option<u64>,
    /// The data; each line becomes a `data:` line. `None` sends no event
    /// (a frame with only `id` or `retry` updates the client's state).
    pub data: Option<&'a str>,
}

impl<'a> Frame<'a> {
    /// An empty frame.
    pub const fn new() -> Self {
        Self { comment: None, event: None, id: None, retry: None, data: None }
    }

    /// A frame with only a comment.
    pub const fn comment_only(text: &'a str) -> Self {
        Self::new().comment(text)
    }

    /// Sets the comment.
    #[must_use]
    pub const fn comment(mut self, text: &'a str) -> Self {
        self.comment = Some(text);
        self
    }

    /// Sets the event type.
    #[must_use]
    pub const fn event(mut self, event_type: &'a str) -> Self {
        self.event = Some(event_type);
        self
    }

    /// Sets the id.
    #[must_use]
    pub const fn id(mut self, id: &'a str) -> Self {
        self.id = Some(id);
        self
    }

    /// Sets the reconnection time in milliseconds.
    #[must_use]
    pub const fn retry(mut self, ms: u64) -> Self {
        self.retry = Some(ms);
        self
    }

    /// Sets the data.
    #[must_use]
    pub const fn data(mut self, data: &'a str) -> Self {
        self.data = Some(data);
        self
    }

    /// Checks that no field can inject another.
    ///
    /// # Errors
    ///
    /// [`FrameError`] naming the offending field.
    pub fn validate(&self) -> Result<(), FrameError> {
        if let Some(event) = self.event {
            if memchr2(b'\r', b'\n', event.as_bytes()).is_some() {
                return Err(FrameError::EventTypeHasLineBreak);
            }
        }
        if let Some(id) = self.id {
            if memchr2(b'\r', b'\n', id.as_bytes()).is_some() {
                return Err(FrameError::IdHasLineBreak);
            }
            if memchr(0, id.as_bytes()).is_some() {
                return Err(FrameError::IdHasNul);
            }
        }
        Ok(())
    }

    /// The exact number of bytes [`encode`](Self::encode) writes.
    ///
    /// # Errors
    ///
    /// [`FrameError`] if the frame is invalid.
    pub fn encoded_len(&self) -> Result<usize, FrameError> {
        self.validate()?;
        let mut counter = SliceSink { out: &mut [], len: 0 };
        self.write_fields(&mut counter).unwrap_or_else(|never| match never {});
        Ok(counter.len)
    }

    /// Encodes the frame into `out`, returning the number of bytes written.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Invalid`] if a field could inject another;
    /// [`EncodeError::BufferTooSmall`] with the exact size needed if `out`
    /// is too short (its contents are then unspecified).
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        self.validate()?;
        let capacity = out.len();
        let mut sink = SliceSink { out, len: 0 };
        self.write_fields(&mut sink).unwrap_or_else(|never| match never {});
        if sink.len > capacity {
            return Err(EncodeError::BufferTooSmall { required: sink.len });
        }
        Ok(sink.len)
    }

    /// Writes the frame through `sink`, a line piece at a time; the data is
    /// never copied into an intermediate buffer.
    ///
    /// # Errors
    ///
    /// [`WriteError::Invalid`] (nothing written) if a field could inject
    /// another; [`WriteError::Sink`] if the sink fails.
    pub fn write_to<S: Sink>(&self, sink: &mut S) -> Result<(), WriteError<S::Error>> {
        self.validate()?;
        self.write_fields(sink).map_err(WriteError::Sink)
    }

    fn write_fields<S: Sink>(&self, sink: &mut S) -> Result<(), S::Error> {
        if let Some(comment) = self.comment {
            write_lines(sink, b":", comment)?;
        }
        let mut any_field = false;
        if let Some(event) = self.event {
            write_line(sink, b"event:", event.as_bytes())?;
            any_field = true;
        }
        if let Some(id) = self.id {
            write_line(sink, b"id:", id.as_bytes())?;
            any_field = true;
        }
        if let Some(ms) = self.retry {
            let mut digits = [0u8; 20];
            write_line(sink, b"retry:", decimal(ms, &mut digits))?;
            any_field = true;
        }
        if let Some(data) = self.data {
            write_lines(sink, b"data:", data)?;
            any_field = true;
        }
        if any_field {
            sink.write(b"\n")?;
        }
        Ok(())
    }
}

/// `name value\n` with a space between, or just `name\n` for an empty
/// value. `name` includes its colon (`b"data:"`, or `b":"` for a comment).
/// The space keeps a value that starts with a space intact: the parser drops
/// exactly one.
fn write_line<S: Sink>(sink: &mut S, name: &[u8], value: &[u8]) -> Result<(), S::Error> {
    sink.write(name)?;
    if !value.is_empty() {
        sink.write(b" ")?;
        sink.write(value)?;
    }
    sink.write(b"\n")
}

/// One `name` line per line of `text`, splitting on CR, LF and CRLF.
fn write_lines<S: Sink>(sink: &mut S, name: &[u8], text: &str) -> Result<(), S::Error> {
    let mut rest = text.as_bytes();
    while let Some(i) = memchr2(b'\r', b'\n', rest) {
        write_line(sink, name, &rest[..i])?;
        let crlf = rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n');
        rest = &rest[i + 1 + usize::from(crlf)..];
    }
    write_line(sink, name, rest)
}

/// Powers of ten that fit a `u64`, largest first.
const POWERS_OF_TEN: [u64; 20] = {
    let mut powers = [1u64; 20];
    let mut i = 19;
    while i > 0 {
        powers[i - 1] = powers[i] * 10;
        i -= 1;
    }
    powers
};

/// `n` in decimal, without 64-bit division: on 32-bit targets that is a
/// library call of about 1 KiB of flash (measured on the firmware
/// example), paid even by builds that never send `retry` when the
/// optimizer cannot prove it. Values that fit a `u32` (49 days of
/// milliseconds) take itoa's `u32` path; larger ones subtract powers of
/// ten, at most nine times a digit.
fn decimal(n: u64, out: &mut [u8; 20]) -> &[u8] {
    if let Ok(small) = u32::try_from(n) {
        let mut buf = itoa::Buffer::new();
        let text = buf.format(small).as_bytes();
        out[..text.len()].copy_from_slice(text);
        return &out[..text.len()];
    }
    let mut rest = n;
    let mut len = 0;
    for &power in &POWERS_OF_TEN {
        let mut digit = b'0';
        while rest >= power {
            rest -= power;
            digit += 1;
        }
        if len > 0 || digit != b'0' {
            out[len] = digit;
            len += 1;
        }
    }
    &out[..len]
}

#[cfg(test)]
mod tests {
    #[test]
    fn retry_digits_are_itoa_s_at_every_magnitude() {
        let check = |n: u64| {
            let mut out = [0u8; 20];
            assert_eq!(super::decimal(n, &mut out), itoa::Buffer::new().format(n).as_bytes());
        };
        for n in [0, 1, 9, 10, 999, u64::from(u32::MAX), u64::from(u32::MAX) + 1, u64::MAX] {
            check(n);
        }
        for bit in 0..64 {
            check(1 << bit);
            check((1 << bit) - 1);
        }
        for exp in 1..20 {
            check(10u64.pow(exp));
            check(10u64.pow(exp) - 1);
            check(10u64.pow(exp) + 1);
        }
    }

    use super::*;

    fn encoded(frame: Frame<'_>) -> ([u8; 256], usize) {
        let mut out = [0u8; 256];
        let n = frame.encode(&mut out).unwrap();
        assert_eq!(frame.encoded_len(), Ok(n));
        (out, n)
    }

    #[test]
    fn golden_bytes() {
        let cases: &[(Frame<'_>, &[u8])] = &[
            (Frame::new().data("hi"), b"data: hi\n\n"),
            (Frame::new().data(""), b"data:\n\n"),
            (Frame::new().data("a\nb\rc\r\nd"), b"data: a\ndata: b\ndata: c\ndata: d\n\n"),
            (Frame::new().data("a\n"), b"data: a\ndata:\n\n"),
            (Frame::new().data(" lead"), b"data:  lead\n\n"),
            (Frame::new().id(""), b"id:\n\n"),
            (Frame::new().retry(0), b"retry: 0\n\n"),
            (Frame::comment_only(""), b":\n"),
            (Frame::comment_only("a\r\nb"), b": a\n: b\n"),
            (
                Frame::new().comment("c").event("e").id("1").retry(10).data("d"),
                b": c\nevent: e\nid: 1\nretry: 10\ndata: d\n\n",
            ),
        ];
        for (frame, want) in cases {
            let (out, n) = encoded(*frame);
            assert_eq!(&out[..n], *want, "{frame:?}");
        }
    }

    #[test]
    fn rejects_injection() {
        let mut out = [0u8; 64];
        let bad = [
            (Frame::new().event("a\rb"), FrameError::EventTypeHasLineBreak),
            (Frame::new().event("a\n"), FrameError::EventTypeHasLineBreak),
            (Frame::new().id("1\n\ndata: x"), FrameError::IdHasLineBreak),
            (Frame::new().id("\r"), FrameError::IdHasLineBreak),
            (Frame::new().id("1\0"), FrameError::IdHasNul),
        ];
        for (frame, err) in bad {
            assert_eq!(frame.encode(&mut out), Err(EncodeError::Invalid(err)));
            assert_eq!(frame.encoded_len(), Err(err));
        }
    }

    #[test]
    fn reports_required_size() {
        let frame = Frame::new().event("tick").data("0123456789");
        let need = frame.encoded_len().unwrap();
        let mut small = [0u8; 8];
        assert_eq!(frame.encode(&mut small), Err(EncodeError::BufferTooSmall { required: need }));
        let mut exact = [0u8; 64];
        assert_eq!(frame.encode(&mut exact[..need]), Ok(need));
    }
}
