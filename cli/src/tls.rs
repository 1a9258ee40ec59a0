//! TLS as redis-cli does it (`--tls`, `--cacert`, `--insecure`, `rediss://`...), on rustls.
//!
//! The client configuration is built once, at the first connection, in redis-cli's order of
//! checks (CA file/directory, client certificate, private key, TLS 1.2 ciphers, TLS 1.3
//! suites) with its error texts. As with OpenSSL's `SSL_VERIFY_PEER` and no host check, the
//! server's chain must lead to a trusted CA but its names are not compared with the host;
//! SNI is only sent when `--sni` names it. Without `--cacert`/`--cacertdir` the system's
//! CA bundle is trusted (OpenSSL's default paths). Handshake failures are worded as
//! OpenSSL's reason strings, which redis-cli prints after "SSL_connect failed: ".
//!
//! The stream that carries a session is in `tls/stream.rs`; the cipher-string mapping in
//! `tls/ciphers.rs`. This module does not open sockets.

mod ciphers;
pub mod stream;

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::verify_server_cert_signed_by_trust_anchor;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::ParsedCertificate;
use rustls::{
    AlertDescription, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

/// The TLS options from the command line (all given as text, checked when connecting).
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    /// `--sni`.
    pub sni: Option<String>,
    /// `--cacert`.
    pub cacert: Option<String>,
    /// `--cacertdir`.
    pub cacertdir: Option<String>,
    /// `--insecure`: accept any server certificate.
    pub insecure: bool,
    /// `--tls-ciphers` (TLS 1.2 and below).
    pub ciphers: Option<String>,
    /// `--tls-ciphersuites` (TLS 1.3).
    pub ciphersuites: Option<String>,
    /// `--cert`: client certificate chain.
    pub cert: Option<String>,
    /// `--key`: client private key.
    pub key: Option<String>,
}

/// A ready client configuration and the name to present.
#[derive(Clone, Debug)]
pub struct TlsClient {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    /// Set when OpenSSL would accept the options but fail every handshake (an empty
    /// `--tls-ciphersuites`): the reason it gives.
    doomed: Option<&'static str>,
}

/// Where OpenSSL looks for CAs by default, Debian's first.
const DEFAULT_CA_FILES: [&str; 4] = [
    "/usr/lib/ssl/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// Every certificate in a PEM file; `None` if it cannot be read.
fn pem_certs(path: &Path) -> Option<Vec<CertificateDer<'static>>> {
    let bytes = std::fs::read(path).ok()?;
    Some(
        CertificateDer::pem_slice_iter(&bytes)
            .filter_map(Result::ok)
            .collect(),
    )
}

/// The trusted certificates: as trust anchors, and as they are (a server may present a
/// trusted self-signed certificate, which OpenSSL accepts and webpki does not chain).
#[derive(Debug)]
struct Trusted {
    roots: RootCertStore,
    certs: Vec<CertificateDer<'static>>,
}

/// Adds the certificates of a PEM file; false if it has none usable.
fn add_file(trusted: &mut Trusted, path: &Path) -> bool {
    let certs = pem_certs(path).unwrap_or_default();
    let (added, _) = trusted
        .roots
        .add_parsable_certificates(certs.iter().cloned());
    trusted.certs.extend(certs);
    added > 0
}

/// Adds every PEM certificate found in a directory's files. As with OpenSSL, a directory
/// that cannot be read is not an error: it just holds no CA.
fn add_dir(trusted: &mut Trusted, dir: &Path) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_file() {
            add_file(trusted, &path);
        }
    }
}

