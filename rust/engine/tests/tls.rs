//! `wss://` and the trust store (src/tls.rs): a server whose certificate a throwaway "company" CA signed, on
//! 127.0.0.1, speaking just enough Engine.IO/Socket.IO for the transport's handshake.
//!
//! With the bundled Mozilla roots only, the connection fails on the certificate. With the platform's verifier it
//! succeeds once the CA is in the store the platform verifier reads; on Linux that is the system bundle, which
//! `SSL_CERT_FILE` replaces (rustls-native-certs reads it), so this test points it at a file holding the CA — the
//! same thing an administrator's `update-ca-certificates` achieves for the whole machine. An empty store shows the
//! fallback to the bundled roots. The environment is set before the process's first secure connection and this
//! binary holds this one test, so nothing else sees it. `uploadFile`'s HTTPS (reqwest over the same configuration)
//! is checked against the same CA.

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

/// An application's public key (the seed README's example, SPKI DER in base64): the upload's token is made with it.
const SEED_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAs1XFclMmD+l83OY3oOqN2a4JH4PkFvi9O/SOAnASmgfjXliWm7XeVMHeTfNKWKcEZKzWp8rFdwVlO5dXqKquLmcmnr4gb+yvakXNnRm6z135BQDQKCAvrDyEuzr31mmtk935+Yxms8Lfiuxmi5hWZszfTyJDBp2xokeOXbDLjqhunMO3wfxs+lao0qxWxfk4Eb0847/3sY+Zt7hMIceZEYhg7rwdnkl+zNJusPnWYFsf5povE1/qke+KCAL5z2Xte7xcpSv3b29Tl5W4iMfGOqh4ikytfRL/OTRXH3U0wuLuxSDsD7Lms0foAEPCdRJzbGnoNmsV/ongwKRrONitFQIDAQAB";

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

/// Answers each HTTPS request (an upload) with the JSON of a stored file, once its whole body has been read.
async fn serve_uploads(listener: TcpListener, acceptor: TlsAcceptor) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    while let Ok((tcp, _)) = listener.accept().await {
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(mut tls) = acceptor.accept(tcp).await else { return };
            let mut request = Vec::new();
            let mut buffer = vec![0; 64 * 1024];
            let (head_end, length) = loop {
                let Ok(n) = tls.read(&mut buffer).await else { return };
                if n == 0 {
                    return;
                }
                request.extend_from_slice(&buffer[..n]);
                if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:").and_then(|v| v.trim().parse::<usize>().ok()))
                        .unwrap_or(0);
                    break (end + 4, length);
                }
            };
            while request.len() < head_end + length {
                let Ok(n) = tls.read(&mut buffer).await else { return };
                if n == 0 {
                    return;
                }
                request.extend_from_slice(&buffer[..n]);
            }
            let body = format!(
                r#"{{"url":"https://files.example.org/files/x","fileLength":{length},"mimeType":"text/plain","name":"a.txt"}}"#
            );
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tls.write_all(reply.as_bytes()).await;
            let _ = tls.shutdown().await;
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
    tokio::spawn(serve(listener, acceptor.clone()));

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

    // And uploadFile's HTTPS (reqwest over the same TLS configuration).
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(serve_uploads(listener, acceptor));
    let file = dir.path().join("a.txt");
    std::fs::write(&file, vec![b'x'; 300_000])?;
    let engine = azstack_engine::Engine::from_json(
        &serde_json::json!({
            "masterSocketUri": format!("https://localhost:{port}"),
            "authenticatingData": {"appId": "app", "publicKey": SEED_KEY, "azStackUserId": "alice", "fullname": "A"}
        }),
        Arc::new(azstack_engine::NoEvents),
    );
    let uploaded = engine
        .dispatch("uploadFile", serde_json::json!({"path": file.to_str().unwrap_or_default()}))
        .await
        .map_err(|e| format!("uploadFile over https through the company CA: {e:?}"))?;
    assert_eq!(uploaded["fileLength"], 300_000, "{uploaded}");
    Ok(())
}
