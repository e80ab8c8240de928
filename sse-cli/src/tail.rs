//! `sse tail`: follow a stream with the reconnecting client.

use std::time::Duration;

use sse_core::{FailReason, ReconnectConfig, ReconnectMode};
use sse_tokio::{
    pem_certificates, ClientConfig, ClientError, EventSource, TlsConnector, TlsOptions, Tokio,
    Update,
};

use crate::exit;
use crate::output::Printer;
use crate::parse::output_failed;

/// Connect to an event stream and print its events, reconnecting with
/// Last-Event-ID when the connection drops.
///
/// Status and reconnects go to stderr, events to stdout.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  sse tail http://127.0.0.1:8080/events/stream
  sse tail --json --max-events 10 http://localhost:3000/events | jq .data
  sse tail -H \"x-api-key: $KEY\" -H 'Content-Type: application/json' \\
      --data @prompt.json https://api.example/v1/messages
  sse tail --cacert ca.pem --idle-timeout 60 https://internal.example/events")]
pub(crate) struct Args {
    /// The stream's http:// or https:// URL.
    url: String,
    /// Trust the CA certificates in this PEM file too (besides the
    /// system's), as curl's --cacert.
    #[arg(long, value_name = "FILE")]
    cacert: Option<std::path::PathBuf>,
    /// Print one JSON object per line: {\"type\", \"data\", \"id\"}.
    #[arg(long)]
    json: bool,
    /// Start from this event id (sent as Last-Event-ID).
    #[arg(long, value_name = "ID")]
    last_event_id: Option<String>,
    /// An extra request header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// The request method (POST when --data is given).
    #[arg(long, short = 'X')]
    method: Option<String>,
    /// A request body: text, or @FILE to read it from a file.
    #[arg(long, short = 'd')]
    data: Option<String>,
    /// Stop after this many events.
    #[arg(long, value_name = "N")]
    max_events: Option<u64>,
    /// Stop (status 6) after this many seconds in all.
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Reconnection time until the server sends `retry`, in ms.
    #[arg(long, default_value_t = 3000, value_name = "MS")]
    reconnect_ms: u64,
    /// Keep retrying even if the first connection fails (else status 3).
    #[arg(long)]
    wait: bool,
    /// One request, no reconnect: stop when the stream ends (the default
    /// with --data, so a prompt is not sent twice).
    #[arg(long, conflicts_with = "reconnect")]
    once: bool,
    /// When to reconnect: always (the default without --data), on-error,
    /// or never.
    #[arg(long, value_enum, value_name = "WHEN")]
    reconnect: Option<Reconnect>,
    /// Print comment lines too (`: text`, or `{"comment": ...}` with
    /// --json): servers send them as keep-alives.
    #[arg(long)]
    comments: bool,
    /// Reconnect when nothing (not even a keep-alive comment) arrives for
    /// this many seconds.
    #[arg(long, value_name = "SECONDS")]
    idle_timeout: Option<f64>,
}

/// `--reconnect` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Reconnect {
    Always,
    OnError,
    Never,
}

pub(crate) async fn run(args: Args) -> u8 {
    let config = match config(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("sse: {message}");
            return exit::USAGE;
        }
    };
    let mut source = match EventSource::with_config(&args.url, config) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("sse: {e}");
            return exit::USAGE;
        }
    };
    if let Some(path) = &args.cacert {
        match tls_with_roots(path) {
            Ok(tls) => source = source.with_connector(tls),
            Err(message) => {
                eprintln!("sse: {message}");
                return exit::USAGE;
            }
        }
    }
    let follow = follow(&mut source, &args);
    match args.timeout.map(Duration::try_from_secs_f64) {
        Some(Ok(limit)) => match tokio::time::timeout(limit, follow).await {
            Ok(status) => status,
            Err(_) => {
                eprintln!("sse: timed out after {limit:?}");
                exit::TIMEOUT
            }
        },
        Some(Err(_)) => {
            eprintln!("sse: --timeout needs a number of seconds (0 or more)");
            exit::USAGE
        }
        None => follow.await,
    }
}

