//! Reading events: from a futures-io `AsyncRead`, or from any stream of
//! byte chunks.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use futures_io::AsyncRead;
use sse_core::{EventDecoder, MessageEvent, ReaderConfig};

use crate::error::ReadError;

/// Events read from any futures-io `AsyncRead`, as a `futures_core::Stream`.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use sse_async::EventReader;
///
/// let mut reader = EventReader::new(&b"event: tick\ndata: hi\n\n"[..]);
/// let event = reader.next_event().await.unwrap().unwrap();
/// assert_eq!((event.event_type.as_str(), event.data.as_str()), ("tick", "hi"));
/// assert!(reader.next_event().await.is_none());
/// # });
/// ```
///
/// # Cancel safety
///
/// [`next_event`](Self::next_event) and `poll_next` are cancel-safe: all
/// state lives in the reader.
#[derive(Debug)]
pub struct EventReader<R> {
    inner: R,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    decoder: EventDecoder,
    done: bool,
}

impl<R: AsyncRead + Unpin> EventReader<R> {
    /// A reader with the default buffer sizes and limits.
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
            decoder: EventDecoder::new(&config),
            done: false,
        }
    }

    /// The next event, a skipped over-limit event, a transport error, or
    /// `None` at the end of the stream (a partial last event is dropped).
    pub async fn next_event(&mut self) -> Option<Result<MessageEvent, ReadError>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The last event ID, for `Last-Event-ID` when reconnecting.
    pub fn last_event_id(&self) -> &str {
        self.decoder.last_event_id()
    }

    /// The last `retry` value, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.decoder.retry()
    }

    /// Seeds the last event ID (a resumed stream).
    ///
    /// # Errors
    ///
    /// If it exceeds the id limit.
    pub fn set_last_event_id(&mut self, id: &str) -> Result<(), sse_core::ParseError> {
        self.decoder.set_last_event_id(id)
    }

    /// The transport back.
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
                let (n, item) = this.decoder.feed(&this.buf[this.start..this.end]);
                this.start += n;
                if let Some(item) = item {
                    return Poll::Ready(Some(item.map_err(ReadError::Limit)));
                }
            }
            let result = ready!(Pin::new(&mut this.inner).poll_read(cx, &mut this.buf));
            match result {
                Ok(n) if n > 0 => (this.start, this.end) = (0, n),
                Ok(_) => {
                    this.done = true;
                    this.decoder.finish();
                }
                Err(e) => {
                    this.done = true;
                    this.decoder.finish();
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
    decoder: EventDecoder,
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
        Self { stream, chunk: None, offset: 0, decoder: EventDecoder::new(&config), done: false }
    }

    /// The next event; `None` at the end of the stream.
    pub async fn next_event(&mut self) -> Option<Result<MessageEvent, ReadError>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The stream's last event ID.
    pub fn last_event_id(&self) -> &str {
        self.decoder.last_event_id()
    }

    /// The reconnection time the server asked for, in ms.
    pub fn retry(&self) -> Option<u64> {
        self.decoder.retry()
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
                let (n, item) = this.decoder.feed(&bytes[this.offset..]);
                this.offset += n;
                if this.offset >= bytes.len() {
                    this.chunk = None;
                }
                if let Some(item) = item {
                    return Poll::Ready(Some(item.map_err(ReadError::Limit)));
                }
            }
            match ready!(Pin::new(&mut this.stream).poll_next(cx)) {
                Some(Ok(chunk)) => (this.chunk, this.offset) = (Some(chunk), 0),
                Some(Err(e)) => {
                    this.done = true;
                    this.decoder.finish();
                    return Poll::Ready(Some(Err(ReadError::Io(io::Error::other(e)))));
                }
                None => {
                    this.done = true;
                    this.decoder.finish();
                }
            }
        }
    }
}
