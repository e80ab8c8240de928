//! The demo service (feature `demo`): a ticker that streams a typed event
//! every second, and a page that shows it live. Shared by the `stream`
//! example and `sse demo`.
//!
//! - `GET /events/stream`: `{message, value, timestamp}` events with
//!   increasing ids, resumable with `Last-Event-ID` (or `?lastEventId=`)
//!   through the hub's replay ring.
//! - `GET /`: a page that shows the live events with the browser's
//!   `EventSource`: their ids, the event rate, a chart of the values, the
//!   connection state and reconnects, a button that cuts the connection
//!   (the browser resumes, nothing lost), the last id kept across reloads,
//!   and a note when the server no longer keeps the asked-for id.
//! - `GET /cut`: ends every open stream ([`Hub::disconnect_all`]); their
//!   browsers reconnect with `Last-Event-ID`.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sse_core::{Frame, SseEvent};
use tokio::net::TcpListener;

use crate::{Hub, HubConfig, Server, ServerConfig, ServerTls};

/// The page at `/`.
pub const PAGE: &str = include_str!("demo.html");

/// The demo's event: the whole value is the JSON data. Its SSE id is the
/// one the hub assigns (`<ms>-<seq>`, so ids never repeat across restarts);
/// `n` counts ticks so the page can tell a lost event.
#[derive(Clone, Debug, PartialEq, Serialize, SseEvent)]
pub struct Tick {
    /// `tick N`.
    pub message: String,
    /// A wandering reading for the page's chart.
    pub value: f64,
    /// Milliseconds since the Unix epoch.
    pub timestamp: u64,
    /// `N`: 1, 2, 3… from the server's start.
    pub n: u64,
}

impl Tick {
    /// The `n`th tick, stamped now.
    pub fn new(n: u64) -> Self {
        let timestamp =
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        // A slow wave with a little deterministic noise, one decimal.
        let wave = 50.0 + 30.0 * (n as f64 / 8.0).sin() + ((n * 7919) % 13) as f64 - 6.0;
        let value = (wave * 10.0).round() / 10.0;
        Self { message: format!("tick {n}"), value, timestamp, n }
    }
}

/// How the demo serves.
#[derive(Clone, Debug)]
pub struct DemoConfig {
    /// Time between ticks.
    pub period: Duration,
    /// TLS (then HTTP/2 too, for browsers); `None` serves plain HTTP.
    pub tls: Option<ServerTls>,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self { period: Duration::from_millis(500), tls: None }
    }
}

/// Serves the demo on `listener` until `shutdown` completes: a tick every
/// `period` into a hub, streamed at `/events/stream`, the page at `/`.
///
/// # Errors
///
/// As [`Server::serve`].
pub async fn serve(
    listener: TcpListener,
    period: Duration,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    serve_with(listener, DemoConfig { period, tls: None }, shutdown).await
}

/// [`serve`] with every setting.
///
/// # Errors
///
/// As [`Server::serve`].
pub async fn serve_with(
    listener: TcpListener,
    config: DemoConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let hub = Hub::new(HubConfig::default());
    // Ask browsers to come back quickly after a dropped connection.
    let _ = hub.publish(&Frame::new().retry(1000)).await;
    let ticker = hub.clone();
    let period = config.period;
    let ticking = tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        for n in 1u64.. {
            interval.tick().await;
            if let Err(e) = ticker.publish_event(&Tick::new(n)).await {
                eprintln!("publish failed: {e}");
            }
        }
    });
    let cut = hub.clone();
    let mut server = Server::new()
        .with_config(ServerConfig { allow_origin: Some("*".to_owned()), ..ServerConfig::default() })
        .hub("/events/stream", hub)
        .page("/", "text/html; charset=utf-8", PAGE)
        .stream("/cut", move |_request, _writer| {
            cut.disconnect_all();
            async {}
        });
    if let Some(tls) = config.tls {
        server = server.with_tls(tls);
    }
    let served = server.serve(listener, shutdown).await;
    ticking.abort();
    served
}
