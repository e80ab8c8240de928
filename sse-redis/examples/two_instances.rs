//! Two server instances share one Redis Stream; a client moves between
//! them and misses nothing.
//!
//! ```text
//! redis-server --port 6379 --save ''        # any Redis 5 or later
//! cargo run -p sse-redis --example two_instances [redis://127.0.0.1:6379/]
//! ```
//!
//! A publisher sends event 1, 2, 3… alternately through instance A and
//! instance B. The client reads a few events from A, is cut, resumes on B
//! with `Last-Event-ID`, is cut again and resumes on A: the numbers it
//! prints run on without a gap or a repeat, whichever instance published
//! them and whichever it is connected to. (The stream it leaves in Redis,
//! `sse:two-instances-example`, is capped at 1,000 entries.)

use std::time::Duration;

use sse_core::Frame;
use sse_redis::{RedisBackend, RedisConfig};
use sse_tokio::{ClientConfig, EventSource, Hub, HubConfig, Server};
use tokio::net::TcpListener;

/// Starts one instance on a free loopback port: its own hub on the shared
/// stream, served at `/events`.
async fn instance(backend: &RedisBackend) -> Result<(Hub, String), Box<dyn std::error::Error>> {
    let hub = backend.hub(HubConfig::default()).await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/events", listener.local_addr()?);
    let server = Server::new().hub("/events", hub.clone());
    tokio::spawn(async move { server.serve(listener, std::future::pending()).await });
    Ok((hub, url))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let redis = std::env::args().nth(1).unwrap_or_else(|| "redis://127.0.0.1:6379/".into());
    let config = RedisConfig {
        stream: "sse:two-instances-example".into(),
        max_len: 1_000,
        ..RedisConfig::default()
    };
    let backend = RedisBackend::new(&redis, config)?;
    let (hub_a, url_a) = instance(&backend).await.map_err(|e| format!("{redis}: {e}"))?;
    let (hub_b, url_b) = instance(&backend).await?;
    println!("instance A: {url_a}\ninstance B: {url_b}");

    // The publisher: through A for odd numbers, through B for even ones.
    let publisher = tokio::spawn(async move {
        for n in 1u64.. {
            let (hub, via) = if n % 2 == 1 { (&hub_a, "A") } else { (&hub_b, "B") };
            if let Err(e) = hub.publish(&Frame::new().data(&format!("{n} via {via}"))).await {
                eprintln!("event {n} not published: {e}");
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    });

    let mut last_id = String::new();
    let mut last_n = None::<u64>;
    for (name, url) in [("A", &url_a), ("B", &url_b), ("A", &url_a)] {
        let config = ClientConfig { last_event_id: last_id.clone(), ..ClientConfig::default() };
        let mut source = EventSource::with_config(url, config)?;
        println!("-- on {name}, Last-Event-ID {last_id:?}");
        for _ in 0..6 {
            let Some(event) = source.next_event().await else { break };
            let event = event?;
            let n: u64 = event.data.split(' ').next().unwrap_or("").parse()?;
            if let Some(before) = last_n.filter(|&before| n != before + 1) {
                return Err(format!("after {before} came {n}: lost or repeated").into());
            }
            println!("{name} got id {}: {}", event.id, event.data);
            last_n = Some(n);
        }
        last_id = source.last_event_id().to_owned();
        // Cut: the client is gone for a moment while events go on.
        drop(source);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    publisher.abort();
    println!("moved A -> B -> A: every number once, in order");
    Ok(())
}
