//! Fan-out benchmark: one publisher, N subscribers on loopback.
//!
//! ```text
//! cargo run --release -p sse-bench --bin fanout -- [--subscribers N] [--events E] [--rate R] [--server KINDS] [--streams-per-connection K]
//! cargo run --release -p sse-bench --bin fanout -- --server ours --subscribers 10000 --rate 10 --duration 60
//! cargo run --release -p sse-bench --bin fanout -- --server transports --subscribers 1000 --events 300 --rate 100
//! cargo run --release -p sse-bench --bin fanout -- --server scale-out --subscribers 10000 --events 300 --rate 10
//! ```
//!
//! KINDS: `both` (sse-tokio, axum+broadcast; the default), `ours`, `axum`,
//! `transports` (sse-tokio over plain HTTP/1.1, HTTP/1.1 over TLS, HTTP/2
//! over TLS with K streams per connection (100 by default), and
//! sse-tokio's zero-copy `EventStream` on axum), `scale-out` (sse-tokio
//! with its in-memory log, against two sse-tokio instances sharing one
//! Redis Stream, each serving half the subscribers, the publisher writing
//! through the first; the benchmark starts its own `redis-server` and counts
//! its CPU time with the servers'), or a comma-separated list of row names.
//!
//! `--duration S` makes it a soak: E = R × S events at a steady rate. Every
//! client checks that ids arrive consecutively, so the row reports events
//! lost (never delivered) and repeated, and the server's peak RSS.
//!
//! For each server (ours: `sse_tokio::Server` + `Hub`; axum: an `Sse`
//! response fed by `tokio::sync::broadcast`, the common choice) it:
//! 1. starts the server in this process;
//! 2. starts a client process that opens N connections and reports READY;
//! 3. measures this process's resident memory before and after (per idle
//!    connection);
//! 4. publishes E events at R per second, each carrying its send time;
//! 5. lets the client count deliveries and delivery latency, and measures
//!    this process's CPU time (user + system, from /proc) over the run.
//!
//! Server and clients run in separate processes so the CPU and memory
//! figures are the server's alone.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sse_core::http::{parse_response, BodyFraming, ChunkedDecoder, EMPTY_HEADER};
use sse_core::{Frame, Parser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn now_micros() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// (user + system CPU seconds, resident KiB) of this process, from /proc.
fn usage() -> (f64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (cpu_seconds("self"), rss)
}

/// User + system CPU seconds of process `pid` (or `self`) so far, from
/// /proc: utime and stime are the 14th and 15th fields of its stat, in
/// clock ticks (100 per second).
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

struct Args {
    subscribers: usize,
    events: u64,
    rate: u64,
    server: String,
    streams_per_connection: usize,
}

/// The server's peak resident memory (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn args() -> Args {
    let mut a = Args {
        subscribers: 1000,
        events: 200,
        rate: 100,
        server: "both".into(),
        streams_per_connection: 100,
    };
    let mut duration = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--subscribers" => a.subscribers = value().parse().expect("a number"),
            "--events" => a.events = value().parse().expect("a number"),
            "--rate" => a.rate = value().parse().expect("a number"),
            "--server" => a.server = value(),
            "--streams-per-connection" => {
                a.streams_per_connection = value().parse::<usize>().expect("a number").max(1);
            }
            "--duration" => duration = Some(value().parse::<u64>().expect("seconds")),
            other => panic!("unknown flag {other}"),
        }
    }
    if let Some(seconds) = duration {
        a.events = a.rate * seconds;
    }
    a
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--client") {
        let addr = argv[2].clone();
        let n: usize = argv[3].parse().unwrap();
        let events: u64 = argv[4].parse().unwrap();
        let limit: u64 = argv[5].parse().unwrap();
        let transport = Transport::parse(&argv[6..]);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(client(addr, n, events, Duration::from_secs(limit), transport));
        return;
    }
    let args = args();
    println!(
        "| server | subscribers | events | delivered | lost | repeated | delivered/s | server CPU s | delivered per CPU-second | p50 ms | p99 ms | RSS per idle connection | peak RSS |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let kinds: Vec<&str> = match args.server.as_str() {
        "both" => vec![PLAIN, AXUM_BROADCAST],
        "ours" => vec![PLAIN],
        "axum" => vec![AXUM_BROADCAST],
        "transports" => vec![PLAIN, TLS, H2, AXUM_ZERO_COPY],
        "scale-out" => vec![PLAIN, REDIS],
        list => list.split(',').collect(),
    };
    for kind in &kinds {
        assert!(ALL.contains(kind), "unknown server {kind}; one of {ALL:?}");
    }
    for kind in kinds {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let row = runtime.block_on(run(kind, &args));
        println!("{row}");
        drop(runtime);
    }
}

