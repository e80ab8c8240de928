//! One scenario suite, unchanged on tokio (multi-threaded, so every future
//! must be `Send`), async-std and smol, over real loopback sockets: round
//! trip, resume after a cut connection with no loss or duplicate,
//! redirects, 204, a wrong content type, limits, a slow reader, keep-alive,
//! a silent server, graceful shutdown.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use sse_async_std::{
    pem_certificates, pem_private_key, AsyncStd, ClientConfig, ClientError, EventSource,
    EventWriter, Hub, HubConfig, Runtime, Server, ServerConfig, ServerStats, Smol, TlsConnector,
    TlsOptions, Transport, Update,
};
use sse_core::{FailReason, Frame, ParseError, ReconnectConfig, ReconnectMode};
use sse_tokio::Tokio;

/// Runs `scenario` on every runtime, each bounded by 30 s; on tokio it is
/// spawned on the multi-threaded runtime, which requires `Send`.
macro_rules! on_every_runtime {
    ($name:ident, $scenario:ident) => {
        mod $name {
            #[test]
            fn tokio() {
                let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    tokio::spawn(super::bounded(super::Tokio, super::$scenario)).await.unwrap()
                });
            }
            #[test]
            fn async_std() {
                async_std::task::block_on(super::bounded(super::AsyncStd, super::$scenario));
            }
            #[test]
            fn smol() {
                smol::block_on(super::bounded(super::Smol, super::$scenario));
            }
        }
    };
}

async fn bounded<R: Runtime, F: Future<Output = ()>>(rt: R, scenario: impl FnOnce(R) -> F) {
    let limit = rt.sleep(Duration::from_secs(30));
    futures_lite::future::or(scenario(rt), async {
        limit.await;
        panic!("scenario did not finish within 30 s");
    })
    .await;
}

/// Binds a loopback listener and serves `server` on it in the background.
async fn start<R: Runtime>(rt: &R, server: Server<R>) -> String {
    let listener = rt.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = rt.local_addr(&listener).unwrap();
    rt.spawn(async move {
        let _ = server.serve(listener, std::future::pending()).await;
    });
    format!("http://{addr}")
}

fn fast_reconnect() -> ClientConfig {
    ClientConfig {
        reconnect: ReconnectConfig::DEFAULT.with_reconnect_ms(20).with_min_backoff_ms(10),
        ..ClientConfig::default()
    }
}

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct Tick {
    message: String,
    n: u32,
}

async fn round_trip<R: Runtime>(rt: R) {
    let server =
        Server::with_runtime(rt.clone()).stream("/ticks", |_request, mut writer| async move {
            for n in 0..20 {
                let data =
                    serde_json::to_string(&Tick { message: format!("tick {n}"), n }).unwrap();
                let id = n.to_string();
                writer.send(&Frame::new().event("tick").id(&id).data(&data)).await.unwrap();
            }
        });
    let base = start(&rt, server).await;
    let mut source =
        EventSource::with_runtime(rt.clone(), &format!("{base}/ticks"), ClientConfig::default())
            .unwrap();
    for n in 0..20 {
        let event = source.next_event().await.unwrap().unwrap();
        assert_eq!((event.event_type.as_str(), event.id.clone()), ("tick", n.to_string()));
        let tick: Tick = serde_json::from_str(&event.data).unwrap();
        assert_eq!(tick, Tick { message: format!("tick {n}"), n });
    }
}
on_every_runtime!(round_trip_on_loopback, round_trip);

/// The server cuts the first connection in the middle of event 6; the
/// client drops the partial event, reconnects with `Last-Event-ID: 5`, and
/// gets 6 to 10 exactly once.
async fn resume_after_cut<R: Runtime>(rt: R) {
    let seen_ids: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let seen = Arc::clone(&seen_ids);
    let server = Server::with_runtime(rt.clone()).stream("/events", move |request, mut writer| {
        let seen = Arc::clone(&seen);
        async move {
            seen.lock().unwrap().push(request.last_event_id.clone());
            let from: u32 = request.last_event_id.as_deref().map_or(0, |id| id.parse().unwrap());
            writer.send(&Frame::new().retry(20)).await.unwrap();
            for n in from + 1..=10 {
                if from == 0 && n == 6 {
                    writer.write_raw(b"id: 6\ndata: partial").await.unwrap();
                    return; // the connection closes mid-event
                }
                let id = n.to_string();
                writer.send(&Frame::new().id(&id).data(&format!("event {n}"))).await.unwrap();
            }
        }
    });
    let base = start(&rt, server).await;
    let mut source =
        EventSource::with_runtime(rt.clone(), &format!("{base}/events"), fast_reconnect()).unwrap();
    let mut got = Vec::new();
    while got.len() < 10 {
        let event = source.next_event().await.unwrap().unwrap();
        if !event.data.is_empty() {
            got.push((event.id.clone(), event.data.clone()));
        }
    }
    let want: Vec<(String, String)> =
        (1..=10).map(|n| (n.to_string(), format!("event {n}"))).collect();
    assert_eq!(got, want, "no loss, no duplicate, no partial event");
    assert_eq!(*seen_ids.lock().unwrap(), [None, Some("5".to_owned())]);
}
on_every_runtime!(resume_after_a_cut_connection, resume_after_cut);

/// A hub resumes a subscriber from its `Last-Event-ID`, then goes live.
async fn hub_resume<R: Runtime>(rt: R) {
    let hub = Hub::new(HubConfig::default());
    for n in 1..=5 {
        hub.publish(&Frame::new().id(&n.to_string()).data(&format!("event {n}"))).await.unwrap();
    }
    let base = start(&rt, Server::with_runtime(rt.clone()).hub("/events", hub.clone())).await;
    let config = ClientConfig { last_event_id: "2".to_owned(), ..fast_reconnect() };
    let mut source =
        EventSource::with_runtime(rt.clone(), &format!("{base}/events"), config).unwrap();
    for n in 3..=5 {
        assert_eq!(source.next_event().await.unwrap().unwrap().id, n.to_string());
    }
    hub.publish(&Frame::new().id("6").data("live")).await.unwrap();
    let live = source.next_event().await.unwrap().unwrap();
    assert_eq!((live.id.as_str(), live.data.as_str()), ("6", "live"));
}
on_every_runtime!(hub_resumes_from_last_event_id, hub_resume);

