//! The server over real loopback sockets: hub streams with resume, custom
//! handlers, pages, every refusal status, and graceful shutdown.

use std::net::SocketAddr;
use std::time::Duration;

use sse_core::http::{parse_response, write_request, ClientRequest, EMPTY_HEADER};
use sse_core::Frame;
use sse_tokio::{EventReader, Hub, HubConfig, Server, ServerConfig, TokioIo};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(server: Server) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(listener, async {
        let _ = stopped.await;
    }));
    Running { addr, stop: Some(stop), task }
}

impl Running {
    async fn shutdown(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.task).await.unwrap().unwrap().unwrap();
    }
}

/// Sends a request; returns the status, the raw head, and a reader over
/// the rest of the response.
async fn request(addr: SocketAddr, raw: &[u8]) -> (u16, String, impl AsyncRead + Unpin) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(raw).await.unwrap();
    let mut buf = Vec::new();
    loop {
        let mut chunk = [0u8; 512];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(
            n > 0,
            "connection closed before a response head: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [EMPTY_HEADER; 16];
        if let Some(head) = parse_response(&buf, &mut headers, 8192).unwrap() {
            let (status, len) = (head.status, head.head_len);
            let text = String::from_utf8_lossy(&buf[..len]).into_owned();
            let rest = std::io::Cursor::new(buf[len..].to_vec());
            return (status, text, rest.chain(stream));
        }
    }
}

async fn get(
    addr: SocketAddr,
    path: &str,
    last_event_id: &str,
) -> (u16, String, impl AsyncRead + Unpin) {
    let mut raw = Vec::new();
    write_request(&mut raw, &ClientRequest { last_event_id, ..ClientRequest::get("test", path) })
        .unwrap();
    request(addr, &raw).await
}

async fn publish(hub: &Hub, i: u32) {
    let id = i.to_string();
    hub.publish(&Frame::new().id(&id).data(&format!("n{i}"))).await.unwrap();
}

#[tokio::test]
async fn hub_streams_resume_and_shut_down_gracefully() {
    let hub = Hub::new(HubConfig::default());
    for i in 1..=3 {
        publish(&hub, i).await;
    }
    let running = start(Server::new().hub("/events", hub.clone())).await;

    let (status, head, body) = get(running.addr, "/events", "").await;
    assert_eq!(status, 200);
    assert!(head.contains("Content-Type: text/event-stream\r\n"), "{head}");
    assert!(head.contains("Cache-Control: no-cache\r\n"));
    let mut fresh = EventReader::new(TokioIo::new(body));

    let (_, _, body) = get(running.addr, "/events", "1").await;
    let mut resumed = EventReader::new(TokioIo::new(body));
    // The resumed client first gets what it missed.
    for i in 2..=3 {
        assert_eq!(resumed.next_event().await.unwrap().unwrap().data, format!("n{i}"));
    }
    // Wait until both are subscribed, then publish live.
    while hub.subscriber_count() < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    publish(&hub, 4).await;
    assert_eq!(fresh.next_event().await.unwrap().unwrap().id, "4");
    assert_eq!(resumed.next_event().await.unwrap().unwrap().id, "4");

    running.shutdown().await;
    assert!(fresh.next_event().await.is_none(), "shutdown ends open streams");
    assert!(resumed.next_event().await.is_none());
}

