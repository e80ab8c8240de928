//! Reading events from an `embedded_io_async::Read`, with caller buffers.

use embedded_io_async::Read;
use sse_core::http::{BodyDecoder, BodyFraming};
use sse_core::{Event, Parser, Status};

use crate::Error;

/// Reads events: raw bytes land in the caller's read buffer, are
/// de-framed (chunked, by length, or until close) and parsed into the
/// caller's parser buffer. Nothing is allocated.
///
/// Events are lent to a closure, since they may borrow from either buffer:
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use sse_embedded::EventReader;
///
/// let (mut parser_buf, mut read_buf) = ([0u8; 256], [0u8; 64]);
/// let input: &[u8] = b"id: 1\ndata: hello\n\n";
/// let mut reader = EventReader::new(input, &mut parser_buf, &mut read_buf);
/// let id = reader.next_with(|event| event.id.len()).await.unwrap().unwrap();
/// assert_eq!(id, 1);
/// assert!(reader.next_with(|_| ()).await.is_none());
/// # });
/// ```
#[derive(Debug)]
pub struct EventReader<'b, R> {
    io: R,
    parser: Parser<&'b mut [u8]>,
    buf: &'b mut [u8],
    body: BodyDecoder,
    /// Raw bytes not yet de-framed: `buf[raw.0..raw.1]`.
    raw: (usize, usize),
    /// De-framed bytes not yet parsed: `buf[data.0..data.1]`.
    data: (usize, usize),
    done: bool,
}

impl<'b, R: Read> EventReader<'b, R> {
    /// A reader of a raw event stream (the body runs until close), with
    /// `parser_buf` for events (their data, id and type) and `read_buf`
    /// for reads.
    pub fn new(io: R, parser_buf: &'b mut [u8], read_buf: &'b mut [u8]) -> Self {
        Self::for_body(io, Parser::new(parser_buf), read_buf, crate::Body::until_close())
    }

    /// A reader of a response body that [`connect`](crate::connect) opened:
    /// its first bytes are already in `read_buf` (pass the buffer the
    /// handshake used).
    pub fn for_body(
        io: R,
        parser: Parser<&'b mut [u8]>,
        read_buf: &'b mut [u8],
        body: crate::Body,
    ) -> Self {
        let end = body.end.min(read_buf.len());
        let start = body.start.min(end);
        Self {
            io,
            parser,
            buf: read_buf,
            body: body.decoder,
            raw: (start, end),
            data: (0, 0),
            done: false,
        }
    }

    /// The next event, lent to `use_event`; its result is returned.
    /// `Some(Err(Limit))` for a skipped over-limit event (reading goes on),
    /// `None` at the end of the stream (a partial last event is dropped).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] and [`Error::Body`] end the stream.
    pub async fn next_with<T>(
        &mut self,
        use_event: impl FnOnce(&Event<'_>) -> T,
    ) -> Option<Result<T, Error<R::Error>>> {
        loop {
            if self.done {
                return None;
            }
            let (start, end) = self.data;
            if start < end {
                let feed = self.parser.feed(&self.buf[start..end]);
                self.data.0 += feed.consumed;
                match feed.status {
                    Status::Event(event) => return Some(Ok(use_event(&event))),
                    Status::Error(e) => return Some(Err(Error::Limit(e))),
                    Status::NeedMore => continue,
                }
            }
            if self.body.is_done() {
                // Bytes after the body's end are not part of the stream.
                self.finish();
                continue;
            }
            let (start, end) = self.raw;
            if start < end {
                let step = match self.body.decode(&self.buf[start..end]) {
                    Ok(step) => step,
                    Err(e) => {
                        self.finish();
                        return Some(Err(Error::Body(e)));
                    }
                };
                // The payload is the tail of what the decoder consumed.
                let stop = start + step.consumed;
                self.data = (stop - step.data.len(), stop);
                self.raw.0 = stop;
                continue;
            }
            match self.io.read(self.buf).await {
                Ok(0) => {
                    let clean = self.body.may_end();
                    self.finish();
                    if !clean {
                        return Some(Err(Error::Closed));
                    }
                }
                Ok(n) => self.raw = (0, n),
                Err(e) => {
                    self.finish();
                    return Some(Err(Error::Io(e)));
                }
            }
        }
    }

    /// The last event ID, for `Last-Event-ID` when reconnecting.
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// The last `retry` value, in milliseconds: hand it to
    /// `Reconnect::set_retry`.
    pub fn retry(&self) -> Option<u64> {
        self.parser.retry()
    }

    /// The transport and the parser back (the parser keeps the last event
    /// ID for the next connection).
    pub fn into_parts(self) -> (R, Parser<&'b mut [u8]>) {
        (self.io, self.parser)
    }

    fn finish(&mut self) {
        self.done = true;
        self.parser.finish();
    }
}

impl crate::Body {
    /// A body that runs until the connection closes, with nothing read yet.
    pub const fn until_close() -> Self {
        Self { decoder: BodyDecoder::new(BodyFraming::UntilClose), start: 0, end: 0 }
    }
}
