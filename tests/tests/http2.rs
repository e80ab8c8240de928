//! The built-in server over TLS and HTTP/2, on loopback with a certificate
//! generated here: a real HTTP/2 client (the `h2` crate over tokio-rustls,
//! ALPN `h2`) opens many event streams on one connection.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use h2::client::SendRequest;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use sse_core::{EventDecoder, Frame, MessageEvent, ReaderConfig};
use sse_tokio::{Hub, HubConfig, Server, ServerConfig, ServerStats, ServerTls};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(20);

struct Certificate {
    tls: ServerTls,
    root: CertificateDer<'static>,
    pem: String,
}

fn certificate() -> Certificate {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let key = PrivateKeyDer::Pkcs8(generated.signing_key.serialize_der().into());
    let root = generated.cert.der().clone();
    let pem = generated.cert.pem();
    Certificate { tls: ServerTls::from_der(vec![root.clone()], key).unwrap(), root, pem }
}

/// A running server: its address, counters, and the switch that stops it.
struct Running {
    addr: SocketAddr,
    stats: ServerStats,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
}

async fn start(server: Server) -> Running {
    let listener = server.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stats = server.stats();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        server
            .serve(listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    Running { addr, stats, stop: Some(stop), done }
}

fn client_tls(root: &CertificateDer<'static>, alpn: &[&[u8]]) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// One HTTP/2 connection (ALPN must choose `h2`), its driver spawned. The
/// connection window is large, as browsers make it, so one stream that
/// does not read cannot stall its neighbours.
async fn connect_h2(addr: SocketAddr, root: &CertificateDer<'static>) -> SendRequest<Bytes> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let tls = client_tls(root, &[b"h2", b"http/1.1"]).connect(name, tcp).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]), "the server chose HTTP/2");
    let (send, connection) = h2::client::Builder::new()
        .initial_connection_window_size(16 << 20)
        .initial_window_size(64 << 10)
        .handshake(tls)
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = connection.await;
    });
    send
}

/// Opens a GET stream at `path`; the response head and its body.
async fn get(
    send: &SendRequest<Bytes>,
    path: &str,
    last_event_id: Option<&str>,
) -> (http::response::Parts, h2::RecvStream) {
    let mut request = http::Request::get(format!("https://localhost{path}"));
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let mut send = send.clone().ready().await.unwrap();
    let (response, _) = send.send_request(request.body(()).unwrap(), true).unwrap();
    let response = timeout(LIMIT, response).await.unwrap().unwrap();
    let (parts, body) = response.into_parts();
    (parts, body)
}

/// Reads events off an HTTP/2 body, releasing flow-control capacity as a
/// reading client does.
struct Events {
    body: h2::RecvStream,
    decoder: EventDecoder,
    pending: Bytes,
}

impl Events {
    fn new(body: h2::RecvStream) -> Self {
        Self { body, decoder: EventDecoder::new(&ReaderConfig::DEFAULT), pending: Bytes::new() }
    }

    /// The next event; `None` when the stream ended (cleanly or reset).
    async fn next(&mut self) -> Option<MessageEvent> {
        loop {
            while !self.pending.is_empty() {
                let (used, event) = self.decoder.feed(&self.pending);
                let _ = self.pending.split_to(used);
                if let Some(event) = event {
                    return Some(event.unwrap());
                }
            }
            let data = timeout(LIMIT, self.body.data()).await.expect("no stall")?.ok()?;
            let _ = self.body.flow_control().release_capacity(data.len());
            self.pending = data;
        }
    }

    /// How the stream ended: `Ok` for a clean end, `Err` for a reset.
    async fn end(&mut self) -> Result<(), h2::Error> {
        loop {
            match timeout(LIMIT, self.body.data()).await.expect("the stream ends") {
                None => return Ok(()),
                Some(Ok(data)) => {
                    let _ = self.body.flow_control().release_capacity(data.len());
                }
                Some(Err(e)) => return Err(e),
            }
        }
    }
}

