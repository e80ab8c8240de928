//! Writing events to an `AsyncWrite`, with keep-alive comments.

use std::future::poll_fn;
use std::pin::Pin;
use std::time::Duration;

use futures_core::Stream;
pub use sse_core::owned::WriteError;
use sse_core::typed::with_frame;
use sse_core::{Frame, SseEvent, KEEP_ALIVE};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Default idle time after which [`EventWriter::pump`] sends a keep-alive
/// comment, so that proxies keep the connection open.
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Writes events to an `AsyncWrite`, flushing after each one.
///
/// # Cancel safety
///
/// The `send*` methods are not cancel-safe: dropping one mid-way may leave
/// half a frame on the wire. Finish or drop the connection.
#[derive(Debug)]
pub struct EventWriter<W> {
    inner: W,
    buf: Vec<u8>,
    scratch: Vec<u8>,
    keep_alive: Option<Duration>,
}

impl<W: AsyncWrite + Unpin> EventWriter<W> {
    /// A writer with a [`DEFAULT_KEEP_ALIVE`] interval for [`pump`](Self::pump).
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            buf: Vec::new(),
            scratch: vec![0; 1024],
            keep_alive: Some(DEFAULT_KEEP_ALIVE),
        }
    }

    /// Sets the keep-alive interval of [`pump`](Self::pump); `None` sends none.
    #[must_use]
    pub fn with_keep_alive(mut self, interval: Option<Duration>) -> Self {
        self.keep_alive = interval;
        self
    }

    /// Writes one frame and flushes.
    ///
    /// # Errors
    ///
    /// [`WriteError::Frame`] for an injectable frame (nothing written),
    /// [`WriteError::Io`] if the transport fails.
    pub async fn send(&mut self, frame: &Frame<'_>) -> Result<(), WriteError> {
        self.buf.clear();
        frame.write_to(&mut self.buf)?;
        self.flush_buf().await
    }

    /// Writes a typed event (see `sse_core::SseEvent`) and flushes. The
    /// JSON scratch buffer grows as needed, up to 16 MiB.
    ///
    /// # Errors
    ///
    /// [`WriteError::Typed`] if the event cannot be encoded (nothing
    /// written), [`WriteError::Io`] if the transport fails.
    pub async fn send_event<T: SseEvent + ?Sized>(&mut self, event: &T) -> Result<(), WriteError> {
        self.buf.clear();
        let Self { buf, scratch, .. } = &mut *self;
        with_frame(event, scratch, |frame| frame.write_to(buf)).map_err(WriteError::Typed)??;
        self.flush_buf().await
    }

    /// Writes a comment (each line becomes a `:` line) and flushes.
    ///
    /// # Errors
    ///
    /// [`WriteError::Io`] if the transport fails.
    pub async fn comment(&mut self, text: &str) -> Result<(), WriteError> {
        self.send(&Frame::comment_only(text)).await
    }

    /// Writes a keep-alive comment (`:` and LF) and flushes.
    ///
    /// # Errors
    ///
    /// [`WriteError::Io`] if the transport fails.
    pub async fn keep_alive(&mut self) -> Result<(), WriteError> {
        self.write_raw(KEEP_ALIVE).await
    }

    /// Writes bytes that are already encoded frames (e.g. from a replay
    /// ring or a hub) and flushes.
    ///
    /// # Errors
    ///
    /// [`WriteError::Io`] if the transport fails.
    pub async fn write_raw(&mut self, frames: &[u8]) -> Result<(), WriteError> {
        self.inner.write_all(frames).await?;
        self.inner.flush().await?;
        Ok(())
    }

    /// Sends every event of `events`, and a keep-alive comment whenever no
    /// event came for the keep-alive interval (each event resets it).
    /// Returns when the stream ends.
    ///
    /// # Errors
    ///
    /// The first [`WriteError`]; the stream is not polled further.
    pub async fn pump<S, T>(&mut self, mut events: S) -> Result<(), WriteError>
    where
        S: Stream<Item = T> + Unpin,
        T: SseEvent,
    {
        loop {
            let next = poll_fn(|cx| Pin::new(&mut events).poll_next(cx));
            let item = match self.keep_alive {
                Some(interval) => match tokio::time::timeout(interval, next).await {
                    Ok(item) => item,
                    Err(_idle) => {
                        self.keep_alive().await?;
                        continue;
                    }
                },
                None => next.await,
            };
            match item {
                Some(event) => self.send_event(&event).await?,
                None => return Ok(()),
            }
        }
    }

    /// The transport.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The transport, mutably (write nothing that breaks the framing).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The transport, unwrapped.
    pub fn into_inner(self) -> W {
        self.inner
    }

    async fn flush_buf(&mut self) -> Result<(), WriteError> {
        self.inner.write_all(&self.buf).await?;
        self.inner.flush().await?;
        Ok(())
    }
}
