//! Redis killed and restarted under a running hub: publishing reports an
//! error while it is down (never a lost event reported as sent); the tail
//! waits without spinning; subscribers stay connected and go on when Redis
//! is back with its data (AOF), or are ended and get `reset` on resuming
//! when Redis came back without it.

use std::time::Duration;

use sse_core::{Frame, Parser};
use sse_hub::{Hub, HubConfig, Subscription};
use sse_redis::{RedisBackend, RedisConfig};
use sse_tests::redis_server::RedisServer;

const LIMIT: Duration = Duration::from_secs(20);

fn config() -> RedisConfig {
    RedisConfig {
        stream: "faults".to_owned(),
        command_timeout: Duration::from_millis(500),
        block: Duration::from_millis(500),
        retry_min: Duration::from_millis(50),
        retry_max: Duration::from_millis(200),
        ..RedisConfig::default()
    }
}

/// (type, id, data) of the events in `frames`.
fn events(frames: &[u8]) -> Vec<(String, String, String)> {
    sse_tests::typed_id_data(&mut Parser::new(vec![0u8; 4096]), frames)
}

async fn next(sub: &mut Subscription) -> Option<Vec<(String, String, String)>> {
    let frames = tokio::time::timeout(LIMIT, sub.recv()).await.expect("no answer in time")?;
    Some(events(&frames))
}

/// This process's CPU time (user + system), from /proc.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // utime and stime are fields 14 and 15 (11 and 12 after the name).
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

async fn start(server: &RedisServer) -> (Hub, Subscription, String) {
    let backend = RedisBackend::new(&server.url(), config()).unwrap();
    let hub = backend.hub(HubConfig::default()).await.unwrap();
    let mut sub = hub.subscribe(None);
    let mut last = String::new();
    for i in 0..5 {
        let id = hub.publish(&Frame::new().data(&format!("before {i}"))).await.unwrap();
        let got = next(&mut sub).await.unwrap();
        assert_eq!(got[0].1, id.as_str());
        last = id.to_string();
    }
    (hub, sub, last)
}

/// While Redis is down: publishing fails, and the process stays idle.
async fn down(hub: &Hub) {
    let started = std::time::Instant::now();
    let failed = hub.publish(&Frame::new().data("lost")).await;
    assert!(matches!(failed, Err(sse_hub::PublishError::Backend(_))), "{failed:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "bounded by the command timeout");
    let before = cpu();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let spent = cpu() - before;
    assert!(
        spent < Duration::from_millis(300),
        "the tail must not spin while Redis is down: {spent:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_with_its_data_subscribers_go_on() {
    let mut server = RedisServer::start(true);
    let (hub, mut sub, last) = start(&server).await;
    server.kill();
    down(&hub).await;
    server.restart();
    // Publishing works again once the command connection is remade.
    let mut after = None;
    for _ in 0..100 {
        if let Ok(id) = hub.publish(&Frame::new().data("after")).await {
            after = Some(id);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = after.expect("publishing works after the restart");
    // The same subscription, still open, gets it: no gap, nothing lost.
    let got = next(&mut sub).await.expect("still subscribed");
    assert_eq!((got[0].1.as_str(), got[0].2.as_str()), (after.as_str(), "after"));
    // And the old id still resumes exactly.
    let mut resumed = hub.subscribe(Some(&last));
    let got = next(&mut resumed).await.unwrap();
    assert_eq!(got[0].0, "message");
    assert_eq!(got[0].1, after.as_str(), "resumes right after {last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_empty_subscribers_are_told_they_missed_events() {
    let mut server = RedisServer::start(false);
    let (hub, mut sub, last) = start(&server).await;
    server.kill();
    down(&hub).await;
    server.restart();
    // The tail finds its position gone: the subscription ends (its client
    // reconnects with its last id)...
    assert!(next(&mut sub).await.is_none(), "ended after the data was lost");
    // ...and resuming from it says reset, then goes on live.
    let mut resumed = hub.subscribe(Some(&last));
    let got = next(&mut resumed).await.unwrap();
    assert_eq!((got[0].0.as_str(), got[0].2.as_str()), ("reset", last.as_str()));
    let mut live = None;
    for _ in 0..100 {
        if let Ok(id) = hub.publish(&Frame::new().data("new")).await {
            live = Some(id);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let live = live.expect("publishing works after the restart");
    let got = next(&mut resumed).await.unwrap();
    assert_eq!(got[0].1, live.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_when_a_client_resumes_ends_its_subscription() {
    let mut server = RedisServer::start(false);
    let (hub, _sub, last) = start(&server).await;
    server.kill();
    let mut resumed = hub.subscribe(Some(&last));
    assert!(next(&mut resumed).await.is_none(), "no replay possible: the client comes back later");
    let unreachable = RedisBackend::new(&server.url(), config()).unwrap();
    assert!(unreachable.hub(HubConfig::default()).await.is_err(), "a new instance reports it");
}
