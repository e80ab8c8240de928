//! TLS for the server: a certificate and key, and ALPN offering HTTP/2
//! (with feature `http2`) beside HTTP/1.1.

use std::fmt;
use std::sync::Arc;

use futures_rustls::rustls;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::tls::{pem_certificates, pem_private_key, TlsError};

/// The server's TLS settings: its certificate chain and key, with rustls'
/// `ring` provider (chosen here, never a process-wide default).
///
/// ALPN offers `h2` then `http/1.1` with feature `http2`: browsers speak
/// HTTP/2 only over TLS, and over HTTP/2 they multiplex every event
/// stream of a page on one connection instead of holding one of their
/// six HTTP/1.1 connections per origin for each.
///
/// ```no_run
/// use sse_async::{Hub, Runtime, Server, ServerTls};
///
/// fn secure<R: Runtime + Default>(hub: Hub) -> Result<Server<R>, Box<dyn std::error::Error>> {
///     let tls = ServerTls::from_pem(&std::fs::read("cert.pem")?, &std::fs::read("key.pem")?)?;
///     Ok(Server::<R>::new().hub("/events", hub).with_tls(tls))
/// }
/// ```
#[derive(Clone)]
pub struct ServerTls {
    config: Arc<rustls::ServerConfig>,
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alpn: Vec<_> =
            self.config.alpn_protocols.iter().map(|p| String::from_utf8_lossy(p)).collect();
        f.debug_struct("ServerTls").field("alpn", &alpn).finish_non_exhaustive()
    }
}

impl ServerTls {
    /// From a PEM certificate chain (the server's first) and a PEM private
    /// key (PKCS#8, PKCS#1 or SEC1).
    ///
    /// # Errors
    ///
    /// [`TlsError::Pem`] if either does not parse, [`TlsError::Rustls`] if
    /// the key does not fit the certificate.
    pub fn from_pem(chain: &[u8], key: &[u8]) -> Result<Self, TlsError> {
        Self::from_der(pem_certificates(chain)?, pem_private_key(key)?)
    }

    /// From a DER certificate chain and key.
    ///
    /// # Errors
    ///
    /// [`TlsError::Rustls`] if rustls refuses them.
    pub fn from_der(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        Ok(Self::from_rustls(config))
    }

    /// From a rustls configuration of the user's (client authentication,
    /// session tickets, another provider); ALPN is set to the server's
    /// protocols when the configuration names none.
    pub fn from_rustls(mut config: rustls::ServerConfig) -> Self {
        if config.alpn_protocols.is_empty() {
            config.alpn_protocols = alpn();
        }
        Self { config: Arc::new(config) }
    }

    pub(crate) fn acceptor(&self) -> futures_rustls::TlsAcceptor {
        futures_rustls::TlsAcceptor::from(Arc::clone(&self.config))
    }
}

/// The protocols offered, in order of preference.
fn alpn() -> Vec<Vec<u8>> {
    let mut protocols = Vec::new();
    if cfg!(feature = "http2") {
        protocols.push(b"h2".to_vec());
    }
    protocols.push(b"http/1.1".to_vec());
    protocols
}