/// 204 stops the client for good: one connection, then `Failed`, then None.
async fn no_content_stops<R: Runtime>(rt: R) {
    let listener = rt.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = rt.local_addr(&listener).unwrap();
    let connections = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&connections);
    let rt2 = rt.clone();
    rt.spawn(async move {
        while let Ok(mut stream) = rt2.accept(&listener).await {
            *counted.lock().unwrap() += 1;
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf).await;
            let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").await;
            let _ = stream.close().await;
        }
    });
    let mut source =
        EventSource::with_runtime(rt.clone(), &format!("http://{addr}/"), fast_reconnect())
            .unwrap();
    match source.next_event().await {
        Some(Err(ClientError::Failed(FailReason::NoContent))) => {}
        other => panic!("expected a 204 failure, got {other:?}"),
    }
    assert!(source.next_event().await.is_none());
    rt.sleep(Duration::from_millis(100)).await;
    assert_eq!(*connections.lock().unwrap(), 1, "no reconnect after 204");
}
on_every_runtime!(no_content_stops_the_client, no_content_stops);

/// A client that never reads is dropped (queue limit or write timeout)
/// while a reader receives every event in order.
async fn slow_reader<R: Runtime>(rt: R) {
    // Replay room for every event, so that if the fast reader is ever
    // dropped on a loaded machine it resumes without loss.
    let hub =
        Hub::new(HubConfig { queue_frames: 16, replay_bytes: 32 << 20, ..HubConfig::default() });
    let config =
        ServerConfig { write_timeout: Duration::from_millis(500), ..ServerConfig::default() };
    let base = start(
        &rt,
        Server::with_runtime(rt.clone()).with_config(config).hub("/events", hub.clone()),
    )
    .await;
    let addr = base.trim_start_matches("http://").to_owned();
    let mut stalled =
        rt.connect("127.0.0.1", addr.rsplit(':').next().unwrap().parse().unwrap()).await.unwrap();
    stalled.write_all(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut source =
        EventSource::with_runtime(rt.clone(), &format!("{base}/events"), fast_reconnect()).unwrap();
    while hub.subscriber_count() < 1 {
        rt.sleep(Duration::from_millis(5)).await;
    }
    // 12.8 MB in all: more than loopback socket buffers hold.
    let payload = "x".repeat(32 * 1024);
    let reader = async {
        let mut next = 1u32;
        while next <= 400 {
            let event = source.next_event().await.unwrap().unwrap();
            if event.data.is_empty() {
                continue;
            }
            assert_eq!(event.id, next.to_string(), "in order, none lost");
            next += 1;
        }
    };
    let publisher = async {
        // The source connects once it is polled: wait for both.
        while hub.subscriber_count() < 2 {
            rt.sleep(Duration::from_millis(5)).await;
        }
        for n in 1..=400u32 {
            hub.publish(&Frame::new().id(&n.to_string()).data(&payload)).await.unwrap();
            if n % 8 == 0 {
                // Let the reader keep up; the stalled client cannot.
                rt.sleep(Duration::from_millis(2)).await;
            }
        }
    };
    futures_lite::future::zip(reader, publisher).await;
    // The stalled client is let go; the publisher never waited for it.
    for _ in 0..300 {
        if hub.subscriber_count() == 1 {
            break;
        }
        rt.sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(hub.subscriber_count(), 1, "the stalled client was dropped");
    drop(stalled);
}
on_every_runtime!(a_slow_reader_is_dropped_and_delays_no_one, slow_reader);

/// The writer's pump sends keep-alive comments while idle.
async fn keep_alive<R: Runtime>(rt: R) {
    let mut writer = EventWriter::new(Vec::new()).with_keep_alive(Some(Duration::from_millis(20)));
    let rt2 = rt.clone();
    let events = futures_lite::stream::unfold(0u32, move |n| {
        let rt = rt2.clone();
        async move {
            if n == 2 {
                return None;
            }
            rt.sleep(Duration::from_millis(70)).await;
            Some((Tick { message: "t".into(), n }, n + 1))
        }
    });
    writer.pump(&rt, Box::pin(events)).await.unwrap();
    let out = String::from_utf8(writer.into_inner()).unwrap();
    assert!(out.matches(":\n").count() >= 2, "keep-alives while idle: {out:?}");
    assert_eq!(out.matches("data: ").count(), 2);
}
on_every_runtime!(keep_alive_while_idle, keep_alive);

impl sse_core::SseEvent for Tick {
    fn to_frame<'a>(&'a self, scratch: &'a mut [u8]) -> Result<Frame<'a>, sse_core::TypedError> {
        let data = sse_core::typed::json_data(self, scratch)?;
        Ok(Frame::new().data(data))
    }
}

/// A server that accepts and never answers: after the head timeout the
/// client gives up on that attempt and connects again.
async fn silent_server<R: Runtime>(rt: R) {
    let listener = rt.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = rt.local_addr(&listener).unwrap();
    let accepted = Arc::new(Mutex::new(0));
    let count = Arc::clone(&accepted);
    let rt2 = rt.clone();
    rt.spawn(async move {
        let mut held = Vec::new();
        while let Ok(stream) = rt2.accept(&listener).await {
            *count.lock().unwrap() += 1;
            held.push(stream); // never answered
        }
    });
    let config = ClientConfig { head_timeout: Duration::from_millis(100), ..fast_reconnect() };
    let mut source =
        EventSource::with_runtime(rt.clone(), &format!("http://{addr}/"), config).unwrap();
    let read = futures_lite::future::or(async { source.next_event().await.map(|_| ()) }, async {
        rt.sleep(Duration::from_secs(2)).await;
        None
    });
    assert!(read.await.is_none(), "no event from a silent server");
    assert!(*accepted.lock().unwrap() >= 2, "the attempt timed out and was retried");
}
on_every_runtime!(a_silent_server_is_retried_after_the_head_timeout, silent_server);

/// An idle hub stream gets keep-alive comments from the server's one
/// lazily re-armed timer, and events still flow between them.
async fn server_keep_alive<R: Runtime>(rt: R) {
    let hub = Hub::new(HubConfig::default());
    let config =
        ServerConfig { keep_alive: Some(Duration::from_millis(50)), ..ServerConfig::default() };
    let base = start(
        &rt,
        Server::with_runtime(rt.clone()).with_config(config).hub("/events", hub.clone()),
    )
    .await;
    let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
    let mut stream = rt.connect("127.0.0.1", port).await.unwrap();
    stream.write_all(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    let mut published = false;
    // Two keep-alives around one event.
    while seen.windows(2).filter(|w| w == b":\n").count() < 2 || !published {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "stream ended");
        seen.extend_from_slice(&buf[..n]);
        if !published && seen.windows(2).any(|w| w == b":\n") {
            hub.publish(&Frame::new().id("1").data("between")).await.unwrap();
            published = true;
        }
    }
    let text = String::from_utf8_lossy(&seen);
    let event = text.find("id: 1\ndata: between\n\n").expect("the event arrived");
    assert!(text[..event].contains(":\n"), "a keep-alive came first: {text:?}");
}
on_every_runtime!(the_server_sends_keep_alives_while_idle, server_keep_alive);

/// Marks a canned answer after which the connection stays open, silent.
const HOLD: &str = "<hold>";

/// Serves canned answers, the n-th to the n-th connection (the last one
/// to every later connection), after reading the request head and its
/// `Content-Length` body; records each request. An answer ending in
/// [`HOLD`] keeps its connection open without a word. Returns the base URL.
async fn canned<R: Runtime>(rt: &R, answers: &[&str]) -> (String, Arc<Mutex<Vec<String>>>) {
    serve_canned(rt, answers, None).await
}

/// [`canned`], over TLS with `tls` when given (the URL is then https://).
async fn serve_canned<R: Runtime>(
    rt: &R,
    answers: &[&str],
    tls: Option<Arc<rustls::ServerConfig>>,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let scheme = if tls.is_some() { "https" } else { "http" };
    let listener = rt.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = rt.local_addr(&listener).unwrap();
    let requests: Arc<Mutex<Vec<String>>> = Arc::default();
    let recorded = Arc::clone(&requests);
    let answers: Vec<String> = answers.iter().map(|a| (*a).to_owned()).collect();
    let rt2 = rt.clone();
    rt.spawn(async move {
        let mut held = Vec::new();
        let mut n = 0;
        while let Ok(stream) = rt2.accept(&listener).await {
            let mut stream: Box<dyn Transport> = match &tls {
                Some(config) => {
                    let acceptor = futures_rustls::TlsAcceptor::from(Arc::clone(config));
                    match acceptor.accept(stream).await {
                        Ok(stream) => Box::new(stream),
                        Err(_) => continue, // the client refused the handshake
                    }
                }
                None => Box::new(stream),
            };
            let request = read_request(&mut stream).await;
            recorded.lock().unwrap().push(request);
            let answer = &answers[n.min(answers.len() - 1)];
            n += 1;
            let (answer, hold) = match answer.strip_suffix(HOLD) {
                Some(answer) => (answer, true),
                None => (answer.as_str(), false),
            };
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.flush().await;
            if hold {
                held.push(stream);
            } else {
                let _ = stream.close().await;
            }
        }
    });
    (format!("{scheme}://{addr}"), requests)
}

/// A request head and its `Content-Length` body, as text.
async fn read_request(stream: &mut (impl futures_lite::AsyncRead + Unpin)) -> String {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    let mut want = None;
    loop {
        if want.is_none() {
            if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                want = Some(end + 4 + length);
            }
        }
        if want.is_some_and(|want| request.len() >= want) {
            break;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&request).into_owned()
}

/// A redirect to another origin is followed; the headers the user set and
/// the body stay with the origin they were meant for (an API key may be in
/// any header, a prompt in the body), but for those marked safe.
async fn redirect<R: Runtime>(rt: R) {
    let (target, target_requests) = canned(
        &rt,
        &["HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 1\ndata: moved\n\n"],
    )
    .await;
    let moved = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}/new\r\nContent-Length: 0\r\n\r\n"
    );
    let (old, old_requests) = canned(&rt, &[&moved]).await;
    let config = ClientConfig {
        method: "POST".to_owned(),
        headers: vec![
            ("Authorization".to_owned(), "Bearer secret".to_owned()),
            ("X-Api-Key".to_owned(), "k-123".to_owned()),
            ("X-Trace".to_owned(), "t1".to_owned()),
        ],
        forward_headers: vec!["X-Trace".to_owned()],
        body: Some(b"{\"prompt\":\"hi\"}".to_vec()),
        ..fast_reconnect()
    };
    let mut source = EventSource::with_runtime(rt.clone(), &format!("{old}/old"), config).unwrap();
    let event = source.next_event().await.unwrap().unwrap();
    assert_eq!((event.id.as_str(), event.data.as_str()), ("1", "moved"));
    let first = old_requests.lock().unwrap()[0].clone();
    assert!(first.contains("Authorization: Bearer secret") && first.contains("X-Api-Key: k-123"));
    assert!(first.ends_with("{\"prompt\":\"hi\"}"), "the origin gets the body: {first}");
    let followed = target_requests.lock().unwrap()[0].clone();
    assert!(followed.starts_with("POST /new HTTP/1.1\r\n"), "{followed}");
    assert!(!followed.contains("secret") && !followed.contains("k-123"), "{followed}");
    assert!(!followed.contains("prompt"), "no body to another origin: {followed}");
    assert!(followed.contains("X-Trace: t1"), "marked safe to forward: {followed}");
}
on_every_runtime!(a_redirect_to_another_origin_keeps_headers_and_body_home, redirect);

