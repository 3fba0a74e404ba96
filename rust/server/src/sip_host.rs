//! The server's side of the SIP gateway ([`azstack_sip`]): [`SipHost`] implements its [`Host`] trait over the
//! server's sessions (app packets to a session or a user), store (the user a call-in number names, paid call
//! logs) and recordings (a new recording's file, a log's link), and keeps the users' talk-second balances
//! (`[sip] balance_seconds`, in memory). `crate::server` makes one and hands it to [`Gateway::run`]; the SIP
//! packets from the apps reach the gateway through `crate::calls`.
//!
//! [`Gateway::run`]: azstack_sip::Gateway::run

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, Weak};

use azstack_protocol::Envelope;
use azstack_protocol::bodies::calls::PaidCallLogEntry;
use azstack_sip::{Host, ToApp};

use crate::hub::Hub;
use crate::store::Tenant;

/// The gateway's view of the server. It holds the hub weakly (the hub holds the gateway): once the server is gone
/// every call does nothing.
pub struct SipHost {
    hub: Weak<Hub>,
    /// Talk seconds each user starts with; `None`: unlimited.
    initial_balance: Option<u64>,
    /// Remaining talk seconds per user (only with a balance).
    balances: Mutex<HashMap<i64, i64>>,
}

impl SipHost {
    pub fn new(hub: Weak<Hub>, initial_balance: Option<u64>) -> SipHost {
        SipHost { hub, initial_balance, balances: Mutex::new(HashMap::new()) }
    }
}

/// OQ-24: a call-in rings; a user whose app is not in the foreground also gets a push (`pushPacketType: "602"`,
/// a VoIP push on iOS). A user with no session at all is pushed to by [`Host::push_callin`] before the call rings.
fn push_callin(hub: &Hub, user_id: i64, start: &azstack_protocol::bodies::calls::CallinStart) {
    let local = hub.sessions.sessions(user_id).iter().find_map(|s| s.identity().map(|i| i.app_id.clone()));
    let app_id = local.or_else(|| hub.calls.remote_app(user_id));
    if let Some(app_id) = app_id {
        notify_callin(hub, app_id, user_id, start.call_id, &start.from);
    }
}

fn notify_callin(hub: &Hub, app_id: std::sync::Arc<str>, user_id: i64, call_id: i64, from: &str) {
    let what = crate::push::What::Callin { call_id, from_number: from.to_owned() };
    hub.push.notify(crate::push::Event { app_id, to: vec![user_id], what });
}

/// The call a gateway packet is about.
fn call_id(packet: &ToApp) -> i64 {
    match packet {
        ToApp::CalloutInitial(p) => p.call_id,
        ToApp::CalloutStartDone(p) => p.call_id,
        ToApp::CalloutStatus(p) => p.call_id,
        ToApp::CallinStart(p) => p.call_id,
        ToApp::CallinStatus(p) => p.call_id,
        ToApp::CallinStatusByMe(p) => p.call_id,
        ToApp::CallLog(p) => p.data.call_id,
    }
}

#[async_trait::async_trait]
impl Host for SipHost {
    fn to_session(&self, user_id: i64, session_id: u64, packet: ToApp) {
        let Some(hub) = self.hub.upgrade() else { return };
        if hub.calls.sip_to_session(session_id, call_id(&packet), &Envelope::new(packet.service(), &packet)) {
            return;
        }
        if let Some(session) = hub.sessions.sessions(user_id).into_iter().find(|s| s.id == session_id) {
            session.send(packet.service(), &packet);
        }
    }

