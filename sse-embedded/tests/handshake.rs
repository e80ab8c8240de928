//! sse-embedded on the host with in-memory sockets: server refusals with
//! the right status, the client's handshake decisions, bodies of every
//! framing read one byte per read, and the error kinds.

use std::future::Future;

use embedded_io::{Error as _, ErrorKind};
use sse_core::client::{Connection, ConnectionConfig, Request, Step};
use sse_core::http::{StreamHead, Url, EMPTY_HEADER};
use sse_core::{FailReason, Parser, ReconnectConfig};
use sse_embedded::{accept, Client, Error, EventReader};

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

/// What a step was, as text (events as `id|data`).
fn describe(step: Step<'_>) -> String {
    match step {
        Step::Open { status, .. } => format!("open {status}"),
        Step::Event(e) => format!("event {}|{}", e.id, e.data),
        Step::Limit(e) => format!("limit {e}"),
        Step::Redirect { status, location } => format!("redirect {status} {location}"),
        Step::Retry { delay_ms, cause, .. } => format!("retry {delay_ms}: {cause}"),
        Step::Failed(reason) => format!("failed {reason:?}"),
        Step::Rejected { status, reason, headers } => {
            format!("rejected {status} {reason:?} {:?}", headers.get_str("content-type"))
        }
        Step::RejectedBody(piece) => format!("body {}", String::from_utf8_lossy(piece)),
        other => format!("{other:?}"),
    }
}

/// Runs a client against `response`, served `step` bytes per read, until
/// the attempt ends; returns the steps and the request sent.
fn client_steps(response: &[u8], step: usize, config: ReconnectConfig) -> (Vec<String>, String) {
    run(async {
        let mut socket = Socket::new(response, step);
        let (mut parser_buf, mut buf) = ([0u8; 512], [0u8; 256]);
        let config = ConnectionConfig {
            reconnect: config.with_jitter_permille(0),
            ..ConnectionConfig::DEFAULT
        };
        let mut conn = Connection::new(Parser::new(&mut parser_buf[..]), config, 1);
        conn.set_last_event_id("7").unwrap();
        let mut client = Client::new(conn, &mut buf);
        let url = Url::parse("http://d:80/events").unwrap();
        client.start(&mut socket, &Request::get(url), &url, 0).await.unwrap();
        let mut steps = Vec::new();
        loop {
            let (text, ends) = client
                .next_with(&mut socket, &|| 0, |step| {
                    let ends = matches!(
                        step,
                        Step::Retry { .. }
                            | Step::Failed(_)
                            | Step::Finished { .. }
                            | Step::Redirect { .. }
                    );
                    (describe(step), ends)
                })
                .await;
            steps.push(text);
            if ends {
                break;
            }
        }
        (steps, String::from_utf8(socket.output).unwrap())
    })
}

#[test]
fn the_client_follows_the_core_connection() {
    let (steps, sent) = client_steps(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 8\ndata: x\n\n",
        5,
        ReconnectConfig::DEFAULT,
    );
    assert_eq!(steps, ["open 200", "event 8|x", "retry 3000: the server ended the stream"]);
    assert!(sent.starts_with("GET /events HTTP/1.1\r\nHost: d:80\r\n"), "{sent}");
    assert!(sent.contains("Last-Event-ID: 7\r\n"));

    let (steps, _) = client_steps(b"HTTP/1.1 204 No Content\r\n\r\n", 5, ReconnectConfig::DEFAULT);
    assert_eq!(steps, [format!("failed {:?}", FailReason::NoContent)]);
    let (steps, _) = client_steps(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
        5,
        ReconnectConfig::DEFAULT,
    );
    assert_eq!(
        steps,
        [
            "rejected 200 ContentType Some(\"text/plain\")",
            "body h", // five bytes a read: the body comes in pieces
            "body i",
            "failed ContentType"
        ]
    );
    let (steps, _) = client_steps(
        b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /moved?x=1\r\n\r\n",
        5,
        ReconnectConfig::DEFAULT,
    );
    assert_eq!(steps, ["redirect 307 /moved?x=1"]);
    let (steps, _) = client_steps(
        b"HTTP/1.1 503 Service Unavailable\r\n\r\n",
        5,
        ReconnectConfig::DEFAULT.with_retry_server_errors(true),
    );
    assert_eq!(steps, ["retry 3000: server answered 503"]);
    // A head larger than the client's buffer ends the attempt.
    let big = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(300));
    let (steps, _) = client_steps(big.as_bytes(), 64, ReconnectConfig::DEFAULT);
    assert_eq!(steps, ["retry 3000: connection failed"]);
}

