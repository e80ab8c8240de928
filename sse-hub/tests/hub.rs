//! The broadcast hub: one encoding shared by all, resume without gap or
//! duplicate, reset when the id is gone, slow subscribers dropped without
//! delaying anyone, and 1,000 concurrent subscribers.

use std::sync::Arc;

use sse_core::{Frame, Parser};
use sse_hub::{Hub, HubConfig, PublishError};

async fn publish(hub: &Hub, i: u64) {
    let id = i.to_string();
    let data = format!("event {i}");
    hub.publish(&Frame::new().id(&id).data(&data)).await.unwrap();
}

/// Parses concatenated frames into (id, data) pairs.
fn events(bytes: &[u8]) -> Vec<(String, String, String)> {
    let mut parser = Parser::new(vec![0u8; 4096]);
    let mut rest = bytes;
    let mut out = Vec::new();
    while let Some(e) = parser.next(&mut rest) {
        let e = e.unwrap();
        out.push((e.event_type.to_owned(), e.id.to_owned(), e.data.to_owned()));
    }
    out
}

#[tokio::test]
async fn every_subscriber_gets_the_same_bytes() {
    let hub = Hub::new(HubConfig::default());
    let mut a = hub.subscribe(None);
    let mut b = hub.subscribe(None);
    publish(&hub, 1).await;
    let (fa, fb) = (a.recv().await.unwrap(), b.recv().await.unwrap());
    assert!(Arc::ptr_eq(&fa, &fb), "one encoding, shared");
    assert_eq!(&*fa, b"id: 1\ndata: event 1\n\n");
    assert_eq!(hub.subscriber_count(), 2);
    assert_eq!(hub.published_count(), 1);
}

#[tokio::test]
async fn resume_replays_then_goes_live_without_gap_or_duplicate() {
    let hub = Hub::new(HubConfig::default());
    for i in 1..=10 {
        publish(&hub, i).await;
    }
    let mut sub = hub.subscribe(Some("5"));
    publish(&hub, 11).await;
    let mut wire = Vec::new();
    wire.extend_from_slice(&sub.recv().await.unwrap());
    wire.extend_from_slice(&sub.recv().await.unwrap());
    let ids: Vec<String> = events(&wire).into_iter().map(|(_, id, _)| id).collect();
    assert_eq!(ids, ["6", "7", "8", "9", "10", "11"]);
}

#[tokio::test]
async fn an_unknown_id_gets_a_reset_event_first() {
    let config = HubConfig { replay_events: 3, ..HubConfig::default() };
    let hub = Hub::new(config);
    for i in 1..=10 {
        publish(&hub, i).await;
    }
    let mut sub = hub.subscribe(Some("2")); // evicted: only 8, 9, 10 are kept
    publish(&hub, 11).await;
    let mut wire = Vec::new();
    wire.extend_from_slice(&sub.recv().await.unwrap());
    wire.extend_from_slice(&sub.recv().await.unwrap());
    let got = events(&wire);
    assert_eq!(got[0].0, "reset");
    assert_eq!(got[0].2, "2", "the reset names the id that could not be resumed");
    assert_eq!(got[1].2, "event 11");
    assert_eq!(got.len(), 2);
}

#[tokio::test]
async fn a_slow_subscriber_is_dropped_and_delays_no_one() {
    let hub = Hub::new(HubConfig { queue_frames: 4, ..HubConfig::default() });
    let mut slow = hub.subscribe(None);
    let mut fast = hub.subscribe(None);
    for i in 0..20 {
        publish(&hub, i).await;
        // The fast one keeps up.
        let got = fast.recv().await.unwrap();
        assert_eq!(events(&got)[0].1, i.to_string());
    }
    // The publisher never waited for it. When it reads again it learns it
    // fell more than the queue behind: its stream ends (it resumes with its
    // last id), and it counts as dropped.
    assert_eq!(hub.subscriber_count(), 2);
    assert!(slow.recv().await.is_none());
    assert_eq!(hub.dropped_count(), 1);
    assert_eq!(hub.subscriber_count(), 1);
}