    fn to_user(&self, user_id: i64, except: Option<u64>, mut packet: ToApp) {
        let Some(hub) = self.hub.upgrade() else { return };
        if let ToApp::CallinStart(start) = &packet {
            push_callin(&hub, user_id, start);
        }
        if let ToApp::CallLog(push) = &mut packet {
            let recording = push.data.url_record.take().unwrap_or_default();
            let link = crate::recordings::link(hub.recordings.as_deref(), &recording, std::time::SystemTime::now());
            push.data.url_record = Some(link);
        }
        let envelope = Envelope::new(packet.service(), &packet);
        hub.sessions.send_envelope(&[user_id], except, &envelope);
        let ring = matches!(packet, ToApp::CallinStart(_)).then(|| call_id(&packet));
        hub.calls.sip_to_user(user_id, except, &envelope, ring);
    }

    /// This node's sessions and, in a cluster, the aliases of the user's sessions on the other nodes.
    fn sessions(&self, user_id: i64) -> Vec<u64> {
        let Some(hub) = self.hub.upgrade() else { return Vec::new() };
        let mut ids: Vec<u64> = hub.sessions.sessions(user_id).iter().map(|s| s.id).collect();
        ids.extend(hub.calls.sip_remote_sessions(user_id));
        ids
    }

    /// An azStackUserId of the default namespace (`""`), in the first application that has one.
    async fn find_user(&self, username: &str) -> Option<i64> {
        let hub = self.hub.upgrade()?;
        let apps: Vec<String> = hub.apps.read().ok()?.keys().cloned().collect();
        for app in apps {
            let tenant = Tenant { app_id: &app, namespace: "" };
            if let Ok(rows) = hub.store.users_by_usernames(tenant, &[username.to_owned()]).await
                && let Some(row) = rows.first()
            {
                return Some(row.id);
            }
        }
        None
    }

    /// The user's application (of those with push) and device tokens are looked up; the push itself is only
    /// enqueued.
    async fn push_callin(&self, user_id: i64, call_id: i64, from: &str) -> bool {
        let Some(hub) = self.hub.upgrade() else { return false };
        let apps: Vec<String> = match hub.apps.read() {
            Ok(apps) => apps.keys().filter(|app| hub.push.enabled(app)).cloned().collect(),
            Err(_) => return false,
        };
        let mut app_id = None;
        for app in apps {
            if let Ok(true) = hub.store.user_in_tenant(Tenant { app_id: &app, namespace: "" }, user_id).await {
                app_id = Some(app);
                break;
            }
        }
        let Some(app_id) = app_id else { return false };
        match hub.store.devices(user_id).await {
            Ok(devices) if !devices.is_empty() => {
                notify_callin(&hub, app_id.into(), user_id, call_id, from);
                true
            }
            Ok(_) => false,
            Err(error) => {
                tracing::warn!(user = user_id, %error, "device tokens not read: call-in not pushed");
                false
            }
        }
    }

    async fn store_call_log(&self, entry: &PaidCallLogEntry) -> bool {
        let Some(hub) = self.hub.upgrade() else { return false };
        match hub.store.insert_paid_call_log(entry).await {
            Ok(()) => true,
            Err(error) => {
                tracing::error!(call_id = entry.call_id, %error, "paid call log not stored");
                false
            }
        }
    }

    fn balance(&self, user_id: i64) -> Option<i64> {
        let initial = i64::try_from(self.initial_balance?).unwrap_or(i64::MAX);
        let Ok(mut map) = self.balances.lock() else { return Some(0) };
        Some(*map.entry(user_id).or_insert(initial))
    }

    fn charge(&self, user_id: i64, seconds: i64) {
        if self.initial_balance.is_none() {
            return;
        }
        if let Ok(mut map) = self.balances.lock()
            && let Some(left) = map.get_mut(&user_id)
        {
            *left = left.saturating_sub(seconds).max(0);
        }
    }

    fn new_recording(&self, call_id: i64) -> Option<(String, PathBuf)> {
        self.hub.upgrade()?.recordings.as_ref().map(|r| r.new_recording(call_id))
    }

    async fn recording_complete(&self, name: &str) {
        let recordings = self.hub.upgrade().and_then(|hub| hub.recordings.clone());
        if let Some(recordings) = recordings {
            recordings.store(name).await;
        }
    }
}
