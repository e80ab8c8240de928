//! Reading events: from an `AsyncRead`, or from a stream of byte chunks.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use sse_core::{Limits, Parser, Status};
use tokio::io::{AsyncRead, ReadBuf};

use crate::event::{MessageEvent, ReadError};

/// Default size of the read buffer.
pub const DEFAULT_READ_BUFFER: usize = 8 * 1024;
/// Default largest event data accepted (larger events are skipped with
/// [`ReadError::Limit`]).
pub const DEFAULT_MAX_EVENT_BYTES: usize = 1024 * 1024;

/// Buffer sizes and limits of a reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReaderConfig {
    /// Bytes read from the transport at a time.
    pub read_buffer: usize,
    /// Largest event data accepted, in bytes.
    pub max_event_bytes: usize,
    /// Id and event-type limits.
    pub limits: Limits,
}

impl ReaderConfig {
    /// [`DEFAULT_READ_BUFFER`], [`DEFAULT_MAX_EVENT_BYTES`], [`Limits::DEFAULT`].
    pub const DEFAULT: Self = Self {
        read_buffer: DEFAULT_READ_BUFFER,
        max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
        limits: Limits::DEFAULT,
    };

    /// Sets the read buffer size (at least 1).
    #[must_use]
    pub const fn with_read_buffer(mut self, bytes: usize) -> Self {
        self.read_buffer = if bytes == 0 { 1 } else { bytes };
        self
    }

    /// Sets the largest event data accepted.
    #[must_use]
    pub const fn with_max_event_bytes(mut self, bytes: usize) -> Self {
        self.max_event_bytes = bytes;
        self
    }

    /// Sets the id and event-type limits.
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

impl Default for ReaderConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The parser plus the conversion to owned events, shared by both readers.
#[derive(Debug)]
struct Decoder {
    parser: Parser<Vec<u8>>,
}

impl Decoder {
    fn new(config: &ReaderConfig) -> Self {
        let size = config.max_event_bytes.saturating_add(config.limits.reserved_bytes()).max(1);
        let parser = Parser::with_limits(vec![0; size], config.limits)
            .unwrap_or_else(|_| Parser::new(vec![0; size]));
        Self { parser }
    }

    /// Parses from `input`; returns bytes consumed and an item if one is ready.
    fn step(&mut self, input: &[u8]) -> (usize, Option<Result<MessageEvent, ReadError>>) {
        let feed = self.parser.feed(input);
        let item = match feed.status {
            Status::Event(event) => Some(Ok(MessageEvent::from_event(&event))),
            Status::Error(e) => Some(Err(ReadError::Limit(e))),
            Status::NeedMore => None,
        };
        (feed.consumed, item)
    }
}

/// Events read from an `AsyncRead` (a socket, a response body), as a
/// `futures_core::Stream`.
///
/// # Cancel safety
///
/// [`next_event`](Self::next_event) and `poll_next` are cancel-safe: all
/// state lives in the reader, so dropping a pending call loses nothing.
#[derive(Debug)]
pub struct EventReader<R> {
    inner: R,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    decoder: Decoder,
    done: bool,
}

impl<R: AsyncRead + Unpin> EventReader<R> {
    /// A reader with [`ReaderConfig::DEFAULT`].
    pub fn new(inner: R) -> Self {
        Self::with_config(inner, ReaderConfig::DEFAULT)
    }

    /// A reader with its own buffer sizes and limits.
    pub fn with_config(inner: R, config: ReaderConfig) -> Self {
        Self {
            inner,
            buf: vec![0; config.read_buffer.max(1)].into_boxed_slice(),
            start: 0,
            end: 0,
            decoder: Decoder::new(&config),
            done: false,
        }
    }

    /// The next event; `None` at the end of the stream (an unterminated
    /// last event is discarded, as the spec says).
    pub async fn next_event(&mut self) -> Option<Result<MessageEvent, ReadError>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The stream's last event ID, for `Last-Event-ID` on reconnect.
    pub fn last_event_id(&self) -> &str {
        self.decoder.parser.last_event_id()
    }

