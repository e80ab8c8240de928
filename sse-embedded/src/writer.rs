//! Writing events to an `embedded_io_async::Write`, from a caller's buffer.

use embedded_io_async::Write;
use sse_core::{Frame, KEEP_ALIVE};

use crate::Error;

/// Writes events: each frame is encoded into the caller's buffer, then
/// written and flushed. Keep-alive is the caller's to drive (it owns
/// time): call [`keep_alive`](Self::keep_alive) when the stream was idle.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use sse_core::Frame;
/// use sse_embedded::EventWriter;
///
/// let mut out = [0u8; 64];
/// let mut buf = [0u8; 128];
/// let mut writer = EventWriter::new(&mut out[..], &mut buf);
/// writer.send(&Frame::new().id("1").data("hi")).await.unwrap();
/// writer.keep_alive().await.unwrap();
/// assert!(out.starts_with(b"id: 1\ndata: hi\n\n:\n"));
/// # });
/// ```
#[derive(Debug)]
pub struct EventWriter<'b, W> {
    io: W,
    buf: &'b mut [u8],
}

impl<'b, W: Write> EventWriter<'b, W> {
    /// A writer encoding into `buf`: the largest frame it can send is
    /// `buf.len()` bytes (typed events get half for JSON, half for the
    /// frame).
    pub fn new(io: W, buf: &'b mut [u8]) -> Self {
        Self { io, buf }
    }

    /// Writes one frame and flushes.
    ///
    /// # Errors
    ///
    /// [`Error::Frame`] for an injectable frame and
    /// [`Error::BufferTooSmall`] (nothing written either way);
    /// [`Error::Io`] if the transport fails.
    pub async fn send(&mut self, frame: &Frame<'_>) -> Result<(), Error<W::Error>> {
        let len = frame.encode(self.buf)?;
        self.write_raw_at(len).await
    }

    /// Writes a typed event and flushes. The buffer's first half holds the
    /// JSON data, the second the encoded frame.
    ///
    /// # Errors
    ///
    /// [`Error::Typed`] if it cannot be encoded in the buffer (nothing
    /// written); [`Error::Io`] if the transport fails.
    #[cfg(feature = "json")]
    pub async fn send_event<T: sse_core::SseEvent + ?Sized>(
        &mut self,
        event: &T,
    ) -> Result<(), Error<W::Error>> {
        let half = self.buf.len() / 2;
        let (scratch, out) = self.buf.split_at_mut(half);
        let len = event.encode(scratch, out).map_err(Error::Typed)?;
        self.io.write_all(&out[..len]).await.map_err(Error::Io)?;
        self.io.flush().await.map_err(Error::Io)
    }

    /// Writes a comment and flushes.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn comment(&mut self, text: &str) -> Result<(), Error<W::Error>> {
        self.send(&Frame::comment_only(text)).await
    }

    /// Writes a keep-alive comment and flushes; call it when nothing was
    /// sent for a while (15 s is usual) so proxies keep the stream open.
    ///
    /// # Errors
    ///
    /// [`Error::Io`].
    pub async fn keep_alive(&mut self) -> Result<(), Error<W::Error>> {
        self.write_raw(KEEP_ALIVE).await
    }

    /// Writes bytes that are already encoded frames (from a replay ring)
    /// and flushes.
    ///
    /// # Errors
    ///
    /// [`Error::Io`].
    pub async fn write_raw(&mut self, frames: &[u8]) -> Result<(), Error<W::Error>> {
        self.io.write_all(frames).await.map_err(Error::Io)?;
        self.io.flush().await.map_err(Error::Io)
    }

    /// The transport.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.io
    }

    /// The transport back.
    pub fn into_inner(self) -> W {
        self.io
    }

    async fn write_raw_at(&mut self, len: usize) -> Result<(), Error<W::Error>> {
        self.io.write_all(&self.buf[..len]).await.map_err(Error::Io)?;
        self.io.flush().await.map_err(Error::Io)
    }
}
