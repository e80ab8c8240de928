//! The `axum_tls` example's server (its own code, included here) over TLS
//! and HTTP/2: many streams on one connection, resume from
//! `?lastEventId=`, and the hub's frames reaching each stream.

#[allow(dead_code)]
#[path = "../examples/axum_tls.rs"]
mod example;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use sse_core::{EventDecoder, Frame, ReaderConfig};
use sse_tokio::{Hub, HubConfig};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(20);

async fn next_event(
    body: &mut h2::RecvStream,
    decoder: &mut EventDecoder,
    pending: &mut Bytes,
) -> sse_core::MessageEvent {
    loop {
        while !pending.is_empty() {
            let (used, event) = decoder.feed(pending);
            let _ = pending.split_to(used);
            if let Some(event) = event {
                return event.unwrap();
            }
        }
        let data = timeout(LIMIT, body.data()).await.unwrap().unwrap().unwrap();
        let _ = body.flow_control().release_capacity(data.len());
        *pending = data;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_over_tls_and_http2_multiplexes_event_streams() {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let root: CertificateDer<'static> = generated.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(generated.signing_key.serialize_der().into());
    let config = example::tls_config(vec![root.clone()], key).unwrap();
    let hub = Hub::new(HubConfig::default());
    for n in 1..=3 {
        hub.publish(&Frame::new().id(&n.to_string()).data(&format!("old {n}"))).await.unwrap();
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(example::serve(listener, config, example::app(hub.clone())));

    let mut roots = rustls::RootCertStore::empty();
    roots.add(root).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = TcpStream::connect(addr).await.unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(client))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (send, connection) = h2::client::handshake(tls).await.unwrap();
    tokio::spawn(connection);

    let open = |path: &'static str| {
        let send = send.clone();
        async move {
            let mut send = send.ready().await.unwrap();
            let request = http::Request::get(format!("https://localhost{path}")).body(()).unwrap();
            let (response, _) = send.send_request(request, true).unwrap();
            let response = timeout(LIMIT, response).await.unwrap().unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()["content-type"], "text/event-stream");
            response.into_body()
        }
    };
    // Resume from the query parameter, as a page's first EventSource does.
    let mut resumed = open("/events?lastEventId=1").await;
    let (mut decoder, mut pending) = (EventDecoder::new(&ReaderConfig::DEFAULT), Bytes::new());
    assert_eq!(next_event(&mut resumed, &mut decoder, &mut pending).await.data, "old 2");
    assert_eq!(next_event(&mut resumed, &mut decoder, &mut pending).await.data, "old 3");
    let mut streams = Vec::new();
    for _ in 0..20 {
        streams.push(open("/events").await);
    }
    let deadline = tokio::time::Instant::now() + LIMIT;
    while hub.subscriber_count() < 21 {
        assert!(tokio::time::Instant::now() < deadline, "21 subscribers");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    hub.publish(&Frame::new().id("4").data("live")).await.unwrap();
    for body in &mut streams {
        let (mut decoder, mut pending) = (EventDecoder::new(&ReaderConfig::DEFAULT), Bytes::new());
        let event = next_event(body, &mut decoder, &mut pending).await;
        assert_eq!((event.id.as_str(), event.data.as_str()), ("4", "live"));
    }
    assert_eq!(next_event(&mut resumed, &mut decoder, &mut pending).await.id, "4");
}
