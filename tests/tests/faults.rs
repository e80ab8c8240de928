//! Fault tests on real loopback sockets (sse-tokio server and client): a
//! peer that closes mid-line, mid-field, mid-UTF-8 sequence or mid-chunk
//! size; a peer that writes one byte at a time; a peer that never sends a
//! blank line; a 100 MB line; an oversized request head; a storm of 1,000
//! clients resuming at once. Well-behaved clients lose and repeat nothing.
//! (A client that connects and never reads is covered in
//! `sse-tokio/tests/server.rs` and `sse-hub/tests/hub.rs`.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sse_core::{Frame, Parser, ReconnectConfig};
use sse_tokio::{ClientConfig, ClientError, EventSource, Hub, HubConfig, ReaderConfig, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const HEAD: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";

/// The memory tests measure the whole process's RSS, so they run alone:
/// they take this gate exclusively, every other test shares it.
static GATE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

async fn shared() -> tokio::sync::RwLockReadGuard<'static, ()> {
    GATE.read().await
}

async fn alone() -> tokio::sync::RwLockWriteGuard<'static, ()> {
    GATE.write().await
}
const CHUNKED_HEAD: &str =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

/// Reads a request head; returns it as text.
async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap_or(0) == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Serves one scripted response per connection (written in pieces of
/// `step` bytes), recording each request's `Last-Event-ID`.
async fn scripted(responses: Vec<Vec<u8>>, step: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        for response in responses {
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            let head = read_head(&mut stream).await;
            let id = head.lines().find_map(|l| l.strip_prefix("Last-Event-ID: ")).unwrap_or("");
            log.lock().unwrap().push(id.to_owned());
            for piece in response.chunks(step) {
                if stream.write_all(piece).await.is_err() {
                    break;
                }
                stream.flush().await.unwrap();
            }
            let _ = stream.shutdown().await;
        }
    });
    (url, seen)
}

fn fast() -> ClientConfig {
    ClientConfig {
        reconnect: ReconnectConfig::DEFAULT.with_reconnect_ms(10).with_jitter_permille(0),
        ..ClientConfig::default()
    }
}

/// The four events every scenario must deliver, exactly once each.
const EVENTS: [(&str, &str); 4] =
    [("1", "one"), ("2", "two"), ("3", "caf\u{e9} \u{1F600}"), ("4", "four\nlines")];

fn frames(range: std::ops::RangeInclusive<usize>) -> Vec<u8> {
    let mut out = Vec::new();
    for (id, data) in &EVENTS[range] {
        Frame::new().id(id).data(data).write_to(&mut out).unwrap();
    }
    out
}

async fn collect(url: &str, config: ClientConfig, count: usize) -> Vec<(String, String)> {
    let mut source = EventSource::with_config(url, config).unwrap();
    let mut got = Vec::new();
    while got.len() < count {
        let event = tokio::time::timeout(Duration::from_secs(20), source.next_event())
            .await
            .expect("no stall")
            .unwrap()
            .unwrap();
        got.push((event.id, event.data));
    }
    got
}

fn want() -> Vec<(String, String)> {
    EVENTS.iter().map(|(i, d)| ((*i).to_owned(), (*d).to_owned())).collect()
}

