//! The seed service: a ticker that streams a typed event every second.
//!
//! ```text
//! cargo run -p sse-tokio --example stream [-- --addr 127.0.0.1:8080]
//! ```
//!
//! - `GET /events/stream`: `{message, timestamp}` events with increasing
//!   ids, resumable with `Last-Event-ID` through the hub's replay ring.
//! - `GET /`: a page that shows the live events with the browser's
//!   `EventSource`, including its reconnects.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sse_core::{Frame, SseEvent};
use sse_tokio::{Hub, HubConfig, Server, ServerConfig};

/// The event: the whole value is the JSON data; `id` is sent as the SSE id
/// only.
#[derive(Serialize, SseEvent)]
struct Tick {
    message: String,
    timestamp: u64,
    #[serde(skip)]
    #[sse(id)]
    id: String,
}

const PAGE: &str = include_str!("stream.html");

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut addr = "127.0.0.1:8080".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().expect("--addr needs a value, e.g. 127.0.0.1:8080"),
            "-h" | "--help" => {
                println!("usage: stream [--addr HOST:PORT]   (default 127.0.0.1:8080)");
                return Ok(());
            }
            other => {
                eprintln!("unknown argument {other:?}; try --help");
                std::process::exit(2);
            }
        }
    }

    let hub = Hub::new(HubConfig::default());
    // Ask browsers to come back quickly after a dropped connection.
    hub.publish(&Frame::new().retry(1000)).expect("valid frame");
    let ticker = hub.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        for n in 1u64.. {
            interval.tick().await;
            let timestamp =
                SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
            let tick = Tick { message: format!("tick {n}"), timestamp, id: n.to_string() };
            if let Err(e) = ticker.publish_event(&tick) {
                eprintln!("publish failed: {e}");
            }
        }
    });

    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("open http://{}/ (events at /events/stream); Ctrl-C stops", listener.local_addr()?);
    Server::new()
        .with_config(ServerConfig { allow_origin: Some("*".to_owned()), ..ServerConfig::default() })
        .hub("/events/stream", hub)
        .page("/", "text/html; charset=utf-8", PAGE)
        .serve(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
