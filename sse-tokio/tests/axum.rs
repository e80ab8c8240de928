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
        hub.publish(&Frame::new().id(&n.to_string()).data(&format!("n{n}"))).await.unwrap();
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

/// Reads the raw response until `done` holds for it or the stream ends.
async fn read_until(
    addr: std::net::SocketAddr,
    request: &str,
    done: impl Fn(&[u8]) -> bool,
) -> (Vec<u8>, bool) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut wire = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done(&wire) {
        let mut buf = [0u8; 4096];
        let n = tokio::time::timeout_at(deadline, stream.read(&mut buf)).await.unwrap().unwrap();
        if n == 0 {
            return (wire, true);
        }
        wire.extend_from_slice(&buf[..n]);
    }
    (wire, false)
}

#[tokio::test]
async fn hub_frames_share_one_allocation_across_subscribers() {
    use sse_tokio::axum::IntoFrames;
    let hub = Hub::new(HubConfig::default());
    let mut first = hub.subscribe(None);
    let mut second = hub.subscribe(None);
    hub.publish(&Frame::new().id("1").data("shared")).await.unwrap();
    let a = first.try_recv().unwrap();
    let b = second.try_recv().unwrap();
    let shared = a.as_ptr();
    let (a, b) = (a.into_frames(&mut Vec::new()).unwrap(), b.into_frames(&mut Vec::new()).unwrap());
    assert_eq!(&a[..], b"id: 1\ndata: shared\n\n");
    assert_eq!(a.as_ptr(), shared, "the body bytes are the hub's own allocation");
    assert_eq!(b.as_ptr(), shared, "the second subscriber shares it too");
}

#[tokio::test]
async fn unpinned_streams_and_ad_hoc_frames() {
    use futures_util::stream::{self, StreamExt};
    use sse_core::MessageEvent;
    // `then` with an async block is not `Unpin`; no `Box::pin` asked for.
    let app = Router::new()
        .route(
            "/owned",
            get(|| async {
                let events = stream::iter(1..=3).then(|n| async move {
                    tokio::task::yield_now().await;
                    MessageEvent {
                        event_type: "tick".into(),
                        data: format!("tick {n}"),
                        id: n.to_string(),
                        retry: None,
                    }
                });
                EventStream::new(events)
            }),
        )
        .route(
            "/frames",
            get(|| async {
                EventStream::new(
                    stream::iter(["a", "b"]).map(|d| Frame::new().event("letter").data(d)),
                )
            }),
        );
    let addr = serve(app).await;
    let mut source = EventSource::new(&format!("http://{addr}/owned")).unwrap();
    for n in 1..=3 {
        let event = source.next_event().await.unwrap().unwrap();
        assert_eq!(
            (event.event_type.as_str(), event.data.as_str(), event.id.as_str()),
            ("tick", format!("tick {n}").as_str(), n.to_string().as_str())
        );
    }
    source.close();
    let (wire, _) = read_until(addr, "GET /frames HTTP/1.1\r\nHost: t\r\n\r\n", |w| {
        contains(w, b"data: b\n\n")
    })
    .await;
    assert!(contains(&wire, b"event: letter\ndata: a\n\n"));
}