#[tokio::test]
async fn try_recv_gathers_what_is_queued_and_sees_a_lag() {
    let hub = Hub::new(HubConfig { queue_frames: 4, ..HubConfig::default() });
    // A resumed subscriber: its backlog comes first, then live frames.
    publish(&hub, 1).await;
    let mut sub = hub.subscribe(Some("0"));
    assert!(sub.try_recv().is_some(), "the backlog (or reset) is ready at once");
    assert!(sub.try_recv().is_none(), "nothing else queued yet");
    publish(&hub, 2).await;
    publish(&hub, 3).await;
    let mut gathered = Vec::new();
    while let Some(frames) = sub.try_recv() {
        gathered.extend_from_slice(&frames);
    }
    let ids: Vec<String> = events(&gathered).into_iter().map(|e| e.1).collect();
    assert_eq!(ids, ["2", "3"]);
    // gather: the frame alone when nothing is queued (no copy), else it
    // and what is queued, in order, stopping once past the byte bound.
    let mut batch = Vec::new();
    assert_eq!(sub.gather(b"x", &mut batch, 1024), b"x");
    publish(&hub, 20).await;
    publish(&hub, 21).await;
    publish(&hub, 22).await;
    let first = b"id: 19\ndata: event 19\n\n";
    let gathered = sub.gather(first, &mut batch, 40).to_vec();
    let ids: Vec<String> = events(&gathered).into_iter().map(|e| e.1).collect();
    assert_eq!(ids, ["19", "20"], "stops once past 40 bytes");
    assert_eq!(events(&sub.recv().await.unwrap())[0].1, "21", "the rest stays queued");
    assert_eq!(events(&sub.recv().await.unwrap())[0].1, "22");
    // Falling more than the queue behind ends it for try_recv and recv alike.
    for i in 4..12 {
        publish(&hub, i).await;
    }
    assert!(sub.try_recv().is_none());
    assert!(sub.recv().await.is_none(), "a lagged subscription stays ended");
    assert_eq!(hub.dropped_count(), 1);
}