    /// The reconnection time the server asked for, in ms.
    pub fn retry(&self) -> Option<u64> {
        self.decoder.parser.retry()
    }

    /// Seeds the last event ID (e.g. carried over from a previous
    /// connection).
    ///
    /// # Errors
    ///
    /// `sse_core::ParseError` if the id is too long or contains NUL, CR or LF.
    pub fn set_last_event_id(&mut self, id: &str) -> Result<(), sse_core::ParseError> {
        self.decoder.parser.set_last_event_id(id)
    }

    /// The transport.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The transport, unwrapped; unparsed buffered bytes are dropped.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: AsyncRead + Unpin> Stream for EventReader<R> {
    type Item = Result<MessageEvent, ReadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if this.start < this.end {
                let (n, item) = this.decoder.step(&this.buf[this.start..this.end]);
                this.start += n;
                if let Some(item) = item {
                    return Poll::Ready(Some(item));
                }
            }
            let mut read = ReadBuf::new(&mut this.buf);
            let result = ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read));
            let n = read.filled().len();
            (this.start, this.end) = (0, n);
            match result {
                Ok(()) if n > 0 => {}
                Ok(()) => {
                    this.done = true;
                    this.decoder.parser.finish();
                }
                Err(e) => {
                    this.done = true;
                    this.decoder.parser.finish();
                    return Poll::Ready(Some(Err(ReadError::Io(e))));
                }
            }
        }
    }
}

/// Events decoded from any stream of byte chunks: a `reqwest` response's
/// `bytes_stream()`, a hyper body turned into a data stream, ...
///
/// The stream must be `Unpin` (wrap it in `Box::pin` otherwise).
///
/// # Cancel safety
///
/// `poll_next` is cancel-safe.
#[derive(Debug)]
pub struct ByteStreamDecoder<S, B> {
    stream: S,
    chunk: Option<B>,
    offset: usize,
    decoder: Decoder,
    done: bool,
}

impl<S, B, E> ByteStreamDecoder<S, B>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]> + Unpin,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    /// A decoder with [`ReaderConfig::DEFAULT`].
    pub fn new(stream: S) -> Self {
        Self::with_config(stream, ReaderConfig::DEFAULT)
    }

    /// A decoder with its own limits (`read_buffer` is not used).
    pub fn with_config(stream: S, config: ReaderConfig) -> Self {
        Self { stream, chunk: None, offset: 0, decoder: Decoder::new(&config), done: false }
    }

    /// The next event; `None` at the end of the stream.
    pub async fn next_event(&mut self) -> Option<Result<MessageEvent, ReadError>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The stream's last event ID.
    pub fn last_event_id(&self) -> &str {
        self.decoder.parser.last_event_id()
    }

    /// The reconnection time the server asked for, in ms.
    pub fn retry(&self) -> Option<u64> {
        self.decoder.parser.retry()
    }
}

impl<S, B, E> Stream for ByteStreamDecoder<S, B>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]> + Unpin,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Item = Result<MessageEvent, ReadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Some(chunk) = &this.chunk {
                let bytes = chunk.as_ref();
                let (n, item) = this.decoder.step(&bytes[this.offset..]);
                this.offset += n;
                if this.offset >= bytes.len() {
                    this.chunk = None;
                }
                if let Some(item) = item {
                    return Poll::Ready(Some(item));
                }
            }
            match ready!(Pin::new(&mut this.stream).poll_next(cx)) {
                Some(Ok(chunk)) => (this.chunk, this.offset) = (Some(chunk), 0),
                Some(Err(e)) => {
                    this.done = true;
                    this.decoder.parser.finish();
                    return Poll::Ready(Some(Err(ReadError::Io(io::Error::other(e)))));
                }
                None => {
                    this.done = true;
                    this.decoder.parser.finish();
                }
            }
        }
    }
}
