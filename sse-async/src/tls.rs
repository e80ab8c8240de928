//! `https://` for the client: one connector that speaks TLS (rustls) to
//! `https://` targets and plain TCP to `http://` ones, so redirects between
//! the two take the right transport. Written once over the runtime's
//! futures-io `TcpStream`, it serves tokio, async-std and smol alike.

use std::fmt;
use std::io;
use std::sync::{Arc, OnceLock};

use futures_rustls::rustls;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::ClientConfig as RustlsConfig;

use crate::client::{ConnectFuture, Connector, Target, Transport};
use crate::runtime::Runtime;

/// Why a TLS connector could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsError {
    /// A PEM file held no certificate, or one that does not parse.
    Pem(String),
    /// rustls refused the settings (no trust store, a bad key).
    Rustls(rustls::Error),
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pem(what) => write!(f, "bad PEM: {what}"),
            Self::Rustls(e) => write!(f, "TLS settings refused: {e}"),
        }
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Pem(_) => None,
            Self::Rustls(e) => Some(e),
        }
    }
}

impl From<rustls::Error> for TlsError {
    fn from(e: rustls::Error) -> Self {
        Self::Rustls(e)
    }
}

/// The certificates in PEM text (e.g. a `--cacert` file).
///
/// # Errors
///
/// [`TlsError::Pem`] if there is none or one does not parse.
pub fn pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem(e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::Pem("no CERTIFICATE block".to_owned()));
    }
    Ok(certs)
}

/// The private key in PEM text (PKCS#8, PKCS#1 or SEC1).
///
/// # Errors
///
/// [`TlsError::Pem`] if there is none.
pub fn pem_private_key(pem: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| TlsError::Pem(e.to_string()))
}

/// What a [`TlsConnector`] trusts and presents.
#[derive(Debug, Default)]
pub struct TlsOptions {
    /// Roots trusted besides the platform's (a private CA, a test's own).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// A client certificate chain and its key, for servers that ask.
    pub client_auth: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
}

/// Connects over TLS to `https://` targets (and plain TCP to `http://`
/// ones), verifying servers against the platform's trust store.
///
/// The crypto provider is rustls' `ring`, chosen here, so linking another
/// provider elsewhere in a program changes nothing. ALPN offers `http/1.1`,
/// the protocol the client speaks.
///
/// A handshake that fails (a certificate the client does not trust, a
/// server that does not speak TLS) fails the source for good instead of
/// being retried: retrying cannot make the certificate trusted.
///
/// Event sources use one with the platform's roots by default (with the
/// `rustls` feature); build one to trust a private CA or to present a
/// client certificate:
///
/// ```no_run
/// use sse_async::{pem_certificates, EventSource, Runtime, TlsConnector, TlsOptions};
///
/// fn open<R: Runtime + Default>() -> Result<EventSource<R>, Box<dyn std::error::Error>> {
///     let extra_roots = pem_certificates(&std::fs::read("ca.pem")?)?;
///     let options = TlsOptions { extra_roots, ..TlsOptions::default() };
///     let tls = TlsConnector::with_options(R::default(), options)?;
///     Ok(EventSource::<R>::new("https://internal.example/events")?.with_connector(tls))
/// }
/// ```
#[derive(Clone)]
pub struct TlsConnector<R> {
    runtime: R,
    /// `None`: the platform's roots, loaded once per process on first use.
    config: Option<Arc<RustlsConfig>>,
}

impl<R> fmt::Debug for TlsConnector<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector").finish_non_exhaustive()
    }
}

impl<R: Runtime> TlsConnector<R> {
    /// A connector that trusts the platform's roots.
    ///
    /// # Errors
    ///
    /// [`TlsError::Rustls`] if the platform has no trust store.
    pub fn new(runtime: R) -> Result<Self, TlsError> {
        Self::with_options(runtime, TlsOptions::default())
    }

    /// The connector event sources start with: the platform's roots,
    /// loaded on the first `https://` connection (once per process); a
    /// platform without a trust store fails that connection, with why.
    pub(crate) fn platform(runtime: R) -> Self {
        Self { runtime, config: None }
    }

    /// A connector that trusts the platform's roots and `options`'
    /// extra roots, and presents `options`' client certificate.
    ///
    /// # Errors
    ///
    /// [`TlsError::Rustls`] if a root or the key is refused, or there is
    /// no root at all.
    pub fn with_options(runtime: R, options: TlsOptions) -> Result<Self, TlsError> {
        Ok(Self::from_config(runtime, rustls_config(options)?))
    }

    /// A connector with a rustls configuration of the caller's (its
    /// provider, verifier and client certificate). Its ALPN list is
    /// replaced by `http/1.1`, the protocol the client speaks.
    pub fn from_config(runtime: R, mut config: RustlsConfig) -> Self {
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Self { runtime, config: Some(Arc::new(config)) }
    }

    fn config(&self) -> io::Result<Arc<RustlsConfig>> {
        static PLATFORM: OnceLock<Result<Arc<RustlsConfig>, String>> = OnceLock::new();
        if let Some(config) = &self.config {
            return Ok(Arc::clone(config));
        }
        let platform = PLATFORM.get_or_init(|| {
            let mut config = rustls_config(TlsOptions::default()).map_err(|e| e.to_string())?;
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Ok(Arc::new(config))
        });
        platform.clone().map_err(|e| {
            io::Error::new(io::ErrorKind::InvalidData, format!("no TLS trust store: {e}"))
        })
    }
}

/// A rustls client configuration: the `ring` provider, the platform's
/// roots plus `options`' extra ones, `options`' client certificate.
fn rustls_config(options: TlsOptions) -> Result<RustlsConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
        options.extra_roots,
        Arc::clone(&provider),
    )?;
    // The platform verifier is the safe choice, not a dangerous one: the
    // builder's name for "a verifier other than webpki's".
    let builder = RustlsConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    Ok(match options.client_auth {
        Some((chain, key)) => builder.with_client_auth_cert(chain, key)?,
        None => builder.with_no_client_auth(),
    })
}

impl<R: Runtime> Connector for TlsConnector<R> {
    fn connect(&self, target: &Target) -> ConnectFuture {
        let tcp = self.runtime.connect(&target.host, target.port);
        if !target.https {
            return Box::pin(async move {
                let stream = tcp.await?;
                R::set_nodelay(&stream, true);
                Ok(Box::new(stream) as Box<dyn Transport>)
            });
        }
        let config = self.config();
        // An IPv6 literal comes in brackets in the URL, not in the name.
        let host = target.host.trim_start_matches('[').trim_end_matches(']').to_owned();
        Box::pin(async move {
            let tls = futures_rustls::TlsConnector::from(config?);
            // Permanent (InvalidData): no retry turns it into a name.
            let name = ServerName::try_from(host.clone()).map_err(|_| {
                io::Error::new(io::ErrorKind::InvalidData, format!("{host} is not a TLS name"))
            })?;
            let stream = tcp.await?;
            R::set_nodelay(&stream, true);
            // rustls' refusals come as InvalidData (permanent); a reset or
            // an early close during the handshake keeps its kind and is
            // retried.
            let stream = tls
                .connect(name, stream)
                .await
                .map_err(|e| io::Error::new(e.kind(), format!("TLS handshake failed: {e}")))?;
            Ok(Box::new(stream) as Box<dyn Transport>)
        })
    }

    fn handles_tls(&self) -> bool {
        true
    }
}