/// The trusted CAs, from the options or OpenSSL's default places.
fn load_roots(options: &TlsOptions) -> Result<Trusted, &'static str> {
    const INVALID_CA: &str = "Invalid CA Certificate File/Directory";
    let mut roots = Trusted {
        roots: RootCertStore::empty(),
        certs: Vec::new(),
    };
    if options.cacert.is_none() && options.cacertdir.is_none() {
        // OpenSSL's default paths: a missing bundle is not an error.
        match std::env::var_os("SSL_CERT_FILE") {
            Some(file) => {
                add_file(&mut roots, Path::new(&file));
            }
            None => {
                if let Some(file) = DEFAULT_CA_FILES.iter().find(|f| Path::new(f).is_file()) {
                    add_file(&mut roots, Path::new(file));
                }
            }
        }
        if let Some(dir) = std::env::var_os("SSL_CERT_DIR") {
            add_dir(&mut roots, Path::new(&dir));
        }
        return Ok(roots);
    }
    if let Some(file) = &options.cacert
        && !add_file(&mut roots, Path::new(file))
    {
        return Err(INVALID_CA);
    }
    if let Some(dir) = &options.cacertdir {
        add_dir(&mut roots, Path::new(dir));
    }
    Ok(roots)
}

/// Checks the server's chain up to a trusted CA, not its names (as redis-cli's OpenSSL
/// setup does); with `--insecure`, nothing. Handshake signatures are always checked.
#[derive(Debug)]
struct ChainVerifier {
    /// `None` with `--insecure`.
    trusted: Option<Trusted>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for ChainVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(trusted) = &self.trusted else {
            return Ok(ServerCertVerified::assertion());
        };
        if trusted.certs.iter().any(|cert| cert == end_entity) {
            return Ok(ServerCertVerified::assertion());
        }
        let cert = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(
            &cert,
            &trusted.roots,
            intermediates,
            now,
            self.algorithms.all,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

impl TlsClient {
    /// Builds the configuration; the error is redis-cli's text for
    /// "Could not negotiate a TLS connection: ...".
    pub fn new(options: &TlsOptions, host: &str) -> Result<TlsClient, &'static str> {
        let roots = load_roots(options)?;
        let cert_chain = match &options.cert {
            Some(file) => match pem_certs(Path::new(file)) {
                Some(chain) if !chain.is_empty() => Some(chain),
                _ => return Err("Invalid client certificate"),
            },
            None => None,
        };
        let key = match &options.key {
            Some(file) => match std::fs::read(file)
                .ok()
                .and_then(|pem| PrivateKeyDer::from_pem_slice(&pem).ok())
            {
                Some(key) => Some(key),
                None => return Err("Invalid private key"),
            },
            None => None,
        };
        let base = rustls::crypto::ring::default_provider();
        let tls12 = match &options.ciphers {
            Some(list) => ciphers::tls12(list).ok_or("Error while configuring ciphers")?,
            None => base
                .cipher_suites
                .iter()
                .copied()
                .filter(|s| s.version() == &rustls::version::TLS12)
                .collect(),
        };
        let tls13 = match &options.ciphersuites {
            Some(list) => ciphers::tls13(list).ok_or("Error while setting cypher suites")?,
            None => base
                .cipher_suites
                .iter()
                .copied()
                .filter(|s| s.version() == &rustls::version::TLS13)
                .collect(),
        };
        // OpenSSL fails every handshake when TLS 1.3 has no suite left.
        let doomed = tls13.is_empty().then_some("no ciphers available");
        let mut versions = Vec::new();
        if !tls13.is_empty() {
            versions.push(&rustls::version::TLS13);
        }
        if !tls12.is_empty() {
            versions.push(&rustls::version::TLS12);
        }
        let provider = Arc::new(CryptoProvider {
            cipher_suites: tls13.into_iter().chain(tls12).collect(),
            ..base
        });
        let algorithms = provider.signature_verification_algorithms;
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(if versions.is_empty() {
                rustls::DEFAULT_VERSIONS
            } else {
                &versions
            })
            .map_err(|_| "Error while configuring ciphers")?;
        let verifier = ChainVerifier {
            trusted: (!options.insecure).then_some(roots),
            algorithms,
        };
        let builder = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier));
        let mut config = match (cert_chain, key) {
            (Some(chain), Some(key)) => builder
                .with_client_auth_cert(chain, key)
                .map_err(|_| "Invalid private key")?,
            (None, Some(key)) => {
                // OpenSSL loads a key without a certificate; it is then never used.
                provider
                    .key_provider
                    .load_private_key(key)
                    .map_err(|_| "Invalid private key")?;
                builder.with_no_client_auth()
            }
            _ => builder.with_no_client_auth(),
        };
        config.enable_sni = options.sni.is_some();
        let server_name = match &options.sni {
            Some(sni) => {
                ServerName::try_from(sni.clone()).map_err(|_| "Failed to configure SNI")?
            }
            // Never sent nor checked; any valid name will do.
            None => ServerName::try_from(host.to_string())
                .unwrap_or_else(|_| ServerName::from(std::net::Ipv4Addr::LOCALHOST)),
        };
        Ok(TlsClient {
            config: Arc::new(config),
            server_name,
            doomed,
        })
    }
}

