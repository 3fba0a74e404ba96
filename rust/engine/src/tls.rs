//! Which certificates a `wss://` (`https://`) connection trusts.
//!
//! The platform's trust store first, through [`rustls_platform_verifier`]: Android's trust manager (the system CAs
//! and the ones the user or a device-management profile installed), Apple's Security framework (the keychain,
//! configuration profiles), on Linux the system's CA bundle as OpenSSL finds it (`SSL_CERT_FILE` and `SSL_CERT_DIR`
//! override it). So a server behind a company CA works wherever the device itself trusts that CA.
//!
//! The Mozilla roots bundled in the library ([`webpki_roots`]) are the fallback, when the platform verifier cannot be
//! used: on Android until the app's glue has called [`init_android`] with a JNI context (and the verifier's small
//! Kotlin component is in the app, see the package's `android/build.gradle`), and on Linux when the system has no
//! CA certificates at all (a minimal container).
//!
//! The choice is made once per process, on the first secure connection ([`client_config`]). Both use rustls with the
//! *ring* crypto provider (the one the engine's WebRTC stack already links).

use std::sync::Arc;

use rustls::ClientConfig;
use rustls::crypto::CryptoProvider;

/// Where the trusted roots come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// The platform's verifier and trust store.
    Platform,
    /// The Mozilla roots bundled in the library.
    Bundled,
}

/// The TLS client configuration of every secure connection of the process, and which trust it uses.
#[cfg(feature = "tls")]
pub fn client_config() -> Result<(Arc<ClientConfig>, Trust), String> {
    static CONFIG: std::sync::OnceLock<Result<(Arc<ClientConfig>, Trust), String>> = std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let config = build(Trust::Platform, Arc::new(rustls::crypto::ring::default_provider()));
            if let Ok((_, trust)) = &config {
                tracing::info!(?trust, "TLS roots chosen");
            }
            config
        })
        .clone()
}

/// A configuration trusting `preferred` if it can be used, else the bundled roots, and which one it is. Fails only
/// for a crypto provider that supports no safe TLS version.
pub fn build(preferred: Trust, provider: Arc<CryptoProvider>) -> Result<(Arc<ClientConfig>, Trust), String> {
    if preferred == Trust::Platform {
        match platform(provider.clone()) {
            Ok(config) => return Ok((Arc::new(config), Trust::Platform)),
            Err(e) => {
                tracing::warn!(error = %e, "the platform's certificate verifier is unavailable; using the bundled roots")
            }
        }
    }
    Ok((Arc::new(bundled(provider)?), Trust::Bundled))
}

fn platform(provider: Arc<CryptoProvider>) -> Result<ClientConfig, String> {
    #[cfg(target_os = "android")]
    if !android::READY.load(std::sync::atomic::Ordering::Acquire) {
        return Err("not initialised from the app (init_android)".into());
    }
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| e.to_string())?;
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous() // not dangerous: the platform's verifier is a full verifier, only not rustls' own
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

fn bundled(provider: Arc<CryptoProvider>) -> Result<ClientConfig, String> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// An open WebSocket, plain or TLS.
pub type WebSocket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the WebSocket at `url` with TCP_NODELAY; a `wss://` URL is verified as this module's header says.
#[cfg(feature = "tls")]
pub async fn connect_websocket(url: String) -> Result<WebSocket, String> {
    let connector = tokio_tungstenite::Connector::Rustls(client_config()?.0);
    let connected = tokio_tungstenite::connect_async_tls_with_config(url, None, true, Some(connector)).await;
    connected.map(|(ws, _)| ws).map_err(|e| e.to_string())
}

/// Without the `tls` feature (the pure-Rust mobile check) only `ws://` connects.
#[cfg(not(feature = "tls"))]
pub async fn connect_websocket(url: String) -> Result<WebSocket, String> {
    let connected = tokio_tungstenite::connect_async_with_config(url, None, true).await;
    connected.map(|(ws, _)| ws).map_err(|e| e.to_string())
}

#[cfg(target_os = "android")]
pub use android::init_android;

#[cfg(target_os = "android")]
mod android {
    use std::ffi::c_void;
    use std::sync::atomic::{AtomicBool, Ordering};

    pub(super) static READY: AtomicBool = AtomicBool::new(false);

    /// Gives the platform verifier the JVM and the application's `Context` (Android; once, before the first
    /// connection — the package's JNI glue calls it when the native library loads). Until it has succeeded, secure
    /// connections trust the bundled roots.
    ///
    /// # Safety
    /// `env` must be the calling thread's valid `JNIEnv*` and `context` a valid local or global reference to an
    /// `android.content.Context`, inside a JNI native method's frame.
    pub unsafe fn init_android(env: *mut c_void, context: *mut c_void) -> Result<(), String> {
        // SAFETY: the caller passes the current thread's JNIEnv (see above).
        let mut unowned = unsafe { jni::EnvUnowned::from_raw(env.cast()) };
        let outcome = unowned
            .with_env(|env| -> jni::errors::Result<()> {
                // SAFETY: a valid reference to the Context, owned by the caller's frame (see above).
                let context = unsafe { jni::objects::JObject::from_raw(env, context.cast()) };
                rustls_platform_verifier::android::init_with_env(env, context)
            })
            .into_outcome();
        match outcome {
            jni::Outcome::Ok(()) => {
                READY.store(true, Ordering::Release);
                Ok(())
            }
            jni::Outcome::Err(e) => Err(e.to_string()),
            jni::Outcome::Panic(_) => Err("the platform verifier panicked while initialising".into()),
        }
    }
}
