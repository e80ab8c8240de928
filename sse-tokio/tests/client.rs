//! The reconnecting client against scripted servers on loopback: a cut in
//! the middle of an event, resume with exactly the missed events, `retry`,
//! 204, wrong content type, redirects, chunked bodies, POST.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sse_core::{FailReason, ReadyState, ReconnectConfig, ReconnectMode};
use sse_tokio::{ClientConfig, ClientError, EventSource};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SSE_HEAD: &str =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";

/// Serves one scripted response per connection, in order, recording each
/// request head.
async fn scripted(responses: Vec<String>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        for response in responses {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if stream.read(&mut byte).await.unwrap() == 0 {
                    break;
                }
                head.push(byte[0]);
            }
            let text = String::from_utf8_lossy(&head).into_owned();
            // A POST body follows the head.
            if let Some(len) = text.lines().find_map(|l| l.strip_prefix("Content-Length: ")) {
                let mut body = vec![0u8; len.trim().parse().unwrap()];
                stream.read_exact(&mut body).await.unwrap();
                log.lock().unwrap().push(format!("{text}{}", String::from_utf8_lossy(&body)));
            } else {
                log.lock().unwrap().push(text);
            }
            stream.write_all(response.as_bytes()).await.unwrap();
            let _ = stream.shutdown().await;
        }
    });
    (url, seen)
}

fn fast() -> ClientConfig {
    ClientConfig {
        reconnect: ReconnectConfig::DEFAULT.with_reconnect_ms(10).with_jitter_permille(0),
        ..ClientConfig::default()
    }
}

#[tokio::test]
async fn a_cut_mid_event_resumes_with_exactly_the_missed_events() {
    let (url, seen) = scripted(vec![
        format!("{SSE_HEAD}id: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: par"),
        format!("{SSE_HEAD}id: 3\ndata: c\n\nid: 4\ndata: d\n\n"),
        "HTTP/1.1 204 No Content\r\n\r\n".to_owned(),
    ])
    .await;
    let mut source = EventSource::with_config(&format!("{url}/events"), fast()).unwrap();
    let mut got = Vec::new();
    while let Some(event) = source.next_event().await {
        match event {
            Ok(e) => got.push((e.id, e.data)),
            Err(ClientError::Failed(FailReason::NoContent)) => break,
            Err(e) => panic!("{e}"),
        }
    }
    let got: Vec<(&str, &str)> = got.iter().map(|(i, d)| (i.as_str(), d.as_str())).collect();
    assert_eq!(got, [("1", "a"), ("2", "b"), ("3", "c"), ("4", "d")], "no loss, no duplicate");
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    assert!(!requests[0].contains("Last-Event-ID"));
    assert!(requests[1].contains("Last-Event-ID: 2\r\n"), "{}", requests[1]);
    assert!(requests[2].contains("Last-Event-ID: 4\r\n"));
    assert!(
        requests[0].contains("Accept: text/event-stream\r\n")
            && requests[0].contains("GET /events HTTP/1.1")
    );
    // 204 stopped it for good.
    assert_eq!(source.ready_state(), ReadyState::Closed);
    assert!(source.next_event().await.is_none());
}

#[tokio::test]
async fn server_retry_sets_the_reconnect_delay() {
    let (url, _) = scripted(vec![
        format!("{SSE_HEAD}retry: 50\ndata: x\n\n"),
        format!("{SSE_HEAD}data: y\n\n"),
        "HTTP/1.1 204 No Content\r\n\r\n".to_owned(),
    ])
    .await;
    // The default reconnection time would be 60 s; the server asks for 50 ms.
    let config = ClientConfig {
        reconnect: ReconnectConfig::DEFAULT.with_reconnect_ms(60_000).with_jitter_permille(0),
        ..ClientConfig::default()
    };
    let mut source = EventSource::with_config(&url, config).unwrap();
    assert_eq!(source.next_event().await.unwrap().unwrap().data, "x");
    let start = Instant::now();
    assert_eq!(source.next_event().await.unwrap().unwrap().data, "y");
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(50) && waited < Duration::from_secs(10), "{waited:?}");
}

