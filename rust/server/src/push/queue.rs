//! The push queue and its workers. [`super::Push::notify`] only enqueues (never awaits the network, never waits for
//! room: a full queue drops the event, counted as `dropped`, with a rate-limited warning), so message delivery
//! and call signalling never wait for APNs or FCM. Each worker has a bounded queue of its own, and an event goes to
//! the queue its (first) recipient picks, so the pushes of one user leave in the order of their events — a call's
//! 188 never overtakes its 186. A worker looks up the recipients' device tokens and unread counts and sends to all
//! tokens of one recipient at once.
//!
//! **Retries.** 429 and 5xx answers and network errors are retried up to [`RETRIES`] times, after the service's
//! `Retry-After` when it gave one and otherwise after an exponential backoff from [`BACKOFF`]. Each retry counts as
//! `retried`; a send that never succeeds counts once as `failed`. A token the service reports invalid is deleted
//! from the store (`invalid_token`).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};

use super::AppPush;
use super::apns::now_secs;
use super::decide::{Event, Route, is_call, notification, routes};
use super::outcome::{Counted, Outcome, PushService, count};
use super::payload;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::store::devices::Device;

/// Events waiting for the workers, all queues together; beyond a queue's share, events are dropped.
pub const QUEUE: usize = 4096;
/// Workers sending at once, each with its queue.
pub const WORKERS: usize = 16;
/// Retries of one send after a 429, a 5xx or a network error.
pub const RETRIES: u32 = 3;
/// The first backoff; it doubles with each retry.
pub const BACKOFF: Duration = Duration::from_millis(500);

/// Events enqueued and not yet fully sent, with a wake-up for [`Pending::settled`].
#[derive(Default)]
pub struct Pending {
    count: AtomicUsize,
    idle: Notify,
}

impl Pending {
    pub fn add(&self) {
        self.count.fetch_add(1, Ordering::AcqRel);
    }

    pub fn done(&self) {
        if self.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.idle.notify_waiters();
        }
    }

    /// Completes once every event enqueued so far has been sent (or given up on).
    pub async fn settled(&self) {
        loop {
            let idle = self.idle.notified();
            if self.count.load(Ordering::Acquire) == 0 {
                return;
            }
            idle.await;
        }
    }
}

/// What the workers share.
pub struct Workers {
    pub apps: HashMap<String, Arc<AppPush>>,
    pub store: Arc<dyn Store>,
    pub metrics: Arc<Metrics>,
    pub ring_secs: u64,
    pub pending: Arc<Pending>,
}

impl Workers {
    /// Starts the workers, each on a queue of its own; returns the queues' sending ends.
    pub fn spawn(self) -> Vec<mpsc::Sender<Event>> {
        let shared = Arc::new(self);
        (0..WORKERS)
            .map(|_| {
                let (tx, mut rx) = mpsc::channel::<Event>(QUEUE / WORKERS);
                let shared = shared.clone();
                tokio::spawn(async move {
                    while let Some(event) = rx.recv().await {
                        shared.process(&event).await;
                        shared.pending.done();
                    }
                });
                tx
            })
            .collect()
    }

    async fn process(&self, event: &Event) {
        let Some(app) = self.apps.get(&*event.app_id) else { return };
        let call = is_call(&event.what);
        for &user in &event.to {
            let devices = match self.store.devices(user).await {
                Ok(d) => d,
                Err(error) => {
                    tracing::warn!(user, %error, "push: device tokens not read");
                    continue;
                }
            };
            let routes: Vec<_> = routes(&devices, call)
                .into_iter()
                .filter(|(_, r)| if *r == Route::Fcm { app.fcm.is_some() } else { app.apns.is_some() })
                .collect();
            if routes.is_empty() {
                continue;
            }
            let badge = if call { None } else { self.store.unread_total(user, &event.app_id).await.ok() };
            let note = notification(event, badge, app.hide_content, self.ring_secs);
            // A recipient's tokens at once: a slow service does not hold up the other.
            let sends = routes.into_iter().map(|(device, route)| self.deliver(app, user, device, route, &note));
            futures_util::future::join_all(sends).await;
        }
    }

    /// Sends one notification to one token, with the retries.
    async fn deliver(&self, app: &AppPush, user: i64, device: &Device, route: Route, note: &super::Notification) {
        let service = if route == Route::Fcm { PushService::Fcm } else { PushService::Apns };
        let mut retries = 0;
        loop {
            let outcome = match (route, &app.apns, &app.fcm) {
                (Route::Fcm, _, Some(fcm)) => fcm.send(&payload::fcm(note, &device.token)).await,
                (Route::ApnsAlert | Route::ApnsVoip, Some(apns), _) => {
                    let request = payload::apns(note, &apns.bundle_id, route == Route::ApnsVoip, now_secs());
                    apns.send(&device.token, &request).await
                }
                _ => return,
            };
            match outcome {
                Outcome::Sent => return count(&self.metrics, service, Counted::Sent),
                Outcome::InvalidToken(why) => {
                    count(&self.metrics, service, Counted::InvalidToken);
                    tracing::info!(user, ?service, why, "push: invalid device token deleted");
                    if let Err(error) = self.store.unregister_device(user, &device.token).await {
                        tracing::warn!(user, %error, "push: invalid device token not deleted");
                    }
                    return;
                }
                Outcome::Retry { after, why } if retries < RETRIES => {
                    count(&self.metrics, service, Counted::Retried);
                    let wait = after.unwrap_or(BACKOFF * 2u32.pow(retries));
                    tracing::debug!(user, ?service, why, ?wait, "push: retrying");
                    retries += 1;
                    tokio::time::sleep(wait).await;
                }
                Outcome::Retry { why, .. } | Outcome::Failed(why) => {
                    count(&self.metrics, service, Counted::Failed);
                    tracing::warn!(user, ?service, why, "push: not sent");
                    return;
                }
            }
        }
    }
}
