//! What the gateway needs from the chat server, as one trait ([`Host`]), and the app packets it hands to it
//! ([`ToApp`]). The server implements the trait over its sessions and store; the gateway never sees either.

use std::path::PathBuf;

use azstack_protocol::Service;
use azstack_protocol::bodies::calls::{
    CallinStart, CallinStatusByMe, CallinStatusPush, CalloutInitial, CalloutStartDone, CalloutStatus, PaidCallLogEntry,
    PaidCallLogPush,
};
use serde::Serialize;

/// A packet of the gateway's for the app. It serialises as its body alone.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ToApp {
    /// 610: the callout's checks passed or failed.
    CalloutInitial(CalloutInitial),
    /// 504: the app may send its offer.
    CalloutStartDone(CalloutStartDone),
    /// 503: the callout's progress, with the server's answer on 200.
    CalloutStatus(CalloutStatus),
    /// 505: a call-in rings, with the server's offer.
    CallinStart(CallinStart),
    /// 506: the call-in's state changed on the network side.
    CallinStatus(CallinStatusPush),
    /// 508: another session of the user changed the call-in's state.
    CallinStatusByMe(CallinStatusByMe),
    /// 601: a stored paid call log row. Its `urlRecord` holds the recording's name (`""` for none), which the
    /// host turns into whatever link it hands out.
    CallLog(PaidCallLogPush),
}

impl ToApp {
    /// The service number the packet goes with.
    pub fn service(&self) -> Service {
        match self {
            ToApp::CalloutInitial(_) => Service::CALLOUT_START_INITIAL,
            ToApp::CalloutStartDone(_) => Service::CALLOUT_START_DONE,
            ToApp::CalloutStatus(_) => Service::CALLOUT_DATA_STATUS_CHANGED,
            ToApp::CallinStart(_) => Service::CALLIN_START,
            ToApp::CallinStatus(_) => Service::CALLIN_STATUS_CHANGED,
            ToApp::CallinStatusByMe(_) => Service::CALLIN_STATUS_CHANGED_BY_ME,
            ToApp::CallLog(_) => Service::PAID_CALL_LOG_RETURN,
        }
    }
}

/// The chat server, as the gateway uses it. Calls come from the gateway's tasks; none may block for long (the
/// `async` ones are a look-up or a write to the store).
#[async_trait::async_trait]
pub trait Host: Send + Sync + 'static {
    /// Delivers `packet` to session `session_id` of `user_id`; nothing when that session is gone.
    fn to_session(&self, user_id: i64, session_id: u64, packet: ToApp);

    /// Delivers `packet` to every session of `user_id` but `except`.
    fn to_user(&self, user_id: i64, except: Option<u64>, packet: ToApp);

    /// The sessions `user_id` has now.
    fn sessions(&self, user_id: i64) -> Vec<u64>;

    /// The user a `[sip.callin]` entry names (an azStackUserId), if there is one.
    async fn find_user(&self, username: &str) -> Option<i64>;

    /// Stores a call's paid call log row (its `urlRecord` the recording's name); false (and logged) when it
    /// could not be stored, in which case the gateway does not push it.
    async fn store_call_log(&self, entry: &PaidCallLogEntry) -> bool;

    /// `user_id` has no session: wakes the user's devices with the call-in's push (`pushPacketType` 602, call
    /// `call_id` from number `from`) and returns true; false, with nothing sent, when none can be woken (no push
    /// for the user's application, no device token). The gateway then holds the call ringing for a session to come.
    async fn push_callin(&self, _user_id: i64, _call_id: i64, _from: &str) -> bool {
        false
    }

    /// The talk seconds `user_id` has left, `None` when unlimited.
    fn balance(&self, user_id: i64) -> Option<i64>;

    /// Takes `seconds` of talk from `user_id`'s balance.
    fn charge(&self, user_id: i64, seconds: i64);

    /// A new recording of call `call_id`, when calls are recorded: the name its log row keeps and the file the
    /// recorder writes.
    fn new_recording(&self, call_id: i64) -> Option<(String, PathBuf)>;

    /// Recording `name` is complete (the call's media is released; its file is under its final name). The host may
    /// move it to its own storage; the call's log is pushed (601) after this returns.
    async fn recording_complete(&self, _name: &str) {}
}

#[cfg(test)]
mod tests {
    use azstack_protocol::bodies::calls::{CalloutStatus, PaidCallLogEntry};

    use super::*;

    /// A packet goes out as its body alone, with its own service number.
    #[test]
    fn a_packet_is_its_body() {
        let status = CalloutStatus { call_id: 7, code: 183, sdp_candidate: None };
        let packet = ToApp::CalloutStatus(status.clone());
        assert_eq!(serde_json::to_value(&packet).unwrap(), serde_json::to_value(&status).unwrap());
        assert_eq!(packet.service(), Service::CALLOUT_DATA_STATUS_CHANGED);
        let entry = PaidCallLogEntry {
            call_id: 7,
            from: "alice".into(),
            to: "+84900000000".into(),
            tags: Some(None),
            duration: 3,
            record_time: 1,
            url_record: Some(String::new()),
            az_user_id: 2,
            call_type: 1,
            status: 0,
        };
        let push = PaidCallLogPush { data: entry };
        let packet = ToApp::CallLog(push.clone());
        assert_eq!(serde_json::to_value(&packet).unwrap(), serde_json::to_value(&push).unwrap());
        assert_eq!(packet.service(), Service::PAID_CALL_LOG_RETURN);
    }
}
