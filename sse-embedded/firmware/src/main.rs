//! Firmware-shaped sse-embedded: a device relays the events of an upstream
//! stream to one SSE client, with static buffers and no allocator.
//!
//! The sockets are stand-ins for a network stack's TCP sockets (say
//! embassy-net's `TcpSocket`, which implements the same `embedded-io-async`
//! traits): the client's socket holds a request, the upstream socket an
//! event stream, and written bytes go to a black box. A tiny poll loop
//! stands in for the executor.
//!
//! Build: `cd sse-embedded/firmware && cargo build --release`, then
//! `llvm-size target/thumbv7em-none-eabihf/release/sse-firmware-example`.
//! `--features baseline` builds the same I/O without SSE, for comparison.
#![no_std]
#![no_main]

use core::convert::Infallible;
use core::future::Future;
use core::hint::black_box;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use cortex_m_rt::entry;

/// A socket stand-in: reads come from `input`, writes go to a black box.
struct Socket {
    input: &'static [u8],
    written: usize,
}

impl embedded_io::ErrorType for Socket {
    type Error = Infallible;
}

impl embedded_io_async::Read for Socket {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let n = buf.len().min(self.input.len());
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input = &self.input[n..];
        Ok(n)
    }
}

impl embedded_io_async::Write for Socket {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        self.written += black_box(buf).len();
        Ok(buf.len())
    }
}

const REQUEST: &[u8] =
    b"GET /events HTTP/1.1\r\nHost: device.local\r\nAccept: text/event-stream\r\n\r\n";
const UPSTREAM: &[u8] = b"retry: 5000\nid: 1\nevent: temp\ndata: {\"c\":21}\n\nid: 2\nevent: temp\ndata: {\"c\":22}\n\n";

/// Serves one client: the handshake, then each upstream event re-encoded.
#[cfg(not(feature = "baseline"))]
async fn serve(
    client: &mut Socket,
    upstream: &mut Socket,
    head_buf: &mut [u8],
    frame_buf: &mut [u8],
    parser_buf: &mut [u8],
    read_buf: &mut [u8],
) -> Result<(), sse_embedded::Error<Infallible>> {
    use sse_core::http::{StreamHead, EMPTY_HEADER};
    use sse_core::Frame;

    let mut headers = [EMPTY_HEADER; 16];
    sse_embedded::accept(client, "/events", head_buf, &mut headers, &StreamHead::default()).await?;
    let mut writer = sse_embedded::EventWriter::new(client, frame_buf);
    let mut reader = sse_embedded::EventReader::new(upstream, parser_buf, read_buf);
    loop {
        // Copy the event out of the reader's buffers into the writer's.
        let mut id = [0u8; 16];
        let mut data = [0u8; 64];
        let Some(lens) = reader
            .next_with(|event| {
                let (i, d) = (event.id.len().min(16), event.data.len().min(64));
                id[..i].copy_from_slice(&event.id.as_bytes()[..i]);
                data[..d].copy_from_slice(&event.data.as_bytes()[..d]);
                (i, d)
            })
            .await
        else {
            break;
        };
        let (i, d) = lens?;
        let id = core::str::from_utf8(&id[..i]).unwrap_or("");
        let data = core::str::from_utf8(&data[..d]).unwrap_or("");
        writer.send(&Frame::new().event("temp").id(id).data(data)).await?;
    }
    writer.keep_alive().await
}

/// The baseline: the same sockets and buffers, bytes copied straight
/// through.
#[cfg(feature = "baseline")]
async fn serve(
    client: &mut Socket,
    upstream: &mut Socket,
    head_buf: &mut [u8],
    frame_buf: &mut [u8],
    parser_buf: &mut [u8],
    read_buf: &mut [u8],
) -> Result<(), Infallible> {
    use embedded_io_async::{Read, Write};
    let _ = (frame_buf, parser_buf);
    let n = client.read(head_buf).await?;
    client.write_all(&head_buf[..n]).await?;
    loop {
        let n = upstream.read(read_buf).await?;
        if n == 0 {
            return Ok(());
        }
        client.write_all(&read_buf[..n]).await?;
    }
}

/// Polls `future` to completion: the stand-in sockets never wait.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

#[entry]
fn main() -> ! {
    // cortex-m-rt turns these into `&'static mut` buffers, safely.
    static mut HEAD: [u8; 512] = [0; 512];
    static mut FRAME: [u8; 1024] = [0; 1024];
    static mut PARSER: [u8; 1024] = [0; 1024];
    static mut READ: [u8; 256] = [0; 256];
    let mut client = Socket { input: REQUEST, written: 0 };
    let mut upstream = Socket { input: UPSTREAM, written: 0 };
    let result = block_on(serve(&mut client, &mut upstream, HEAD, FRAME, PARSER, READ));
    black_box((result.is_ok(), client.written));
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
