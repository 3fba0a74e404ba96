//! The constructor configuration of `AZStackCore` (seed README §3.2.2, PROTOCOL.md §9.1).
//!
//! The original applies numeric options only when they are truthy numbers and coerces every non-string field of
//! `authenticatingData` to `""`; [`Config::from_json`] does the same, so a configuration never fails to load: a
//! wrong value simply keeps its default. Four keys are extensions: `masterSocketUri` (the server URL, which the
//! original hard-codes), `autoReconnectBackoff` (exponential backoff with jitter instead of the fixed interval),
//! `waitTimeoutOnDisconnect` (keep the original behaviour of letting pending requests run into their timeout when
//! the connection drops, instead of failing them at once, D9) and `livenessTimeout` (how long a silent connection
//! counts as alive, see [`crate::transport`]). A fifth, `storagePath`, turns on the engine's storage ([`crate::api::outbox`],
//! [`crate::catch_up`]).

use serde_json::Value;

/// The URL the original core connects to (PROTOCOL.md §1.1). Kept as the default; every real deployment sets
/// `masterSocketUri`.
pub const DEFAULT_MASTER_SOCKET_URI: &str = "https://www.azhub.xyz:9199";

/// `livenessTimeout` by default: a silent loss is noticed within 10 s.
pub const DEFAULT_LIVENESS_TIMEOUT: u64 = 10_000;
/// The smallest `livenessTimeout` taken: below it a slow but healthy link would be dropped.
pub const MIN_LIVENESS_TIMEOUT: u64 = 500;

/// `platform` sent in svc 179: 1 Android, 2 iOS, 3 web (`platformConstants`).
#[cfg(target_os = "ios")]
pub const DEFAULT_PLATFORM: i64 = 2;
#[cfg(not(target_os = "ios"))]
pub const DEFAULT_PLATFORM: i64 = 1;

/// The user this engine authenticates as (`authenticatingData`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthenticatingData {
    pub app_id: String,
    pub public_key: String,
    pub az_stack_user_id: String,
    pub user_credentials: String,
    pub fullname: String,
    pub namespace: String,
}

impl AuthenticatingData {
    /// Reads `authenticatingData` as the original does: every field that is not a string becomes `""`.
    pub fn from_json(value: &Value) -> AuthenticatingData {
        let field = |name: &str| value.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
        AuthenticatingData {
            app_id: field("appId"),
            public_key: field("publicKey"),
            az_stack_user_id: field("azStackUserId"),
            user_credentials: field("userCredentials"),
            fullname: field("fullname"),
            namespace: field("namespace"),
        }
    }

    /// The four fields `connect` requires (PROTOCOL.md §3.1).
    pub fn is_complete(&self) -> bool {
        !self.app_id.is_empty()
            && !self.public_key.is_empty()
            && !self.az_stack_user_id.is_empty()
            && !self.fullname.is_empty()
    }
}

/// Engine configuration. Times are milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub request_timeout: u64,
    pub interval_ping_time: u64,
    pub auto_reconnect: bool,
    /// 0 = unlimited.
    pub auto_reconnect_limit_tries: u64,
    pub auto_reconnect_interval_time: u64,
    /// Extension: double the interval after each failed attempt (capped at 25 s, ±25 % jitter).
    pub auto_reconnect_backoff: bool,
    pub log_level: String,
    pub authenticating_data: AuthenticatingData,
    /// Extension: the server URL (`http(s)://host:port` or `ws(s)://host:port`).
    pub master_socket_uri: String,
    /// Extension: restore the original behaviour where a dropped connection leaves pending requests to time out.
    pub wait_timeout_on_disconnect: bool,
    /// Extension: a connection from which nothing arrived for this long is lost (a WebSocket ping goes out after
    /// half of it). Bounds the detection of a silent loss.
    pub liveness_timeout: u64,
    /// Extension: a directory the app owns, where the engine keeps its outbox and catch-up cursor (SQLite).
    pub storage_path: Option<String>,
    /// Sent in svc 179 (`platformConstants`).
    pub platform: i64,
    /// Sent in svc 179 as `"<width>x<height>"`.
    pub screen_size: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            request_timeout: 60_000,
            interval_ping_time: 60_000,
            auto_reconnect: false,
            auto_reconnect_limit_tries: 0,
            auto_reconnect_interval_time: 5_000,
            auto_reconnect_backoff: false,
            log_level: "NONE".to_owned(),
            authenticating_data: AuthenticatingData::default(),
            master_socket_uri: DEFAULT_MASTER_SOCKET_URI.to_owned(),
            wait_timeout_on_disconnect: false,
            liveness_timeout: DEFAULT_LIVENESS_TIMEOUT,
            storage_path: None,
            platform: DEFAULT_PLATFORM,
            screen_size: "0x0".to_owned(),
        }
    }
}