/// A 200 that is not `text/event-stream` fails for good: no retry.
async fn wrong_content_type<R: Runtime>(rt: R) {
    let (base, heads) = canned(
        &rt,
        &["HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"],
    )
    .await;
    let mut source =
        EventSource::with_runtime(rt.clone(), &format!("{base}/"), fast_reconnect()).unwrap();
    match source.next_event().await {
        Some(Err(ClientError::Rejected(r))) if r.reason == FailReason::ContentType => {
            assert_eq!(
                (r.content_type.as_deref(), r.body_text().as_ref()),
                (Some("text/html"), "hello")
            );
            let text = r.to_string();
            assert!(text.contains("content type text/html, not text/event-stream"), "{text}");
        }
        other => panic!("expected a content-type failure, got {other:?}"),
    }
    assert!(source.next_event().await.is_none());
    rt.sleep(Duration::from_millis(100)).await;
    assert_eq!(heads.lock().unwrap().len(), 1, "no reconnect after a wrong content type");
}
on_every_runtime!(a_wrong_content_type_fails_for_good, wrong_content_type);

/// Limits on both sides: an event larger than the client's limit is
/// skipped with an error and the stream goes on; a request head larger
/// than the server's limit is answered 431.
async fn limits<R: Runtime>(rt: R) {
    let server = Server::with_runtime(rt.clone())
        .with_config(ServerConfig { max_head_bytes: 1024, ..ServerConfig::default() })
        .stream("/events", |_request, mut writer| async move {
            writer.send(&Frame::new().id("1").data(&"x".repeat(4096))).await.unwrap();
            writer.send(&Frame::new().id("2").data("small")).await.unwrap();
        });
    let base = start(&rt, server).await;
    let mut config = fast_reconnect();
    config.reader = config.reader.with_max_event_bytes(1000);
    let mut source =
        EventSource::with_runtime(rt.clone(), &format!("{base}/events"), config).unwrap();
    match source.next_event().await {
        Some(Err(ClientError::Limit(ParseError::DataTooLarge { limit: 1000 }))) => {}
        other => panic!("expected the event to be skipped, got {other:?}"),
    }
    let next = source.next_event().await.unwrap().unwrap();
    assert_eq!((next.id.as_str(), next.data.as_str()), ("2", "small"));

    let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
    let mut stream = rt.connect("127.0.0.1", port).await.unwrap();
    let padding = "a".repeat(2048);
    let request = format!("GET /events HTTP/1.1\r\nHost: x\r\nX-Pad: {padding}\r\n\r\n");
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
}
on_every_runtime!(limits_on_both_sides, limits);