/// Wraps `body` in one chunk per piece, then the last chunk.
fn chunked(pieces: &[&[u8]]) -> Vec<u8> {
    let mut out = CHUNKED_HEAD.as_bytes().to_vec();
    for piece in pieces {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_closing_anywhere_loses_and_repeats_nothing() {
    let _gate = shared().await;
    let first_two = frames(0..=1);
    let third = frames(2..=2);
    let utf8_cut = third.iter().position(|&b| b == 0xC3).unwrap() + 1; // inside "é"
    let field_cut = 6; // "id: 3\nda|ta: ..."
    let line_cut = third.len() - 4; // inside the data line
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    for (name, cut) in [("mid-field", field_cut), ("mid-UTF-8", utf8_cut), ("mid-line", line_cut)] {
        let mut first = HEAD.as_bytes().to_vec();
        first.extend_from_slice(&first_two);
        first.extend_from_slice(&third[..cut]);
        cases.push((name, first));
    }
    // Mid chunk-size line: the next chunk's size is half written.
    let mut cut_chunked = chunked(&[&first_two]);
    cut_chunked.truncate(cut_chunked.len() - b"0\r\n\r\n".len());
    cut_chunked.extend_from_slice(b"1");
    cases.push(("mid-chunk-size", cut_chunked));
    // Mid chunk data: the chunk promises more than comes.
    let mut cut_data = CHUNKED_HEAD.as_bytes().to_vec();
    cut_data.extend_from_slice(format!("{:x}\r\n", first_two.len() + third.len()).as_bytes());
    cut_data.extend_from_slice(&first_two);
    cut_data.extend_from_slice(&third[..utf8_cut]);
    cases.push(("mid-chunk-data", cut_data));

    for (name, first) in cases {
        let mut second = HEAD.as_bytes().to_vec();
        second.extend_from_slice(&frames(2..=3));
        let (url, seen) = scripted(vec![first, second], usize::MAX).await;
        assert_eq!(collect(&url, fast(), 4).await, want(), "{name}");
        assert_eq!(*seen.lock().unwrap(), ["", "2"], "{name}: resumed after event 2");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_writing_one_byte_at_a_time() {
    let _gate = shared().await;
    let mut body = HEAD.as_bytes().to_vec();
    body.extend_from_slice(&frames(0..=3));
    let (url, _) = scripted(vec![body], 1).await;
    assert_eq!(collect(&url, fast(), 4).await, want());
    // The same through a chunked body, one byte per write.
    let stream = frames(0..=3);
    let pieces: Vec<&[u8]> = stream.chunks(5).collect();
    let (url, _) = scripted(vec![chunked(&pieces)], 1).await;
    assert_eq!(collect(&url, fast(), 4).await, want());
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// Streams `bytes_total` of hostile input, then a well-formed event.
async fn hostile_server(line: &'static [u8], bytes_total: usize, blank_lines: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        read_head(&mut stream).await;
        stream.write_all(HEAD.as_bytes()).await.unwrap();
        stream.write_all(b"data: ").await.unwrap();
        let block: Vec<u8> = line.iter().copied().cycle().take(1 << 20).collect();
        let mut sent = 0;
        while sent < bytes_total {
            if stream.write_all(&block).await.is_err() {
                return;
            }
            sent += block.len();
        }
        let tail: &[u8] = if blank_lines { b"\n\n" } else { b"\n" };
        stream.write_all(tail).await.unwrap();
        stream.write_all(b"\nid: 2\ndata: after\n\n").await.unwrap();
        // Hold the connection open until the client is done.
        let mut rest = [0u8; 16];
        let _ = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut rest)).await;
    });
    url
}

async fn survive(url: &str) -> (bool, String) {
    let config =
        ClientConfig { reader: ReaderConfig::DEFAULT.with_max_event_bytes(64 * 1024), ..fast() };
    let mut source = EventSource::with_config(url, config).unwrap();
    let mut limited = false;
    loop {
        let item = tokio::time::timeout(Duration::from_secs(60), source.next_event())
            .await
            .expect("no stall")
            .unwrap();
        match item {
            Err(ClientError::Limit(_)) => limited = true,
            Ok(event) => return (limited, event.data),
            Err(e) => panic!("unexpected {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_mb_line_is_a_clean_error_in_bounded_memory() {
    let _gate = alone().await;
    let before = rss_kib();
    let url = hostile_server(b"x", 100 << 20, true).await;
    let (limited, data) = survive(&url).await;
    assert!(limited, "the oversized event is reported");
    assert_eq!(data, "after", "and the stream goes on");
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 32 * 1024, "memory grew by {grown} KiB while 100 MB streamed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_never_sends_a_blank_line_stays_within_the_limit() {
    let _gate = alone().await;
    let before = rss_kib();
    // 50 MB of short data lines, no blank line among them.
    let url = hostile_server(b"0123456789abcdef\ndata: ", 50 << 20, false).await;
    let (limited, data) = survive(&url).await;
    assert!(limited, "the endless event is reported");
    assert_eq!(data, "after");
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 32 * 1024, "memory grew by {grown} KiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_request_head_gets_431_and_the_connection_closes() {
    let _gate = shared().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hub = Hub::new(HubConfig::default());
    tokio::spawn(Server::new().hub("/events", hub).serve(listener, std::future::pending()));
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let big = format!("GET /events HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(20_000));
    // The server may stop reading (and close) before all of it is sent.
    let _ = stream.write_all(big.as_bytes()).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server closes the connection");
    assert!(answer.starts_with(b"HTTP/1.1 431 "), "{}", String::from_utf8_lossy(&answer));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_1000_resuming_clients_loses_nothing() {
    let _gate = shared().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hub = Hub::new(HubConfig::default());
    tokio::spawn(Server::new().hub("/events", hub.clone()).serve(listener, std::future::pending()));
    for n in 1..=200u32 {
        hub.publish(&Frame::new().id(&n.to_string()).data(&format!("event {n}"))).await.unwrap();
    }
    let clients: Vec<_> = (0..1000u32)
        .map(|i| {
            let from = 1 + (i * 7919) % 200; // every resume point, shuffled
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                let request =
                    format!("GET /events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: {from}\r\n\r\n");
                stream.write_all(request.as_bytes()).await.unwrap();
                let mut raw = Vec::new();
                let mut buf = vec![0u8; 8192];
                let mut parser = Parser::new(vec![0u8; 4096]);
                let mut ids = Vec::new();
                let mut head_done = false;
                while ids.last() != Some(&210) {
                    let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf))
                        .await
                        .expect("no stall")
                        .unwrap();
                    assert!(n > 0, "stream ended early after {ids:?}");
                    raw.extend_from_slice(&buf[..n]);
                    if !head_done {
                        let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
                            continue;
                        };
                        raw.drain(..end + 4);
                        head_done = true;
                    }
                    let mut rest = &raw[..];
                    while let Some(event) = parser.next(&mut rest) {
                        ids.push(event.unwrap().id.parse::<u32>().unwrap());
                    }
                    raw.clear();
                }
                (from, ids)
            })
        })
        .collect();
    // Once every client is subscribed, publish live events.
    for _ in 0..3000 {
        if hub.subscriber_count() == 1000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(hub.subscriber_count(), 1000, "all clients connected");
    for n in 201..=210u32 {
        hub.publish(&Frame::new().id(&n.to_string()).data(&format!("event {n}"))).await.unwrap();
    }
    for client in clients {
        let (from, ids) = client.await.unwrap();
        let want: Vec<u32> = (from + 1..=210).collect();
        assert_eq!(ids, want, "client resuming after {from}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_is_retried_after_the_head_timeout() {
    let _gate = shared().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream); // accepted, never answered
        }
    });
    let config = ClientConfig { head_timeout: Duration::from_millis(200), ..fast() };
    let mut source = EventSource::with_config(&url, config).unwrap();
    let update = tokio::time::timeout(Duration::from_secs(10), source.next_update())
        .await
        .expect("the head timeout fires")
        .unwrap()
        .unwrap();
    match update {
        sse_tokio::Update::Retrying { cause, .. } => {
            assert!(cause.contains("no response head"), "{cause}")
        }
        other => panic!("expected a retry, got {other:?}"),
    }
}