#[tokio::test]
async fn custom_handlers_and_pages() {
    let server = Server::new()
        .stream("/count", |request, mut writer| async move {
            let from: u32 = request.last_event_id.as_deref().unwrap_or("0").parse().unwrap_or(0);
            for i in from + 1..=from + 3 {
                let id = i.to_string();
                if writer
                    .send(&Frame::new().id(&id).data(&request.query.clone().unwrap_or_default()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        })
        .page("/", "text/html; charset=utf-8", "<h1>hi</h1>");
    let running = start(server).await;

    let (status, _, body) = get(running.addr, "/count?q=1", "10").await;
    assert_eq!(status, 200);
    let mut reader = EventReader::new(TokioIo::new(body));
    let mut ids = Vec::new();
    while let Some(event) = reader.next_event().await {
        let event = event.unwrap();
        assert_eq!(event.data, "q=1");
        ids.push(event.id);
    }
    assert_eq!(ids, ["11", "12", "13"], "the handler's return ends the stream");

    let (status, head, mut body) = get(running.addr, "/", "").await;
    assert_eq!(status, 200);
    assert!(
        head.contains("Content-Type: text/html; charset=utf-8\r\n")
            && head.contains("Content-Length: 11\r\n")
    );
    let mut page = String::new();
    body.read_to_string(&mut page).await.unwrap();
    assert_eq!(page, "<h1>hi</h1>");
    running.shutdown().await;
}

#[tokio::test]
async fn bad_requests_get_the_right_status_and_the_server_survives() {
    let config = ServerConfig { max_head_bytes: 512, max_headers: 4, ..ServerConfig::default() };
    let running =
        start(Server::new().with_config(config).hub("/events", Hub::new(HubConfig::default())))
            .await;
    let big = format!("GET /events HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(600));
    let many = "GET /events HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\ne: 5\r\n\r\n".to_owned();
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (b"GET /nowhere HTTP/1.1\r\n\r\n".to_vec(), 404),
        (b"POST /events HTTP/1.1\r\nContent-Length: 0\r\n\r\n".to_vec(), 405),
        (big.into_bytes(), 431),
        (many.into_bytes(), 431),
        (b"GET /events HTTP/1.1\r\nbroken header line\r\n\r\n".to_vec(), 400),
        (b"GET /events HTTP/1.1\r\nLast-Event-ID: \xff\xfe\r\n\r\n".to_vec(), 400),
    ];
    for (raw, want) in cases {
        let (status, head, _) = request(running.addr, &raw).await;
        assert_eq!(status, want, "{head}");
        if want == 405 {
            assert!(head.contains("Allow: GET, HEAD\r\n"));
        }
    }
    // Still serving after all that.
    let (status, _, _) = get(running.addr, "/events", "").await;
    assert_eq!(status, 200);
    running.shutdown().await;
}

#[tokio::test]
async fn keep_alive_comments_flow_on_idle_streams() {
    let config =
        ServerConfig { keep_alive: Some(Duration::from_millis(50)), ..ServerConfig::default() };
    let running =
        start(Server::new().with_config(config).hub("/events", Hub::new(HubConfig::default())))
            .await;
    let (_, _, mut body) = get(running.addr, "/events", "").await;
    let mut buf = [0u8; 4];
    body.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b":\n:\n");
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_let_go_and_delays_no_one() {
    // The queue holds more than is published, so only the write timeout
    // can let the stuck client go; the reader has ample slack.
    let hub = Hub::new(HubConfig { queue_frames: 256, ..HubConfig::default() });
    let config =
        ServerConfig { write_timeout: Duration::from_millis(200), ..ServerConfig::default() };
    let running = start(Server::new().with_config(config).hub("/events", hub.clone())).await;

    // One client sends its request and never reads a byte.
    let mut stuck = TcpStream::connect(running.addr).await.unwrap();
    stuck.write_all(b"GET /events HTTP/1.1\r\nHost: t\r\n\r\n").await.unwrap();
    // A well-behaved one reads everything.
    let (_, _, body) = get(running.addr, "/events", "").await;
    let mut reader = EventReader::new(TokioIo::new(body));
    while hub.subscriber_count() < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // Publish far more than socket buffers hold.
    let big = "x".repeat(64 * 1024);
    let reading = tokio::spawn(async move {
        let mut n = 0;
        while n < 200 {
            let event = reader.next_event().await.unwrap().unwrap();
            assert_eq!(event.id, (n + 1).to_string());
            n += 1;
        }
        n
    });
    for i in 1..=200u32 {
        hub.publish(&Frame::new().id(&i.to_string()).data(&big)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(tokio::time::timeout(Duration::from_secs(30), reading).await.unwrap().unwrap(), 200);

    // The stuck client's socket filled and the write timed out, ending its
    // stream: only the reader is left, and nobody counted as dropped.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while hub.subscriber_count() > 1 {
        assert!(tokio::time::Instant::now() < deadline, "the stuck client was never let go");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(hub.dropped_count(), 0);
    drop(stuck);
    running.shutdown().await;
}
