//! The demo service (feature `demo`): a ticker that streams a typed event
//! every second, and a page that shows it live. Shared by the `stream`
//! example and `sse demo`.
//!
//! - `GET /events/stream`: `{message, timestamp}` events with increasing
//!   ids, resumable with `Last-Event-ID` through the hub's replay ring.
//! - `GET /`: a page that shows the live events with the browser's
//!   `EventSource`, including its reconnects.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sse_core::{Frame, SseEvent};
use tokio::net::TcpListener;

use crate::{Hub, HubConfig, Server, ServerConfig};

/// The page at `/`.
pub const PAGE: &str = include_str!("demo.html");

/// The demo's event: the whole value is the JSON data; `id` is sent as the
/// SSE id only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, SseEvent)]
pub struct Tick {
    /// `tick N`.
    pub message: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp: u64,
    /// `N`, the event id.
    #[serde(skip)]
    #[sse(id)]
    pub id: String,
}

impl Tick {
    /// The `n`th tick, stamped now.
    pub fn new(n: u64) -> Self {
        let timestamp =
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        Self { message: format!("tick {n}"), timestamp, id: n.to_string() }
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
    let hub = Hub::new(HubConfig::default());
    // Ask browsers to come back quickly after a dropped connection.
    let _ = hub.publish(&Frame::new().retry(1000));
    let ticker = hub.clone();
    let ticking = tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        for n in 1u64.. {
            interval.tick().await;
            if let Err(e) = ticker.publish_event(&Tick::new(n)) {
                eprintln!("publish failed: {e}");
            }
        }
    });
    let served = Server::new()
        .with_config(ServerConfig { allow_origin: Some("*".to_owned()), ..ServerConfig::default() })
        .hub("/events/stream", hub)
        .page("/", "text/html; charset=utf-8", PAGE)
        .serve(listener, shutdown)
        .await;
    ticking.abort();
    served
}
