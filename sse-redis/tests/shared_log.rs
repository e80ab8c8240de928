//! One test suite for every shared log, run against the in-memory
//! `MemoryLog` and against Redis Streams on a real `redis-server`: the
//! backend seam's promises (ids in order, exact replay, trimmed and
//! unknown ids not retained, the tail in order), then whole hubs: two
//! instances on one log with a client moved between them 1,000 times at
//! random points while both publish, with nothing lost, repeated or
//! reordered; `reset` for trimmed and garbage ids.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sse_core::{Frame, Parser};
use sse_hub::{Backend, Hub, HubConfig, MemoryLog, Replay, StreamId, TailItem};
use sse_redis::{RedisBackend, RedisConfig};
use sse_tests::redis_server::RedisServer;
use sse_tests::typed_id_data;

const LIMIT: Duration = Duration::from_secs(20);

/// Makes logs that keep about `keep` entries and share one place.
trait Logs {
    fn log(&self, keep: usize) -> Arc<dyn Backend>;
}

struct Memory(Mutex<Option<(usize, Arc<MemoryLog>)>>);

impl Memory {
    fn new() -> Self {
        Self(Mutex::new(None))
    }
}

impl Logs for Memory {
    /// The same log every time (instances share it), made on first use.
    fn log(&self, keep: usize) -> Arc<dyn Backend> {
        let mut slot = self.0.lock().unwrap();
        let (_, log) = slot.get_or_insert_with(|| (keep, Arc::new(MemoryLog::new(keep, 1 << 22))));
        log.clone()
    }
}

struct Redis {
    server: RedisServer,
    stream: String,
}

impl Redis {
    fn new(stream: &str) -> Self {
        Self { server: RedisServer::start(false), stream: stream.to_owned() }
    }
}

impl Logs for Redis {
    /// A new client (an instance) on the same stream.
    fn log(&self, keep: usize) -> Arc<dyn Backend> {
        let config =
            RedisConfig { stream: self.stream.clone(), max_len: keep, ..RedisConfig::default() };
        Arc::new(RedisBackend::new(&self.server.url(), config).unwrap())
    }
}

fn body(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    Frame::new().data(text).write_to(&mut out).unwrap();
    out
}

async fn seam_promises(logs: &dyn Logs) {
    let log = logs.log(50);
    assert_eq!(log.last_id().await.unwrap(), StreamId::default(), "empty at first");
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(log.append(body(&format!("e{i}"))).await.unwrap());
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids strictly increase: {ids:?}");
    assert_eq!(log.last_id().await.unwrap(), ids[19]);

    // Exact replay after an id, frames with their id lines.
    let Replay::After(after) = log.replay(ids[4], 100).await.unwrap() else { panic!("retained") };
    assert_eq!(after.iter().map(|e| e.id).collect::<Vec<_>>(), ids[5..]);
    let expected = format!("id: {}\ndata: e5\n\n", ids[5]);
    assert_eq!(&*after[0].frame, expected.as_bytes());
    assert_eq!(log.replay(ids[19], 100).await.unwrap(), Replay::After(Vec::new()), "the newest");
    // Over the limit: not retained (the client gets reset, not a part).
    assert_eq!(log.replay(ids[4], 10).await.unwrap(), Replay::NotRetained);
    // Ids never assigned, before, between and after.
    let between = StreamId::new(ids[3].ms, ids[3].seq + 1);
    for never in [StreamId::new(1, 0), StreamId::new(u64::MAX, 0)] {
        assert_eq!(log.replay(never, 100).await.unwrap(), Replay::NotRetained, "{never}");
    }
    if between != ids[4] {
        assert_eq!(log.replay(between, 100).await.unwrap(), Replay::NotRetained);
    }

    // The tail: what follows `after`, in order.
    let mut tail = log.tail(ids[19]);
    let mut more = Vec::new();
    for i in 0..3 {
        more.push(log.append(body(&format!("t{i}"))).await.unwrap());
    }
    for id in &more {
        let item =
            tokio::time::timeout(LIMIT, std::future::poll_fn(|cx| tail.as_mut().poll_next(cx)))
                .await
                .expect("the tail delivers");
        let Some(TailItem::Entry(entry)) = item else { panic!("an entry, got {item:?}") };
        assert_eq!(entry.id, *id);
    }

    // Trimmed: far more than kept; the first id is gone.
    for i in 0..400 {
        log.append(body(&format!("x{i}"))).await.unwrap();
    }
    assert_eq!(log.replay(ids[0], 10_000).await.unwrap(), Replay::NotRetained, "trimmed");
}

#[tokio::test]
async fn the_seam_on_memory() {
    seam_promises(&Memory::new()).await;
}

#[tokio::test]
async fn the_seam_on_redis() {
    seam_promises(&Redis::new("seam")).await;
}

