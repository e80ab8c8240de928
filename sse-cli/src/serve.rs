//! `sse serve` and `sse demo`: publish to every connected client.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use sse_core::http::{write_stream_head, StreamHead};
use sse_core::Frame;
use sse_redis::{RedisBackend, RedisConfig};
use sse_tokio::demo::DemoConfig;
use sse_tokio::{Hub, HubConfig, Server, ServerConfig, MAX_REPLAY_EVENTS};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::net::TcpListener;

use crate::exit;
use crate::tls::TlsArgs;

const PAGE: &str = include_str!("page.html");

/// Publish each line of stdin (or a file) as an event to every connected
/// client, with replay for clients that reconnect with Last-Event-ID.
///
/// Events get ids `<milliseconds>-<sequence>` in line order, unique across
/// restarts (a client resuming with an id of an earlier run gets `reset`).
/// `GET /` serves a page that shows the live stream; the stream itself is
/// at `GET /events`. With `--redis`, instances share one Redis Stream: a
/// line published on any of them reaches the clients of all, and a client
/// resumes on any of them.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  tail -f app.log | sse serve            # then open http://127.0.0.1:8080/
  sse serve --tls-cert cert.pem --tls-key key.pem < events.txt   # HTTPS + HTTP/2
  sse serve --json --event metric --file metrics.jsonl --addr 0.0.0.0:9000
  sse serve --redis redis://127.0.0.1:6379/ --stream feed --addr 127.0.0.1:8081   # instances share a log")]
pub(crate) struct Args {
    /// Read lines from this file instead of stdin.
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The event type of every event (default: message).
    #[arg(long, value_name = "TYPE")]
    event: Option<String>,
    /// Publish only lines that are valid JSON (others are reported and
    /// skipped).
    #[arg(long)]
    json: bool,
    /// Events kept for clients that reconnect with Last-Event-ID.
    #[arg(long, default_value_t = 1024, value_name = "N")]
    replay: usize,
    /// Seconds of silence before a keep-alive comment (0: none).
    #[arg(long, default_value_t = 15, value_name = "SECONDS")]
    keep_alive: u64,
    /// Allow this origin to read the stream (CORS), e.g. `*`.
    #[arg(long, value_name = "ORIGIN")]
    cors: Option<String>,
    /// Longest input line published, in bytes; longer lines are skipped
    /// (with a message) and the server keeps running.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    max_line: usize,
    /// Share the log with every instance on this Redis
    /// (`redis://[user:password@]host[:port][/db]`): events go through a
    /// Redis Stream, and --replay is how many the stream keeps (about).
    #[arg(long, value_name = "URL")]
    redis: Option<String>,
    /// The Redis Stream's key (with --redis).
    #[arg(long, value_name = "NAME", default_value = "sse:events", requires = "redis")]
    stream: String,
    #[command(flatten)]
    tls: TlsArgs,
}

/// The demo: a ticker publishing `{message, timestamp}` every second,
/// with a page that shows it live and resumes after a reconnect.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  sse demo                      # then open http://127.0.0.1:8080/
  sse demo --tls-self-signed    # HTTPS and HTTP/2: https://localhost:8080/")]
pub(crate) struct DemoArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Milliseconds between ticks.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    every: u64,
    #[command(flatten)]
    tls: TlsArgs,
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, u8> {
    TcpListener::bind(addr).await.map_err(|e| {
        eprintln!("sse: cannot listen on {addr}: {e}");
        exit::IO
    })
}

async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
}

pub(crate) async fn demo(args: DemoArgs) -> u8 {
    let tls = match args.tls.load() {
        Ok(tls) => tls,
        Err(status) => return status,
    };
    let listener = match bind(args.addr).await {
        Ok(listener) => listener,
        Err(status) => return status,
    };
    let addr = listener.local_addr().map_or(args.addr, |a| a);
    let base = origin(addr, tls.is_some());
    eprintln!("sse: open {base}/ (events at /events/stream); Ctrl-C stops");
    let config = DemoConfig { period: Duration::from_millis(args.every.max(1)), tls };
    match sse_tokio::demo::serve_with(listener, config, ctrl_c()).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("sse: {e}");
            exit::IO
        }
    }
}

/// The URL clients use: `https://localhost:PORT` over TLS on a loopback
/// address (the name the certificate is for), else the address itself.
fn origin(addr: SocketAddr, tls: bool) -> String {
    match (tls, addr.ip().is_loopback()) {
        (true, true) => format!("https://localhost:{}", addr.port()),
        (true, false) => format!("https://{addr}"),
        (false, _) => format!("http://{addr}"),
    }
}