/// The rows: sse-tokio's server over plain HTTP/1.1, over TLS, over
/// HTTP/2 (TLS), its `EventStream` on axum, and axum's own `Sse`.
const PLAIN: &str = "sse-tokio";
const TLS: &str = "sse-tokio-tls";
const H2: &str = "sse-tokio-h2";
const AXUM_ZERO_COPY: &str = "axum+sse-tokio";
const AXUM_BROADCAST: &str = "axum+broadcast";
const REDIS: &str = "2x sse-tokio+redis";
const ALL: [&str; 6] = [PLAIN, TLS, H2, AXUM_ZERO_COPY, AXUM_BROADCAST, REDIS];

enum Publisher {
    Ours(sse_tokio::Hub),
    Axum(tokio::sync::broadcast::Sender<(u64, u64)>),
}

/// How the client process connects.
#[derive(Clone, Debug)]
enum Transport {
    Plain,
    /// HTTP/1.1 over TLS, trusting the certificate in this PEM file.
    Tls(String),
    /// HTTP/2 over TLS, this many streams per connection.
    H2(String, usize),
}

impl Transport {
    fn args(&self) -> Vec<String> {
        match self {
            Self::Plain => vec!["plain".into()],
            Self::Tls(pem) => vec!["tls".into(), pem.clone()],
            Self::H2(pem, k) => vec!["h2".into(), pem.clone(), k.to_string()],
        }
    }

    fn parse(args: &[String]) -> Self {
        match args.first().map(String::as_str) {
            Some("tls") => Self::Tls(args[1].clone()),
            Some("h2") => Self::H2(args[1].clone(), args[2].parse().unwrap()),
            _ => Self::Plain,
        }
    }
}

/// A certificate for localhost, written as PEM for the client process.
fn certificate() -> (sse_tokio::ServerTls, String) {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let pem = generated.cert.pem();
    let tls = sse_tokio::ServerTls::from_pem(
        pem.as_bytes(),
        generated.signing_key.serialize_pem().as_bytes(),
    )
    .unwrap();
    let path = std::env::temp_dir().join(format!("fanout-{}.pem", std::process::id()));
    std::fs::write(&path, pem).unwrap();
    (tls, path.to_string_lossy().into_owned())
}

/// What a row runs on: the addresses its clients spread over (comma
/// separated), the publisher, the transport, and the Redis it shares.
struct Started {
    addrs: String,
    publisher: Publisher,
    transport: Transport,
    redis: Option<sse_tests::redis_server::RedisServer>,
}

fn hub_config() -> sse_tokio::HubConfig {
    sse_tokio::HubConfig { queue_frames: 1024, ..Default::default() }
}

