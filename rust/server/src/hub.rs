//! The server's shared state: the container the composition root (server start, the gateway) builds and reaches
//! into. Everything below it takes the narrow handles it needs instead — the handlers their [`Services`], the call
//! registry its sessions, store and counters, the listener its admission — so dependencies point one way: down from
//! here.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::admission::Admission;
use crate::auth::App;
use crate::calls::Calls;
use crate::config::Config;
use crate::handlers::Services;
use crate::metrics::Metrics;
use crate::session::Registry;
use crate::store::SqlStore;
use crate::warnings::Warnings;

pub struct Hub {
    pub config: Config,
    pub store: Arc<SqlStore>,
    /// This node's sessions; what pushes to other users goes through `services.fanout`.
    pub sessions: Arc<Registry>,
    pub apps: RwLock<HashMap<String, Arc<App>>>,
    pub calls: Arc<Calls>,
    /// What the packet handlers work with.
    pub services: Arc<Services>,
    /// The SIP gateway, when a trunk is configured (D13).
    pub sip: Option<Arc<azstack_sip::Gateway>>,
    /// Call recordings and their links, with `[sip.recording]`.
    pub recordings: Option<Arc<crate::recordings::Recordings>>,
    /// The embedded STUN/TURN server, with `[turn]`.
    pub turn: Option<crate::turn::Turn>,
    /// Mobile pushes (`[apps.push]`).
    pub push: Arc<crate::push::Push>,
    pub metrics: Arc<Metrics>,
    /// Client-caused warnings, rate-limited per cause ([`crate::warn_limited!`]).
    pub warnings: Arc<Warnings>,
    /// For webhook verifiers.
    pub http: reqwest::Client,
    /// The clients' connections until they log in (deadline, caps, shedding).
    pub admission: Arc<Admission>,
    /// Token decryptions (RSA) running at once (`max_concurrent_decrypts`).
    pub decrypts: tokio::sync::Semaphore,
    /// This node in a cluster (`[cluster]`): discovery hands out the live nodes; `services.fanout` is the cluster.
    pub cluster: Option<Arc<crate::cluster::Cluster>>,
}

impl Hub {
    pub fn app(&self, id: &str) -> Option<Arc<App>> {
        self.apps.read().ok().and_then(|m| m.get(id).cloned())
    }
}