/// Large events through the client: data up to `max_event_bytes` arrives
/// whole (characters cut across writes included), one byte over is
/// skipped, and an event cut by a dropped connection is not joined to the
/// next event after the reconnect.
async fn large_events<R: Runtime>(rt: R) {
    const MAX: usize = 300_000;
    let unit = "0123456789abcdef\u{e9}\u{20ac}\u{1F600}";
    let big: String = unit.repeat(MAX / unit.len() + 1)[..MAX - MAX % unit.len()].to_owned();
    let fits = big.clone() + &"x".repeat(MAX - big.len());
    let over = fits.clone() + "y";
    let server = Server::with_runtime(rt.clone()).stream("/events", move |request, mut writer| {
        let (fits, over) = (fits.clone(), over.clone());
        async move {
            if request.last_event_id.is_none() {
                writer.send(&Frame::new().retry(20).id("1").data(&fits)).await.unwrap();
                writer.send(&Frame::new().id("2").data(&over)).await.unwrap();
                writer.send(&Frame::new().id("3").data("small")).await.unwrap();
                // Cut in the middle of a large event's data.
                writer.write_raw(b"id: 4\ndata: ").await.unwrap();
                writer.write_raw(&fits.as_bytes()[..100_001]).await.unwrap();
                return;
            }
            writer.send(&Frame::new().id("5").data("after the cut")).await.unwrap();
        }
    });
    let base = start(&rt, server).await;
    let mut config = fast_reconnect();
    config.reader = config.reader.with_max_event_bytes(MAX);
    let mut source =
        EventSource::with_runtime(rt.clone(), &format!("{base}/events"), config).unwrap();
    let first = source.next_event().await.unwrap().unwrap();
    assert_eq!(first.id, "1");
    assert!(first.data.len() == MAX && first.data.starts_with(&big), "the event arrives whole");
    match source.next_event().await {
        Some(Err(ClientError::Limit(ParseError::DataTooLarge { limit: MAX }))) => {}
        other => panic!("expected the event over the limit to be skipped, got {other:?}"),
    }
    let small = source.next_event().await.unwrap().unwrap();
    assert_eq!((small.id.as_str(), small.data.as_str()), ("3", "small"));
    let next = source.next_event().await.unwrap().unwrap();
    assert_eq!((next.id.as_str(), next.data.as_str()), ("5", "after the cut"));
}
on_every_runtime!(large_events_come_whole_within_the_limit, large_events);

/// Shutdown: `serve` stops accepting, ends the open hub stream (the client
/// reads to the end of it), and returns within the grace period.
async fn graceful_shutdown<R: Runtime>(rt: R) {
    let hub = Hub::new(HubConfig::default());
    let listener = rt.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let port = rt.local_addr(&listener).unwrap().port();
    let config = ServerConfig { shutdown_grace: Duration::from_secs(5), ..ServerConfig::default() };
    let server = Server::with_runtime(rt.clone()).with_config(config).hub("/events", hub.clone());
    let (stop, stopped) = smol::channel::bounded::<()>(1);
    let (done_tx, done) = smol::channel::bounded::<std::io::Result<()>>(1);
    rt.spawn(async move {
        let result = server
            .serve(listener, async move {
                let _ = stopped.recv().await;
            })
            .await;
        let _ = done_tx.send(result).await;
    });
    let mut stream = rt.connect("127.0.0.1", port).await.unwrap();
    stream.write_all(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    while hub.subscriber_count() < 1 {
        rt.sleep(Duration::from_millis(5)).await;
    }
    hub.publish(&Frame::new().id("1").data("before")).await.unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.ends_with(b"data: before\n\n") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "stream ended early");
        seen.extend_from_slice(&buf[..n]);
    }
    let asked = std::time::Instant::now();
    stop.send(()).await.unwrap();
    // The open stream ends: read to the end of it.
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    done.recv().await.unwrap().unwrap();
    assert!(asked.elapsed() < Duration::from_secs(5), "ended before the grace ran out");
    assert!(rt.connect("127.0.0.1", port).await.is_err(), "no longer accepting");
}
on_every_runtime!(graceful_shutdown_ends_streams, graceful_shutdown);

/// A refused stream is an error the user can act on: the status, the
/// content type and the server's own message.
async fn rejected<R: Runtime>(rt: R) {
    let json = r#"{"error":{"message":"Incorrect API key"}}"#;
    let answer = format!(
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
        json.len()
    );
    let (base, requests) = canned(&rt, &[&answer]).await;
    let mut source =
        EventSource::with_runtime(rt.clone(), &format!("{base}/v1"), fast_reconnect()).unwrap();
    match source.next_event().await {
        Some(Err(ClientError::Rejected(r))) => {
            assert_eq!(r.status, 401);
            assert_eq!(r.content_type.as_deref(), Some("application/json"));
            assert_eq!(r.body_text(), json);
            assert_eq!(r.to_string(), format!("server answered 401 Unauthorized: {json}"));
        }
        other => panic!("expected the rejection, got {other:?}"),
    }
    assert!(source.next_event().await.is_none());
    rt.sleep(Duration::from_millis(100)).await;
    assert_eq!(requests.lock().unwrap().len(), 1, "no retry after a refusal");
}
on_every_runtime!(a_refused_stream_reports_status_and_body, rejected);

const TWO_EVENTS: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 30\r\n\r\nid: 1\ndata: a\n\nid: 2\ndata: b\n\n";

