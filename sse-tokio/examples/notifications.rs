//! The SSE guide's two kinds of events on one endpoint, typed on both
//! sides: the server publishes `notification` and `alert` events from one
//! enum (the hub gives them ids and keeps them for resuming), and the
//! client reads them back into the same enum, drops its connection halfway
//! and resumes with `Last-Event-ID` without missing one.
//!
//! ```text
//! cargo run -p sse-tokio --example notifications
//! ```

use std::time::Duration;

use futures_util::StreamExt;
use sse_core::{FromSseEvent, SseEvent};
use sse_tokio::{EventSource, Hub, HubConfig, Server};
use tokio::net::TcpListener;

/// Everything the endpoint sends: each variant is one event type.
#[derive(SseEvent, FromSseEvent, Clone, Debug, PartialEq)]
#[sse(rename_all = "lowercase")]
enum Feed {
    /// `event: notification`, JSON data `{"n":…,"title":…}`.
    Notification { n: u64, title: String },
    /// `event: alert`, JSON data `{"n":…,"level":…,"message":…}`.
    Alert { n: u64, level: u8, message: String },
}

impl Feed {
    fn n(&self) -> u64 {
        match self {
            Feed::Notification { n, .. } | Feed::Alert { n, .. } => *n,
        }
    }
}

const EVENTS: u64 = 12;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/events", listener.local_addr()?);
    let hub = Hub::new(HubConfig::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(Server::new().hub("/events", hub.clone()).serve(listener, async {
        let _ = stopped.await;
    }));

    let publisher = tokio::spawn(async move {
        // Start once the client is connected (a bounded wait).
        for _ in 0..200 {
            if hub.subscriber_count() > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for n in 1..=EVENTS {
            let event = if n % 4 == 0 {
                Feed::Alert { n, level: 2, message: format!("disk {}% full", 80 + n) }
            } else {
                Feed::Notification { n, title: format!("build {n} finished") }
            };
            let id = hub.publish_event(&event).await?;
            println!("server: sent {event:?} as id {id}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok::<_, sse_tokio::PublishError>(())
    });

    let mut feed = EventSource::new(&url)?.decoded::<Feed>();
    let mut next = 1;
    while next <= EVENTS {
        let event = tokio::time::timeout(Duration::from_secs(10), feed.next())
            .await?
            .ok_or("the stream ended")??;
        let id = feed.source().last_event_id().to_owned();
        match &event {
            Feed::Notification { title, .. } => println!("client: {title} (id {id})"),
            Feed::Alert { level, message, .. } => {
                println!("client: ALERT level {level}: {message} (id {id})");
            }
        }
        assert_eq!(event.n(), next, "in order, none missed");
        next += 1;
        if event.n() == EVENTS / 2 {
            println!("client: dropping the connection; resuming after id {id}");
            feed.source_mut().reconnect();
        }
    }
    publisher.await??;
    let _ = stop.send(());
    server.await??;
    println!("all {EVENTS} events received once, in order, across a reconnect");
    Ok(())
}