#[tokio::test]
async fn wrong_content_type_and_statuses_fail_for_good() {
    for (response, reason) in [
        ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\ndata: x\n\n", FailReason::ContentType),
        ("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", FailReason::Status(404)),
        ("HTTP/1.1 204 No Content\r\n\r\n", FailReason::NoContent),
    ] {
        let (url, seen) = scripted(vec![response.to_owned()]).await;
        let mut source = EventSource::with_config(&url, fast()).unwrap();
        match source.next_event().await {
            Some(Err(ClientError::Failed(got))) => assert_eq!(got, reason),
            Some(Err(ClientError::Rejected(got))) => assert_eq!(got.reason, reason),
            other => panic!("expected failure, got {other:?}"),
        }
        assert!(source.next_event().await.is_none());
        assert_eq!(seen.lock().unwrap().len(), 1, "no reconnect");
    }
}

#[tokio::test]
async fn redirects_chunked_bodies_and_post() {
    let chunked = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n\
                   7\r\ndata: h\r\n4\r\ni\n\n\n\r\n0\r\n\r\n";
    let (url, seen) = scripted(vec![
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: /moved\r\nContent-Length: 0\r\n\r\n"
            .to_owned(),
        chunked.to_owned(),
        "HTTP/1.1 204 No Content\r\n\r\n".to_owned(),
    ])
    .await;
    let config = ClientConfig {
        method: "POST".to_owned(),
        headers: vec![("Authorization".to_owned(), "Bearer t".to_owned())],
        body: Some(b"{\"prompt\":\"hi\"}".to_vec()),
        // A stream with a body is asked once unless told otherwise.
        reconnect_mode: Some(ReconnectMode::Always),
        ..fast()
    };
    let mut source = EventSource::with_config(&format!("{url}/start"), config).unwrap();
    assert_eq!(source.next_event().await.unwrap().unwrap().data, "hi");
    assert!(matches!(
        source.next_event().await,
        Some(Err(ClientError::Failed(FailReason::NoContent)))
    ));
    let requests = seen.lock().unwrap().clone();
    assert!(requests[0].starts_with("POST /start HTTP/1.1\r\n"));
    assert!(requests[1].starts_with("POST /moved HTTP/1.1\r\n"), "{}", requests[1]);
    assert!(requests[1].contains("Authorization: Bearer t\r\n"));
    assert!(requests[1].ends_with("{\"prompt\":\"hi\"}"));
}

#[tokio::test]
async fn bad_urls_and_injected_headers_are_refused_up_front() {
    assert!(matches!(EventSource::new("ftp://x/"), Err(ClientError::BadUrl(_))));
    assert!(matches!(EventSource::new("http://"), Err(ClientError::BadUrl(_))));
    assert!(matches!(EventSource::new("http://h:notaport/"), Err(ClientError::BadUrl(_))));
    let config = ClientConfig {
        headers: vec![("X".to_owned(), "a\r\nb".to_owned())],
        ..ClientConfig::default()
    };
    assert!(matches!(EventSource::with_config("http://h/", config), Err(ClientError::Request)));
    let target = sse_tokio::Target::parse("http://[::1]:8080/a?b").unwrap();
    assert_eq!((target.host.as_str(), target.port, target.path.as_str()), ("::1", 8080, "/a?b"));
}

#[tokio::test]
async fn connection_refused_keeps_retrying_until_closed() {
    // Bind then drop to get a port with nothing listening.
    let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let mut source =
        EventSource::with_config(&format!("http://127.0.0.1:{port}/"), fast()).unwrap();
    let attempt = tokio::time::timeout(Duration::from_millis(300), source.next_event()).await;
    assert!(attempt.is_err(), "still retrying, no event, no failure");
    assert_eq!(source.ready_state(), ReadyState::Connecting);
    source.close();
    assert!(source.next_event().await.is_none());
}
