//! axum integration over loopback: typed events and hub subscriptions
//! streamed through `EventStream`, the `LastEventId` extractor, keep-alive.

use std::time::Duration;

use axum::routing::get;
use axum::Router;
use serde::Serialize;
use sse_core::{Frame, SseEvent};
use sse_tokio::axum::{EventStream, LastEventId, Typed};
use sse_tokio::{ClientConfig, EventSource, Hub, HubConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Serialize, SseEvent)]
struct Note {
    text: String,
    #[serde(skip)]
    #[sse(id)]
    id: String,
}

struct Iter<I>(I);

impl<I: Iterator + Unpin> futures_core::Stream for Iter<I> {
    type Item = I::Item;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<I::Item>> {
        std::task::Poll::Ready(self.0.next())
    }
}

async fn serve(app: Router) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn typed_events_and_last_event_id_through_axum() {
    let app = Router::new().route(
        "/notes",
        get(|LastEventId(last): LastEventId| async move {
            let from: u32 = last.as_deref().and_then(|id| id.parse().ok()).unwrap_or(0);
            let notes = (from + 1..=from + 3)
                .map(|n| Typed(Note { text: format!("note {n}"), id: n.to_string() }));
            EventStream::new(Iter(notes.collect::<Vec<_>>().into_iter()))
        }),
    );
    let addr = serve(app).await;
    let config = ClientConfig { last_event_id: "10".to_owned(), ..ClientConfig::default() };
    let mut source = EventSource::with_config(&format!("http://{addr}/notes"), config).unwrap();
    let mut got = Vec::new();
    for _ in 0..3 {
        let event = source.next_event().await.unwrap().unwrap();
        got.push((event.id, event.data));
    }
    assert_eq!(got[0], ("11".to_owned(), "{\"text\":\"note 11\"}".to_owned()));
    assert_eq!(got[2].0, "13");
    source.close();
}

#[tokio::test]
async fn hub_subscriptions_through_axum_resume_and_keep_alive() {
    let hub = Hub::new(HubConfig::default());
    for n in 1..=3 {
        hub.publish(&Frame::new().id(&n.to_string()).data(&format!("n{n}"))).unwrap();
    }
    let route_hub = hub.clone();
    let app = Router::new().route(
        "/events",
        get(move |LastEventId(last): LastEventId| {
            let hub = route_hub.clone();
            async move {
                EventStream::from_subscription(hub.subscribe(last.as_deref()))
                    .keep_alive(Some(Duration::from_millis(100)))
            }
        }),
    );
    let addr = serve(app).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /events HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\nLast-Event-ID: 1\r\n\r\n")
        .await
        .unwrap();
    let mut wire = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !(contains(&wire, b"n3") && contains(&wire, b":\n")) {
        let mut buf = [0u8; 1024];
        let n = tokio::time::timeout_at(deadline, stream.read(&mut buf)).await.unwrap().unwrap();
        assert!(n > 0);
        wire.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&wire).to_lowercase();
    assert!(text.contains("content-type: text/event-stream"), "{text}");
    assert!(text.contains("cache-control: no-cache"));
    assert!(text.contains("x-accel-buffering: no"));
    assert!(!contains(&wire, b"n1"), "resumed after id 1");
    assert!(contains(&wire, b"n2"));
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
