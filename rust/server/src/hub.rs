//! The server's shared state, handed to every handler.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::admission::Admission;
use crate::auth::App;
use crate::calls::Calls;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::session::Registry;
use crate::store::Store;

pub struct Hub {
    pub config: Config,
    pub store: Store,
    pub sessions: Registry,
    pub apps: RwLock<HashMap<String, Arc<App>>>,
    pub calls: Calls,
    /// The SIP gateway, when a trunk is configured (D13).
    pub sip: Option<Arc<crate::sip::Gateway>>,
    /// Call recordings and their links, with `[sip.recording]`.
    pub recordings: Option<crate::recordings::Recordings>,
    /// The embedded STUN/TURN server, with `[turn]`.
    pub turn: Option<crate::turn::Turn>,
    pub metrics: Metrics,
    /// Client-caused warnings, rate-limited per cause ([`crate::warn_limited!`]).
    pub warnings: crate::warnings::Warnings,
    /// For webhook verifiers.
    pub http: reqwest::Client,
    /// The clients' connections until they log in (deadline, caps, shedding).
    pub admission: Admission,
    /// Token decryptions (RSA) running at once (`max_concurrent_decrypts`).
    pub decrypts: tokio::sync::Semaphore,
}

impl Hub {
    pub fn app(&self, id: &str) -> Option<Arc<App>> {
        self.apps.read().ok().and_then(|m| m.get(id).cloned())
    }
}
