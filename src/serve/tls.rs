//! TLS for the team server (rustls, ring provider): the server's certificate chain and key
//! from PEM files, and what a client trusts (the public CAs, plus a private CA or a
//! self-signed server certificate named by `CRM_CA_CERT`).

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read the certificate {}: {e}", path.display()))?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: not a PEM certificate: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate in it (expected -----BEGIN CERTIFICATE-----)", path.display()));
    }
    Ok(certs)
}

/// The server side: certificate chain (leaf first) and its private key, both PEM.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, String> {
    let chain = certs(cert)?;
    let text = std::fs::read(key).map_err(|e| format!("cannot read the key {}: {e}", key.display()))?;
    let key_der = PrivateKeyDer::from_pem_slice(&text)
        .map_err(|e| format!("{}: no private key in it (expected PKCS#8, PKCS#1 or SEC1 PEM): {e}", key.display()))?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| format!("{} and {} do not make a usable pair: {e}", cert.display(), key.display()))?;
    Ok(Arc::new(config))
}

/// The client side: the public CAs, plus the certificates in `extra_ca` (a PEM file with a
/// private CA or the server's own self-signed certificate).
pub fn client_config(extra_ca: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(path) = extra_ca {
        for c in certs(path)? {
            roots.add(c).map_err(|e| format!("{}: cannot trust this certificate: {e}", path.display()))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