/// Every event of a response, `step` bytes per read at most, and how the
/// attempt ended.
fn read_all_in(response: &[u8], step: usize) -> (Vec<String>, String) {
    let (mut steps, _) = client_steps(response, step, ReconnectConfig::DEFAULT);
    let end = steps.pop().unwrap();
    assert_eq!(steps.first().map(String::as_str), Some("open 200"));
    (steps.split_off(1), end)
}

#[test]
fn bodies_of_every_framing_read_one_byte_at_a_time() {
    let want = ["event 1|a", "event 2|b\nc"];
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
        let (events, end) = read_all_in(response.as_bytes(), 1);
        assert_eq!(events, want, "{response:?}");
        assert_eq!(end, "retry 3000: the server ended the stream", "{response:?}");
    }
    // A chunked body cut short is not a clean end; the partial event is
    // not dispatched.
    let cut = format!("{head}Transfer-Encoding: chunked\r\n\r\n20\r\nid: 1\ndata: a\n\nid: 2\n");
    let (events, end) = read_all_in(cut.as_bytes(), 1);
    assert_eq!(events, want[..1]);
    assert_eq!(end, "retry 3000: response body cut short");
}

/// A raw event stream (no HTTP) read one byte at a time.
#[test]
fn a_raw_stream_reads_one_byte_at_a_time() {
    run(async {
        let mut socket = Socket::new(b"id: 1\ndata: a\n\ndata: partial", 1);
        let (mut parser_buf, mut read_buf) = ([0u8; 128], [0u8; 8]);
        let mut reader = EventReader::new(&mut socket, &mut parser_buf, &mut read_buf);
        let got = reader.next_with(|e| (e.id.to_owned(), e.data.to_owned())).await;
        assert_eq!(got.unwrap().unwrap(), ("1".to_owned(), "a".to_owned()));
        assert!(reader.next_with(|_| ()).await.is_none(), "the partial event is dropped");
    });
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
/// read as the body: they are ignored, and the attempt ends (it once spun).
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
        let (events, end) = read_all_in(response.as_bytes(), 4096);
        assert_eq!(events, ["event 1|a"], "{response:?}");
        assert_eq!(end, "retry 3000: the server ended the stream");
    }
}

/// A malformed chunked body ends the attempt and leaves the parser clean:
/// the half-read event does not leak into the next attempt.
#[test]
fn a_malformed_body_leaves_no_partial_event_behind() {
    run(async {
        let broken: &[u8] =
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ndata: abc\r\nzz\r\n";
        let (mut parser_buf, mut buf) = ([0u8; 256], [0u8; 512]);
        let conn = Connection::new(Parser::new(&mut parser_buf[..]), ConnectionConfig::DEFAULT, 1);
        let mut client = Client::new(conn, &mut buf);
        let url = Url::parse("http://d/events").unwrap();
        let mut steps = Vec::new();
        for response in
            [broken, b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n"]
        {
            let mut socket = Socket::new(response, 4096);
            client.start(&mut socket, &Request::get(url), &url, 0).await.unwrap();
            loop {
                let (text, ends) = client
                    .next_with(&mut socket, &|| 0, |step| {
                        let ends = !matches!(step_kind(&step), "open" | "event");
                        (describe(step), ends)
                    })
                    .await;
                steps.push(text);
                if ends {
                    break;
                }
            }
        }
        assert_eq!(steps[0], "open 200");
        assert!(steps[1].starts_with("retry"), "{steps:?}");
        assert_eq!(&steps[2..4], ["open 200", "event |x"], "abc never shows up");
    });
}

fn step_kind(step: &Step<'_>) -> &'static str {
    match step {
        Step::Open { .. } => "open",
        Step::Event(_) => "event",
        _ => "end",
    }
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