/// OpenSSL's reason string for an alert the server sent.
fn alert_text(alert: AlertDescription) -> String {
    let text = match alert {
        AlertDescription::CloseNotify => "ssl/tls alert close notify",
        AlertDescription::UnexpectedMessage => "sslv3 alert unexpected message",
        AlertDescription::BadRecordMac => "sslv3 alert bad record mac",
        AlertDescription::HandshakeFailure => "sslv3 alert handshake failure",
        AlertDescription::BadCertificate => "sslv3 alert bad certificate",
        AlertDescription::UnsupportedCertificate => "sslv3 alert unsupported certificate",
        AlertDescription::CertificateRevoked => "sslv3 alert certificate revoked",
        AlertDescription::CertificateExpired => "sslv3 alert certificate expired",
        AlertDescription::CertificateUnknown => "sslv3 alert certificate unknown",
        AlertDescription::IllegalParameter => "sslv3 alert illegal parameter",
        AlertDescription::UnknownCA => "tlsv1 alert unknown ca",
        AlertDescription::AccessDenied => "tlsv1 alert access denied",
        AlertDescription::DecodeError => "tlsv1 alert decode error",
        AlertDescription::DecryptError => "tlsv1 alert decrypt error",
        AlertDescription::ProtocolVersion => "tlsv1 alert protocol version",
        AlertDescription::InsufficientSecurity => "tlsv1 alert insufficient security",
        AlertDescription::InternalError => "tlsv1 alert internal error",
        AlertDescription::InappropriateFallback => "tlsv1 alert inappropriate fallback",
        AlertDescription::UserCanceled => "tlsv1 alert user cancelled",
        AlertDescription::NoRenegotiation => "tlsv1 alert no renegotiation",
        AlertDescription::MissingExtension => "tlsv13 alert missing extension",
        AlertDescription::UnsupportedExtension => "tlsv1 alert unsupported extension",
        AlertDescription::UnrecognisedName => "tlsv1 unrecognized name",
        AlertDescription::CertificateRequired => "tlsv13 alert certificate required",
        AlertDescription::NoApplicationProtocol => "tlsv1 alert no application protocol",
        AlertDescription::RecordOverflow => "tlsv1 alert record overflow",
        other => return format!("tls alert {other:?}"),
    };
    text.to_string()
}

/// OpenSSL's wording for why a handshake failed (after "SSL_connect failed: ").
pub fn handshake_error_text(error: &std::io::Error) -> String {
    if let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return match tls {
            rustls::Error::InvalidCertificate(_) => "certificate verify failed".into(),
            rustls::Error::AlertReceived(alert) => alert_text(*alert),
            rustls::Error::InvalidMessage(_) => "wrong version number".into(),
            other => other.to_string(),
        };
    }
    if error.kind() == std::io::ErrorKind::UnexpectedEof {
        return "unexpected eof while reading".into();
    }
    crate::conn::io_text(error)
}