fn post(mode: Option<ReconnectMode>) -> ClientConfig {
    ClientConfig {
        method: "POST".to_owned(),
        headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
        body: Some(br#"{"prompt":"once"}"#.to_vec()),
        reconnect_mode: mode,
        ..fast_reconnect()
    }
}

/// A stream opened with a body (a prompt) is asked once: it ends when the
/// server ends it. Asked to reconnect always, it sends the body again with
/// `Last-Event-ID`.
async fn one_shot<R: Runtime>(rt: R) {
    assert_eq!(TWO_EVENTS.split("\r\n\r\n").nth(1).unwrap().len(), 30);
    let (base, requests) = canned(&rt, &[TWO_EVENTS]).await;
    let mut source = EventSource::with_runtime(rt.clone(), &base, post(None)).unwrap();
    let mut ids = Vec::new();
    while let Some(event) = source.next_event().await {
        ids.push(event.unwrap().id);
    }
    assert_eq!(ids, ["1", "2"]);
    rt.sleep(Duration::from_millis(100)).await;
    let sent = requests.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "the prompt is sent once: {sent:?}");
    assert!(
        sent[0].starts_with("POST / HTTP/1.1\r\n") && sent[0].ends_with(r#"{"prompt":"once"}"#)
    );

    let (base, requests) = canned(&rt, &[TWO_EVENTS]).await;
    let mut source =
        EventSource::with_runtime(rt.clone(), &base, post(Some(ReconnectMode::Always))).unwrap();
    for want in ["1", "2", "1"] {
        assert_eq!(source.next_event().await.unwrap().unwrap().id, want);
    }
    source.close();
    let sent = requests.lock().unwrap().clone();
    assert!(sent.len() >= 2);
    assert!(sent[1].contains("Last-Event-ID: 2\r\n"), "{}", sent[1]);
    assert!(sent[1].ends_with(r#"{"prompt":"once"}"#), "asked for: the body again");
}
on_every_runtime!(a_post_stream_is_sent_once_unless_asked, one_shot);

/// `103 Early Hints` before the answer is skipped; a body encoded with
/// gzip (which the client did not ask for) fails and names the encoding.
async fn interim_and_encoded<R: Runtime>(rt: R) {
    let early = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: after hints\n\n";
    let (base, _) = canned(&rt, &[early]).await;
    let mut source = EventSource::with_runtime(rt.clone(), &base, fast_reconnect()).unwrap();
    assert_eq!(source.next_event().await.unwrap().unwrap().data, "after hints");

    let gzip = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n\x1f\x08";
    let (base, requests) = canned(&rt, &[gzip]).await;
    let mut source = EventSource::with_runtime(rt.clone(), &base, fast_reconnect()).unwrap();
    match source.next_event().await {
        Some(Err(error @ ClientError::Rejected(_))) => {
            let text = error.to_string();
            assert!(text.contains("Content-Encoding gzip"), "{text}");
        }
        other => panic!("expected an encoding failure, got {other:?}"),
    }
    assert!(source.next_event().await.is_none());
    assert_eq!(requests.lock().unwrap().len(), 1);
}
on_every_runtime!(interim_answers_are_skipped_and_encoded_bodies_refused, interim_and_encoded);

/// A server that goes silent mid-stream (a NAT dropped the connection) is
/// left after the idle timeout, and the source resumes from the last id.
async fn idle_timeout<R: Runtime>(rt: R) {
    let silent = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 1\ndata: a\n\n{HOLD}"
    );
    let then = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 2\ndata: b\n\n";
    let (base, requests) = canned(&rt, &[&silent, then]).await;
    let config =
        ClientConfig { idle_timeout: Some(Duration::from_millis(200)), ..fast_reconnect() };
    let mut source = EventSource::with_runtime(rt.clone(), &base, config).unwrap();
    let mut updates = Vec::new();
    while updates.iter().filter(|u| matches!(u, Update::Event(_))).count() < 2 {
        updates.push(source.next_update().await.unwrap().unwrap());
    }
    let cause = updates.iter().find_map(|u| match u {
        Update::Retrying { cause, .. } => Some(cause.clone()),
        _ => None,
    });
    assert_eq!(cause.as_deref(), Some("nothing received for 200 ms"));
    let sent = requests.lock().unwrap().clone();
    assert!(sent[1].contains("Last-Event-ID: 1\r\n"), "{}", sent[1]);
}
on_every_runtime!(a_silent_stream_is_left_after_the_idle_timeout, idle_timeout);

/// The source is a `Stream`; `reconnect` starts a new connection at once,
/// resuming after the last event seen.
async fn stream_and_reconnect<R: Runtime>(rt: R) {
    let seen: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let record = Arc::clone(&seen);
    let rt2 = rt.clone();
    let server = Server::with_runtime(rt.clone()).stream("/e", move |request, mut writer| {
        record.lock().unwrap().push(request.last_event_id.clone());
        let rt = rt2.clone();
        async move {
            let from: u32 = request.last_event_id.as_deref().map_or(0, |id| id.parse().unwrap());
            for n in from + 1..=3 {
                let id = n.to_string();
                writer.send(&Frame::new().id(&id).data("x")).await.unwrap();
            }
            rt.sleep(Duration::from_secs(20)).await;
        }
    });
    let base = start(&rt, server).await;
    let mut source =
        EventSource::with_runtime(rt.clone(), &format!("{base}/e"), fast_reconnect()).unwrap();
    let first = futures_lite::StreamExt::next(&mut source).await.unwrap().unwrap();
    assert_eq!(first.id, "1");
    source.reconnect();
    let next = futures_lite::StreamExt::next(&mut source).await.unwrap().unwrap();
    assert_eq!(next.id, "2", "resumed after 1 on the new connection");
    assert_eq!(*seen.lock().unwrap(), [None, Some("1".to_owned())]);
}
on_every_runtime!(the_source_is_a_stream_and_reconnects_on_demand, stream_and_reconnect);

/// A certificate for 127.0.0.1 and localhost, generated here: the server's
/// TLS settings and the root a client must add to trust it.
fn test_certificate() -> (Arc<rustls::ServerConfig>, Vec<u8>) {
    let generated =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(generated.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![generated.cert.der().clone()], key)
        .unwrap();
    (Arc::new(config), generated.cert.pem().into_bytes())
}

fn trusting<R: Runtime>(rt: &R, root_pem: &[u8]) -> TlsConnector<R> {
    let options =
        TlsOptions { extra_roots: pem_certificates(root_pem).unwrap(), ..TlsOptions::default() };
    TlsConnector::with_options(rt.clone(), options).unwrap()
}

const ONE_EVENT: &str =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 1\ndata: secure\n\n";

/// Events over https:// with the test's own root added; the same server
/// with the platform's roots alone is refused for good, after one attempt.
async fn tls<R: Runtime>(rt: R) {
    let (server, root) = test_certificate();
    let (base, requests) = serve_canned(&rt, &[ONE_EVENT], Some(server)).await;
    let mut source = EventSource::with_runtime(rt.clone(), &format!("{base}/e"), fast_reconnect())
        .unwrap()
        .with_connector(trusting(&rt, &root));
    let event = source.next_event().await.unwrap().unwrap();
    assert_eq!((event.id.as_str(), event.data.as_str()), ("1", "secure"));
    assert!(requests.lock().unwrap()[0].starts_with("GET /e HTTP/1.1\r\n"));

    // The default connector: TLS with the platform's roots only.
    let mut source =
        EventSource::with_runtime(rt.clone(), &format!("{base}/e"), fast_reconnect()).unwrap();
    match source.next_event().await {
        Some(Err(ClientError::Tls(detail))) => {
            assert!(detail.contains("certificate"), "{detail}");
        }
        other => panic!("expected a certificate error, got {other:?}"),
    }
    assert!(source.next_event().await.is_none());
    rt.sleep(Duration::from_millis(100)).await;
    assert_eq!(requests.lock().unwrap().len(), 1, "no request over an untrusted connection");
}
on_every_runtime!(events_over_tls_and_untrusted_certificates_refused, tls);

/// An https:// URL against a server that speaks plain HTTP: the server
/// never sees a byte of plain-text HTTP (the first bytes are a TLS
/// ClientHello), and the source fails with a TLS error instead of
/// retrying.
async fn https_to_plain<R: Runtime>(rt: R) {
    let listener = rt.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = rt.local_addr(&listener).unwrap();
    let received: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let record = Arc::clone(&received);
    let rt2 = rt.clone();
    rt.spawn(async move {
        while let Ok(mut stream) = rt2.accept(&listener).await {
            let mut buf = vec![0u8; 4096];
            let n = stream.read(&mut buf).await.unwrap_or(0);
            record.lock().unwrap().push(buf[..n].to_vec());
            let _ =
                stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
            let _ = stream.close().await;
        }
    });
    let config = ClientConfig {
        headers: vec![("Authorization".to_owned(), "Bearer secret".to_owned())],
        ..fast_reconnect()
    };
    let mut source =
        EventSource::with_runtime(rt.clone(), &format!("https://{addr}/e"), config).unwrap();
    match source.next_event().await {
        Some(Err(ClientError::Tls(_))) => {}
        other => panic!("expected a TLS failure, got {other:?}"),
    }
    rt.sleep(Duration::from_millis(100)).await;
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "one attempt");
    assert_eq!(received[0].first(), Some(&0x16), "a TLS handshake record first");
    let text = String::from_utf8_lossy(&received[0]);
    assert!(!text.contains("GET") && !text.contains("secret"), "{text}");
}
on_every_runtime!(an_https_url_never_speaks_plain_text, https_to_plain);

/// http -> https -> http redirects, each on the transport its scheme asks
/// for; the user's headers stay with the first origin.
async fn scheme_redirects<R: Runtime>(rt: R) {
    let (server, root) = test_certificate();
    let (last, last_requests) = canned(&rt, &[ONE_EVENT]).await;
    let to_last =
        format!("HTTP/1.1 302 Found\r\nLocation: {last}/end\r\nContent-Length: 0\r\n\r\n");
    let (secure, secure_requests) = serve_canned(&rt, &[&to_last], Some(server)).await;
    let to_secure = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: {secure}/tls\r\nContent-Length: 0\r\n\r\n"
    );
    let (first, first_requests) = canned(&rt, &[&to_secure]).await;
    let config = ClientConfig {
        headers: vec![("X-Api-Key".to_owned(), "k-123".to_owned())],
        ..fast_reconnect()
    };
    let mut source = EventSource::with_runtime(rt.clone(), &format!("{first}/start"), config)
        .unwrap()
        .with_connector(trusting(&rt, &root));
    let event = source.next_event().await.unwrap().unwrap();
    assert_eq!(event.data, "secure");
    assert!(first_requests.lock().unwrap()[0].contains("X-Api-Key: k-123"));
    let secure_request = secure_requests.lock().unwrap()[0].clone();
    assert!(secure_request.starts_with("GET /tls HTTP/1.1\r\n"), "{secure_request}");
    assert!(!secure_request.contains("k-123"), "another origin: {secure_request}");
    let last_request = last_requests.lock().unwrap()[0].clone();
    assert!(last_request.starts_with("GET /end HTTP/1.1\r\n") && !last_request.contains("k-123"));
}
on_every_runtime!(redirects_between_http_and_https_take_the_right_transport, scheme_redirects);