async fn two_instances(logs: &dyn Logs) -> [Hub; 2] {
    let config = HubConfig { queue_frames: 4096, replay_events: 4096, ..HubConfig::default() };
    let mut hubs = Vec::new();
    for _ in 0..2 {
        let (hub, tail) = Hub::with_backend(config.clone(), logs.log(100_000)).await.unwrap();
        tokio::spawn(tail);
        hubs.push(hub);
    }
    [hubs.remove(0), hubs.remove(0)]
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

async fn moves_between_instances(logs: &dyn Logs, moves: usize) {
    let hubs = two_instances(logs).await;
    let published = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // The client's first connection exists before anything is published.
    let mut sub = hubs[0].subscribe(None);
    let mut publishers = Vec::new();
    for (k, hub) in hubs.iter().enumerate() {
        let (hub, published, stop) = (hub.clone(), published.clone(), stop.clone());
        publishers.push(tokio::spawn(async move {
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let data = format!("p{k}-{i}");
                let id = hub.publish(&Frame::new().data(&data)).await.unwrap();
                published.lock().unwrap().push(id.stream_id().unwrap());
                i += 1;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }));
    }
    let mut seen: Vec<StreamId> = Vec::new();
    // Cuts that dropped events the client had been sent: they must come
    // again from the other instance.
    let mut cut_mid_chunk = 0;
    let mut on = 0;
    for m in 0..=moves {
        if m == moves {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            for p in publishers.drain(..) {
                p.await.unwrap();
            }
        }
        let mut parser = Parser::new(vec![0u8; 4096]);
        // Read a few chunks, then cut at a random event within one.
        let chunks = if m == moves { u64::MAX } else { 1 + rng.below(3) };
        let mut read = 0;
        'reading: while read < chunks {
            if m == moves && seen.last() == published.lock().unwrap().iter().max() {
                break;
            }
            let Ok(frames) = tokio::time::timeout(LIMIT, sub.recv()).await else {
                panic!("move {m}: nothing arrived on instance {on} (seen {})", seen.len())
            };
            let frames = frames.unwrap_or_else(|| panic!("move {m}: the subscription ended"));
            let got = typed_id_data(&mut parser, &frames);
            // Without an id yet there is nothing to resume from: no cut.
            let whole = m == moves || seen.is_empty();
            let keep = if whole { got.len() } else { rng.below(got.len() as u64 + 1) as usize };
            for (event_type, id, _) in &got[..keep] {
                assert_eq!(event_type, "message", "move {m}: no reset while everything is kept");
                seen.push(StreamId::parse(id).unwrap());
            }
            read += 1;
            if keep < got.len() {
                cut_mid_chunk += 1;
                break 'reading;
            }
        }
        if m < moves {
            on = rng.below(2) as usize;
            let last = seen.last().map(|id| id.to_string());
            sub = hubs[on].subscribe(last.as_deref());
        }
    }
    let mut all = published.lock().unwrap().clone();
    all.sort();
    assert!(all.len() >= moves / 2, "published {} events during the moves", all.len());
    assert!(cut_mid_chunk > moves / 4, "{cut_mid_chunk} cuts dropped events already sent");
    assert_eq!(seen.len(), all.len(), "as many received as published");
    assert!(seen == all, "every id once, in the log's order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_moves_between_two_instances_on_memory_and_misses_nothing() {
    moves_between_instances(&Memory::new(), 1000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_moves_between_two_instances_on_redis_and_misses_nothing() {
    moves_between_instances(&Redis::new("moves"), 1000).await;
}

async fn gone_ids_get_reset(logs: &dyn Logs) {
    let config = HubConfig::default();
    let (hub, tail) = Hub::with_backend(config, logs.log(10)).await.unwrap();
    tokio::spawn(tail);
    let first = hub.publish(&Frame::new().data("first")).await.unwrap();
    for i in 0..400 {
        hub.publish(&Frame::new().data(&format!("n{i}"))).await.unwrap();
    }
    let too_long = "1".repeat(100);
    for asked in [first.as_str(), "garbage", "42", "1-2-3", too_long.as_str(), "99999999999999-0"] {
        let mut sub = hub.subscribe(Some(asked));
        let frames = tokio::time::timeout(LIMIT, sub.recv()).await.unwrap().unwrap();
        let got = typed_id_data(&mut Parser::new(vec![0u8; 4096]), &frames);
        assert_eq!(got[0].0, "reset", "{asked}: told it missed events");
        assert_eq!(got[0].2, asked, "the reset names the id");
        // Then the stream goes on, in order (entries this instance had not
        // yet delivered when the client came may come first).
        let live = hub.publish(&Frame::new().data("live")).await.unwrap();
        let mut ids = got[1..].iter().map(|e| StreamId::parse(&e.1).unwrap()).collect::<Vec<_>>();
        while ids.last() != live.stream_id().as_ref() {
            let frames = tokio::time::timeout(LIMIT, sub.recv()).await.unwrap().unwrap();
            let got = typed_id_data(&mut Parser::new(vec![0u8; 4096]), &frames);
            ids.extend(got.iter().map(|e| StreamId::parse(&e.1).unwrap()));
        }
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{asked}: in order, no repeat");
    }
    // A frame with its own id is refused: the log assigns ids.
    let own = hub.publish(&Frame::new().id("7").data("x")).await;
    assert!(matches!(own, Err(sse_hub::PublishError::OwnId)), "{own:?}");
}

#[tokio::test]
async fn trimmed_and_garbage_ids_get_reset_on_memory() {
    gone_ids_get_reset(&Memory::new()).await;
}

#[tokio::test]
async fn trimmed_and_garbage_ids_get_reset_on_redis() {
    gone_ids_get_reset(&Redis::new("gone")).await;
}

async fn dropping_the_hub_ends_subscriptions(logs: &dyn Logs) {
    let (hub, tail) = Hub::with_backend(HubConfig::default(), logs.log(100)).await.unwrap();
    let tail = tokio::spawn(tail);
    let mut subs: Vec<_> = (0..3).map(|_| hub.subscribe(None)).collect();
    hub.publish(&Frame::new().data("x")).await.unwrap();
    drop(hub);
    for sub in &mut subs {
        let mut frames = 0;
        while tokio::time::timeout(LIMIT, sub.recv()).await.expect("ends, not pending").is_some() {
            frames += 1;
        }
        assert!(frames <= 1);
    }
    tokio::time::timeout(LIMIT, tail).await.expect("the tail stops with the hub").unwrap();
}

#[tokio::test]
async fn dropping_the_hub_ends_subscriptions_and_the_tail_on_memory() {
    dropping_the_hub_ends_subscriptions(&Memory::new()).await;
}

#[tokio::test]
async fn dropping_the_hub_ends_subscriptions_and_the_tail_on_redis() {
    dropping_the_hub_ends_subscriptions(&Redis::new("drop")).await;
}

/// A subscriber that does not keep up is dropped by its own instance's lag
/// bound (not the publisher's problem, not the other subscribers'), and
/// resumes from the shared log, on the other instance, with nothing lost.
async fn a_slow_subscriber_is_dropped_and_resumes(logs: &dyn Logs) {
    let config = HubConfig { queue_frames: 8, ..HubConfig::default() };
    let mut hubs = Vec::new();
    for _ in 0..2 {
        let (hub, tail) = Hub::with_backend(config.clone(), logs.log(1_000)).await.unwrap();
        tokio::spawn(tail);
        hubs.push(hub);
    }
    let mut slow = hubs[0].subscribe(None);
    let mut keeping_up = hubs[0].subscribe(None);
    let mut published = Vec::new();
    let mut fast_ids = Vec::new();
    let mut slow_ids = Vec::new();
    let mut parser = Parser::new(vec![0u8; 4096]);
    for i in 0..100 {
        published.push(hubs[0].publish(&Frame::new().data(&format!("n{i}"))).await.unwrap());
        if i == 0 {
            // The slow one reads the first event, then stops reading.
            let frames = tokio::time::timeout(LIMIT, slow.recv()).await.unwrap().unwrap();
            slow_ids.extend(typed_id_data(&mut parser, &frames).into_iter().map(|e| e.1));
        }
        // The fast one reads as events come.
        while fast_ids.len() <= i {
            let frames = tokio::time::timeout(LIMIT, keeping_up.recv()).await.unwrap().unwrap();
            let got = typed_id_data(&mut Parser::new(vec![0u8; 4096]), &frames);
            fast_ids.extend(got.into_iter().map(|e| e.1));
        }
    }
    assert_eq!(fast_ids, published.iter().map(|id| id.as_str()).collect::<Vec<_>>());
    // Then its subscription ends (it may get part of its queue first).
    while let Some(frames) = tokio::time::timeout(LIMIT, slow.recv()).await.unwrap() {
        slow_ids.extend(typed_id_data(&mut parser, &frames).into_iter().map(|e| e.1));
    }
    assert!(slow_ids.len() < 100, "dropped before the end: got {}", slow_ids.len());
    assert_eq!(hubs[0].dropped_count(), 1);
    assert_eq!(slow_ids, fast_ids[..slow_ids.len()], "what it got, in order");
    // It resumes on the other instance from its last id: exactly the rest.
    let mut resumed = hubs[1].subscribe(slow_ids.last().map(String::as_str));
    let mut rest = Vec::new();
    let mut parser = Parser::new(vec![0u8; 4096]);
    while slow_ids.len() + rest.len() < 100 {
        let frames = tokio::time::timeout(LIMIT, resumed.recv()).await.unwrap().unwrap();
        rest.extend(typed_id_data(&mut parser, &frames).into_iter().map(|e| e.1));
    }
    slow_ids.extend(rest);
    assert_eq!(slow_ids, fast_ids, "nothing lost or repeated");
}

#[tokio::test]
async fn a_slow_subscriber_is_dropped_and_resumes_on_memory() {
    a_slow_subscriber_is_dropped_and_resumes(&Memory::new()).await;
}

#[tokio::test]
async fn a_slow_subscriber_is_dropped_and_resumes_on_redis() {
    a_slow_subscriber_is_dropped_and_resumes(&Redis::new("slow")).await;
}