/// TLS trusting the system's roots and those in the PEM file at `path`.
fn tls_with_roots(path: &std::path::Path) -> Result<TlsConnector, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let extra_roots = pem_certificates(&pem).map_err(|e| format!("{}: {e}", path.display()))?;
    let options = TlsOptions { extra_roots, ..TlsOptions::default() };
    TlsConnector::with_options(Tokio, options).map_err(|e| e.to_string())
}

fn config(args: &Args) -> Result<ClientConfig, String> {
    let mut headers = Vec::new();
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| format!("header {header:?} is not `Name: value`"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let body = match args.data.as_deref() {
        Some(data) => Some(match data.strip_prefix('@') {
            Some(path) => std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?,
            None => data.as_bytes().to_vec(),
        }),
        None => None,
    };
    let method = match (&args.method, &body) {
        (Some(method), _) => method.to_ascii_uppercase(),
        (None, Some(_)) => "POST".to_owned(),
        (None, None) => "GET".to_owned(),
    };
    let reconnect_mode = match (args.once, args.reconnect) {
        (true, _) | (_, Some(Reconnect::Never)) => Some(ReconnectMode::Never),
        (false, Some(Reconnect::OnError)) => Some(ReconnectMode::OnError),
        (false, Some(Reconnect::Always)) => Some(ReconnectMode::Always),
        // By the request: once with a body, else always.
        (false, None) => None,
    };
    let idle_timeout = match args.idle_timeout.map(Duration::try_from_secs_f64) {
        Some(Ok(limit)) if !limit.is_zero() => Some(limit),
        Some(_) => return Err("--idle-timeout needs a number of seconds above 0".to_owned()),
        None => None,
    };
    Ok(ClientConfig {
        reconnect: ReconnectConfig::DEFAULT.with_reconnect_ms(args.reconnect_ms),
        method,
        headers,
        body,
        reconnect_mode,
        idle_timeout,
        comments: args.comments,
        last_event_id: args.last_event_id.clone().unwrap_or_default(),
        ..ClientConfig::default()
    })
}

async fn follow(source: &mut EventSource, args: &Args) -> u8 {
    let mut printer = Printer::new(args.json);
    let mut opened = false;
    let mut printed = 0u64;
    if args.max_events == Some(0) {
        return 0;
    }
    while let Some(update) = source.next_update().await {
        match update {
            Ok(Update::Open) if opened => {
                eprintln!("sse: reconnected (Last-Event-ID: {:?})", source.last_event_id());
            }
            Ok(Update::Open) => {
                opened = true;
                eprintln!("sse: connected to {}", args.url);
            }
            Ok(Update::Event(event)) => {
                if let Err(e) = printer.event(&event.event_type, &event.data, &event.id) {
                    return output_failed(&e);
                }
                printed += 1;
                if Some(printed) == args.max_events {
                    return 0;
                }
            }
            Ok(Update::Retrying { cause, .. }) if !opened && !args.wait => {
                eprintln!("sse: {cause}");
                return exit::CONNECT;
            }
            Ok(Update::Comment(text)) => {
                if let Err(e) = printer.comment(&text) {
                    return output_failed(&e);
                }
            }
            Ok(Update::Retrying { delay_ms, cause }) => {
                eprintln!("sse: {cause}; reconnecting in {delay_ms} ms");
            }
            Ok(_) => {}
            Err(ClientError::Failed(FailReason::NoContent)) => {
                eprintln!("sse: the server answered 204 No Content: the stream is over");
                return 0;
            }
            Err(ClientError::Rejected(rejection)) => {
                eprintln!("sse: {rejection}");
                return exit::NOT_A_STREAM;
            }
            Err(ClientError::Failed(reason @ FailReason::Status(_))) => {
                eprintln!("sse: {reason}");
                return exit::NOT_A_STREAM;
            }
            Err(ClientError::Limit(e)) => eprintln!("sse: skipped an event: {e}"),
            Err(e @ ClientError::Tls(_)) => {
                eprintln!("sse: {e}");
                return exit::CONNECT;
            }
            Err(e) => {
                eprintln!("sse: {e}");
                return exit::IO;
            }
        }
    }
    0
}
