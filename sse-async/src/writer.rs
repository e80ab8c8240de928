//! Writing events to a futures-io `AsyncWrite`, with keep-alive comments.

use std::future::poll_fn;
use std::pin::Pin;
use std::time::Duration;

use crate::error::SendError;
use futures_core::Stream;
use futures_io::AsyncWrite;
use futures_lite::AsyncWriteExt;
use sse_core::typed::with_frame;
use sse_core::{Frame, SseEvent, KEEP_ALIVE};

use crate::runtime::{timeout, Runtime};

/// Default idle time after which [`EventWriter::pump`] sends a keep-alive
/// comment, so that proxies keep the connection open.
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Writes events to any futures-io `AsyncWrite` (a socket, a response
/// body), encoding with the core and flushing after each event.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use sse_async::EventWriter;
/// use sse_core::Frame;
///
/// let mut writer = EventWriter::new(Vec::new());
/// writer.send(&Frame::new().event("tick").id("1").data("hello")).await.unwrap();
/// writer.comment("still here").await.unwrap();
/// assert_eq!(writer.get_ref(), b"event: tick\nid: 1\ndata: hello\n\n: still here\n");
/// # });
/// ```
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
    /// [`SendError::Frame`] for an injectable frame (nothing written),
    /// [`SendError::Io`] if the transport fails.
    pub async fn send(&mut self, frame: &Frame<'_>) -> Result<(), SendError> {
        self.buf.clear();
        frame.write_to(&mut self.buf)?;
        self.flush_buf().await
    }

    /// Writes a typed event (see `sse_core::SseEvent`) and flushes; the
    /// JSON scratch buffer grows as needed, up to 16 MiB.
    ///
    /// # Errors
    ///
    /// [`SendError::Typed`] if the event cannot be encoded (nothing
    /// written), [`SendError::Io`] if the transport fails.
    pub async fn send_event<T: SseEvent + ?Sized>(&mut self, event: &T) -> Result<(), SendError> {
        self.buf.clear();
        let Self { buf, scratch, .. } = &mut *self;
        with_frame(event, scratch, |frame| frame.write_to(buf)).map_err(SendError::Typed)??;
        self.flush_buf().await
    }

    /// Writes a comment (each line becomes a `:` line) and flushes.
    ///
    /// # Errors
    ///
    /// [`SendError::Io`] if the transport fails.
    pub async fn comment(&mut self, text: &str) -> Result<(), SendError> {
        self.send(&Frame::comment_only(text)).await
    }

    /// Writes a keep-alive comment and flushes.
    ///
    /// # Errors
    ///
    /// [`SendError::Io`] if the transport fails.
    pub async fn keep_alive(&mut self) -> Result<(), SendError> {
        self.write_raw(KEEP_ALIVE).await
    }

    /// Writes bytes that are already encoded frames (from a hub or a
    /// replay ring) and flushes.
    ///
    /// # Errors
    ///
    /// [`SendError::Io`] if the transport fails.
    pub async fn write_raw(&mut self, frames: &[u8]) -> Result<(), SendError> {
        self.inner.write_all(frames).await?;
        self.inner.flush().await?;
        Ok(())
    }

    /// Sends every event of `events`, and a keep-alive comment whenever no
    /// event came for the keep-alive interval, timed by `runtime`. Returns
    /// when the stream ends.
    ///
    /// # Errors
    ///
    /// The first [`SendError`]; the stream is not polled further.
    pub async fn pump<R, S, T>(&mut self, runtime: &R, mut events: S) -> Result<(), SendError>
    where
        R: Runtime,
        S: Stream<Item = T> + Unpin,
        T: SseEvent,
    {
        loop {
            let next = poll_fn(|cx| Pin::new(&mut events).poll_next(cx));
            let item = match self.keep_alive {
                Some(interval) => match timeout(runtime, interval, next).await {
                    Some(item) => item,
                    None => {
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

    /// The transport back.
    pub fn into_inner(self) -> W {
        self.inner
    }

    async fn flush_buf(&mut self) -> Result<(), SendError> {
        self.inner.write_all(&self.buf).await?;
        self.inner.flush().await?;
        Ok(())
    }
}
