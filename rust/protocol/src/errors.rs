//! Error codes and the error object of the public API (PROTOCOL.md §3.0, §7.5).
//!
//! Every failure the API reports is `{code, message}` where `code` is one of a fixed set of strings
//! (`constant/errorCodes.js`) and `message` a human text; PROTOCOL.md §3 lists the exact texts per method and the
//! engine reproduces them (D10). Callout start errors add a numeric `status` (§3.9). The original client reported
//! WebRTC failures under the key `error` instead of `code` (Appendix A, Q12); here they are an ordinary
//! [`ErrorCode::Webrtc`] code.
//!
//! These are API-level values: they never travel inside a `WebPacket` body. Server replies signal failure with `r`
//! (see [`crate::constants::reply_success`] and [`crate::bodies::ErrorReply`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal ),+ $(,)?) => {
        /// An API error code. Serialises as its string (`"ERR_SOCKET_CONNECT"`, ...).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum ErrorCode {
            $( $(#[$doc])* #[serde(rename = $text)] $variant, )+
        }

        impl ErrorCode {
            /// Every code, in the order of `errorCodes.js`.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The code's string, which is also its constant name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( ErrorCode::$variant => $text, )+
                }
            }
        }

        impl FromStr for ErrorCode {
            type Err = UnknownErrorCode;
            fn from_str(s: &str) -> Result<ErrorCode, UnknownErrorCode> {
                match s {
                    $( $text => Ok(ErrorCode::$variant), )+
                    _ => Err(UnknownErrorCode(s.to_owned())),
                }
            }
        }
    };
}

error_codes! {
    /// Cannot connect to the master or slave socket.
    SocketConnect = "ERR_SOCKET_CONNECT",
    /// A packet's body could not be parsed.
    SocketParseBody = "ERR_SOCKET_PARSE_BODY",
    /// The master socket answered with a service other than 29.
    SocketUnknownService = "ERR_SOCKET_UNKNOWN_SERVICE",
    /// The socket is not connected (send failure; with D9 also pending requests on disconnect).
    SocketNotConnected = "ERR_SOCKET_NOT_CONNECTED",
    /// The request timed out.
    RequestTimeout = "ERR_REQUEST_TIMEOUT",
    /// Local state or precondition error.
    UnexpectedData = "ERR_UNEXPECTED_DATA",
    /// Parameter validation failed.
    UnexpectedSendData = "ERR_UNEXPECTED_SEND_DATA",
    /// The server's reply was malformed or negative.
    UnexpectedReceivedData = "ERR_UNEXPECTED_RECEIVED_DATA",
    /// Media capture or peer connection failure. Not in the seed README; in \[R\] and \[H\].
    Webrtc = "ERR_WEBRTC",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the [`ErrorCode`]s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code {0:?}")]
pub struct UnknownErrorCode(pub String);

/// The error object handed to callbacks, promise rejections and delegates: `{code, message}`, plus `status` for
/// callout start errors (`call::CALL_STATUS_CALLOUT_INITIAL_*`, §3.9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i64>,
}

impl ApiError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), status: None }
    }

    /// `ERR_UNEXPECTED_DATA` with `message`: input the engine cannot use.
    pub fn unexpected(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::UnexpectedData, message)
    }

    /// The same error with a callout `status`.
    pub fn with_status(mut self, status: i64) -> ApiError {
        self.status = Some(status);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_their_names() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::from(code.as_str()));
            assert_eq!(serde_json::from_value::<ErrorCode>(json).unwrap(), *code);
            assert_eq!(code.as_str().parse::<ErrorCode>().unwrap(), *code);
        }
        assert_eq!(ErrorCode::ALL.len(), 9);
        assert!("ERR_NOPE".parse::<ErrorCode>().is_err());
    }

    #[test]
    fn api_error_shape() {
        let e = ApiError::new(ErrorCode::Webrtc, "Cannot get user media");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "ERR_WEBRTC", "message": "Cannot get user media"})
        );
        let e = ApiError::new(ErrorCode::UnexpectedReceivedData, "Your account has not enough balance").with_status(-4);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "ERR_UNEXPECTED_RECEIVED_DATA", "message": "Your account has not enough balance", "status": -4})
        );
        assert_eq!(e.to_string(), "ERR_UNEXPECTED_RECEIVED_DATA: Your account has not enough balance");
    }
}
