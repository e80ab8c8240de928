//! One enum of events typed all the way through: published into the hub
//! and served by the built-in server and by axum, read by the client as a
//! stream of the same enum, across a reconnect, with an unknown type
//! reported as an error that does not end the stream.

use std::time::Duration;

use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use sse_core::{Frame, FromSseEvent, SseEvent, TypedError};
use sse_tokio::axum::{EventStream, Typed};
use sse_tokio::{ClientConfig, ClientError, EventSource, Hub, HubConfig, Server};
use tokio::net::TcpListener;

#[derive(SseEvent, FromSseEvent, Clone, Debug, PartialEq)]
#[sse(rename_all = "lowercase")]
enum Feed {
    Notification(String),
    Alert { level: u8, message: String },
}

fn feed(n: u8) -> Feed {
    if n % 3 == 0 {
        Feed::Alert { level: n, message: format!("alert {n}") }
    } else {
        Feed::Notification(format!("note {n}"))
    }
}

const LIMIT: Duration = Duration::from_secs(10);

async fn next<S: futures_util::Stream + Unpin>(stream: &mut S) -> S::Item {
    tokio::time::timeout(LIMIT, stream.next()).await.expect("in time").expect("not ended")
}

#[tokio::test]
async fn an_enum_through_the_hub_and_server_to_a_typed_client_across_a_reconnect() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    let hub = Hub::new(HubConfig::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(Server::new().hub("/events", hub.clone()).serve(listener, async {
        let _ = stopped.await;
    }));
    let mut events = EventSource::new(&url).unwrap().decoded::<Feed>();
    // A client without a last id gets what is published once it is
    // subscribed: wait until it is.
    let mut waited = 0;
    while hub.subscriber_count() == 0 && waited < 500 {
        // Polling the stream is what connects it.
        let _ = tokio::time::timeout(Duration::from_millis(10), events.next()).await;
        waited += 1;
    }
    assert_eq!(hub.subscriber_count(), 1);
    for n in 1..=3 {
        hub.publish_event(&feed(n)).await.unwrap();
    }
    // A type the enum does not know: an error item, and the stream goes on.
    hub.publish(&Frame::new().event("notice").data("?")).await.unwrap();
    for n in 4..=6 {
        hub.publish_event(&feed(n)).await.unwrap();
    }
    for n in 1..=3 {
        assert_eq!(next(&mut events).await.unwrap(), feed(n));
    }
    let Err(ClientError::Typed(TypedError::UnknownEventType(name))) = next(&mut events).await
    else {
        panic!("an unknown type is an error")
    };
    assert_eq!(name.as_str(), "notice");
    assert_eq!(next(&mut events).await.unwrap(), feed(4));
    // Cut and resume: the rest arrives once, typed.
    let resumed_from = events.source().last_event_id().to_owned();
    assert!(!resumed_from.is_empty());
    events.source_mut().reconnect();
    for n in 5..=6 {
        assert_eq!(next(&mut events).await.unwrap(), feed(n));
    }
    // A new client resuming from an earlier id gets the same enum values.
    let config = ClientConfig { last_event_id: resumed_from, ..ClientConfig::default() };
    let mut again = EventSource::with_config(&url, config).unwrap().decoded::<Feed>();
    for n in 5..=6 {
        assert_eq!(next(&mut again).await.unwrap(), feed(n));
    }
    // An id the hub no longer has: its `reset` event is a type `Feed` does
    // not know, an error item naming it, and the live events follow.
    let config = ClientConfig { last_event_id: "0-1".to_owned(), ..ClientConfig::default() };
    let mut reset = EventSource::with_config(&url, config).unwrap().decoded::<Feed>();
    let Err(ClientError::Typed(TypedError::UnknownEventType(name))) = next(&mut reset).await else {
        panic!("reset is not a Feed")
    };
    assert_eq!(name.as_str(), sse_tokio::DEFAULT_RESET_EVENT);
    hub.publish_event(&feed(7)).await.unwrap();
    assert_eq!(next(&mut reset).await.unwrap(), feed(7));
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn an_enum_through_axum_to_a_typed_client() {
    let app = Router::new().route(
        "/feed",
        get(|| async {
            EventStream::new(futures_util::stream::iter((1..=4).map(|n| Typed(feed(n)))))
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // One event through `next_decoded`, the rest through the typed stream.
    let mut source = EventSource::new(&format!("http://{addr}/feed")).unwrap();
    let first = tokio::time::timeout(LIMIT, source.next_decoded::<Feed>()).await.unwrap();
    assert_eq!(first.unwrap().unwrap(), feed(1));
    let mut events = source.decoded::<Feed>();
    for n in 2..=4 {
        assert_eq!(next(&mut events).await.unwrap(), feed(n));
    }
    events.source_mut().close();
}