pub(crate) async fn run(args: Args) -> u8 {
    if let Some(Err(_)) = args.event.as_deref().map(|t| Frame::new().event(t).validate()) {
        eprintln!("sse: --event must be one line");
        return exit::USAGE;
    }
    let cors = StreamHead { allow_origin: args.cors.as_deref() };
    if write_stream_head(&mut Vec::new(), &cors).is_err() {
        eprintln!("sse: --cors must be one header value (no line breaks)");
        return exit::USAGE;
    }
    let input: Box<dyn AsyncRead + Unpin + Send> = match &args.file {
        Some(path) => match tokio::fs::File::open(path).await {
            Ok(file) => Box::new(file),
            Err(e) => {
                eprintln!("sse: cannot open {}: {e}", path.display());
                return exit::IO;
            }
        },
        None => Box::new(tokio::io::stdin()),
    };
    let tls = match args.tls.load() {
        Ok(tls) => tls,
        Err(status) => return status,
    };
    let listener = match bind(args.addr).await {
        Ok(listener) => listener,
        Err(status) => return status,
    };
    let replay = args.replay.clamp(1, MAX_REPLAY_EVENTS);
    let hub = match &args.redis {
        None => Hub::new(HubConfig { replay_events: replay, ..HubConfig::default() }),
        Some(url) => match shared_hub(url, &args.stream, args.replay).await {
            Ok(hub) => hub,
            Err(status) => return status,
        },
    };
    let addr = listener.local_addr().map_or(args.addr, |a| a);
    let base = origin(addr, tls.is_some());
    eprintln!("sse: serving {base}/ (events at /events); Ctrl-C stops");
    tokio::spawn(publish(input, hub.clone(), args.event.clone(), args.json, args.max_line));
    let config = ServerConfig {
        keep_alive: (args.keep_alive > 0).then(|| Duration::from_secs(args.keep_alive)),
        allow_origin: args.cors.clone(),
        ..ServerConfig::default()
    };
    // The page listens for the configured type too; `<` is escaped so the
    // name cannot close the script.
    let types = args.event.as_ref().map_or(String::new(), |t| {
        serde_json::to_string(t).unwrap_or_default().replace('<', "\\u003c")
    });
    let page = PAGE.replace("/*TYPES*/", &types);
    let mut server = Server::new().with_config(config).hub("/events", hub).page(
        "/",
        "text/html; charset=utf-8",
        page,
    );
    if let Some(tls) = tls {
        server = server.with_tls(tls);
    }
    match server.serve(listener, ctrl_c()).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("sse: {e}");
            exit::IO
        }
    }
}

/// A hub whose log is the Redis Stream `stream` at `url`, keeping about
/// `keep` entries.
async fn shared_hub(url: &str, stream: &str, keep: usize) -> Result<Hub, u8> {
    let config =
        RedisConfig { stream: stream.to_owned(), max_len: keep.max(1), ..RedisConfig::default() };
    let backend = RedisBackend::new(url, config).map_err(|e| {
        // The error names the problem, never the URL (it may hold a password).
        eprintln!("sse: --redis is not a Redis URL: {e}");
        exit::USAGE
    })?;
    backend.hub(HubConfig::default()).await.map_err(|e| {
        eprintln!("sse: cannot reach Redis: {e}");
        exit::CONNECT
    })
}

/// Publishes each input line as an event; the hub assigns its id.
async fn publish(
    input: Box<dyn AsyncRead + Unpin + Send>,
    hub: Hub,
    event: Option<String>,
    json: bool,
    max_line: usize,
) {
    let mut lines = BufReader::new(input);
    let mut line = Vec::new();
    let (mut id, mut skipped) = (0u64, 0u64);
    loop {
        line.clear();
        match read_line(&mut lines, &mut line, max_line).await {
            Ok(Line::End) => break,
            Ok(Line::Read) => {}
            Ok(Line::TooLong(bytes)) => {
                skipped += 1;
                eprintln!(
                    "sse: skipped a line of {bytes} bytes, over --max-line {max_line} ({skipped} skipped so far)"
                );
                continue;
            }
            Err(e) => {
                eprintln!("sse: reading the input failed: {e}");
                break;
            }
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        if json && serde_json::from_str::<serde_json::Value>(text).is_err() {
            eprintln!("sse: skipped a line that is not JSON: {text:?}");
            continue;
        }
        id += 1;
        let mut frame = Frame::new().data(text);
        if let Some(event) = &event {
            frame = frame.event(event);
        }
        if let Err(e) = hub.publish(&frame).await {
            eprintln!("sse: cannot publish line {id}: {e}");
        }
    }
    eprintln!("sse: input ended after {id} events; still serving them (Ctrl-C stops)");
}

/// What [`read_line`] found.
enum Line {
    /// A line (with its end, if any) is in the buffer.
    Read,
    /// A line of this many bytes was over the limit and was skipped.
    TooLong(usize),
    /// The input ended.
    End,
}

/// Reads one line into `line`, keeping at most `max` bytes of it in
/// memory: a longer line is read to its end and dropped.
async fn read_line(
    input: &mut (impl tokio::io::AsyncBufRead + Unpin),
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Line> {
    let mut seen = 0usize;
    loop {
        let available = input.fill_buf().await?;
        if available.is_empty() {
            return Ok(match seen {
                0 => Line::End,
                n if n > max => Line::TooLong(n),
                _ => Line::Read,
            });
        }
        let (take, ended) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if seen + take <= max.saturating_add(1) {
            // Within the limit (its newline aside): keep it.
            line.extend_from_slice(&available[..take]);
        }
        seen += take;
        input.consume(take);
        if ended {
            let content = seen - 1;
            return Ok(if content > max { Line::TooLong(content) } else { Line::Read });
        }
    }
}
