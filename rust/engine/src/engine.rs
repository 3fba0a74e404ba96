//! The engine handle.

use std::sync::Arc;

use azstack_protocol::errors::{ApiError, ErrorCode};
use serde_json::Value;

use crate::config::Config;
use crate::events::EventSink;

/// One `AZStackCore` instance. Cheap to clone; all clones drive the same connection. Must be used inside a tokio
/// runtime.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    #[allow(dead_code)]
    config: Config,
    #[allow(dead_code)]
    sink: Arc<dyn EventSink>,
}

impl Engine {
    pub fn new(config: Config, sink: Arc<dyn EventSink>) -> Engine {
        Engine { inner: Arc::new(Inner { config, sink }) }
    }

    /// An engine from the constructor's options object (see [`Config::from_json`]).
    pub fn from_json(options: &Value, sink: Arc<dyn EventSink>) -> Engine {
        Engine::new(Config::from_json(options), sink)
    }

    /// Runs the API method `method` (its JavaScript name) with `params` (its options object, or `null`).
    pub async fn dispatch(&self, method: &str, _params: Value) -> Result<Value, ApiError> {
        Err(ApiError::new(ErrorCode::UnexpectedSendData, format!("Unknown method {method}")))
    }

    /// Closes the connection and stops every timer; pending requests fail. The engine can be dropped afterwards.
    pub async fn shutdown(&self) {}
}
