//! The client: moves bytes for the core's [`Connection`], which decides
//! everything (the response head, the body's framing, redirects, when to
//! reconnect, `Last-Event-ID`). The caller owns time and sockets: it
//! connects where it is told and sleeps until the retry instant.

use embedded_io_async::{Read, Write};
use sse_core::client::{Connection, Request, Step};
use sse_core::http::{HeadWriteError, Url};
use sse_core::SliceSink;

use crate::Error;

/// An event source's client side on caller buffers: the [`Connection`]
/// (with its parser buffer) and a buffer for the request and the bytes
/// read. The buffer must hold a whole response head (the connection's
/// `max_head_bytes`, or the head is refused as too large).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use sse_core::client::{Connection, ConnectionConfig, Request, Step};
/// use sse_core::http::Url;
/// use sse_core::Parser;
/// use sse_embedded::Client;
///
/// // A socket stand-in: the response in, the request out.
/// struct Socket { input: &'static [u8], output: Vec<u8> }
/// # impl embedded_io::ErrorType for Socket { type Error = core::convert::Infallible; }
/// # impl embedded_io_async::Read for Socket {
/// #     async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
/// #         let n = buf.len().min(self.input.len());
/// #         buf[..n].copy_from_slice(&self.input[..n]);
/// #         self.input = &self.input[n..];
/// #         Ok(n)
/// #     }
/// # }
/// # impl embedded_io_async::Write for Socket {
/// #     async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
/// #         self.output.extend_from_slice(buf);
/// #         Ok(buf.len())
/// #     }
/// # }
/// let url = Url::parse("http://sensor.local/events").unwrap();
/// let (mut parser_buf, mut buf) = ([0u8; 256], [0u8; 512]);
/// let conn = Connection::new(Parser::new(&mut parser_buf[..]), ConnectionConfig::DEFAULT, 42);
/// let mut client = Client::new(conn, &mut buf);
/// let mut socket = Socket {
///     input: b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 1\ndata: 21.5\n\n",
///     output: Vec::new(),
/// };
/// let clock = || 0; // the caller's milliseconds
/// client.start(&mut socket, &Request::get(url), &url, clock()).await.unwrap();
/// assert!(socket.output.starts_with(b"GET /events HTTP/1.1\r\n"));
/// let opened = client.next_with(&mut socket, &clock, |step| matches!(step, Step::Open { .. })).await;
/// assert!(opened);
/// let data = client.next_with(&mut socket, &clock, |step| match step {
///     Step::Event(event) => event.data.parse::<f32>().ok(),
///     _ => None,
/// });
/// assert_eq!(data.await, Some(21.5));
/// # });
/// ```
#[derive(Debug)]
pub struct Client<'b, P> {
    conn: Connection<P>,
    buf: &'b mut [u8],
    /// Bytes read and not yet used: `buf[start..end]`.
    start: usize,
    end: usize,
}

impl<'b, P: AsRef<[u8]> + AsMut<[u8]>> Client<'b, P> {
    /// A client driving `conn`, with `buf` for the request and for reads.
    pub fn new(conn: Connection<P>, buf: &'b mut [u8]) -> Self {
        Self { conn, buf, start: 0, end: 0 }
    }

    /// The connection: the last event ID, the ready state, the deadline
    /// ([`Connection::poll_timeout`]), and `handle_timeout` when it passes.
    pub fn connection(&mut self) -> &mut Connection<P> {
        &mut self.conn
    }

    /// Starts an attempt on a fresh socket to `target` (the origin, or where
    /// the last [`Step::Redirect`] pointed): sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::Failed`] once the source failed or was closed;
    /// [`Error::InvalidRequest`] if the request would inject into the head;
    /// [`Error::BufferTooSmall`] if it does not fit the buffer (nothing
    /// sent either way); [`Error::Io`].
    pub async fn start<S: Write>(
        &mut self,
        io: &mut S,
        request: &Request<'_>,
        target: &Url<'_>,
        now_ms: u64,
    ) -> Result<(), Error<S::Error>> {
        self.conn.start(now_ms).map_err(Error::Failed)?;
        (self.start, self.end) = (0, 0);
        let mut sink = SliceSink::new(self.buf);
        match self.conn.write_request(request, target, &mut sink) {
            Ok(()) => {}
            Err(HeadWriteError::Invalid) => return Err(Error::InvalidRequest),
            Err(HeadWriteError::Sink(never)) => match never {},
        }
        let required = sink.len();
        let bytes = sink.written().ok_or(Error::BufferTooSmall { required })?;
        io.write_all(bytes).await.map_err(Error::Io)?;
        io.flush().await.map_err(Error::Io)
    }

    /// Reads until the connection has something to say, and lends that
    /// [`Step`] to `use_step` (events may borrow the buffers). `clock` is
    /// the caller's milliseconds. After [`Step::Retry`], close the socket
    /// and sleep until `at_ms`; after [`Step::Redirect`], connect to the
    /// location; after [`Step::Finished`] or [`Step::Failed`], stop. The
    /// connection's deadlines ([`Connection::poll_timeout`]) are the
    /// caller's to keep: race the read against them and call
    /// [`Connection::handle_timeout`] through [`connection`](Self::connection). A read that fails or ends
    /// becomes the connection's [`Step::Retry`] (or [`Step::Failed`]).
    pub async fn next_with<S: Read, T>(
        &mut self,
        io: &mut S,
        clock: &impl Fn() -> u64,
        use_step: impl FnOnce(Step<'_>) -> T,
    ) -> T {
        loop {
            // Even with nothing buffered: a body that just ended ends the
            // attempt now, not when the server closes the connection.
            let mut rest = &self.buf[self.start..self.end];
            let before = rest.len();
            let step = self.conn.handle_input(&mut rest, clock());
            self.start += before - rest.len();
            if !matches!(step, Step::NeedMore) {
                return use_step(step);
            }
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                (self.start, self.end) = (0, self.end - self.start);
            }
            if self.end == self.buf.len() {
                // A response head larger than the buffer.
                return use_step(self.conn.handle_error(clock()));
            }
            match io.read(&mut self.buf[self.end..]).await {
                Ok(0) => return use_step(self.conn.handle_eof(clock())),
                Ok(n) => self.end += n,
                Err(_) => return use_step(self.conn.handle_error(clock())),
            }
        }
    }
}
