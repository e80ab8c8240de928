//! The interop matrix: every server (sse-tokio, sse-async-std on
//! async-std and on smol, sse-embedded through `embedded-io-adapters` on
//! tokio sockets) against every client (the same four), over loopback.
//! Each pair exchanges typed events, a 1 MiB event, and a reconnect: the
//! server closes after the big event, the client comes back with
//! `Last-Event-ID: 4` and receives the rest, nothing lost or repeated.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use embedded_io_adapters::tokio_1::FromTokio;
use serde::{Deserialize, Serialize};
use sse_core::client::{Connection, ConnectionConfig, Request, Step};
use sse_core::http::Url;
use sse_core::http::{StreamHead, EMPTY_HEADER};
use sse_core::ReaderConfig;
use sse_core::{FromSseEvent, Parser, ReconnectConfig, SseEvent};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Payload {
    sensor: String,
    value: u64,
    blob: String,
}

#[derive(SseEvent, FromSseEvent, Debug, PartialEq, Clone)]
#[sse(event = "reading")]
struct Reading {
    #[sse(id)]
    id: String,
    #[sse(data)]
    payload: Payload,
}

const BIG: usize = 1 << 20;

fn reading(n: u64) -> Reading {
    let blob = if n == 4 { "x".repeat(BIG) } else { String::new() };
    Reading { id: n.to_string(), payload: Payload { sensor: format!("s{n}"), value: n * 10, blob } }
}

/// What a server sends for a request with this `Last-Event-ID`: events 1
/// to 4 (4 is the 1 MiB one) on a first connection, then it closes; 5 and
/// 6 to a client resuming after 4.
fn script(last_event_id: Option<&str>) -> Vec<Reading> {
    match last_event_id {
        None => (1..=4).map(reading).collect(),
        Some("4") => (5..=6).map(reading).collect(),
        Some(other) => panic!("unexpected Last-Event-ID {other:?}"),
    }
}

type Seen = Arc<Mutex<Vec<Option<String>>>>;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Tokio,
    AsyncStd,
    Smol,
    Embedded,
}

const KINDS: [Kind; 4] = [Kind::Tokio, Kind::AsyncStd, Kind::Smol, Kind::Embedded];

/// Starts a server of `kind` on loopback; returns its address and the
/// `Last-Event-ID`s it was sent.
fn start_server(kind: Kind, tokio_rt: &tokio::runtime::Runtime) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = Arc::clone(&seen);
    let addr = match kind {
        Kind::Tokio => tokio_rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = sse_tokio::Server::new().stream("/events", move |request, mut writer| {
                record.lock().unwrap().push(request.last_event_id.clone());
                async move {
                    for event in script(request.last_event_id.as_deref()) {
                        writer.send_event(&event).await.unwrap();
                    }
                }
            });
            tokio::spawn(server.serve(listener, std::future::pending()));
            addr
        }),
        Kind::AsyncStd => {
            async_std::task::block_on(start_futures_io(sse_async_std::AsyncStd, record))
        }
        Kind::Smol => smol::block_on(start_futures_io(sse_async_std::Smol, record)),
        Kind::Embedded => tokio_rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(embedded_connection(stream, Arc::clone(&record)));
                }
            });
            addr
        }),
    };
    (addr.to_string(), seen)
}

async fn start_futures_io<R: sse_async_std::Runtime>(rt: R, record: Seen) -> std::net::SocketAddr {
    let listener = rt.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = rt.local_addr(&listener).unwrap();
    let server = sse_async_std::Server::with_runtime(rt.clone()).stream(
        "/events",
        move |request, mut writer| {
            record.lock().unwrap().push(request.last_event_id.clone());
            async move {
                for event in script(request.last_event_id.as_deref()) {
                    writer.send_event(&event).await.unwrap();
                }
            }
        },
    );
    rt.spawn(async move {
        let _ = server.serve(listener, std::future::pending()).await;
    });
    addr
}

/// One connection served by sse-embedded, as firmware would: caller
/// buffers, the core's handshake, typed events through the writer.
async fn embedded_connection(stream: tokio::net::TcpStream, record: Seen) {
    let mut io = FromTokio::new(stream);
    let mut head_buf = [0u8; 1024];
    let mut headers = [EMPTY_HEADER; 16];
    let head = sse_embedded::accept(
        &mut io,
        "/events",
        &mut head_buf,
        &mut headers,
        &StreamHead::default(),
    )
    .await
    .unwrap();
    let last = head.last_event_id().map(str::to_owned);
    record.lock().unwrap().push(last.clone());
    // Room for the 1 MiB event: half for its JSON, half for the frame.
    let mut frame_buf = vec![0u8; 4 * BIG];
    let mut writer = sse_embedded::EventWriter::new(&mut io, &mut frame_buf);
    for event in script(last.as_deref()) {
        writer.send_event(&event).await.unwrap();
    }
}

