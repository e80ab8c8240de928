//! The server side of the handshake: read the request head into caller
//! buffers, answer, and start the stream.

use embedded_io_async::{Read, Write};
use sse_core::http::{
    parse_request, write_status_head, write_stream_head, HeadError, Header, RequestHead,
    StreamHead, EMPTY_HEADER,
};
use sse_core::SliceSink;

use crate::Error;

/// Header slots used to find where a head ends while it arrives.
const PROBE_HEADERS: usize = 32;

/// Reads a request head into `buf` and parses it into `headers`. A head
/// larger than `buf`, with more lines than `headers`, or malformed is
/// answered (431 or 400) before the error is returned.
///
/// # Errors
///
/// [`Error::Head`] (already answered), [`Error::Closed`], [`Error::Io`].
pub async fn read_request<'h, 'b, S: Read + Write>(
    io: &mut S,
    buf: &'b mut [u8],
    headers: &'h mut [Header<'b>],
) -> Result<RequestHead<'h, 'b>, Error<S::Error>> {
    let max = buf.len();
    let mut len = 0;
    loop {
        if len == max {
            return refuse_head(io, HeadError::TooLarge { limit: max }).await;
        }
        let n = io.read(&mut buf[len..]).await.map_err(Error::Io)?;
        if n == 0 {
            return Err(Error::Closed);
        }
        len += n;
        let mut probe = [EMPTY_HEADER; PROBE_HEADERS];
        match parse_request(&buf[..len], &mut probe, max) {
            Ok(Some(_)) => break,
            Ok(None) => {}
            // Too many lines for the probe: the caller's slots decide below
            // (and name their own limit if they are too few).
            Err(HeadError::TooManyHeaders { .. }) => {
                if head_ends(&buf[..len]) {
                    break;
                }
            }
            Err(e) => return refuse_head(io, e).await,
        }
    }
    let buf: &'b [u8] = buf;
    match parse_request(&buf[..len], headers, max) {
        Ok(Some(head)) => Ok(head),
        Ok(None) => refuse_head(io, HeadError::Malformed).await,
        Err(e) => refuse_head(io, e).await,
    }
}

/// Whether a blank line ends a head in `buf`.
fn head_ends(buf: &[u8]) -> bool {
    buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.windows(2).any(|w| w == b"\n\n")
}

async fn refuse_head<T, S: Write>(io: &mut S, e: HeadError) -> Result<T, Error<S::Error>> {
    refuse(io, e.status()).await?;
    Err(Error::Head(e))
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
/// refuses what is not a `GET`/`HEAD` of `path` with a usable
/// `Last-Event-ID` (with the status the core's check gives), and sends the
/// stream head.
/// Returns the request (for its `Last-Event-ID`).
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
    let head = read_request(io, buf, headers).await?;
    if let Err(reject) = head.check(path) {
        refuse(io, reject.status()).await?;
        return Err(Error::Refused(reject.status()));
    }
    start_stream(io, stream).await?;
    Ok(head)
}