/// A strictly positive integral number, as the original's "truthy number" test accepts it for durations and counts.
fn positive(value: Option<&Value>) -> Option<u64> {
    let n = value?.as_f64()?;
    (n.is_finite() && n >= 1.0).then_some(n as u64)
}

impl Config {
    /// The liveness bound of the sockets this configuration opens.
    pub fn liveness(&self) -> crate::transport::Liveness {
        crate::transport::Liveness(std::time::Duration::from_millis(self.liveness_timeout))
    }

    /// Reads the constructor's options object. Never fails: a missing or ill-typed option keeps its default.
    pub fn from_json(options: &Value) -> Config {
        let mut config = Config::default();
        if let Some(v) = positive(options.get("requestTimeout")) {
            config.request_timeout = v;
        }
        if let Some(v) = positive(options.get("intervalPingTime")) {
            config.interval_ping_time = v;
        }
        if let Some(v) = options.get("autoReconnect").and_then(Value::as_bool) {
            config.auto_reconnect = v;
        }
        if let Some(v) = positive(options.get("autoReconnectLimitTries")) {
            config.auto_reconnect_limit_tries = v;
        }
        if let Some(v) = positive(options.get("autoReconnectIntervalTime")) {
            config.auto_reconnect_interval_time = v;
        }
        if let Some(v) = options.get("autoReconnectBackoff").and_then(Value::as_bool) {
            config.auto_reconnect_backoff = v;
        }
        if let Some(v) = options.get("logLevel").and_then(Value::as_str) {
            config.log_level = v.to_owned();
        }
        if let Some(v) = options.get("authenticatingData").filter(|v| v.is_object()) {
            config.authenticating_data = AuthenticatingData::from_json(v);
        }
        if let Some(v) = options.get("masterSocketUri").and_then(Value::as_str).filter(|s| !s.is_empty()) {
            config.master_socket_uri = v.to_owned();
        }
        if let Some(v) = options.get("waitTimeoutOnDisconnect").and_then(Value::as_bool) {
            config.wait_timeout_on_disconnect = v;
        }
        if let Some(v) = positive(options.get("livenessTimeout")) {
            config.liveness_timeout = v.max(MIN_LIVENESS_TIMEOUT);
        }
        if let Some(v) = options.get("storagePath").and_then(Value::as_str).filter(|s| !s.is_empty()) {
            config.storage_path = Some(v.to_owned());
        }
        if let Some(v) = options.get("platform").and_then(Value::as_i64) {
            config.platform = v;
        }
        if let Some(v) = options.get("screenSize").and_then(Value::as_str) {
            config.screen_size = v.to_owned();
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_match_the_seed() {
        let c = Config::from_json(&json!({}));
        assert_eq!(c, Config::default());
        assert_eq!((c.request_timeout, c.interval_ping_time, c.auto_reconnect_interval_time), (60_000, 60_000, 5_000));
        assert!(!c.auto_reconnect);
        assert_eq!(c.auto_reconnect_limit_tries, 0);
        assert_eq!(c.log_level, "NONE");
    }

    #[test]
    fn only_truthy_numbers_apply_and_auth_fields_coerce_to_strings() {
        let c = Config::from_json(&json!({
            "requestTimeout": 0, "intervalPingTime": "5", "autoReconnect": true, "autoReconnectLimitTries": 3,
            "autoReconnectIntervalTime": 250, "masterSocketUri": "http://127.0.0.1:1",
            "authenticatingData": {"appId": "a", "publicKey": 5, "azStackUserId": "u", "fullname": "F", "namespace": null}
        }));
        assert_eq!(c.request_timeout, 60_000);
        assert_eq!(c.interval_ping_time, 60_000);
        assert!(c.auto_reconnect);
        assert_eq!((c.auto_reconnect_limit_tries, c.auto_reconnect_interval_time), (3, 250));
        assert_eq!(c.master_socket_uri, "http://127.0.0.1:1");
        assert_eq!(c.authenticating_data.public_key, "");
        assert_eq!(c.authenticating_data.namespace, "");
        assert!(!c.authenticating_data.is_complete());
    }

    #[test]
    fn liveness_timeout_has_a_floor() {
        assert_eq!(Config::default().liveness_timeout, 10_000);
        assert_eq!(Config::from_json(&json!({"livenessTimeout": 2500})).liveness_timeout, 2_500);
        assert_eq!(Config::from_json(&json!({"livenessTimeout": 10})).liveness_timeout, MIN_LIVENESS_TIMEOUT);
        assert_eq!(Config::from_json(&json!({"livenessTimeout": -1})).liveness_timeout, 10_000);
    }
}