#[tokio::test]
async fn typed_and_invalid_publishes() {
    #[derive(sse_core::SseEvent, serde::Serialize)]
    struct Tick {
        n: u32,
    }
    let hub = Hub::new(HubConfig::default());
    let mut sub = hub.subscribe(None);
    let id = hub.publish_event(&Tick { n: 7 }).await.unwrap();
    let expected = format!("id: {id}\ndata: {{\"n\":7}}\n\n");
    assert_eq!(&*sub.recv().await.unwrap(), expected.as_bytes(), "the hub assigned the id");
    assert!(id.stream_id().is_some(), "in the <ms>-<seq> shape: {id}");
    assert!(matches!(
        hub.publish(&Frame::new().event("a\nb").data("x")).await,
        Err(PublishError::Typed(_))
    ));
    // An event too large to keep is still delivered live.
    let small = Hub::new(HubConfig { replay_bytes: 16, ..HubConfig::default() });
    let mut sub = small.subscribe(None);
    let big = "y".repeat(100);
    small.publish(&Frame::new().id("9").data(&big)).await.unwrap();
    assert_eq!(sub.recv().await.unwrap().len(), "id: 9\ndata: \n\n".len() + 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_subscribers_receive_everything_in_order() {
    let hub = Hub::new(HubConfig { queue_frames: 1024, ..HubConfig::default() });
    const EVENTS: u64 = 200;
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let mut sub = hub.subscribe(None);
        tasks.push(tokio::spawn(async move {
            let mut wire = Vec::new();
            while let Some(frames) = sub.recv().await {
                wire.extend_from_slice(&frames);
                if wire.ends_with(b"data: event 199\n\n") {
                    break;
                }
            }
            events(&wire)
                .into_iter()
                .map(|(_, id, _)| id.parse::<u64>().unwrap())
                .collect::<Vec<_>>()
        }));
    }
    for i in 0..EVENTS {
        publish(&hub, i).await;
        if i % 50 == 0 {
            tokio::task::yield_now().await;
        }
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), (0..EVENTS).collect::<Vec<_>>());
    }
    assert_eq!(hub.dropped_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_while_publishing_never_loses_or_repeats() {
    // Everything stays retained, so every resume must be exact.
    let hub =
        Hub::new(HubConfig { queue_frames: 4096, replay_events: 4096, ..HubConfig::default() });
    const EVENTS: u64 = 2_000;
    // Subscribe before the publisher starts, so the first event is seen live.
    let mut sub = hub.subscribe(None);
    let publisher = {
        let hub = hub.clone();
        tokio::spawn(async move {
            for i in 0..EVENTS {
                publish(&hub, i).await;
                if i % 7 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        })
    };
    // Reconnect every few events, resuming from the last id seen.
    let mut seen: Vec<u64> = Vec::new();
    let mut parser = Parser::new(vec![0u8; 4096]);
    while seen.last() != Some(&(EVENTS - 1)) {
        let Some(frames) = sub.recv().await else { panic!("dropped") };
        let mut rest = &frames[..];
        while let Some(e) = parser.next(&mut rest) {
            let e = e.unwrap();
            assert_eq!(e.event_type, "message", "no reset expected while everything is retained");
            seen.push(e.id.parse().unwrap());
        }
        if seen.len() % 13 == 0 {
            let last = seen.last().map(u64::to_string);
            sub = hub.subscribe(last.as_deref());
        }
    }
    publisher.await.unwrap();
    assert_eq!(seen, (0..EVENTS).collect::<Vec<_>>());
}

#[tokio::test]
async fn dropping_the_hub_ends_every_subscription() {
    let hub = Hub::new(HubConfig::default());
    let mut plain = hub.subscribe(None);
    let streamed = hub.subscribe(None);
    let id = hub.publish(&Frame::new().data("last")).await.unwrap();
    drop(hub);
    let expected = format!("id: {id}\ndata: last\n\n");
    assert_eq!(&*plain.recv().await.unwrap(), expected.as_bytes(), "what was sent first");
    let limit = std::time::Duration::from_secs(5);
    assert!(tokio::time::timeout(limit, plain.recv()).await.unwrap().is_none(), "then the end");
    use futures_core::Stream;
    let mut streamed = std::pin::pin!(streamed);
    let mut items = 0;
    while tokio::time::timeout(limit, std::future::poll_fn(|cx| streamed.as_mut().poll_next(cx)))
        .await
        .unwrap()
        .is_some()
    {
        items += 1;
    }
    assert_eq!(items, 1, "a Stream ends too");
}

#[tokio::test]
async fn ids_survive_a_restart_so_an_old_id_gets_reset() {
    let first_run = Hub::new(HubConfig::default());
    let mut old = Vec::new();
    for i in 0..5 {
        old.push(first_run.publish(&Frame::new().data(&format!("a{i}"))).await.unwrap());
    }
    drop(first_run);
    // The process restarts: a new hub, an empty ring, the same clock.
    let second_run = Hub::new(HubConfig::default());
    let mut new = Vec::new();
    for i in 0..5 {
        new.push(second_run.publish(&Frame::new().data(&format!("b{i}"))).await.unwrap());
    }
    for id in old.iter().chain(&new) {
        assert!(id.stream_id().is_some(), "{id}: <ms>-<seq>");
    }
    assert!(old.iter().all(|o| new.iter().all(|n| o.stream_id() < n.stream_id())), "never reused");
    let mut resumed = second_run.subscribe(Some(old[1].as_str()));
    let got = events(&resumed.recv().await.unwrap());
    assert_eq!((got[0].0.as_str(), got[0].2.as_str()), ("reset", old[1].as_str()));
    // A client of the new run resumes exactly.
    let mut exact = second_run.subscribe(Some(new[2].as_str()));
    let got = events(&exact.recv().await.unwrap());
    let ids: Vec<&str> = got.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(ids, [new[3].as_str(), new[4].as_str()]);
}
