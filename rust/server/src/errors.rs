//! Why a packet was not acted on: [`Reject`], and [`Handled`], what every packet handler returns.
//!
//! The handlers of every area (chat, groups, calls…) share these, so they live below all of them. The gateway logs
//! and counts a rejection; the client gets whatever error reply the handler already sent (for services that have
//! one), never a crash.

use azstack_protocol::{DecodeError, Service};

use crate::metrics::Metrics;
use crate::store::StoreError;
use crate::warnings::Warnings;

/// Why a packet was not acted on.
#[derive(Debug, thiserror::Error)]
pub enum Reject {
    #[error(transparent)]
    Body(#[from] DecodeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A valid packet the sender may not send (someone else's data, a service only the server sends, a list over
    /// the limit).
    #[error("refused: {0}")]
    Refused(&'static str),
}

impl Reject {
    /// Counts the rejection of `service` from session `session` and logs it (rate-limited per cause).
    pub fn record(&self, warnings: &Warnings, session: u64, service: Service) {
        let metrics = warnings.metrics();
        match self {
            Reject::Body(_) => Metrics::inc(&metrics.packets_malformed),
            Reject::Store(_) => Metrics::inc(&metrics.store_errors),
            Reject::Refused(_) => Metrics::inc(&metrics.packets_unknown_service),
        }
        let error = warnings.clip(&self.to_string()).to_string();
        let service = service.number();
        match self {
            Reject::Store(_) => crate::warn_limited!(warnings, "packet failed in the store", session, service, %error),
            _ => crate::warn_limited!(warnings, "packet rejected", session, service, %error),
        }
    }
}

/// What a packet handler returns.
pub type Handled = Result<(), Reject>;
