//! `--tls-cert/--tls-key/--tls-self-signed` for `sse serve` and `sse demo`.

use std::path::{Path, PathBuf};

use sse_tokio::ServerTls;

use crate::exit;

/// Serve over TLS; HTTP/2 is offered beside HTTP/1.1, so a browser puts
/// all of a page's event streams on one connection.
#[derive(clap::Args, Debug, Default)]
pub(crate) struct TlsArgs {
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, value_name = "PATH", requires = "tls_key", conflicts_with = "tls_self_signed")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "PATH", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate generated now for localhost,
    /// 127.0.0.1 and ::1 (for local use); prints its SHA-256 fingerprint and
    /// writes it as PEM so clients can trust it (`curl --cacert`).
    #[arg(long)]
    tls_self_signed: bool,
}

impl TlsArgs {
    /// The TLS settings asked for (`None`: plain HTTP), or the exit status
    /// after a message.
    pub(crate) fn load(&self) -> Result<Option<ServerTls>, u8> {
        if self.tls_self_signed {
            return self_signed().map(Some);
        }
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else { return Ok(None) };
        let (cert_pem, key_pem) = (read(cert)?, read(key)?);
        ServerTls::from_pem(&cert_pem, &key_pem).map(Some).map_err(|e| {
            eprintln!("sse: cannot use {} and {}: {e}", cert.display(), key.display());
            exit::USAGE
        })
    }
}

fn read(path: &Path) -> Result<Vec<u8>, u8> {
    std::fs::read(path).map_err(|e| {
        eprintln!("sse: cannot read {}: {e}", path.display());
        exit::IO
    })
}

/// A certificate for local use, generated now.
fn self_signed() -> Result<ServerTls, u8> {
    let names = ["localhost", "127.0.0.1", "::1"].map(str::to_owned).to_vec();
    let generated = rcgen::generate_simple_self_signed(names).map_err(|e| {
        eprintln!("sse: cannot generate a certificate: {e}");
        exit::IO
    })?;
    let der = generated.cert.der().to_vec();
    let digest = ring::digest::digest(&ring::digest::SHA256, &der);
    let fingerprint: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    let pem_path = std::env::temp_dir().join(format!("sse-self-signed-{}.pem", std::process::id()));
    match std::fs::write(&pem_path, generated.cert.pem()) {
        Ok(()) => eprintln!("sse: self-signed certificate written to {}", pem_path.display()),
        Err(e) => eprintln!("sse: cannot write {}: {e}", pem_path.display()),
    }
    eprintln!("sse: certificate SHA-256 fingerprint {}", fingerprint.join(":"));
    let key = generated.signing_key.serialize_pem();
    ServerTls::from_pem(generated.cert.pem().as_bytes(), key.as_bytes()).map_err(|e| {
        eprintln!("sse: cannot use the generated certificate: {e}");
        exit::IO
    })
}
