//! sse-embedded on the host with in-memory sockets: server refusals with
//! the right status, the client's handshake decisions, bodies of every
//! framing read one byte per read, and the error kinds.

use std::future::Future;

use embedded_io::{Error as _, ErrorKind};
use sse_core::http::{ClientRequest, StreamHead, EMPTY_HEADER};
use sse_core::{FailReason, Parser, Reconnect, ReconnectConfig};
use sse_embedded::{accept, connect, Error, EventReader, Handshake};

/// A socket that serves `input` at most `step` bytes per read and records
/// what is written.
struct Socket {
    input: Vec<u8>,
    at: usize,
    step: usize,
    output: Vec<u8>,
}

impl Socket {
    fn new(input: &[u8], step: usize) -> Self {
        Self { input: input.to_vec(), at: 0, step, output: Vec::new() }
    }
}

impl embedded_io::ErrorType for Socket {
    type Error = std::convert::Infallible;
}

impl embedded_io_async::Read for Socket {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let n = buf.len().min(self.step).min(self.input.len() - self.at);
        buf[..n].copy_from_slice(&self.input[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl embedded_io_async::Write for Socket {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }
}

fn run<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
}

fn serve(request: &[u8], head_buf_len: usize) -> (Result<Option<String>, u16>, Vec<u8>) {
    run(async {
        let mut socket = Socket::new(request, 7);
        let mut buf = vec![0u8; head_buf_len];
        let mut headers = [EMPTY_HEADER; 8];
        let result =
            accept(&mut socket, "/events", &mut buf, &mut headers, &StreamHead::default()).await;
        let result = match result {
            Ok(head) => Ok(head.last_event_id().map(str::to_owned)),
            Err(Error::Refused(status)) => Err(status),
            Err(Error::Head(e)) => Err(e.status()),
            Err(e) => panic!("unexpected {e}"),
        };
        (result, socket.output)
    })
}

#[test]
fn the_server_handshake_accepts_and_refuses_with_the_right_status() {
    let (ok, out) = serve(b"GET /events HTTP/1.1\r\nHost: d\r\nLast-Event-ID: 41\r\n\r\n", 512);
    assert_eq!(ok, Ok(Some("41".to_owned())));
    assert!(out.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(String::from_utf8_lossy(&out).contains("Content-Type: text/event-stream"));

    let cases: [(&[u8], usize, u16); 5] = [
        (b"GET /other HTTP/1.1\r\nHost: d\r\n\r\n", 512, 404),
        (b"POST /events HTTP/1.1\r\nHost: d\r\n\r\n", 512, 405),
        (b"GET /events HTTP/1.1\r\nHost: d\r\nX-Big: 0123456789012345678901234567890123456789\r\n\r\n", 48, 431),
        (b"GET /events HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\nH: 8\r\nI: 9\r\n\r\n", 512, 431),
        (b"GET /events HTTP/1.1\r\nBad Header\r\n\r\n", 512, 400),
    ];
    for (request, buf_len, status) in cases {
        let (result, out) = serve(request, buf_len);
        assert_eq!(result, Err(status), "{}", String::from_utf8_lossy(request));
        let line = format!("HTTP/1.1 {status} ");
        assert!(out.starts_with(line.as_bytes()), "answered {}", String::from_utf8_lossy(&out));
    }
}

fn handshake(response: &[u8], config: ReconnectConfig) -> (Handshake, Vec<u8>, Vec<u8>) {
    run(async {
        let mut socket = Socket::new(response, 5);
        let mut buf = vec![0u8; 1024];
        let mut policy = Reconnect::new(config);
        let request = ClientRequest { last_event_id: "7", ..ClientRequest::get("d:80", "/events") };
        let result =
            connect(&mut socket, &request, &mut buf, &mut policy, 0, &mut || 1).await.unwrap();
        (result, buf, socket.output)
    })
}

#[test]
fn the_client_handshake_follows_the_core_policy() {
    let (result, _, sent) = handshake(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n",
        ReconnectConfig::DEFAULT,
    );
    assert!(matches!(result, Handshake::Open(_)));
    let sent = String::from_utf8(sent).unwrap();
    assert!(sent.starts_with("GET /events HTTP/1.1\r\nHost: d:80\r\n"), "{sent}");
    assert!(sent.contains("Last-Event-ID: 7\r\n"));

    let (result, ..) = handshake(b"HTTP/1.1 204 No Content\r\n\r\n", ReconnectConfig::DEFAULT);
    assert_eq!(result, Handshake::Fail(FailReason::NoContent));
    let (result, ..) =
        handshake(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", ReconnectConfig::DEFAULT);
    assert_eq!(result, Handshake::Fail(FailReason::ContentType));
    let (result, buf, _) = handshake(
        b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /moved?x=1\r\n\r\n",
        ReconnectConfig::DEFAULT,
    );
    let Handshake::Redirect(range) = result else { panic!("{result:?}") };
    assert_eq!(&buf[range], b"/moved?x=1");
    let (result, ..) = handshake(
        b"HTTP/1.1 503 Service Unavailable\r\n\r\n",
        ReconnectConfig::DEFAULT.with_retry_server_errors(true).with_jitter_permille(0),
    );
    assert!(matches!(result, Handshake::Retry { delay_ms } if delay_ms > 0), "{result:?}");
}

/// Runs the client handshake, which must open a stream.
async fn opened(socket: &mut Socket, buf: &mut [u8]) -> sse_embedded::Body {
    let mut policy = Reconnect::new(ReconnectConfig::DEFAULT);
    let request = ClientRequest::get("d", "/events");
    match connect(socket, &request, buf, &mut policy, 0, &mut || 1).await.unwrap() {
        Handshake::Open(body) => body,
        other => panic!("not opened: {other:?}"),
    }
}

/// Reads every event of a response, `step` bytes per read at most.
fn read_all(response: &[u8]) -> (Vec<(String, String)>, Option<String>) {
    read_all_in(response, 1)
}

fn read_all_in(response: &[u8], step: usize) -> (Vec<(String, String)>, Option<String>) {
    run(async {
        let mut socket = Socket::new(response, step);
        let mut buf = vec![0u8; 256];
        let body = opened(&mut socket, &mut buf).await;
        let mut parser_buf = [0u8; 512];
        let parser = Parser::new(&mut parser_buf[..]);
        let mut reader = EventReader::for_body(&mut socket, parser, &mut buf, body);
        let mut events = Vec::new();
        let mut error = None;
        while let Some(item) = reader.next_with(|e| (e.id.to_owned(), e.data.to_owned())).await {
            match item {
                Ok(event) => events.push(event),
                Err(e) => error = Some(e.to_string()),
            }
        }
        (events, error)
    })
}

#[test]
fn bodies_of_every_framing_read_one_byte_at_a_time() {
    let want = vec![("1".to_owned(), "a".to_owned()), ("2".to_owned(), "b\nc".to_owned())];
    let stream = "id: 1\ndata: a\n\nid: 2\ndata: b\ndata: c\n\n";
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n";
    let close = format!("{head}\r\n{stream}");
    let length = format!("{head}Content-Length: {}\r\n\r\n{stream}NOT-BODY", stream.len());
    let chunked = format!(
        "{head}Transfer-Encoding: chunked\r\n\r\n9\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        &stream[..9],
        stream.len() - 9,
        &stream[9..]
    );
    for response in [close, length, chunked] {
        let (events, error) = read_all(response.as_bytes());
        assert_eq!(events, want, "{response:?}");
        assert_eq!(error, None, "{response:?}");
    }
    // A chunked body cut short is an error, not a clean end; the partial
    // event is not dispatched.
    let cut = format!("{head}Transfer-Encoding: chunked\r\n\r\n20\r\nid: 1\ndata: a\n\nid: 2\n");
    let (events, error) = read_all(cut.as_bytes());
    assert_eq!(events, want[..1]);
    assert_eq!(error.as_deref(), Some("connection closed"));
}

#[test]
fn errors_map_to_embedded_io_kinds() {
    let closed: Error<std::convert::Infallible> = Error::Closed;
    assert_eq!(closed.kind(), ErrorKind::ConnectionReset);
    let small: Error<std::convert::Infallible> = Error::BufferTooSmall { required: 9 };
    assert_eq!(small.kind(), ErrorKind::OutOfMemory);
    let limit: Error<std::convert::Infallible> =
        Error::Limit(sse_core::ParseError::DataTooLarge { limit: 1 });
    assert_eq!(limit.kind(), ErrorKind::InvalidData);
}

#[test]
fn a_frame_larger_than_the_writer_buffer_is_refused_whole() {
    run(async {
        let mut socket = Socket::new(b"", 1);
        let mut buf = [0u8; 16];
        let mut writer = sse_embedded::EventWriter::new(&mut socket, &mut buf);
        let frame = sse_core::Frame::new().data("this is longer than sixteen bytes");
        match writer.send(&frame).await {
            Err(Error::BufferTooSmall { required }) => {
                assert_eq!(Ok(required), frame.encoded_len())
            }
            other => panic!("{other:?}"),
        }
        let injected = sse_core::Frame::new().id("1\ndata: x");
        assert!(matches!(writer.send(&injected).await, Err(Error::Frame(_))));
        writer.send(&sse_core::Frame::new().data("ok")).await.unwrap();
        assert_eq!(socket.output, b"data: ok\n\n", "nothing of the refused frames was written");
    });
}

/// Bytes after a length-delimited or chunked body's end arrive in the same
/// read as the body: they are ignored, and the reader ends (it once spun).
#[test]
fn bytes_after_the_body_end_the_stream_cleanly() {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n";
    let stream = "id: 1\ndata: a\n\n";
    let length = format!("{head}Content-Length: {}\r\n\r\n{stream}JUNK\n\n", stream.len());
    let chunked = format!(
        "{head}Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{stream}\r\n0\r\n\r\ndata: JUNK\n\n",
        stream.len()
    );
    for response in [length, chunked] {
        let (events, error) = read_all_in(response.as_bytes(), 4096);
        assert_eq!(events, [("1".to_owned(), "a".to_owned())], "{response:?}");
        assert_eq!(error, None);
    }
}

/// A malformed chunked body ends the stream and leaves the parser clean:
/// the half-read event does not leak into the next connection.
#[test]
fn a_malformed_body_leaves_no_partial_event_behind() {
    run(async {
        let response =
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ndata: abc\r\nzz\r\n";
        let mut socket = Socket::new(response, 4096);
        let mut buf = vec![0u8; 512];
        let body = opened(&mut socket, &mut buf).await;
        let mut parser_buf = [0u8; 256];
        let parser = Parser::new(&mut parser_buf[..]);
        let mut reader = EventReader::for_body(&mut socket, parser, &mut buf, body);
        assert!(matches!(reader.next_with(|_| ()).await, Some(Err(Error::Body(_)))));
        assert!(reader.next_with(|_| ()).await.is_none());
        let (_, mut parser) = reader.into_parts();
        let mut next: &[u8] = b"data: x\n\n";
        let event = parser.next(&mut next).unwrap().unwrap();
        assert_eq!(event.data, "x");
    });
}

#[test]
fn an_injected_allow_origin_is_refused_before_anything_is_sent() {
    run(async {
        let mut socket = Socket::new(b"", 1);
        let head = StreamHead { allow_origin: Some("*\r\nSet-Cookie: x=1") };
        let result = sse_embedded::start_stream(&mut socket, &head).await;
        assert!(matches!(result, Err(Error::InvalidRequest)), "{result:?}");
        assert!(socket.output.is_empty());
    });
}
