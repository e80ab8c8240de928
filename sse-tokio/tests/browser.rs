//! A real browser: headless Chromium opens the example's page, receives
//! events (it reports each one back), the server cuts the connection, and
//! the server checks that the browser reconnected with the right
//! `Last-Event-ID` and received the rest.
//!
//! Needs `chromium` (Debian's package; `.ci/run` installs it). Without it
//! the test fails under CI (`CI` set) and is skipped with a notice
//! elsewhere.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sse_core::Frame;
use sse_tokio::{Server, ServerConfig};
use tokio::net::TcpListener;

const PAGE: &str = include_str!("../src/demo.html");

mod support;

use support::cdp::{chromium, Page};

#[derive(Default)]
struct Seen {
    /// `Last-Event-ID` of each stream request (None: none sent).
    connections: Vec<Option<String>>,
    /// Event ids the page reported receiving.
    acks: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_receives_events_and_resumes_after_a_cut() {
    let Some(chromium) = chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must install chromium for the browser test");
        eprintln!("NOTICE: chromium not found; browser test not run (install Debian's `chromium`)");
        return;
    };
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stream_seen = Arc::clone(&seen);
    let ack_seen = Arc::clone(&seen);
    let server = Server::new()
        .with_config(ServerConfig {
            keep_alive: Some(Duration::from_millis(500)),
            ..ServerConfig::default()
        })
        .page("/", "text/html; charset=utf-8", PAGE)
        .stream("/events/stream", move |request, mut writer| {
            let seen = Arc::clone(&stream_seen);
            async move {
                let first = {
                    let mut seen = seen.lock().unwrap();
                    seen.connections.push(request.last_event_id.clone());
                    seen.connections.len() == 1
                };
                let (from, to) = if first { (1, 3) } else { (4, 5) };
                let _ = writer.send(&Frame::new().retry(200)).await;
                for n in from..=to {
                    let id = n.to_string();
                    let data = format!(
                        "{{\"message\":\"tick {n}\",\"timestamp\":{}}}",
                        1_700_000_000_000u64 + n
                    );
                    if writer.send(&Frame::new().id(&id).data(&data)).await.is_err() {
                        return;
                    }
                }
                if first {
                    // Let the page report the events, then cut the connection.
                    for _ in 0..200 {
                        if seen.lock().unwrap().acks.len() >= 3 {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(25)).await;
                    }
                } else {
                    // Keep the second connection open until the test ends.
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            }
        })
        .stream("/ack", move |request, _writer| {
            let seen = Arc::clone(&ack_seen);
            async move {
                if let Some(id) = request.query.as_deref().and_then(|q| q.strip_prefix("id=")) {
                    seen.lock().unwrap().acks.push(id.to_owned());
                }
            }
        });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(listener, async {
        let _ = stopped.await;
    }));

    let browser = Page::open(chromium, &format!("http://{addr}/?ack"), &[]).await;

    // Bounded wait for all five acks.
    let mut done = false;
    for _ in 0..600 {
        if seen.lock().unwrap().acks.len() >= 5 {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(browser);
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), serving).await;

    let seen = seen.lock().unwrap();
    assert!(
        done,
        "browser did not report all events: acks {:?}, connections {:?}",
        seen.acks, seen.connections
    );
    // Acks travel on separate requests, so they may arrive out of order;
    // each event must have arrived exactly once.
    let mut acks: Vec<u32> = seen.acks.iter().map(|a| a.parse().unwrap()).collect();
    acks.sort_unstable();
    assert_eq!(acks, [1, 2, 3, 4, 5], "every event arrived exactly once: {:?}", seen.acks);
    assert_eq!(seen.connections.first(), Some(&None), "the first request has no Last-Event-ID");
    assert_eq!(
        seen.connections.get(1),
        Some(&Some("3".to_owned())),
        "the browser resumed from the last event it got"
    );
}

/// The page of the HTTP/2 test: ten `EventSource`s to one origin, each
/// reporting its first event; the page reports its protocol too.
const TEN_SOURCES: &str = r#"<!doctype html><meta charset="utf-8"><title>ten</title><script>
  const proto = performance.getEntriesByType('navigation')[0].nextHopProtocol;
  fetch('/ack?proto=' + encodeURIComponent(proto));
  for (let i = 0; i < 10; i++) {
    const source = new EventSource('/events?source=' + i);
    let reported = false;
    source.onmessage = (e) => {
      if (reported) return;
      reported = true;
      fetch('/ack?source=' + i + '&id=' + encodeURIComponent(e.lastEventId));
    };
  }
</script>"#;

/// Over HTTPS and HTTP/2 a page opens ten `EventSource`s to one origin and
/// every one receives events (over HTTP/1.1 the seventh would wait for
/// one of the browser's six connections), on one connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_event_sources_over_https_and_http2() {
    use sse_tokio::{Hub, HubConfig, ServerTls};
    let Some(chromium) = chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must install chromium for the browser test");
        eprintln!("NOTICE: chromium not found; browser test not run (install Debian's `chromium`)");
        return;
    };
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let tls = ServerTls::from_pem(
        generated.cert.pem().as_bytes(),
        generated.signing_key.serialize_pem().as_bytes(),
    )
    .unwrap();
    let hub = Hub::new(HubConfig::default());
    let acks = Arc::new(Mutex::new(Vec::<String>::new()));
    let ack_seen = Arc::clone(&acks);
    let server = Server::new()
        .page("/ten", "text/html; charset=utf-8", TEN_SOURCES)
        .hub("/events", hub.clone())
        .stream("/ack", move |request, _writer| {
            let acks = Arc::clone(&ack_seen);
            async move {
                acks.lock().unwrap().push(request.query.unwrap_or_default());
            }
        })
        .with_tls(tls);
    let stats = server.stats();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(listener, async {
        let _ = stopped.await;
    }));
    let publisher = tokio::spawn(async move {
        for n in 1u64.. {
            let _ = hub.publish(&Frame::new().id(&n.to_string()).data("tick")).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });

    // The test's own certificate: accepted without a prompt.
    let url = format!("https://localhost:{}/ten", addr.port());
    let browser = Page::open(chromium, &url, &["--ignore-certificate-errors"]).await;
    let sources = |acks: &[String]| {
        let mut seen: Vec<&str> =
            acks.iter().filter_map(|a| a.strip_prefix("source=")?.split('&').next()).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    };
    let mut most_streams = 0;
    for _ in 0..600 {
        most_streams = most_streams.max(stats.streams());
        if sources(&acks.lock().unwrap()) == 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let connections = stats.connections();
    drop(browser);
    publisher.abort();
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), serving).await;

    let acks = acks.lock().unwrap();
    assert_eq!(sources(&acks), 10, "every EventSource received events: {acks:?}");
    assert!(acks.iter().any(|a| a == "proto=h2"), "the page came over HTTP/2: {acks:?}");
    assert_eq!(most_streams, 10, "ten streams open at once");
    assert!(connections <= 2, "the streams shared a connection ({connections} open)");
}
