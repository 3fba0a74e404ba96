//! `wss://` and the trust store (src/tls.rs): a server whose certificate a throwaway "company" CA signed, on
//! 127.0.0.1, speaking just enough Engine.IO/Socket.IO for the transport's handshake.
//!
//! With the bundled Mozilla roots only, the connection fails on the certificate. With the platform's verifier it
//! succeeds once the CA is in the store the platform verifier reads; on Linux that is the system bundle, which
//! `SSL_CERT_FILE` replaces (rustls-native-certs reads it), so this test points it at a file holding the CA — the
//! same thing an administrator's `update-ca-certificates` achieves for the whole machine. An empty store shows the
//! fallback to the bundled roots. The environment is set before the process's first secure connection and this
//! binary holds this one test, so nothing else sees it.

use std::sync::Arc;
use std::time::Duration;

use azstack_engine::tls::{self, Trust};
use azstack_engine::transport::{self, Liveness};
use futures_util::{SinkExt, StreamExt};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};
use tokio_tungstenite::tungstenite::Message;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A CA (PEM) and a TLS acceptor for `localhost` whose certificate it signed.
fn company_ca() -> Result<(String, TlsAcceptor), Box<dyn std::error::Error>> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "azstack test company CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;
    let key = KeyPair::generate()?;
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])?.signed_by(&key, &ca)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], PrivateKeyDer::Pkcs8(key.serialize_der().into()))?;
    Ok((ca.pem(), TlsAcceptor::from(Arc::new(config))))
}

/// Serves TLS connections: each completes the Engine.IO open and the namespace CONNECT, then idles until closed.
async fn serve(listener: TcpListener, acceptor: TlsAcceptor) {
    while let Ok((tcp, _)) = listener.accept().await {
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else { return }; // the client refused our certificate
            let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await else { return };
            let open = r#"0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
            if ws.send(Message::text(open)).await.is_err() {
                return;
            }
            while let Some(Ok(message)) = ws.next().await {
                if message.to_text().is_ok_and(|t| t == "40")
                    && ws.send(Message::text(r#"40{"sid":"n"}"#)).await.is_err()
                {
                    return;
                }
            }
        });
    }
}

/// A TLS handshake with `config` against the server.
async fn handshake(config: Arc<rustls::ClientConfig>, port: u16) -> Result<(), std::io::Error> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let name = rustls::pki_types::ServerName::try_from("localhost").map_err(std::io::Error::other)?;
    tokio_rustls::TlsConnector::from(config).connect(name, tcp).await.map(drop)
}

#[tokio::test]
async fn a_company_ca_is_trusted_through_the_platform_store_and_not_by_the_bundled_roots() -> TestResult {
    let (ca_pem, acceptor) = company_ca()?;
    let dir = tempfile::tempdir()?;
    let bundle = dir.path().join("company-ca.pem");
    std::fs::write(&bundle, &ca_pem)?;
    let empty_store = tempfile::tempdir()?;
    let empty = empty_store.path().join("empty.pem");
    std::fs::write(&empty, "")?;
    let ring = || Arc::new(rustls::crypto::ring::default_provider());

    // Linux without any CA certificate (a minimal container): the platform verifier cannot be built, and the bundled
    // roots are used instead.
    // SAFETY (every set_var here): this test is the binary's only one and no other thread runs yet (see the header).
    unsafe { std::env::set_var("SSL_CERT_FILE", &empty) };
    unsafe { std::env::set_var("SSL_CERT_DIR", empty_store.path()) };
    assert_eq!(tls::build(Trust::Platform, ring())?.1, Trust::Bundled, "no system roots: the bundled ones");

    unsafe { std::env::set_var("SSL_CERT_FILE", &bundle) };
    unsafe { std::env::remove_var("SSL_CERT_DIR") };

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(serve(listener, acceptor));

    // The bundled roots alone: the company CA is unknown.
    let (bundled, trust) = tls::build(Trust::Bundled, ring())?;
    assert_eq!(trust, Trust::Bundled);
    let refused = handshake(bundled, port).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(refused.contains("UnknownIssuer"), "the bundled roots refuse the company CA: {refused:?}");

    // The platform's verifier reads the system store, here the bundle holding the CA.
    let (platform, trust) = tls::build(Trust::Platform, ring())?;
    assert_eq!(trust, Trust::Platform, "the platform verifier is usable on Linux");
    handshake(platform, port).await?;

    // The engine's own connections (transport → tls::client_config) make the same choice, handshakes included.
    assert_eq!(tls::client_config()?.1, Trust::Platform);
    let server = format!("https://localhost:{port}");
    let connected = transport::connect(&server, Duration::from_secs(10), Liveness(Duration::from_secs(10))).await;
    let (socket, _incoming) = connected.map_err(|e| format!("wss:// through the company CA: {e}"))?;
    socket.close();
    Ok(())
}
