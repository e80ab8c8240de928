//! The server side: read the request head into caller buffers, let the
//! core's [`Handshake`] decide, answer, and start the stream.

use embedded_io_async::{Read, Write};
use sse_core::http::{
    write_status_head, write_stream_head, Header, RequestHead, StreamHead, EMPTY_HEADER,
};
use sse_core::server::{Decision, Handshake, Resource};
use sse_core::SliceSink;

use crate::Error;

/// Header slots used to find where a head ends while it arrives.
const PROBE_HEADERS: usize = 32;

/// Reads a request head into `buf` (its size is the head limit) and lets
/// the core's [`Handshake`] decide with `route` (what the server has at a
/// path), parsing into the caller's `headers`. A refusal (400, 404, 405,
/// 431) is answered before it is returned.
///
/// # Errors
///
/// [`Error::Refused`] with the status sent, [`Error::Closed`],
/// [`Error::Io`].
pub async fn read_request<'h, 'b, S: Read + Write>(
    io: &mut S,
    buf: &'b mut [u8],
    headers: &'h mut [Header<'b>],
    route: impl Fn(&str) -> Option<Resource>,
) -> Result<Decision<'h, 'b>, Error<S::Error>> {
    let max = buf.len();
    let handshake = Handshake::new().with_max_head_bytes(max);
    let mut len = 0;
    loop {
        if len == max {
            return refuse_with(io, 431).await;
        }
        let n = io.read(&mut buf[len..]).await.map_err(Error::Io)?;
        if n == 0 {
            return Err(Error::Closed);
        }
        len += n;
        // Until the head is whole, parse into slots of our own: the
        // caller's borrow the buffer, which the next read writes.
        let mut probe = [EMPTY_HEADER; PROBE_HEADERS];
        match handshake.read(&buf[..len], &mut probe, &route) {
            Decision::NeedMore => {}
            // More lines than the probe holds: the caller's slots decide
            // once the head has ended.
            Decision::Refuse(431) if len < max && !head_ends(&buf[..len]) => {}
            _ => break,
        }
    }
    let buf: &'b [u8] = buf;
    match handshake.read(&buf[..len], headers, &route) {
        Decision::Refuse(status) => refuse_with(io, status).await,
        Decision::NeedMore => refuse_with(io, 400).await,
        decision => Ok(decision),
    }
}

/// Whether a blank line ends a head in `buf`.
fn head_ends(buf: &[u8]) -> bool {
    buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.windows(2).any(|w| w == b"\n\n")
}

async fn refuse_with<T, S: Write>(io: &mut S, status: u16) -> Result<T, Error<S::Error>> {
    refuse(io, status).await?;
    Err(Error::Refused(status))
}

/// Answers with a bodiless status (e.g. 404, 405, or 204 to tell an
/// EventSource to stop for good).
///
/// # Errors
///
/// [`Error::Io`].
pub async fn refuse<S: Write>(io: &mut S, status: u16) -> Result<(), Error<S::Error>> {
    let mut head = [0u8; 128];
    let mut sink = SliceSink::new(&mut head);
    let _ = write_status_head(&mut sink, status);
    let bytes = sink.written().unwrap_or(b"HTTP/1.1 500 Internal Server Error\r\n\r\n");
    io.write_all(bytes).await.map_err(Error::Io)?;
    io.flush().await.map_err(Error::Io)
}

/// Sends the event-stream response head: events may follow.
///
/// # Errors
///
/// [`Error::InvalidRequest`] for an `allow_origin` with CR, LF or NUL and
/// [`Error::BufferTooSmall`] for one over 160 bytes (nothing sent either
/// way), [`Error::Io`].
pub async fn start_stream<S: Write>(
    io: &mut S,
    head: &StreamHead<'_>,
) -> Result<(), Error<S::Error>> {
    let mut out = [0u8; 384];
    let mut sink = SliceSink::new(&mut out);
    if write_stream_head(&mut sink, head).is_err() {
        return Err(Error::InvalidRequest);
    }
    let required = sink.len();
    let bytes = sink.written().ok_or(Error::BufferTooSmall { required })?;
    io.write_all(bytes).await.map_err(Error::Io)?;
    io.flush().await.map_err(Error::Io)
}

/// The whole server handshake for one stream path: reads the request,
/// refuses what the core's [`Handshake`] refuses (a method other than
/// `GET`/`HEAD`, another path, an unusable `Last-Event-ID`, a head over
/// the limits) with its status, and sends the stream head. Returns the
/// request (for its `Last-Event-ID`).
///
/// # Errors
///
/// [`Error::Refused`] with the status sent, or as [`read_request`].
pub async fn accept<'h, 'b, S: Read + Write>(
    io: &mut S,
    path: &str,
    buf: &'b mut [u8],
    headers: &'h mut [Header<'b>],
    stream: &StreamHead<'_>,
) -> Result<RequestHead<'h, 'b>, Error<S::Error>> {
    let route = |p: &str| (p == path).then_some(Resource::Stream);
    match read_request(io, buf, headers, route).await? {
        Decision::Stream(head) => {
            start_stream(io, stream).await?;
            Ok(head)
        }
        // The route has no pages; a future kind of decision is refused.
        _ => refuse_with(io, 404).await,
    }
}