#[tokio::test]
async fn an_event_that_fails_to_encode_is_reported() {
    use futures_util::stream;
    use futures_util::StreamExt;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    // An id with a line break cannot be encoded. Spaced out, so the first
    // event is on the wire before the bad one comes.
    let events = || {
        stream::iter([
            Frame::new().data("one"),
            Frame::new().id("bad\nid").data("x"),
            Frame::new().data("three"),
        ])
        .then(|frame| async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            frame
        })
    };
    let reported = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&reported);
    let app = Router::new()
        .route("/ends", get(move || async move { EventStream::new(events()).keep_alive(None) }))
        .route(
            "/reports",
            get(move || {
                let counter = Arc::clone(&counter);
                async move {
                    EventStream::new(events()).keep_alive(None).on_encode_error(move |_| {
                        counter.fetch_add(1, Ordering::SeqCst);
                    })
                }
            }),
        );
    let addr = serve(app).await;
    // By default the bad event ends the response: the stream is cut
    // before the third event (not silently skipped).
    let (wire, ended) = read_until(addr, "GET /ends HTTP/1.1\r\nHost: t\r\n\r\n", |_| false).await;
    assert!(ended);
    assert!(contains(&wire, b"data: one\n\n"));
    assert!(!contains(&wire, b"three"), "{}", String::from_utf8_lossy(&wire));
    assert!(!contains(&wire, b"\r\n0\r\n\r\n"), "cut, not a clean end of the chunked body");
    // With a hook, the error is handed over and the stream goes on.
    let (wire, _) =
        read_until(addr, "GET /reports HTTP/1.1\r\nHost: t\r\n\r\n", |w| contains(w, b"three"))
            .await;
    assert!(contains(&wire, b"data: one\n\n"));
    assert_eq!(reported.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn keep_alive_only_when_idle() {
    use futures_util::stream::{self, StreamExt};
    // Ten events 40 ms apart (busy for 400 ms), then nothing.
    let app = Router::new().route(
        "/busy",
        get(|| async {
            let events = stream::iter(0..10)
                .then(|n| async move {
                    tokio::time::sleep(Duration::from_millis(40)).await;
                    Frame::new().data(if n == 9 { "last" } else { "busy" })
                })
                .chain(stream::pending());
            EventStream::new(events).keep_alive(Some(Duration::from_millis(150)))
        }),
    );
    let addr = serve(app).await;
    let (wire, _) = read_until(addr, "GET /busy HTTP/1.1\r\nHost: t\r\n\r\n", |w| {
        contains(w, b"last") && w.windows(2).filter(|p| p == b":\n").count() >= 2
    })
    .await;
    let last = wire.windows(4).position(|w| w == b"last").unwrap();
    assert!(!contains(&wire[..last], b":\n"), "no keep-alive while events flow");
}

#[tokio::test]
async fn the_last_event_id_query_parameter_is_the_fallback() {
    let app = Router::new()
        .route("/id", get(|LastEventId(last): LastEventId| async move { format!("{last:?}") }));
    let addr = serve(app).await;
    let ask = |request: &'static str| async move {
        let (wire, _) = read_until(addr, request, |_| false).await;
        let text = String::from_utf8(wire).unwrap();
        text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned()
    };
    assert_eq!(
        ask("GET /id?lastEventId=17-0 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").await,
        "Some(\"17-0\")"
    );
    assert_eq!(
        ask("GET /id?lastEventId=9 HTTP/1.1\r\nHost: t\r\nLast-Event-ID: 41\r\nConnection: close\r\n\r\n").await,
        "Some(\"41\")"
    );
    assert_eq!(
        ask("GET /id?lastEventId=a%20b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").await,
        "Some(\"a b\")"
    );
    assert_eq!(ask("GET /id HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").await, "None");
    let (wire, _) = read_until(
        addr,
        "GET /id?lastEventId=%FF HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        |_| false,
    )
    .await;
    assert!(wire.starts_with(b"HTTP/1.1 400"), "{}", String::from_utf8_lossy(&wire));
}

/// When the last `Hub` handle goes (the service shuts its hub down), the
/// responses streaming its subscriptions end (the chunked body's last
/// chunk) instead of staying open forever.
#[tokio::test]
async fn dropping_the_hub_ends_every_axum_response() {
    let hub = std::sync::Arc::new(std::sync::Mutex::new(Some(Hub::new(HubConfig::default()))));
    let route_hub = std::sync::Arc::clone(&hub);
    let app = Router::new().route(
        "/events",
        get(move || {
            // Only a subscription leaves the handler: no `Hub` handle.
            let subscription = route_hub.lock().unwrap().as_ref().map(|hub| hub.subscribe(None));
            async move {
                EventStream::from_subscription(subscription.expect("hub still up"))
                    .keep_alive(Some(Duration::from_millis(50)))
            }
        }),
    );
    let addr = serve(app).await;
    let request = "GET /events HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n\r\n";
    let mut clients = Vec::new();
    for _ in 0..3 {
        clients.push(tokio::spawn(read_until(addr, request, |wire| wire.ends_with(b"0\r\n\r\n"))));
    }
    // Every client has its subscription, and one event arrives on each.
    let publisher = hub.lock().unwrap().clone().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while publisher.subscriber_count() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "clients did not subscribe");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    publisher.publish(&Frame::new().data("before")).await.unwrap();
    drop(publisher);
    hub.lock().unwrap().take();
    for client in clients {
        let (wire, _) = client.await.unwrap();
        assert!(contains(&wire, b"data:before\n") || contains(&wire, b"data: before\n"));
        assert!(wire.ends_with(b"0\r\n\r\n"), "{}", String::from_utf8_lossy(&wire));
    }
}