/// Found in review: a peer that keeps the socket readable (a flood of
/// comments) must not keep one poll of the source running: it yields after
/// a bounded number of reads, so other tasks and the user's own timeout
/// run. The transport here is always ready, as a fast peer makes it.
#[test]
fn a_readable_flood_does_not_keep_one_poll_running() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll, Waker};

    const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";
    const LIMIT: usize = 64 << 20;
    struct Flood(Arc<AtomicUsize>);
    impl futures_lite::AsyncRead for Flood {
        fn poll_read(
            self: std::pin::Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<std::io::Result<usize>> {
            let served = self.0.load(Ordering::SeqCst);
            if served >= LIMIT {
                return Poll::Ready(Ok(0)); // bounded, should the fix regress
            }
            let n = if served == 0 {
                buf[..HEAD.len()].copy_from_slice(HEAD);
                HEAD.len()
            } else {
                let comment = b": flood\n";
                let whole = buf.len() / comment.len() * comment.len();
                for piece in buf[..whole].chunks_mut(comment.len()) {
                    piece.copy_from_slice(comment);
                }
                whole
            };
            self.0.fetch_add(n, Ordering::SeqCst);
            Poll::Ready(Ok(n))
        }
    }
    impl futures_lite::AsyncWrite for Flood {
        fn poll_write(
            self: std::pin::Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_close(
            self: std::pin::Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }
    struct FloodConnector(Arc<AtomicUsize>);
    impl sse_async_std::Connector for FloodConnector {
        fn connect(&self, _: &sse_async_std::Target) -> sse_async_std::ConnectFuture {
            let flood = Flood(Arc::clone(&self.0));
            Box::pin(async move { Ok(Box::new(flood) as Box<dyn Transport>) })
        }
    }
    let served = Arc::new(AtomicUsize::new(0));
    let mut source = EventSource::with_runtime(Smol, "http://flood.test/", fast_reconnect())
        .unwrap()
        .with_connector(FloodConnector(Arc::clone(&served)));
    let mut cx = Context::from_waker(Waker::noop());
    let mut next = std::pin::pin!(source.next_event());
    for poll in 1..=10 {
        assert!(next.as_mut().poll(&mut cx).is_pending(), "no event in a flood");
        let read = served.load(Ordering::SeqCst);
        assert!(read < poll * (1 << 20), "poll {poll} ran on through {read} bytes");
    }
}

/// Comments are reported when asked for (and count as activity); events
/// alone otherwise.
async fn comments<R: Runtime>(rt: R) {
    const ANSWER: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n: hello\n\ndata: x\n\n:keep-alive\n\n";
    let (base, _) = canned(&rt, &[ANSWER]).await;
    let config = ClientConfig { comments: true, ..fast_reconnect() };
    let mut source = EventSource::with_runtime(rt.clone(), &base, config).unwrap();
    let mut seen = Vec::new();
    while seen.len() < 4 {
        match source.next_update().await.unwrap().unwrap() {
            Update::Comment(text) => seen.push(format!("comment {text}")),
            Update::Event(event) => seen.push(format!("event {}", event.data)),
            Update::Open => seen.push("open".to_owned()),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(seen, ["open", "comment hello", "event x", "comment keep-alive"]);
    let mut source = EventSource::with_runtime(rt.clone(), &base, fast_reconnect()).unwrap();
    assert_eq!(source.next_event().await.unwrap().unwrap().data, "x");
}
on_every_runtime!(comments_are_reported_when_asked_for, comments);

/// Dropping the source (or closing it) closes its connection: the server
/// sees the end at once.
async fn drop_closes<R: Runtime>(rt: R) {
    let listener = rt.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = rt.local_addr(&listener).unwrap();
    let (closed_tx, closed) = smol::channel::bounded::<()>(2);
    let rt2 = rt.clone();
    rt.spawn(async move {
        for _ in 0..2 {
            let Ok(mut stream) = rt2.accept(&listener).await else { return };
            let _ = read_request(&mut stream).await;
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n";
            let _ = stream.write_all(head.as_bytes()).await;
            let mut buf = [0u8; 64];
            // The client sends nothing more: the next read is its close.
            let _ = stream.read(&mut buf).await;
            let _ = closed_tx.send(()).await;
        }
    });
    let url = format!("http://{addr}/");
    let mut source = EventSource::with_runtime(rt.clone(), &url, fast_reconnect()).unwrap();
    assert_eq!(source.next_event().await.unwrap().unwrap().data, "x");
    drop(source);
    closed.recv().await.unwrap();
    let mut source = EventSource::with_runtime(rt.clone(), &url, fast_reconnect()).unwrap();
    assert_eq!(source.next_event().await.unwrap().unwrap().data, "x");
    source.close();
    closed.recv().await.unwrap();
    assert!(source.next_event().await.is_none(), "closed for good");
}
on_every_runtime!(dropping_or_closing_the_source_closes_its_connection, drop_closes);

/// A server that asks for a client certificate: the source presents the
/// one `TlsOptions` gives it; without one the handshake is refused.
async fn client_certificate<R: Runtime>(rt: R) {
    let server_cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let client_cert = rcgen::generate_simple_self_signed(vec!["client.test".to_owned()]).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut client_roots = rustls::RootCertStore::empty();
    client_roots.add(client_cert.cert.der().clone()).unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(client_roots),
        Arc::clone(&provider),
    )
    .build()
    .unwrap();
    let server_key =
        rustls::pki_types::PrivateKeyDer::Pkcs8(server_cert.signing_key.serialize_der().into());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![server_cert.cert.der().clone()], server_key)
        .unwrap();
    let (base, requests) = serve_canned(&rt, &[ONE_EVENT], Some(Arc::new(server))).await;
    let roots = pem_certificates(server_cert.cert.pem().as_bytes()).unwrap();
    let with_cert = TlsOptions {
        extra_roots: roots.clone(),
        client_auth: Some((
            vec![client_cert.cert.der().clone()],
            pem_private_key(client_cert.signing_key.serialize_pem().as_bytes()).unwrap(),
        )),
    };
    let tls = TlsConnector::with_options(rt.clone(), with_cert).unwrap();
    let mut source =
        EventSource::with_runtime(rt.clone(), &base, fast_reconnect()).unwrap().with_connector(tls);
    assert_eq!(source.next_event().await.unwrap().unwrap().data, "secure");

    let without = TlsOptions { extra_roots: roots, ..TlsOptions::default() };
    let tls = TlsConnector::with_options(rt.clone(), without).unwrap();
    let mut source =
        EventSource::with_runtime(rt.clone(), &base, fast_reconnect()).unwrap().with_connector(tls);
    // TLS 1.3 lets the client finish its side first: the server's refusal
    // (an alert) arrives with the first read, and fails the source for
    // good rather than being retried.
    match source.next_event().await {
        Some(Err(ClientError::Tls(detail))) => {
            assert!(detail.contains("CertificateRequired"), "{detail}");
        }
        other => panic!("expected the server's refusal, got {other:?}"),
    }
    assert!(source.next_event().await.is_none());
    assert_eq!(requests.lock().unwrap().len(), 1, "only the certified client was served");
}
on_every_runtime!(a_client_certificate_is_presented_when_asked_for, client_certificate);

/// Serves `server` on a listener bound with its own backlog; the address
/// and the server's counters.
async fn start_counted<R: Runtime>(
    rt: &R,
    server: Server<R>,
) -> (std::net::SocketAddr, ServerStats) {
    let listener = server.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = rt.local_addr(&listener).unwrap();
    let stats = server.stats();
    rt.spawn(async move {
        let _ = server.serve(listener, std::future::pending()).await;
    });
    (addr, stats)
}

async fn wait_until<R: Runtime>(rt: &R, what: &str, within: Duration, done: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < within, "not within {within:?}: {what}");
        rt.sleep(Duration::from_millis(10)).await;
    }
}

