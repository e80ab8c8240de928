//! The client side of the handshake, with reconnect decisions from the
//! core's [`Reconnect`] policy; the caller owns time and sleeps the delays
//! it is given.

use core::ops::Range;

use embedded_io_async::{Read, Write};
use sse_core::http::{
    parse_response, write_request, BodyDecoder, ClientRequest, HeadWriteError, EMPTY_HEADER,
};
use sse_core::{Action, FailReason, Reconnect, SliceSink};

use crate::Error;

/// Header slots for a response head.
const RESPONSE_HEADERS: usize = 32;

/// An opened response body: how it is framed, and which of its first
/// bytes already sit in the handshake buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Body {
    pub(crate) decoder: BodyDecoder,
    /// Start of the body's bytes in the handshake buffer.
    pub start: usize,
    /// End of the bytes read so far.
    pub end: usize,
}

/// What a connection attempt came to, as the core's policy decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handshake {
    /// Read events: make an [`EventReader::for_body`](crate::EventReader::for_body)
    /// with the same buffer.
    Open(Body),
    /// Connect to the `Location` value at this range of the buffer
    /// (resolve it with `sse_core::http::Url::resolve`).
    Redirect(Range<usize>),
    /// Wait this long, then connect again (with `Last-Event-ID`).
    Retry {
        /// The delay in milliseconds.
        delay_ms: u64,
    },
    /// Stop for good (204, a wrong status or content type, too many
    /// redirects).
    Fail(FailReason),
}

/// Sends `request` and reads the response head into `buf`, then lets
/// `policy` decide. `now_ms` is any monotonic clock; `rng` feeds the
/// backoff jitter. After a dropped connection, ask
/// `policy.on_disconnect(now_ms, rng)` for the delay.
///
/// # Errors
///
/// [`Error::BufferTooSmall`] if the request does not fit `buf`,
/// [`Error::InvalidRequest`] if it would inject into the head. Then the
/// connection failed: [`Error::Head`] for a malformed or oversized
/// response head, [`Error::Closed`] and [`Error::Io`]; ask
/// `policy.on_disconnect` how long to wait before the next attempt.
pub async fn connect<S: Read + Write>(
    io: &mut S,
    request: &ClientRequest<'_>,
    buf: &mut [u8],
    policy: &mut Reconnect,
    now_ms: u64,
    rng: &mut impl FnMut() -> u64,
) -> Result<Handshake, Error<S::Error>> {
    let mut sink = SliceSink::new(buf);
    match write_request(&mut sink, request) {
        Ok(()) => {}
        Err(HeadWriteError::Invalid) => return Err(Error::InvalidRequest),
        Err(HeadWriteError::Sink(never)) => match never {},
    }
    let required = sink.len();
    let bytes = sink.written().ok_or(Error::BufferTooSmall { required })?;
    io.write_all(bytes).await.map_err(Error::Io)?;
    io.flush().await.map_err(Error::Io)?;

    let max = buf.len();
    let mut len = 0;
    loop {
        if len == max {
            return Err(Error::Head(sse_core::http::HeadError::TooLarge { limit: max }));
        }
        let n = io.read(&mut buf[len..]).await.map_err(Error::Io)?;
        if n == 0 {
            return Err(Error::Closed);
        }
        len += n;
        let mut headers = [EMPTY_HEADER; RESPONSE_HEADERS];
        let Some(head) = parse_response(&buf[..len], &mut headers, max).map_err(Error::Head)?
        else {
            continue;
        };
        // An unusable head (a bad `Content-Length`, say) fails before the
        // policy sees it: the caller treats it as a failed connection.
        let framing = head.framing().map_err(Error::Head)?;
        let action = policy.on_response(head.status, head.content_type(), now_ms, rng);
        return Ok(match action {
            Action::Open => {
                let decoder = BodyDecoder::new(framing);
                Handshake::Open(Body { decoder, start: head.head_len, end: len })
            }
            Action::Redirect => match head.location() {
                Some(location) => {
                    // The value is a slice of `buf`: find where.
                    let start = location.as_ptr() as usize - buf.as_ptr() as usize;
                    Handshake::Redirect(start..start + location.len())
                }
                None => {
                    policy.close();
                    Handshake::Fail(FailReason::Status(head.status))
                }
            },
            Action::Retry { delay_ms } => Handshake::Retry { delay_ms },
            Action::Fail(reason) => Handshake::Fail(reason),
        });
    }
}
