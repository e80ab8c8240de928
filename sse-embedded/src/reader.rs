//! Reading a raw event stream (no HTTP around it) from an
//! `embedded_io_async::Read`, with caller buffers. A response body is the
//! [`Client`](crate::Client)'s.

use embedded_io_async::Read;
use sse_core::{Event, Parser, Status};

use crate::Error;

/// Reads events from a raw event stream (a serial line, a pipe, a body an
/// HTTP stack already de-framed): bytes land in the caller's read buffer
/// and are parsed into the caller's parser buffer. Nothing is allocated.
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
    /// Bytes read and not yet parsed: `buf[start..end]`.
    start: usize,
    end: usize,
    done: bool,
}

impl<'b, R: Read> EventReader<'b, R> {
    /// A reader with `parser_buf` for events (their data, id and type) and
    /// `read_buf` for reads.
    pub fn new(io: R, parser_buf: &'b mut [u8], read_buf: &'b mut [u8]) -> Self {
        Self::with_parser(io, Parser::new(parser_buf), read_buf)
    }

    /// A reader with a parser of the caller's (its own limits, or a seeded
    /// last event ID).
    pub fn with_parser(io: R, parser: Parser<&'b mut [u8]>, read_buf: &'b mut [u8]) -> Self {
        Self { io, parser, buf: read_buf, start: 0, end: 0, done: false }
    }

    /// The next event, lent to `use_event`; its result is returned.
    /// `Some(Err(Limit))` for a skipped over-limit event (reading goes on),
    /// `None` at the end of the stream (a partial last event is dropped).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] ends the stream.
    pub async fn next_with<T>(
        &mut self,
        use_event: impl FnOnce(&Event<'_>) -> T,
    ) -> Option<Result<T, Error<R::Error>>> {
        loop {
            if self.done {
                return None;
            }
            if self.start < self.end {
                let feed = self.parser.feed(&self.buf[self.start..self.end]);
                self.start += feed.consumed;
                match feed.status {
                    Status::Event(event) => return Some(Ok(use_event(&event))),
                    Status::Error(e) => return Some(Err(Error::Limit(e))),
                    // More input needed, or a comment (if the parser
                    // reports them): this reader yields events only.
                    _ => continue,
                }
            }
            match self.io.read(self.buf).await {
                Ok(0) => self.finish(),
                Ok(n) => (self.start, self.end) = (0, n),
                Err(e) => {
                    self.finish();
                    return Some(Err(Error::Io(e)));
                }
            }
        }
    }

    /// The last event ID.
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// The last `retry` value, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.parser.retry()
    }

    /// The transport and the parser back.
    pub fn into_parts(self) -> (R, Parser<&'b mut [u8]>) {
        (self.io, self.parser)
    }

    fn finish(&mut self) {
        self.done = true;
        self.parser.finish();
    }
}
