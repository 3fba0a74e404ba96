//! The `WebPacket` envelope (PROTOCOL.md §1.2).
//!
//! Every packet in both directions is one Socket.IO event named `WebPacket` whose single argument is
//! `{"service": <int>, "body": <string of JSON text>}`. The body is JSON *inside* a string; sending it as an
//! object makes the original client drop the packet. `Envelope` keeps the body as text so the gateway can decode it
//! lazily into the type each service expects.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Service;

/// The Socket.IO event name that carries every packet.
pub const EVENT: &str = "WebPacket";

/// The envelope as it travels: the service number and the body as JSON text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub service: i64,
    #[serde(default)]
    pub body: String,
}

/// Why a packet could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("envelope is not an object with an integer `service` and a string `body`: {0}")]
    Envelope(String),
    #[error("unknown service {0}")]
    UnknownService(i64),
    #[error("body of service {service} is not valid: {reason}")]
    Body { service: i64, reason: String },
}

impl Envelope {
    /// An envelope for `service` whose body is `body` serialised to JSON text.
    pub fn new<T: Serialize + ?Sized>(service: Service, body: &T) -> Envelope {
        // Serialising our own plain data types cannot fail; fall back to `{}` rather than panic.
        let body = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
        Envelope { service: i64::from(service.number()), body }
    }

    /// Reads an envelope from a Socket.IO event argument.
    pub fn from_value(value: serde_json::Value) -> Result<Envelope, DecodeError> {
        serde_json::from_value(value).map_err(|e| DecodeError::Envelope(e.to_string()))
    }

    /// Reads an envelope from JSON text.
    pub fn from_json(text: &str) -> Result<Envelope, DecodeError> {
        serde_json::from_str(text).map_err(|e| DecodeError::Envelope(e.to_string()))
    }

    /// The service, if the number is known.
    pub fn service(&self) -> Result<Service, DecodeError> {
        Service::from_number(self.service).ok_or(DecodeError::UnknownService(self.service))
    }

    /// Decodes the body into `T`. An empty body reads as `{}`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        let text = if self.body.trim().is_empty() { "{}" } else { self.body.as_str() };
        serde_json::from_str(text).map_err(|e| DecodeError::Body { service: self.service, reason: e.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_a_string_of_json() {
        let env = Envelope::new(Service::PING, &serde_json::json!({}));
        let wire = serde_json::to_string(&env).unwrap();
        assert_eq!(wire, r#"{"service":1,"body":"{}"}"#);
        let back = Envelope::from_json(&wire).unwrap();
        assert_eq!(back.service().unwrap(), Service::PING);
    }

    #[test]
    fn bad_envelopes_are_errors() {
        assert!(Envelope::from_json("[]").is_err());
        assert!(Envelope::from_json(r#"{"service":"72","body":"{}"}"#).is_err());
        assert!(Envelope::from_json(r#"{"service":72,"body":{}}"#).is_err());
        let env = Envelope::from_json(r#"{"service":9999,"body":"{}"}"#).unwrap();
        assert_eq!(env.service(), Err(DecodeError::UnknownService(9999)));
        let env = Envelope::from_json(r#"{"service":72,"body":"{not json"}"#).unwrap();
        assert!(env.decode::<serde_json::Value>().is_err());
    }

    #[test]
    fn missing_or_empty_body_reads_as_empty_object() {
        let env = Envelope::from_json(r#"{"service":1}"#).unwrap();
        assert_eq!(env.decode::<serde_json::Value>().unwrap(), serde_json::json!({}));
    }
}
