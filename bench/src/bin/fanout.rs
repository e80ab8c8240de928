//! Fan-out benchmark: one publisher, N subscribers on loopback.
//!
//! ```text
//! cargo run --release -p sse-bench --bin fanout -- [--subscribers N] [--events E] [--rate R] [--server ours|axum|both]
//! cargo run --release -p sse-bench --bin fanout -- --server ours --subscribers 10000 --rate 10 --duration 60
//! ```
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
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields overall, in clock ticks (100 per second).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (ticks / 100.0, rss)
}

struct Args {
    subscribers: usize,
    events: u64,
    rate: u64,
    server: String,
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
    let mut a = Args { subscribers: 1000, events: 200, rate: 100, server: "both".into() };
    let mut duration = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--subscribers" => a.subscribers = value().parse().expect("a number"),
            "--events" => a.events = value().parse().expect("a number"),
            "--rate" => a.rate = value().parse().expect("a number"),
            "--server" => a.server = value(),
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
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(client(addr, n, events, Duration::from_secs(limit)));
        return;
    }
    let args = args();
    println!(
        "| server | subscribers | events | delivered | lost | repeated | delivered/s | server CPU s | delivered per CPU-second | p50 ms | p99 ms | RSS per idle connection | peak RSS |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let kinds: Vec<&str> = match args.server.as_str() {
        "both" => vec!["sse-tokio", "axum+broadcast"],
        "ours" => vec!["sse-tokio"],
        "axum" => vec!["axum+broadcast"],
        other => panic!("unknown server {other}"),
    };
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

enum Publisher {
    Ours(sse_tokio::Hub),
    Axum(tokio::sync::broadcast::Sender<(u64, u64)>),
}

async fn start(kind: &str) -> (std::net::SocketAddr, Publisher) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    if kind == "sse-tokio" {
        let hub =
            sse_tokio::Hub::new(sse_tokio::HubConfig { queue_frames: 1024, ..Default::default() });
        let nodelay = std::env::var_os("FANOUT_NODELAY").is_some();
        let config = sse_tokio::ServerConfig { nodelay, ..Default::default() };
        let server = sse_tokio::Server::new().with_config(config).hub("/events", hub.clone());
        tokio::spawn(server.serve(listener, std::future::pending()));
        (addr, Publisher::Ours(hub))
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
                                    let event =
                                        Event::default().id(id.to_string()).data(sent.to_string());
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
        (addr, Publisher::Axum(tx))
    }
}

async fn run(kind: &str, args: &Args) -> String {
    let (addr, publisher) = start(kind).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, rss_before) = usage();
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            "--client",
            &addr.to_string(),
            &args.subscribers.to_string(),
            &args.events.to_string(),
            // How long the clients wait: the run plus a minute.
            &(args.events / args.rate.max(1) + 60).to_string(),
        ])
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
    let per_conn = rss_idle.saturating_sub(rss_before) as f64 * 1024.0 / args.subscribers as f64;

    let start = Instant::now();
    let gap = Duration::from_micros(1_000_000 / args.rate.max(1));
    let mut tick = tokio::time::interval(gap);
    for id in 1..=args.events {
        tick.tick().await;
        let sent = now_micros();
        match &publisher {
            Publisher::Ours(hub) => {
                hub.publish(&Frame::new().id(&id.to_string()).data(&sent.to_string())).unwrap();
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
    let _ = child.wait();
    let stats: Vec<f64> = line.split_whitespace().map(|v| v.parse().unwrap_or(0.0)).collect();
    let (delivered, p50, p99, repeated) = (stats[0], stats[1], stats[2], stats[3]);
    let lost = (args.events as f64 * args.subscribers as f64 - delivered).max(0.0);
    let cpu = (cpu_after - cpu_before).max(0.01);
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

/// The client process: N connections, each counting events until it has
/// seen the last id (or `limit` passes), recording latency and repeats.
async fn client(addr: String, n: usize, events: u64, limit: Duration) {
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        let mut stream = TcpStream::connect(&addr).await.expect("connect");
        stream
            .write_all(b"GET /events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
            .await
            .unwrap();
        conns.push(stream);
    }
    // Read every response head before saying READY.
    let mut ready = Vec::with_capacity(n);
    for mut stream in conns {
        let mut buf = Vec::new();
        let (framing, rest) = loop {
            let mut chunk = [0u8; 1024];
            let got = stream.read(&mut chunk).await.unwrap();
            assert!(got > 0, "server closed before its head");
            buf.extend_from_slice(&chunk[..got]);
            let mut headers = [EMPTY_HEADER; 16];
            if let Some(head) = parse_response(&buf, &mut headers, 8192).unwrap() {
                assert_eq!(head.status, 200);
                break (head.framing().unwrap(), buf[head.head_len..].to_vec());
            }
        };
        ready.push((stream, framing == BodyFraming::Chunked, rest));
    }
    println!("READY");
    std::io::stdout().flush().unwrap();

    let mut tasks = Vec::with_capacity(n);
    for (mut stream, chunked, rest) in ready {
        tasks.push(tokio::spawn(async move {
            let mut parser = Parser::new(vec![0u8; 4096]);
            let mut decoder = ChunkedDecoder::new();
            let mut latencies = Vec::with_capacity(events as usize);
            // Ids arrive in order: anything at or below the last is a repeat.
            let (mut last_id, mut repeated) = (0u64, 0u64);
            let mut pending = rest;
            let mut buf = vec![0u8; 4096];
            let deadline = tokio::time::Instant::now() + limit;
            while last_id < events {
                let mut body: Vec<u8> = Vec::new();
                if chunked {
                    let mut input = &pending[..];
                    while !input.is_empty() {
                        let step = decoder.decode(input).unwrap();
                        body.extend_from_slice(step.data);
                        input = &input[step.consumed..];
                        if step.done {
                            break;
                        }
                    }
                } else {
                    body = std::mem::take(&mut pending);
                }
                let mut rest = &body[..];
                while let Some(event) = parser.next(&mut rest) {
                    let event = event.unwrap();
                    let id: u64 = event.id.parse().unwrap_or(0);
                    if id <= last_id {
                        repeated += 1;
                        continue;
                    }
                    last_id = id;
                    if let Ok(sent) = event.data.parse::<u64>() {
                        latencies.push(now_micros().saturating_sub(sent) as u32);
                    }
                }
                pending.clear();
                if last_id >= events {
                    break;
                }
                match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
                    Ok(Ok(got)) if got > 0 => pending.extend_from_slice(&buf[..got]),
                    _ => break,
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