async fn start(kind: &str, args: &Args) -> Started {
    let plain = |addr: std::net::SocketAddr, publisher| Started {
        addrs: addr.to_string(),
        publisher,
        transport: Transport::Plain,
        redis: None,
    };
    if kind == REDIS {
        let redis = sse_tests::redis_server::RedisServer::start(false);
        let config = sse_redis::RedisConfig { max_len: 10_000, ..Default::default() };
        let backend = sse_redis::RedisBackend::new(&redis.url(), config).unwrap();
        let mut addrs = Vec::new();
        let mut hubs = Vec::new();
        for _ in 0..2 {
            let hub = backend.hub(hub_config()).await.unwrap();
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            addrs.push(listener.local_addr().unwrap().to_string());
            let config = sse_tokio::ServerConfig { max_connections: 1 << 20, ..Default::default() };
            let server = sse_tokio::Server::new().with_config(config).hub("/events", hub.clone());
            tokio::spawn(server.serve(listener, std::future::pending()));
            hubs.push(hub);
        }
        return Started {
            addrs: addrs.join(","),
            publisher: Publisher::Ours(hubs.swap_remove(0)),
            transport: Transport::Plain,
            redis: Some(redis),
        };
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hub = || sse_tokio::Hub::new(hub_config());
    if [PLAIN, TLS, H2].contains(&kind) {
        let hub = hub();
        let nodelay = std::env::var_os("FANOUT_NODELAY").is_some();
        let config =
            sse_tokio::ServerConfig { nodelay, max_connections: 1 << 20, ..Default::default() };
        let mut server = sse_tokio::Server::new().with_config(config).hub("/events", hub.clone());
        let mut transport = Transport::Plain;
        if kind != PLAIN {
            let (tls, pem) = certificate();
            server = server.with_tls(tls);
            transport = if kind == H2 {
                Transport::H2(pem, args.streams_per_connection)
            } else {
                Transport::Tls(pem)
            };
        }
        tokio::spawn(server.serve(listener, std::future::pending()));
        Started { transport, ..plain(addr, Publisher::Ours(hub)) }
    } else if kind == AXUM_ZERO_COPY {
        use sse_tokio::axum::{EventStream, LastEventId};
        let hub = hub();
        let route_hub = hub.clone();
        let app = axum::Router::new().route(
            "/events",
            axum::routing::get(move |LastEventId(last): LastEventId| {
                let subscription = route_hub.subscribe(last.as_deref());
                async move { EventStream::from_subscription(subscription) }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        plain(addr, Publisher::Ours(hub))
    } else {
        use axum::response::sse::{Event, KeepAlive, Sse};
        let (tx, _) = tokio::sync::broadcast::channel::<(u64, u64)>(1024);
        let sender = tx.clone();
        let app = axum::Router::new().route(
            "/events",
            axum::routing::get(move || {
                let rx = sender.subscribe();
                async move {
                    let stream = futures::stream::unfold(rx, |mut rx| async move {
                        loop {
                            match rx.recv().await {
                                Ok((id, sent)) => {
                                    let event = Event::default()
                                        .id(id.to_string())
                                        .data(format!("{id} {sent}"));
                                    return Some((Ok::<_, std::convert::Infallible>(event), rx));
                                }
                                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                                    continue
                                }
                                Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                                    return None
                                }
                            }
                        }
                    });
                    Sse::new(stream).keep_alive(KeepAlive::default())
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        plain(addr, Publisher::Axum(tx))
    }
}

async fn run(kind: &str, args: &Args) -> String {
    let Started { addrs, publisher, transport, redis } = start(kind, args).await;
    // Redis's CPU time counts with the servers': it does the log's work.
    let redis_cpu =
        || redis.as_ref().and_then(|r| r.pid()).map_or(0.0, |pid| cpu_seconds(&pid.to_string()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, rss_before) = usage();
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            "--client",
            &addrs,
            &args.subscribers.to_string(),
            &args.events.to_string(),
            // How long the clients wait: the run plus a minute.
            &(args.events / args.rate.max(1) + 60).to_string(),
        ])
        .args(transport.args())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the client process");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    // Blocking read of READY: fine, the server runs on the worker threads.
    tokio::task::block_in_place(|| out.read_line(&mut line)).unwrap();
    assert_eq!(line.trim(), "READY", "client said {line:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (cpu_before, rss_idle) = usage();
    let redis_before = redis_cpu();
    let per_conn = rss_idle.saturating_sub(rss_before) as f64 * 1024.0 / args.subscribers as f64;

    let start = Instant::now();
    let gap = Duration::from_micros(1_000_000 / args.rate.max(1));
    let mut tick = tokio::time::interval(gap);
    for id in 1..=args.events {
        tick.tick().await;
        let sent = now_micros();
        match &publisher {
            Publisher::Ours(hub) => {
                // The event's number and send time are its data (a shared
                // log assigns its own ids); an own log gets the number as id.
                let data = format!("{id} {sent}");
                let number = id.to_string();
                let mut frame = Frame::new().data(&data);
                if redis.is_none() {
                    frame = frame.id(&number);
                }
                hub.publish(&frame).await.unwrap();
            }
            Publisher::Axum(tx) => {
                let _ = tx.send((id, sent));
            }
        }
    }
    line.clear();
    tokio::task::block_in_place(|| out.read_line(&mut line)).unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    let (cpu_after, _) = usage();
    let redis_after = redis_cpu();
    let _ = child.wait();
    let stats: Vec<f64> = line.split_whitespace().map(|v| v.parse().unwrap_or(0.0)).collect();
    let (delivered, p50, p99, repeated) = (stats[0], stats[1], stats[2], stats[3]);
    let lost = (args.events as f64 * args.subscribers as f64 - delivered).max(0.0);
    let cpu = (cpu_after - cpu_before + redis_after - redis_before).max(0.01);
    format!(
        "| {kind} | {} | {} | {delivered:.0} | {lost:.0} | {repeated:.0} | {:.0} | {cpu:.2} | {:.0} | {p50:.2} | {p99:.2} | {:.1} KiB | {:.1} MiB |",
        args.subscribers,
        args.events,
        delivered / elapsed,
        delivered / cpu,
        per_conn / 1024.0,
        peak_rss_kib() as f64 / 1024.0
    )
}

/// A client connection's byte stream, plain or TLS.
trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}

/// One subscriber's response body: bytes off an HTTP/1.1 connection
/// (chunked or not), or an HTTP/2 stream.
enum Body {
    Raw { io: Box<dyn Io>, chunked: bool, decoder: ChunkedDecoder, rest: Vec<u8> },
    H2(h2::RecvStream),
}

impl Body {
    /// The next body bytes; `None` at the end.
    async fn next(&mut self) -> Option<Vec<u8>> {
        match self {
            Self::Raw { io, chunked, decoder, rest } => {
                let raw = if rest.is_empty() {
                    let mut buf = vec![0u8; 4096];
                    let got = io.read(&mut buf).await.ok().filter(|&n| n > 0)?;
                    buf.truncate(got);
                    buf
                } else {
                    std::mem::take(rest)
                };
                if !*chunked {
                    return Some(raw);
                }
                let (mut body, mut input) = (Vec::new(), &raw[..]);
                while !input.is_empty() {
                    let step = decoder.decode(input).ok()?;
                    body.extend_from_slice(step.data);
                    input = &input[step.consumed..];
                    if step.done {
                        break;
                    }
                }
                Some(body)
            }
            Self::H2(recv) => {
                let data = recv.data().await?.ok()?;
                let _ = recv.flow_control().release_capacity(data.len());
                Some(data.to_vec())
            }
        }
    }
}

fn tls_connector(pem: &str, alpn: &[u8]) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in sse_tokio::pem_certificates(&std::fs::read(pem).unwrap()).unwrap() {
        roots.add(cert).unwrap();
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
}

fn localhost() -> rustls::pki_types::ServerName<'static> {
    rustls::pki_types::ServerName::try_from("localhost").unwrap()
}

/// One HTTP/1.1 subscriber: connect (over TLS if given), ask, read the head.
async fn open_http1(addr: &str, tls: Option<&tokio_rustls::TlsConnector>) -> Body {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let mut io: Box<dyn Io> = match tls {
        Some(tls) => Box::new(tls.connect(localhost(), tcp).await.expect("TLS")),
        None => Box::new(tcp),
    };
    io.write_all(b"GET /events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    loop {
        let mut chunk = [0u8; 1024];
        let got = io.read(&mut chunk).await.unwrap();
        assert!(got > 0, "server closed before its head");
        buf.extend_from_slice(&chunk[..got]);
        let mut headers = [EMPTY_HEADER; 16];
        if let Some(head) = parse_response(&buf, &mut headers, 8192).unwrap() {
            assert_eq!(head.status, 200);
            let chunked = head.framing().unwrap() == BodyFraming::Chunked;
            let rest = buf[head.head_len..].to_vec();
            return Body::Raw { io, chunked, decoder: ChunkedDecoder::new(), rest };
        }
    }
}

/// `n` HTTP/2 subscribers, `per_connection` streams on each connection.
async fn open_h2(addr: &str, pem: &str, n: usize, per_connection: usize) -> Vec<Body> {
    let tls = tls_connector(pem, b"h2");
    let mut bodies = Vec::with_capacity(n);
    while bodies.len() < n {
        let tcp = TcpStream::connect(addr).await.expect("connect");
        let io = tls.connect(localhost(), tcp).await.expect("TLS");
        let (send, connection) = h2::client::Builder::new()
            .initial_connection_window_size(16 << 20)
            .handshake::<_, bytes::Bytes>(io)
            .await
            .unwrap();
        tokio::spawn(connection);
        let mut responses = Vec::new();
        for _ in 0..per_connection.min(n - bodies.len()) {
            let mut send = send.clone().ready().await.unwrap();
            let request = http::Request::get("https://localhost/events").body(()).unwrap();
            responses.push(send.send_request(request, true).unwrap().0);
        }
        for response in responses {
            let response = response.await.unwrap();
            assert_eq!(response.status(), 200);
            bodies.push(Body::H2(response.into_body()));
        }
    }
    bodies
}

/// The client process: N subscribers, each counting events until it has
/// seen the last id (or `limit` passes), recording latency and repeats.
async fn client(addrs: String, n: usize, events: u64, limit: Duration, transport: Transport) {
    // Connections go round-robin over the instances.
    let addrs: Vec<&str> = addrs.split(',').collect();
    // Every response head is read before saying READY.
    let ready = match &transport {
        Transport::Plain | Transport::Tls(_) => {
            let tls = match &transport {
                Transport::Tls(pem) => Some(tls_connector(pem, b"http/1.1")),
                _ => None,
            };
            let mut bodies = Vec::with_capacity(n);
            for i in 0..n {
                bodies.push(open_http1(addrs[i % addrs.len()], tls.as_ref()).await);
            }
            bodies
        }
        Transport::H2(pem, per_connection) => open_h2(addrs[0], pem, n, *per_connection).await,
    };
    println!("READY");
    std::io::stdout().flush().unwrap();

    let mut tasks = Vec::with_capacity(n);
    for mut body in ready {
        tasks.push(tokio::spawn(async move {
            let mut parser = Parser::new(vec![0u8; 4096]);
            let mut latencies = Vec::with_capacity(events as usize);
            // Events carry their number: anything at or below the last is a
            // repeat.
            let (mut last_id, mut repeated) = (0u64, 0u64);
            let deadline = tokio::time::Instant::now() + limit;
            while last_id < events {
                let Ok(Some(bytes)) = tokio::time::timeout_at(deadline, body.next()).await else {
                    break;
                };
                let mut rest = &bytes[..];
                while let Some(event) = parser.next(&mut rest) {
                    let event = event.unwrap();
                    let (number, sent) = event.data.split_once(' ').unwrap_or(("0", ""));
                    let number: u64 = number.parse().unwrap_or(0);
                    if number <= last_id {
                        repeated += 1;
                        continue;
                    }
                    last_id = number;
                    if let Ok(sent) = sent.parse::<u64>() {
                        latencies.push(now_micros().saturating_sub(sent) as u32);
                    }
                }
            }
            (latencies, repeated)
        }));
    }
    let mut all = Vec::new();
    let mut repeated = 0;
    for task in tasks {
        let (latencies, repeats) = task.await.unwrap();
        all.extend(latencies);
        repeated += repeats;
    }
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    println!(
        "{} {:.3} {:.3} {repeated}",
        all.len(),
        pct(0.50) as f64 / 1000.0,
        pct(0.99) as f64 / 1000.0
    );
}