/// Clients that ask for a large page and never read are let go within the
/// write timeout (they used to hold their connections and send queues
/// for good).
async fn page_non_readers<R: Runtime>(rt: R) {
    let config =
        ServerConfig { write_timeout: Duration::from_millis(300), ..ServerConfig::default() };
    let server = Server::with_runtime(rt.clone()).with_config(config).page(
        "/big",
        "application/octet-stream",
        vec![b'x'; 8 << 20],
    );
    let (addr, stats) = start_counted(&rt, server).await;
    let mut clients = Vec::new();
    for _ in 0..20 {
        let mut client = rt.connect("127.0.0.1", addr.port()).await.unwrap();
        client.write_all(b"GET /big HTTP/1.1\r\nHost: t\r\n\r\n").await.unwrap();
        clients.push(client);
    }
    wait_until(&rt, "20 connections", Duration::from_secs(5), || stats.connections() == 20).await;
    wait_until(&rt, "non-readers dropped", Duration::from_secs(5), || stats.connections() == 0)
        .await;
    drop(clients);
}
on_every_runtime!(page_clients_that_do_not_read_are_dropped, page_non_readers);

/// A stream client that stopped reading while its socket filled is let go
/// within the write timeout, keep-alives included, once the stream goes
/// quiet.
async fn quiet_non_reader<R: Runtime>(rt: R) {
    let hub = Hub::new(HubConfig { queue_frames: 10_000, ..HubConfig::default() });
    let config = ServerConfig {
        write_timeout: Duration::from_millis(300),
        keep_alive: Some(Duration::from_millis(50)),
        ..ServerConfig::default()
    };
    let server = Server::with_runtime(rt.clone()).with_config(config).hub("/events", hub.clone());
    let (addr, stats) = start_counted(&rt, server).await;
    let mut client = rt.connect("127.0.0.1", addr.port()).await.unwrap();
    client.write_all(b"GET /events HTTP/1.1\r\nHost: t\r\n\r\n").await.unwrap();
    wait_until(&rt, "a subscriber", Duration::from_secs(5), || hub.subscriber_count() == 1).await;
    // A burst that fills both sockets' buffers, then silence.
    let data = "y".repeat(2000);
    for n in 0..3000 {
        hub.publish(&Frame::new().id(&n.to_string()).data(&data)).await.unwrap();
    }
    wait_until(&rt, "the non-reader dropped", Duration::from_secs(5), || stats.connections() == 0)
        .await;
    assert_eq!(hub.subscriber_count(), 0);
    drop(client);
}
on_every_runtime!(stream_clients_that_stopped_reading_are_dropped, quiet_non_reader);