async fn publish(hub: &Hub, n: u64) {
    hub.publish(&Frame::new().id(&n.to_string()).data(&format!("event {n}"))).await.unwrap();
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + LIMIT;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_streams_on_one_connection_each_get_every_event_in_order() {
    let cert = certificate();
    let hub = Hub::new(HubConfig::default());
    let server = Server::new().hub("/events", hub.clone()).with_tls(cert.tls);
    let running = start(server).await;
    let send = connect_h2(running.addr, &cert.root).await;
    let mut streams = Vec::new();
    for _ in 0..100 {
        let (head, body) = get(&send, "/events", None).await;
        assert_eq!(head.status, 200);
        assert_eq!(head.headers["content-type"], "text/event-stream");
        assert_eq!(head.headers["cache-control"], "no-cache");
        assert!(head.headers.get("connection").is_none(), "no connection header in HTTP/2");
        streams.push(Events::new(body));
    }
    wait_for("100 subscribers", || hub.subscriber_count() == 100).await;
    assert_eq!(running.stats.connections(), 1, "one TCP connection");
    assert_eq!(running.stats.streams(), 100);
    for n in 1..=50 {
        publish(&hub, n).await;
    }
    let readers = streams.into_iter().map(|mut events| {
        tokio::spawn(async move {
            let mut ids = Vec::new();
            while ids.len() < 50 {
                let event = events.next().await.expect("every event arrives");
                assert_eq!(event.data, format!("event {}", event.id));
                ids.push(event.id.parse::<u64>().unwrap());
            }
            ids
        })
    });
    for reader in readers.collect::<Vec<_>>() {
        assert_eq!(reader.await.unwrap(), (1..=50).collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn resume_over_http2_from_the_header_or_the_query() {
    let cert = certificate();
    let hub = Hub::new(HubConfig::default());
    for n in 1..=5 {
        publish(&hub, n).await;
    }
    let server = Server::new().hub("/events", hub.clone()).with_tls(cert.tls);
    let running = start(server).await;
    let send = connect_h2(running.addr, &cert.root).await;
    let (_, body) = get(&send, "/events", Some("3")).await;
    let mut from_header = Events::new(body);
    assert_eq!(from_header.next().await.unwrap().id, "4");
    assert_eq!(from_header.next().await.unwrap().id, "5");
    // A page's EventSource cannot send the header on its first request.
    let (_, body) = get(&send, "/events?lastEventId=1", None).await;
    let mut from_query = Events::new(body);
    assert_eq!(from_query.next().await.unwrap().id, "2");
    // The header wins over the query.
    let (_, body) = get(&send, "/events?lastEventId=1", Some("4")).await;
    assert_eq!(Events::new(body).next().await.unwrap().id, "5");
}

#[tokio::test]
async fn refusals_are_the_core_handshake_decisions() {
    let cert = certificate();
    let server = Server::new()
        .hub("/events", Hub::new(HubConfig::default()))
        .page("/", "text/html; charset=utf-8", "<p>hi</p>")
        .with_tls(cert.tls);
    let running = start(server).await;
    let send = connect_h2(running.addr, &cert.root).await;
    assert_eq!(get(&send, "/nowhere", None).await.0.status, 404);
    let (head, mut body) = get(&send, "/", None).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.headers["content-length"], "9");
    let page = timeout(LIMIT, body.data()).await.unwrap().unwrap().unwrap();
    assert_eq!(&page[..], b"<p>hi</p>");
    let mut post = send.clone().ready().await.unwrap();
    let request = http::Request::post("https://localhost/events").body(()).unwrap();
    let (response, _) = post.send_request(request, true).unwrap();
    let response = timeout(LIMIT, response).await.unwrap().unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, HEAD");
    let (head, _) = get(&send, "/events?lastEventId=%FF", None).await;
    assert_eq!(head.status, 400, "an id that is not UTF-8");
}

#[tokio::test]
async fn a_reset_stream_frees_its_subscriber_and_spares_its_neighbours() {
    let cert = certificate();
    let hub = Hub::new(HubConfig::default());
    let server = Server::new().hub("/events", hub.clone()).with_tls(cert.tls);
    let running = start(server).await;
    let send = connect_h2(running.addr, &cert.root).await;
    let (_, kept) = get(&send, "/events", None).await;
    let (_, cancelled) = get(&send, "/events", None).await;
    wait_for("2 subscribers", || hub.subscriber_count() == 2).await;
    // h2 sends RST_STREAM (CANCEL) when the client drops an open stream.
    drop(cancelled);
    wait_for("the reset stream's subscriber to go", || hub.subscriber_count() == 1).await;
    assert_eq!(running.stats.connections(), 1, "the connection lives on");
    publish(&hub, 1).await;
    let mut kept = Events::new(kept);
    assert_eq!(kept.next().await.unwrap().id, "1");
}

#[tokio::test]
async fn a_stream_that_does_not_read_is_dropped_while_its_neighbours_keep_receiving() {
    let cert = certificate();
    let hub = Hub::new(HubConfig { queue_frames: 64, ..HubConfig::default() });
    let config =
        ServerConfig { write_timeout: Duration::from_millis(500), ..ServerConfig::default() };
    let server = Server::new().with_config(config).hub("/events", hub.clone()).with_tls(cert.tls);
    let running = start(server).await;
    let send = connect_h2(running.addr, &cert.root).await;
    let (_, stalled) = get(&send, "/events", None).await;
    let (_, reading) = get(&send, "/events", None).await;
    wait_for("2 subscribers", || hub.subscriber_count() == 2).await;
    let mut reading = Events::new(reading);
    // 1 KiB events: the stalled stream's 64 KiB window fills after ~60.
    let payload = "x".repeat(1000);
    let publisher = {
        let hub = hub.clone();
        tokio::spawn(async move {
            for n in 1..=400u64 {
                hub.publish(&Frame::new().id(&n.to_string()).data(&payload)).await.unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    for n in 1..=400u64 {
        let event = reading.next().await.expect("the reading neighbour gets everything");
        assert_eq!(event.id, n.to_string());
    }
    publisher.await.unwrap();
    wait_for("the stalled stream to be dropped", || hub.subscriber_count() == 1).await;
    // The stalled stream was cut (reset), not ended as if complete.
    let mut stalled = Events::new(stalled);
    assert!(stalled.end().await.is_err(), "the stalled stream is reset");
    assert_eq!(running.stats.connections(), 1);
}

#[tokio::test]
async fn graceful_shutdown_ends_every_stream() {
    let cert = certificate();
    let hub = Hub::new(HubConfig::default());
    let server = Server::new().hub("/events", hub.clone()).with_tls(cert.tls);
    let mut running = start(server).await;
    let send = connect_h2(running.addr, &cert.root).await;
    let mut streams = Vec::new();
    for _ in 0..10 {
        streams.push(Events::new(get(&send, "/events", None).await.1));
    }
    wait_for("10 subscribers", || hub.subscriber_count() == 10).await;
    publish(&hub, 1).await;
    running.stop.take().unwrap().send(()).unwrap();
    for events in &mut streams {
        assert_eq!(events.next().await.unwrap().id, "1");
        events.end().await.expect("a clean end, not a reset");
    }
    timeout(LIMIT, &mut running.done).await.expect("serve returns").unwrap();
    assert_eq!(hub.subscriber_count(), 0);
}

#[tokio::test]
async fn http11_over_tls_still_works_for_clients_without_h2() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let cert = certificate();
    let hub = Hub::new(HubConfig::default());
    publish(&hub, 1).await;
    publish(&hub, 2).await;
    let server = Server::new().hub("/events", hub.clone()).with_tls(cert.tls);
    let running = start(server).await;
    let tcp = TcpStream::connect(running.addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = client_tls(&cert.root, &[b"http/1.1"]).connect(name, tcp).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    tls.write_all(b"GET /events HTTP/1.1\r\nHost: localhost\r\nLast-Event-ID: 1\r\n\r\n")
        .await
        .unwrap();
    let mut wire = Vec::new();
    while !String::from_utf8_lossy(&wire).contains("id: 2\ndata: event 2\n\n") {
        let mut buf = [0u8; 1024];
        let n = timeout(Duration::from_secs(3), tls.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&wire)))
            .unwrap();
        assert!(n > 0, "{}", String::from_utf8_lossy(&wire));
        wire.extend_from_slice(&buf[..n]);
    }
    assert!(wire.starts_with(b"HTTP/1.1 200 OK\r\n"));
}

/// Debian's curl (nghttp2 inside) fetches several streams at once over
/// one HTTP/2 connection. Under CI curl must be there.
#[tokio::test]
async fn curl_http2_parallel() {
    let Ok(version) = std::process::Command::new("curl").arg("-V").output() else {
        assert!(std::env::var_os("CI").is_none(), "curl is missing under CI");
        return;
    };
    assert!(String::from_utf8_lossy(&version.stdout).contains("HTTP2"), "curl without HTTP/2");
    let cert = certificate();
    let hub = Hub::new(HubConfig::default());
    for n in 1..=3 {
        publish(&hub, n).await;
    }
    // Streams that end: a handler that sends the backlog and returns.
    let server = Server::new()
        .stream("/events", |request, mut writer| async move {
            let from: u64 = request.last_event_id.as_deref().unwrap_or("0").parse().unwrap_or(0);
            for n in from + 1..=from + 3 {
                let (id, data) = (n.to_string(), format!("event {n}"));
                writer.send(&Frame::new().id(&id).data(&data)).await.unwrap();
            }
        })
        .with_tls(cert.tls);
    let running = start(server).await;
    let dir = std::env::temp_dir().join(format!("sse-h2-curl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &cert.pem).unwrap();
    let port = running.addr.port();
    let mut command = tokio::process::Command::new("curl");
    command.args(["--silent", "--show-error", "--http2", "--parallel"]);
    command.args([
        "--cacert",
        ca.to_str().unwrap(),
        "--resolve",
        &format!("localhost:{port}:127.0.0.1"),
    ]);
    command.args(["--write-out", "%{http_version} %{num_connects}\n"]);
    for from in [0, 10, 20] {
        command.arg(format!("https://localhost:{port}/events?lastEventId={from}"));
    }
    let out = timeout(LIMIT, command.output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    for n in [1, 2, 3, 11, 12, 13, 21, 22, 23] {
        assert!(stdout.contains(&format!("id: {n}\ndata: event {n}\n\n")), "{stdout}");
    }
    assert_eq!(
        stdout.matches("\n2 ").count() + usize::from(stdout.starts_with("2 ")),
        3,
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The same HTTP/2 server on smol (async-io): one implementation serves
/// every runtime.
#[tokio::test]
async fn http2_on_smol_too() {
    use sse_async_std::{Runtime as _, Smol};
    let cert = certificate();
    let hub = Hub::new(HubConfig::default());
    let server =
        sse_async_std::Server::<Smol>::new().hub("/events", hub.clone()).with_tls(cert.tls);
    let (addr_tx, addr_rx) = oneshot::channel();
    let (stop_tx, stop_rx) = smol::channel::bounded::<()>(1);
    let serving = std::thread::spawn(move || {
        smol::block_on(async move {
            let listener = server.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
            addr_tx.send(Smol.local_addr(&listener).unwrap()).unwrap();
            server
                .serve(listener, async move {
                    let _ = stop_rx.recv().await;
                })
                .await
                .unwrap();
        });
    });
    let addr = addr_rx.await.unwrap();
    let send = connect_h2(addr, &cert.root).await;
    let mut streams = Vec::new();
    for _ in 0..20 {
        streams.push(Events::new(get(&send, "/events", None).await.1));
    }
    wait_for("20 subscribers", || hub.subscriber_count() == 20).await;
    for n in 1..=5 {
        publish(&hub, n).await;
    }
    for events in &mut streams {
        for n in 1..=5 {
            assert_eq!(events.next().await.unwrap().id, n.to_string());
        }
    }
    stop_tx.send(()).await.unwrap();
    for events in &mut streams {
        events.end().await.expect("a clean end at shutdown");
    }
    tokio::task::spawn_blocking(move || serving.join().unwrap()).await.unwrap();
}

/// An HTTP/2 connection that opens no stream is closed after about a head
/// timeout or two, so an idle client cannot hold a connection slot.
#[tokio::test]
async fn an_idle_http2_connection_is_closed() {
    let cert = certificate();
    let config =
        ServerConfig { head_timeout: Duration::from_millis(200), ..ServerConfig::default() };
    let server = Server::new()
        .with_config(config)
        .hub("/events", Hub::new(HubConfig::default()))
        .with_tls(cert.tls);
    let running = start(server).await;
    let send = connect_h2(running.addr, &cert.root).await;
    wait_for("the connection", || running.stats.connections() == 1).await;
    let opened = tokio::time::Instant::now();
    wait_for("the idle connection to close", || running.stats.connections() == 0).await;
    assert!(opened.elapsed() < Duration::from_secs(2), "closed within a few head timeouts");
    drop(send);
}