fn fast() -> ReconnectConfig {
    ReconnectConfig::DEFAULT.with_reconnect_ms(20).with_min_backoff_ms(10).with_jitter_permille(0)
}

fn reader_config() -> ReaderConfig {
    ReaderConfig::DEFAULT.with_max_event_bytes(2 * BIG)
}

/// Runs a client of `kind` against `addr` until it has six readings.
fn run_client(kind: Kind, addr: &str) -> Vec<Reading> {
    let url = format!("http://{addr}/events");
    match kind {
        Kind::Tokio => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let config = sse_tokio::ClientConfig {
                    reconnect: fast(),
                    reader: reader_config(),
                    ..Default::default()
                };
                let mut source = sse_tokio::EventSource::with_config(&url, config).unwrap();
                let mut got = Vec::new();
                while got.len() < 6 {
                    let event = source.next_event().await.unwrap().unwrap();
                    got.push(event.decode::<Reading>().unwrap());
                }
                got
            })
        }
        Kind::AsyncStd => {
            async_std::task::block_on(futures_io_client(sse_async_std::AsyncStd, &url))
        }
        Kind::Smol => smol::block_on(futures_io_client(sse_async_std::Smol, &url)),
        Kind::Embedded => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(embedded_client(addr))
        }
    }
}

async fn futures_io_client<R: sse_async_std::Runtime>(rt: R, url: &str) -> Vec<Reading> {
    let config = sse_async_std::ClientConfig {
        reconnect: fast(),
        reader: reader_config(),
        ..Default::default()
    };
    let mut source = sse_async_std::EventSource::with_runtime(rt, url, config).unwrap();
    let mut got = Vec::new();
    while got.len() < 6 {
        let event = source.next_event().await.unwrap().unwrap();
        got.push(event.decode::<Reading>().unwrap());
    }
    got
}

/// sse-embedded's client, as firmware would run it: caller buffers, the
/// core's connection deciding, the caller connecting and sleeping until
/// the instant it is given.
async fn embedded_client(addr: &str) -> Vec<Reading> {
    let started = Instant::now();
    let now = || started.elapsed().as_millis() as u64;
    let mut parser_buf = vec![0u8; 2 * BIG + 1024];
    let mut buf = vec![0u8; 16 * 1024];
    let config = ConnectionConfig { reconnect: fast(), ..ConnectionConfig::DEFAULT };
    let conn = Connection::new(Parser::new(&mut parser_buf[..]), config, 4);
    let mut client = sse_embedded::Client::new(conn, &mut buf);
    let url = format!("http://{addr}/events");
    let url = Url::parse(&url).unwrap();
    let mut got = Vec::new();
    while got.len() < 6 {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut io = FromTokio::new(stream);
        client.start(&mut io, &Request::get(url), &url, now()).await.unwrap();
        let retry_at = loop {
            let step = client
                .next_with(&mut io, &now, |step| match step {
                    Step::Open { .. } => Ok(None),
                    Step::Event(event) => Ok(Some(Reading::from_event(&event).unwrap())),
                    Step::Retry { at_ms, .. } => Err(at_ms),
                    other => panic!("unexpected {other:?}"),
                })
                .await;
            match step {
                Ok(reading) => got.extend(reading),
                Err(at_ms) => break at_ms,
            }
            if got.len() == 6 {
                break 0;
            }
        };
        if got.len() < 6 {
            tokio::time::sleep(Duration::from_millis(retry_at.saturating_sub(now()))).await;
        }
    }
    got
}

#[test]
fn every_server_with_every_client() {
    let tokio_rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let want: Vec<Reading> = (1..=6).map(reading).collect();
    for server in KINDS {
        let (addr, seen) = start_server(server, &tokio_rt);
        for client in KINDS {
            seen.lock().unwrap().clear();
            let addr = addr.clone();
            // Each client on its own thread and runtime, bounded in time.
            let handle = std::thread::spawn(move || run_client(client, &addr));
            let deadline = Instant::now() + Duration::from_secs(60);
            while !handle.is_finished() {
                assert!(
                    Instant::now() < deadline,
                    "{server:?} server, {client:?} client: timed out"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
            let got = handle
                .join()
                .unwrap_or_else(|_| panic!("{server:?} server, {client:?} client failed"));
            assert!(got == want, "{server:?} server, {client:?} client: events differ");
            assert_eq!(
                *seen.lock().unwrap(),
                [None, Some("4".to_owned())],
                "{server:?} server, {client:?} client: one reconnect with Last-Event-ID 4"
            );
        }
    }
}