/// At the connection limit a new client is answered 503 with Retry-After
/// at once, and counted; once a connection closes, clients are served
/// again.
async fn connection_limit<R: Runtime>(rt: R) {
    let hub = Hub::new(HubConfig::default());
    let config = ServerConfig {
        max_connections: 2,
        retry_after: Duration::from_secs(3),
        ..ServerConfig::default()
    };
    let server = Server::with_runtime(rt.clone()).with_config(config).hub("/events", hub.clone());
    let (addr, stats) = start_counted(&rt, server).await;
    let open = |rt: R| async move {
        let mut client = rt.connect("127.0.0.1", addr.port()).await.unwrap();
        client.write_all(b"GET /events HTTP/1.1\r\nHost: t\r\n\r\n").await.unwrap();
        let mut head = vec![0u8; 512];
        let n = client.read(&mut head).await.unwrap();
        head.truncate(n);
        (client, String::from_utf8(head).unwrap())
    };
    let (first, head) = open(rt.clone()).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let (_second, head) = open(rt.clone()).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let asked = std::time::Instant::now();
    let (_third, head) = open(rt.clone()).await;
    assert!(head.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{head}");
    assert!(head.contains("\r\nRetry-After: 3\r\n"), "{head}");
    assert!(asked.elapsed() < Duration::from_secs(1), "answered at once");
    assert_eq!(stats.refused(), 1);
    drop(first);
    wait_until(&rt, "a free slot", Duration::from_secs(5), || stats.connections() == 1).await;
    let (_fourth, head) = open(rt.clone()).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
}
on_every_runtime!(at_the_connection_limit_new_clients_get_503, connection_limit);

/// A burst of connections larger than std's old backlog of 128 waits in
/// the listen queue (default 1024) instead of having its SYNs dropped.
async fn backlog<R: Runtime>(rt: R) {
    let server: Server<R> = Server::with_runtime(rt.clone());
    // Bound, never accepting: only the kernel's queue holds the burst.
    let listener = server.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let port = rt.local_addr(&listener).unwrap().port();
    let tasks: Vec<_> = (0..600)
        .map(|_| {
            let rt2 = rt.clone();
            let (done_tx, done_rx) = tokio::sync::oneshot::channel();
            rt.spawn(async move {
                // A dropped SYN is retried after a second: 800 ms tells.
                let limit = rt2.sleep(Duration::from_millis(800));
                let connecting = rt2.connect("127.0.0.1", port);
                let connected = futures_lite::future::or(async { Some(connecting.await) }, async {
                    limit.await;
                    None
                })
                .await;
                let _ = done_tx.send(matches!(connected, Some(Ok(_))));
                rt2.sleep(Duration::from_secs(2)).await;
                drop(connected);
            });
            done_rx
        })
        .collect();
    let mut connected = 0;
    for task in tasks {
        connected += usize::from(task.await.unwrap());
    }
    assert_eq!(connected, 600, "every connection of the burst was queued");
    drop(listener);
}
on_every_runtime!(a_burst_of_connections_waits_in_the_backlog, backlog);

/// Each connection's kernel send buffer is capped: a client that stops
/// reading pins at most that much kernel memory (Linux's `ss` shows the
/// socket's send buffer, `tb`, and queue).
async fn send_buffer_cap<R: Runtime>(rt: R) {
    let server = Server::with_runtime(rt.clone()).page(
        "/big",
        "application/octet-stream",
        vec![b'z'; 32 << 20],
    );
    let (addr, stats) = start_counted(&rt, server).await;
    let mut client = rt.connect("127.0.0.1", addr.port()).await.unwrap();
    client.write_all(b"GET /big HTTP/1.1\r\nHost: t\r\n\r\n").await.unwrap();
    wait_until(&rt, "the connection", Duration::from_secs(5), || stats.connections() == 1).await;
    rt.sleep(Duration::from_millis(300)).await;
    let ss = std::process::Command::new("ss")
        .args(["-tmnH", "state", "established", &format!("( sport = :{} )", addr.port())])
        .output()
        .expect("ss (iproute2) is installed");
    let out = String::from_utf8_lossy(&ss.stdout).into_owned();
    let tb: usize = out
        .split([',', '(', ')'])
        .find_map(|field| field.strip_prefix("tb")?.parse().ok())
        .unwrap_or_else(|| panic!("no tb in {out:?}"));
    // Linux doubles SO_SNDBUF: 64 KiB asked is 128 KiB held; uncapped,
    // autotuning grows it to megabytes on loopback.
    assert!(tb <= 2 * sse_async_std::DEFAULT_SEND_BUFFER, "send buffer {tb} B: {out}");
    drop(client);
}
on_every_runtime!(kernel_send_buffering_is_capped_per_connection, send_buffer_cap);
