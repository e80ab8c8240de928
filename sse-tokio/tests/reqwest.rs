//! The reqwest transport against loopback servers: the same reconnect
//! semantics and the same `Stream` of events as the built-in transport.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use sse_core::{ReconnectConfig, ReconnectMode};
use sse_tokio::{ClientConfig, ClientError, EventSource, ReqwestTransport, Tokio, Update};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Answers the n-th connection with `responses[n]`, then closes it;
/// records each request (head and body), header names lowercased.
async fn scripted(responses: Vec<&'static str>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/stream", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        for response in responses {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                    if body.len() >= length {
                        log.lock().unwrap().push(text);
                        break;
                    }
                }
                let n = stream.read(&mut buf).await.unwrap();
                assert!(n > 0, "the request ended early");
                request.extend_from_slice(&buf[..n]);
            }
            stream.write_all(response.as_bytes()).await.unwrap();
            let _ = stream.shutdown().await;
        }
    });
    (url, seen)
}

fn fast() -> ClientConfig {
    ClientConfig {
        reconnect: ReconnectConfig::DEFAULT.with_reconnect_ms(10).with_min_backoff_ms(10),
        ..ClientConfig::default()
    }
}

/// A cut mid-event: the partial event is dropped and the next attempt,
/// sent by reqwest, carries `Last-Event-ID`; a chunked body (de-chunked by
/// reqwest) parses the same.
/// Driven from `tokio::spawn` on the multi-threaded runtime: its futures
/// are `Send`.
#[tokio::test(flavor = "multi_thread")]
async fn resumes_with_last_event_id_after_a_cut() {
    tokio::spawn(resume()).await.unwrap();
}

async fn resume() {
    let (url, seen) = scripted(vec![
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 1\ndata: a\n\nid: 2\ndata: par",
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nid: 3\nd\r\n9\r\nata: c\n\n\r\n0\r\n\r\n",
    ])
    .await;
    let client = reqwest::Client::new();
    let request = client.get(&url).header("x-trace", "t").build().unwrap();
    let transport = ReqwestTransport::new(client, request);
    let mut source = EventSource::with_requester(Tokio, transport, fast()).unwrap();
    let first = source.next().await.unwrap().unwrap();
    assert_eq!((first.id.as_str(), first.data.as_str()), ("1", "a"));
    let next = source.next().await.unwrap().unwrap();
    assert_eq!((next.id.as_str(), next.data.as_str()), ("3", "c"), "no partial event 2");
    let requests = seen.lock().unwrap().clone();
    assert!(requests[0].starts_with("get /stream http/1.1\r\n"), "{}", requests[0]);
    assert!(requests[0].contains("accept: text/event-stream\r\n"));
    assert!(requests[0].contains("x-trace: t\r\n") && !requests[0].contains("last-event-id"));
    assert!(requests[1].contains("last-event-id: 1\r\n"), "{}", requests[1]);
}

/// A POST (a prompt) is sent once: the stream ends with the answer.
/// Asked to reconnect always, the body goes again with `Last-Event-ID`.
#[tokio::test]
async fn a_post_is_sent_once_unless_asked() {
    const ANSWER: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 15\r\n\r\nid: 9\ndata: a\n\n";
    let (url, seen) = scripted(vec![ANSWER, ANSWER, ANSWER]).await;
    let client = reqwest::Client::new();
    let request = client.post(&url).body(r#"{"prompt":"hi"}"#).build().unwrap();
    let mut source =
        EventSource::with_requester(Tokio, ReqwestTransport::new(client.clone(), request), fast())
            .unwrap();
    let mut data = Vec::new();
    while let Some(event) = source.next().await {
        data.push(event.unwrap().data);
    }
    assert_eq!(data, ["a"]);
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert!(seen.lock().unwrap()[0].ends_with(r#"{"prompt":"hi"}"#));

    let request = client.post(&url).body(r#"{"prompt":"hi"}"#).build().unwrap();
    let config = ClientConfig { reconnect_mode: Some(ReconnectMode::Always), ..fast() };
    let mut source =
        EventSource::with_requester(Tokio, ReqwestTransport::new(client, request), config).unwrap();
    for _ in 0..2 {
        let next = tokio::time::timeout(Duration::from_secs(10), source.next()).await;
        assert_eq!(next.expect("in time").unwrap().unwrap().data, "a");
    }
    let requests = seen.lock().unwrap().clone();
    assert!(requests[2].contains("last-event-id: 9\r\n") && requests[2].ends_with("}"));
}

/// A refusal comes back as reqwest read it: status, type and body.
#[tokio::test]
async fn a_refusal_carries_status_and_body() {
    let (url, seen) = scripted(vec![
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"error\":\"nokey\"}",
    ])
    .await;
    let client = reqwest::Client::new();
    let request = client.get(&url).build().unwrap();
    let mut source =
        EventSource::with_requester(Tokio, ReqwestTransport::new(client, request), fast()).unwrap();
    match source.next_update().await {
        Some(Err(ClientError::Rejected(r))) => {
            assert_eq!((r.status, r.content_type.as_deref()), (401, Some("application/json")));
            assert_eq!(r.to_string(), "server answered 401 Unauthorized: {\"error\":\"nokey\"}");
        }
        other => panic!("expected the refusal, got {other:?}"),
    }
    assert!(source.next_update().await.is_none());
    assert_eq!(seen.lock().unwrap().len(), 1);
    let _ = Update::Open;
}
