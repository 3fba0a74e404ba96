//! Mobile push (PROTOCOL.md §10.3, §5.3 OQ-21, §5.5 OQ-24, §11.2): APNs and FCM notifications for the users whose
//! app sleeps.
//!
//! For the push-worthy events — user messages 5/104/121/113, group messages 146, free-call offers 186 and their
//! cancels 188, call-ins 602 — the code that delivers the event also hands it to [`Push::notify`], with its
//! recipients. `notify` keeps those with no foreground session (no session, or only sessions whose last svc 105
//! state is 1) and enqueues; it never awaits. Workers ([`queue`]) then read the recipients' device tokens, decide
//! the route of each ([`decide`]: alert or VoIP push on iOS, notification or high-priority data message on
//! Android), build the request ([`payload`]) and send it ([`apns`], [`fcm`] with [`oauth`]), retrying 429/5xx and
//! deleting tokens the service reports invalid. Every attempt is counted in `azstack_push_total{service,
//! outcome}` ([`outcome`]). Per application, `[apps.push]` configures APNs, FCM or both ([`config`]); an
//! application without it gets no push.
//!
//! **Crates.** HTTP/2 over TLS is reqwest (rustls on aws-lc-rs, `http2`): the server already builds it (webhook
//! verifiers), with hyper, rustls and aws-lc-rs, so push adds only h2. JWTs are `jsonwebtoken` on its aws-lc-rs
//! backend, the same crypto library: ES256 for the APNs provider token, RS256 for the FCM service-account grant.
//! `a2` (APNs only) and the FCM crates were not taken: each brings a second HTTP stack or crypto library for what
//! is one request with a signed header.
//!
//! **Tests** reach a local stand-in of each service instead ([`standin`], feature `testkit`): the real services
//! cannot be reached from a test machine. It is the only stand-in of the test suite.

pub mod apns;
pub mod config;
pub mod decide;
pub mod fcm;
pub mod oauth;
pub mod outcome;
pub mod payload;
pub mod queue;
#[cfg(feature = "testkit")]
pub mod standin;

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;

pub use config::{ApnsConfig, FcmConfig, PushConfig, PushConfigError};
pub use decide::{Event, Notification, What};

use crate::fanout::Fanout;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::warnings::Warnings;
use outcome::{Counted, PushService, count};

/// One application's push clients.
pub struct AppPush {
    pub apns: Option<apns::Apns>,
    pub fcm: Option<fcm::Fcm>,
    pub hide_content: bool,
}

/// The push sender the handlers and the call registry hold.
pub struct Push {
    /// The applications with `[apps.push]`, by id.
    apps: HashMap<String, Arc<AppPush>>,
    /// The workers' queues; empty when no application has push.
    queues: Vec<mpsc::Sender<Event>>,
    fanout: Arc<dyn Fanout>,
    metrics: Arc<Metrics>,
    warnings: Arc<Warnings>,
    pending: Arc<queue::Pending>,
}

impl Push {
    /// Sets up the clients of every application with `[apps.push]` (`apps`: its id and configuration) and starts
    /// the workers (none when no application has push). A key or service-account file that cannot be read stops the start.
    pub fn start<'a>(
        apps: impl IntoIterator<Item = (&'a str, &'a PushConfig)>,
        ring_secs: u64,
        store: Arc<dyn Store>,
        fanout: Arc<dyn Fanout>,
        metrics: Arc<Metrics>,
        warnings: Arc<Warnings>,
    ) -> Result<Push, PushConfigError> {
        let mut clients = HashMap::new();
        for (id, push) in apps {
            let apns = push.apns.as_ref().map(apns::Apns::new).transpose()?;
            let fcm = push.fcm.as_ref().map(fcm::Fcm::new).transpose()?;
            clients.insert(id.to_owned(), Arc::new(AppPush { apns, fcm, hide_content: push.hide_content }));
        }
        let pending = Arc::new(queue::Pending::default());
        let queues = if clients.is_empty() {
            Vec::new()
        } else {
            let workers = queue::Workers {
                apps: clients.clone(),
                store,
                metrics: metrics.clone(),
                ring_secs,
                pending: pending.clone(),
            };
            workers.spawn()
        };
        Ok(Push { apps: clients, queues, fanout, metrics, warnings, pending })
    }

    /// Enqueues `event` for its recipients that have no foreground session. Never waits: with the queue full the
    /// event is dropped (counted, and a warning).
    pub fn notify(&self, mut event: Event) {
        let Some(app) = self.apps.get(&*event.app_id) else { return };
        event.to.retain(|&user| !self.fanout.in_foreground(user));
        let Some(&first) = event.to.first() else { return };
        // One user's events go to one worker, in order.
        let Some(tx) = self.queues.get(first.unsigned_abs() as usize % self.queues.len().max(1)) else { return };
        self.pending.add();
        if tx.try_send(event).is_err() {
            self.pending.done();
            for (configured, service) in
                [(app.apns.is_some(), PushService::Apns), (app.fcm.is_some(), PushService::Fcm)]
            {
                if configured {
                    count(&self.metrics, service, Counted::Dropped);
                }
            }
            crate::warn_limited!(self.warnings, "push queue full; notification dropped");
        }
    }

    /// Whether pushes are configured for `app_id`.
    pub fn enabled(&self, app_id: &str) -> bool {
        self.apps.contains_key(app_id)
    }

    /// Completes once every event enqueued so far has been sent or given up on (tests, the bench).
    pub async fn settled(&self) {
        self.pending.settled().await;
    }
}
