//! Discovery and authentication (PROTOCOL.md §2).
//!
//! A client first asks the master socket where its chat server is (svc 29, [`ServerAddrRequest`] →
//! [`ServerAddrReply`]), then opens a second socket to the same URL and authenticates (svc 179, [`Authenticate`])
//! with an RSA-encrypted [`TokenPlaintext`]. The server answers svc 162 with either [`AuthSuccess`] or
//! [`AuthFailure`]; [`AuthenticateReply`] decodes whichever arrived using the engine rule of §2.5: success iff
//! `userId` is a number and `ice_server` is an array.
//!
//! Two spellings of the user id exist: `azStackUserId` in svc 29 and in the API, `azStackUserID` (capital `ID`)
//! inside the token. The token accepts both on decode and always writes `azStackUserID`.

use serde::{Deserialize, Serialize};

use super::IntOrString;

/// svc 29, C→S (master socket): where is my chat server? \[W\] sent `{}`, so the user id is optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerAddrRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub az_stack_user_id: Option<String>,
}

/// svc 29, S→C (master socket): the chat server's address, echoed back by the client in svc 179 as
/// `slaveIp`/`slavePort`. `port` is an integer or a string.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerAddrReply {
    pub ip: String,
    pub port: IntOrString,
}

/// The plaintext of the svc 179 `token` (PROTOCOL.md §2.2), before RSA PKCS#1 v1.5 encryption. Keys are written in
/// the original order `sdkVersion, namespace, azStackUserID, userCredentials`. On decode the user id may be spelt
/// `azStackUserID` or `azStackUserId` (\[W\]); missing `sdkVersion`, `namespace` and `userCredentials` read as `""`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenPlaintext {
    #[serde(rename = "sdkVersion", default)]
    pub sdk_version: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(rename = "azStackUserID", alias = "azStackUserId")]
    pub az_stack_user_id: String,
    #[serde(rename = "userCredentials", default)]
    pub user_credentials: String,
}

/// svc 179, C→S (slave socket): authenticate. `platform` is never sent by \[H\] and `screenSize` is informational;
/// `slaveIp`/`slavePort` echo svc 29 and may be ignored by a single-process server, so they are optional on decode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authenticate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slave_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slave_port: Option<IntOrString>,
    /// Base64 of the RSA ciphertext of a [`TokenPlaintext`].
    pub token: String,
    pub fullname: String,
    #[serde(default)]
    pub namespace: String,
    pub app_id: String,
    /// `crate::constants::platform::PLATFORM_*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<i64>,
    pub sdk_version: String,
    /// `"<width>x<height>"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen_size: Option<String>,
}

/// One entry of svc 162 `ice_server`: a STUN or TURN server with the legacy singular `url` key and the credential
/// under `password` (the client renames it `credential`). `urls` is accepted as an alias on decode, as one URL or as
/// the array of the `RTCIceServer` dictionary; an array decodes to its URLs joined with `,` (how the engine reads
/// several URLs of one entry).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IceServer {
    #[serde(alias = "urls", deserialize_with = "url_or_urls")]
    pub url: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
}

fn url_or_urls<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(url) => url,
        OneOrMany::Many(urls) => urls.join(","),
    })
}

/// svc 162, S→C: authentication succeeded. The original client reads `userId`, `username` (its `azStackUserId`),
/// `fullname` and `ice_server` (required, may be empty); the server also sends `resultCode: 0` and `r: 1` (OQ-1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthSuccess {
    pub user_id: i64,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub fullname: String,
    #[serde(rename = "ice_server")]
    pub ice_server: Vec<IceServer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r: Option<i64>,
}

/// svc 162, S→C: authentication failed (D3): `{resultCode: <non-zero>, r: -1, message}` without `userId`,
/// `username` and `ice_server`. Every field is optional on decode because any 162 that is not an [`AuthSuccess`] is
/// a failure for the engine.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthFailure {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// svc 162, S→C: either outcome. Decodes as [`AuthenticateReply::Success`] when the body is an [`AuthSuccess`]
/// (numeric `userId`, array `ice_server`), otherwise as [`AuthenticateReply::Failure`] (§2.5 engine rule).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AuthenticateReply {
    Success(AuthSuccess),
    Failure(AuthFailure),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ice_servers_take_url_or_urls_as_text_or_list() {
        let body = r#"{"userId": 7, "ice_server": [
            {"url": "stun:a.example:3478"},
            {"urls": "turn:b.example:3478", "username": "u", "password": "p"},
            {"urls": ["stun:c.example", "turn:c.example?transport=tcp"]}
        ]}"#;
        let decoded: AuthSuccess = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}"));
        let urls: Vec<&str> = decoded.ice_server.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(urls, ["stun:a.example:3478", "turn:b.example:3478", "stun:c.example,turn:c.example?transport=tcp"]);
        assert_eq!(decoded.ice_server[1].password, "p");
        assert!(serde_json::from_str::<IceServer>(r#"{"urls": 5}"#).is_err());
    }
}
