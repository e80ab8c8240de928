//! A hub served by axum over TLS, with HTTP/2 for browsers (ALPN `h2`,
//! beside `http/1.1`): hyper-util's automatic connection builder on
//! tokio-rustls. The hub's frames go out without a copy per subscriber.
//!
//! ```text
//! cargo run -p sse-tokio --features axum --example axum_tls
//! curl --http2 -k -N https://localhost:8443/events
//! ```
//!
//! It generates a certificate for localhost at start (for local use);
//! pass `CERT.pem KEY.pem` to use your own.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sse_core::Frame;
use sse_tokio::axum::{EventStream, LastEventId};
use sse_tokio::{Hub, HubConfig};
use tokio::net::TcpListener;

/// The app: the hub at `/events`, resuming from `Last-Event-ID` or
/// `?lastEventId=`.
pub fn app(hub: Hub) -> Router {
    Router::new().route(
        "/events",
        get(move |LastEventId(last): LastEventId| {
            let subscription = hub.subscribe(last.as_deref());
            async move { EventStream::from_subscription(subscription) }
        }),
    )
}

/// TLS with ALPN offering HTTP/2 first; rustls' `ring` provider.
pub fn tls_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<rustls::ServerConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Serves `app` on `listener` over TLS: each connection speaks HTTP/2 or
/// HTTP/1.1 as ALPN chose.
pub async fn serve(listener: TcpListener, config: rustls::ServerConfig, app: Router) {
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    loop {
        let Ok((tcp, _)) = listener.accept().await else { continue };
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp));
            let Ok(Ok(tls)) = handshake.await else { return };
            let service = TowerToHyperService::new(app);
            let _ = Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tls), service)
                .await;
        });
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (chain, key) = match args.as_slice() {
        [cert, key] => (
            CertificateDer::pem_file_iter(cert)?.collect::<Result<Vec<_>, _>>()?,
            PrivateKeyDer::from_pem_file(key)?,
        ),
        _ => {
            let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
            let key = PrivateKeyDer::Pkcs8(generated.signing_key.serialize_der().into());
            (vec![generated.cert.der().clone()], key)
        }
    };
    let hub = Hub::new(HubConfig::default());
    let ticker = hub.clone();
    tokio::spawn(async move {
        for n in 1u64.. {
            let _ =
                ticker.publish(&Frame::new().id(&n.to_string()).data(&format!("tick {n}"))).await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let listener = TcpListener::bind("127.0.0.1:8443").await?;
    eprintln!("serving https://localhost:8443/events (HTTP/2 and HTTP/1.1)");
    serve(listener, tls_config(chain, key)?, app(hub)).await;
    Ok(())
}
