//! Phone calls: callouts to a phone number and call-ins from one, through the server's SIP gateway (PROTOCOL.md
//! §3.9–§3.14, §4.4, §5.4, §5.5).
//!
//! A phone call is the engine's one current call, like a free call (a callout refuses to start during any call, a
//! 505 during any call is answered busy), but its media goes to the server, which bridges it to the telephone
//! network: audio only, and **no trickle** — the SDP goes once, with every local candidate appended as an
//! `a=candidate` line, after ICE gathering completes (or after [`GATHERING_DEADLINE`], with what was gathered).
//!
//! # Callout
//!
//! `startCallout` sends 500 and waits (request key `default`, `requestTimeout`) for 610 or 504: a 610 with an
//! error status rejects with `{code: ERR_UNEXPECTED_RECEIVED_DATA, status, message}` (§3.9 table), a 610 with 100
//! keeps waiting, 504 opens the microphone, builds the peer connection and the offer, and **resolves `null`**; a
//! task then waits for gathering and sends 501 with the offer and candidates. 503 pushes report progress as
//! `onCalloutStatusChanged` `{status, message}`; 200 carries the server's answer, applied to the peer connection.
//! The call's status is tracked (Q11), so `stopCallout` really checks it is connecting, ringing or answered.
//! `stopCallout` sends 502 and ends the call at once; a `startCallout` still waiting then rejects with
//! `{ERR_UNEXPECTED_DATA, 'Callout stopped before it started'}` (Q13, as for free calls).
//!
//! # Call-in
//!
//! A 505 while idle rings: the engine answers 506 code 183, keeps the server's offer and fires `onCallinStart`
//! `{fromPhoneNumber, toPhoneNumber}`; while busy it answers 506 code 486 and fires nothing. `answerCallin` opens the
//! microphone, applies the offer, creates the answer and, after gathering, sends 506 code 200 with the answer and
//! candidates, then resolves `null`. `rejectCallin` (702), `notAnsweredCallin` (403) and `stopCallin` (700) send
//! their 506 and end the call. The server's 506 (702 while ringing, 700 after answer) and 508 (another session of
//! mine acted) end it here too, with `onCallinStatusChanged` / `onCallinStatusChangedByMe`.
//!
//! # Event texts
//!
//! The original's texts for these delegates are not known; the engine uses the free calls' pattern: `Callout
//! status changed to <state>[, callout end]`, `Callin status changed to <state>[ by me][, callin end]`.

use std::sync::Arc;
use std::time::Duration;

use azstack_protocol::bodies::IntOrString;
use azstack_protocol::bodies::calls::{
    CallinStart as CallinStartBody, CallinStatus, CallinStatusByMe, CallinStatusPush, CalloutData, CalloutInitial,
    CalloutStart, CalloutStatus, SessionDescription,
};
use azstack_protocol::constants::call;
use azstack_protocol::errors::{ApiError, ErrorCode};
use azstack_protocol::{Envelope, Service};
use serde_json::Value;
use tokio::sync::Notify;

use super::Calls;
use super::peer::Cmd;
use super::{Call, CallKind, CallStatus, decode, next_serial, teardown, teardown_later, webrtc_error};
use crate::events::Event;
pub use crate::model::CallinStart;
use crate::requests::{DEFAULT_KEY, Uncall};
use crate::validate::{self, Kind, Rule};

/// How long a phone call's SDP waits for ICE gathering to complete before it goes with the candidates gathered so
/// far (host candidates come at once; an unreachable STUN server must not hold the call for its whole time-out).
pub const GATHERING_DEADLINE: Duration = Duration::from_secs(2);

/// `startCallout({toPhoneNumber, fromPhoneNumber?, tags?})` options.
#[derive(Clone, Debug, PartialEq)]
pub struct StartCalloutOptions {
    pub to_phone_number: String,
    pub from_phone_number: Option<String>,
    pub tags: Option<String>,
}

impl StartCalloutOptions {
    /// Validates with the original's rules and texts (§3.9).
    pub fn from_json(params: &Value) -> Result<StartCalloutOptions, ApiError> {
        let o = validate::options(params, "Missing callout data")?;
        Rule::field(o, "toPhoneNumber").required().kind(Kind::PhoneNumber).check()?;
        Rule::field(o, "fromPhoneNumber").kind(Kind::PhoneNumber).check()?;
        Rule::field(o, "tags").kind(Kind::String).check()?;
        let opt = |name: &str| o.get(name).and_then(Value::as_str).map(str::to_owned);
        Ok(StartCalloutOptions {
            to_phone_number: validate::string(o, "toPhoneNumber"),
            from_phone_number: opt("fromPhoneNumber"),
            tags: opt("tags"),
        })
    }
}

/// `answerCallin`/`rejectCallin`/`notAnsweredCallin({tags?})` options. Options that are not an object (none at all)
/// mean no tags.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallinOptions {
    pub tags: Option<String>,
}

impl CallinOptions {
    pub fn from_json(params: &Value) -> Result<CallinOptions, ApiError> {
        if !params.is_object() {
            return Ok(CallinOptions::default());
        }
        Rule::field(params, "tags").kind(Kind::String).check()?;
        Ok(CallinOptions { tags: params.get("tags").and_then(Value::as_str).map(str::to_owned) })
    }
}

/// A callout's own state.
pub(super) struct Callout {
    pub(super) to: String,
    /// Woken when the call ends while `startCallout` still waits for 610/504.
    ended: Arc<Notify>,
}

/// A call-in's identity (echoed in every 506) and the tags its 700 carries.
pub(super) struct Callin {
    call_type: IntOrString,
    /// The caller's number (505 `from`, 506 `destination`).
    from: String,
    /// The number called (505 `to`, 506 `phonenumber`).
    to: String,
    /// What `stopCallin`'s 506 carries as `tags`: `null` while ringing, then the answer's tags (absent if none).
    pub(super) stop_tags: Option<Option<String>>,
}

/// The `onCalloutStatusChanged` event of a 503 `code` (§5.4 table) and whether it ends the call.
pub(super) fn callout_event(code: i64) -> (Event, bool) {
    let (status, state, terminal) = match code {
        call::CALL_STATUS_CALLOUT_STATUS_CONNECTING => (code, "connecting", false),
        call::CALL_STATUS_CALLOUT_STATUS_RINGING | call::CALL_STATUS_CALLOUT_STATUS_RINGING_OTHER => {
            (call::CALL_STATUS_CALLOUT_STATUS_RINGING, "ringing", false)
        }
        call::CALL_STATUS_CALLOUT_STATUS_ANSWERED => (code, "answered", false),
        call::CALL_STATUS_CALLOUT_STATUS_REJECTED => (code, "rejected", true),
        call::CALL_STATUS_CALLOUT_STATUS_USER_NOT_AVAILABLE => (code, "user not available", true),
        call::CALL_STATUS_CALLOUT_STATUS_BUSY => (code, "busy", true),
        call::CALL_STATUS_CALLOUT_STATUS_TERMINAL => (code, "terminal", true),
        call::CALL_STATUS_CALLOUT_STATUS_NO_SIGNAL => (code, "no signal", true),
        call::CALL_STATUS_CALLOUT_STATUS_NOT_ANSWERED => (code, "not answered", true),
        call::CALL_STATUS_CALLOUT_STATUS_STOP => (code, "stop", true),
        call::CALL_STATUS_CALLOUT_STATUS_NOT_ENOUGH_BALANCE => (code, "not enough balance", true),
        c if c >= 400 => (call::CALL_STATUS_CALLOUT_STATUS_BUSY, "busy", true),
        _ => (call::CALL_STATUS_CALLOUT_STATUS_UNKNOWN, "unknown", false),
    };
    let end = if terminal { ", callout end" } else { "" };
    let message = format!("Callout status changed to {state}{end}");
    (Event::CalloutStatusChanged(CallStatus { status, message }), terminal)
}

/// The `onCallinStatusChanged` (`by_me` false: server 506) or `onCallinStatusChangedByMe` (508) event of `code`
/// and whether it ends the call (§4.4).
pub(super) fn callin_event(code: i64, by_me: bool) -> (Event, bool) {
    let (status, state, terminal) = match (code, by_me) {
        (call::CALL_STATUS_CALLIN_STATUS_RINGING_STOP, _) => (code, "ringing stop", true),
        (call::CALL_STATUS_CALLIN_STATUS_STOP, _) => (code, "stop", true),
        (call::CALL_STATUS_CALLIN_STATUS_RINGING, true) => (code, "ringing", false),
        (call::CALL_STATUS_CALLIN_STATUS_ANSWERED, true) => (code, "answered", true),
        (call::CALL_STATUS_CALLIN_STATUS_BUSY, true) => (code, "busy", true),
        (call::CALL_STATUS_CALLIN_STATUS_NOT_ANSWERED, true) => (code, "not answered", true),
        _ => (call::CALL_STATUS_CALLIN_STATUS_UNKNOWN, "unknown", false),
    };
    let by = if by_me { " by me" } else { "" };
    let end = if terminal { ", callin end" } else { "" };
    let s = CallStatus { status, message: format!("Callin status changed to {state}{by}{end}") };
    (if by_me { Event::CallinStatusChangedByMe(s) } else { Event::CallinStatusChanged(s) }, terminal)
}

/// `sdp` with one `a=<candidate>` line per candidate appended (PROTOCOL.md §5.4, step 4).
pub fn sdp_with_candidates(sdp: &str, candidates: &[String]) -> String {
    let mut out = String::with_capacity(sdp.len() + candidates.iter().map(|c| c.len() + 4).sum::<usize>());
    out.push_str(sdp);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str("\r\n");
    }
    for c in candidates {
        out.push_str("a=");
        out.push_str(c.strip_prefix("a=").unwrap_or(c));
        out.push_str("\r\n");
    }
    out
}

/// The `startCallout` error of a 610 that is not a success (§3.9 table); `None` for 100 (keep waiting).
fn callout_initial_error(initial: &CalloutInitial) -> Option<ApiError> {
    let (status, message) = match (initial.status, initial.charging_error) {
        (call::CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_SUCCESS, _) => return None,
        (call::CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_ERROR_CHARGING, Some(e)) => match e {
            call::CALL_STATUS_CALLOUT_INITIAL_BUSY => (e, "The toPhoneNumber currently busy"),
            call::CALL_STATUS_CALLOUT_INITIAL_NOT_ENOUGH_BALANCE => (e, "Your account has not enough balance"),
            call::CALL_STATUS_CALLOUT_INITIAL_INVALID_NUMBER => (e, "The toPhoneNumber is not valid"),
            _ => (call::CALL_STATUS_CALLOUT_INITIAL_UNKNOWN, "Unknown error"),
        },
        (call::CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_ERROR_FROM_NUMBER, _) => {
            (call::CALL_STATUS_CALLOUT_INITIAL_INVALID_FROM_NUMBER, "The fromPhoneNumber is not valid")
        }
        _ => (call::CALL_STATUS_CALLOUT_INITIAL_UNKNOWN, "Unknown error"),
    };
    Some(ApiError::new(ErrorCode::UnexpectedReceivedData, message).with_status(status))
}

impl Calls {
    /// `startCallout({toPhoneNumber, fromPhoneNumber?, tags?})` (§3.9): resolves once the server accepted (504) and
    /// the offer is built; the offer itself goes (501) when ICE gathering completes.
    pub async fn start_callout(&self, options: StartCalloutOptions) -> Result<(), ApiError> {
        const SEND_FAIL: &str = "Cannot send start callout data, start callout fail";
        let serial = next_serial();
        let call_id = self.next_id();
        let ended = Arc::new(Notify::new());
        {
            let mut current = self.call_state().lock();
            if current.is_some() {
                return Err(ApiError::unexpected("Cannot start callout when currently on call"));
            }
            if !self.is_connected() {
                return Err(ApiError::new(ErrorCode::SocketNotConnected, SEND_FAIL));
            }
            *current = Some(Call::phone(
                CallKind::Callout(Callout { to: options.to_phone_number.clone(), ended: Arc::clone(&ended) }),
                serial,
                call_id,
                call::CALL_STATUS_CALLOUT_STATUS_CONNECTING,
                None,
            ));
        }
        let cancelled = || ApiError::unexpected("Callout stopped before it started");
        let fail = |error: ApiError| {
            self.call_state().take(serial);
            error
        };
        let body = CalloutStart {
            call_id,
            to: options.to_phone_number.clone(),
            from: options.from_phone_number,
            tags: options.tags,
        };
        let mut pending = self
            .request(Uncall::StartCallout, DEFAULT_KEY, Service::CALLOUT_START_SEND, &body, SEND_FAIL)
            .await
            .map_err(fail)?;
        loop {
            let reply = tokio::select! {
                reply = pending.next() => reply.map_err(fail)?,
                () = ended.notified() => return Err(cancelled()),
            };
            match Service::from_number(reply.service) {
                Some(Service::CALLOUT_START_INITIAL) => {
                    let Ok(initial) = reply.decode::<CalloutInitial>() else { continue };
                    if initial.call_id != call_id {
                        continue;
                    }
                    if let Some(error) = callout_initial_error(&initial) {
                        return Err(fail(error));
                    }
                }
                Some(Service::CALLOUT_START_DONE)
                    if reply.decode::<Value>().ok().and_then(|b| b.get("callId").and_then(Value::as_i64))
                        == Some(call_id) =>
                {
                    break;
                }
                _ => {}
            }
        }
        drop(pending);

        let reference = self.call_state().lock().as_ref().filter(|c| c.serial == serial).map(Call::reference);
        let Some(reference) = reference else { return Err(cancelled()) };
        let sources = self.open_sources(call::CALL_MEDIA_TYPE_AUDIO).map_err(|e| self.abandon(serial, e))?;
        let media = self.build_media(reference, sources).await.map_err(|e| self.abandon(serial, e))?;
        let offer = match media.offer().await {
            Ok(offer) => offer,
            Err(e) => {
                tracing::warn!(error = e, "could not create the callout offer");
                media.close(self).await;
                return Err(self.abandon(serial, webrtc_error("Cannot init connection")));
            }
        };
        let kept = match self.call_state().lock().as_mut().filter(|c| c.serial == serial) {
            Some(call) => {
                call.media = Some(Arc::clone(&media));
                true
            }
            None => false,
        };
        if !kept {
            media.close(self).await;
            return Err(cancelled());
        }
        let engine = self.clone();
        let to = options.to_phone_number;
        let task = tokio::spawn({
            let media = Arc::clone(&media);
            async move {
                let candidates = media.gathered_candidates(GATHERING_DEADLINE).await;
                let data = CalloutData { call_id, to, sdp_candidate: sdp_with_candidates(&offer.sdp, &candidates) };
                if !engine.call_state().is_current(serial) {
                    return;
                }
                if engine.send(Service::CALLOUT_DATA_SEND, &data, "").is_err() {
                    tracing::warn!("the callout offer was not sent: not connected");
                }
            }
        });
        media.keep_task(task.abort_handle());
        Ok(())
    }

    /// `stopCallout()` (§3.10): 502, and the call ends here.
    pub async fn stop_callout(&self) -> Result<(), ApiError> {
        let call = {
            let mut current = self.call_state().lock();
            let Some(call) = current.as_ref() else {
                return Err(ApiError::unexpected("Cannot stop callout when not currently on callout"));
            };
            let CallKind::Callout(callout) = &call.kind else {
                return Err(ApiError::unexpected("Cannot stop callout when not currently on callout"));
            };
            if !matches!(
                call.status,
                call::CALL_STATUS_CALLOUT_STATUS_CONNECTING
                    | call::CALL_STATUS_CALLOUT_STATUS_RINGING
                    | call::CALL_STATUS_CALLOUT_STATUS_ANSWERED
            ) {
                return Err(ApiError::unexpected(
                    "Cannot stop callout when current status is not connecting or ringing or answered",
                ));
            }
            self.send_stop(call, "Cannot send stop callout data, stop callout fail")?;
            callout.ended.notify_one();
            current.take()
        };
        if let Some(call) = call {
            teardown(self, call).await;
        }
        Ok(())
    }

    /// 503: progress of the current callout.
    fn on_callout_status(&self, envelope: &Envelope) {
        let Some(p) = decode::<CalloutStatus>(envelope) else { return };
        let (event, ended) = {
            let mut current = self.call_state().lock();
            let Some(call) =
                current.as_mut().filter(|c| matches!(c.kind, CallKind::Callout(_)) && c.call_id == p.call_id)
            else {
                tracing::debug!(call_id = p.call_id, code = p.code, "ignored a callout status for another call");
                return;
            };
            let (event, terminal) = callout_event(p.code);
            if terminal {
                (event, current.take())
            } else {
                if p.code == call::CALL_STATUS_CALLOUT_STATUS_ANSWERED {
                    match (&call.media, p.sdp_candidate) {
                        (Some(media), Some(sdp)) => {
                            media.send(Cmd::RemoteDescription(SessionDescription { sdp_type: "answer".into(), sdp }))
                        }
                        _ => tracing::warn!("a callout was answered without an answer SDP; no audio will flow"),
                    }
                }
                if let Event::CalloutStatusChanged(s) = &event
                    && s.status != call::CALL_STATUS_CALLOUT_STATUS_UNKNOWN
                {
                    call.status = s.status;
                }
                (event, None)
            }
        };
        self.emit(event);
        if let Some(call) = ended {
            if let CallKind::Callout(c) = &call.kind {
                c.ended.notify_one();
            }
            teardown_later(self, call);
        }
    }

    /// 505: ring when idle (506 183, `onCallinStart`), answer busy (506 486) otherwise.
    fn on_callin_start(&self, envelope: &Envelope) {
        let Some(start) = decode::<CallinStartBody>(envelope) else { return };
        let reply = |code: i64| {
            let body = CallinStatus {
                call_id: start.call_id,
                call_type: start.call_type.clone(),
                destination: start.from.clone(),
                phonenumber: start.to.clone(),
                tags: None,
                code,
                sdp_candidate: None,
            };
            if self.send(Service::CALLIN_STATUS_CHANGED, &body, "").is_err() {
                tracing::debug!(code, "could not answer a call-in: not connected");
            }
        };
        {
            let mut current = self.call_state().lock();
            if current.is_some() {
                reply(call::CALL_STATUS_CALLIN_STATUS_BUSY);
                return;
            }
            *current = Some(Call::phone(
                CallKind::Callin(Callin {
                    call_type: start.call_type.clone(),
                    from: start.from.clone(),
                    to: start.to.clone(),
                    stop_tags: Some(None),
                }),
                next_serial(),
                start.call_id,
                call::CALL_STATUS_CALLIN_STATUS_RINGING,
                Some(SessionDescription { sdp_type: "offer".into(), sdp: start.sdp_candidate.clone() }),
            ));
            reply(call::CALL_STATUS_CALLIN_STATUS_RINGING);
        }
        self.emit(Event::CallinStart(CallinStart { from_phone_number: start.from, to_phone_number: start.to }));
    }

    /// 506 from the server (the phone side ended the call) and 508 (another session of mine acted).
    fn on_callin_status(&self, call_id: i64, code: i64, by_me: bool) {
        let (event, ended) = {
            let mut current = self.call_state().lock();
            if !current.as_ref().is_some_and(|c| matches!(c.kind, CallKind::Callin(_)) && c.call_id == call_id) {
                tracing::debug!(call_id, code, "ignored a call-in status for another call");
                return;
            }
            let (event, terminal) = callin_event(code, by_me);
            (event, if terminal { current.take() } else { None })
        };
        self.emit(event);
        if let Some(call) = ended {
            teardown_later(self, call);
        }
    }

    /// Routes 503/505/506/508 (from [`crate::router`]).
    pub(crate) fn on_phone_call_packet(&self, service: Service, envelope: &Envelope) {
        match service {
            Service::CALLOUT_DATA_STATUS_CHANGED => self.on_callout_status(envelope),
            Service::CALLIN_START => self.on_callin_start(envelope),
            Service::CALLIN_STATUS_CHANGED => {
                if let Some(p) = decode::<CallinStatusPush>(envelope) {
                    self.on_callin_status(p.call_id, p.code, false);
                }
            }
            Service::CALLIN_STATUS_CHANGED_BY_ME => {
                if let Some(p) = decode::<CallinStatusByMe>(envelope) {
                    self.on_callin_status(p.call_id, p.code, true);
                }
            }
            _ => {}
        }
    }

    /// Checks that a call-in rings here (`verb`: "answer", "reject", "not answer") and returns its 506 identity.
    fn ringing_callin<'a>(call: Option<&'a Call>, verb: &str) -> Result<(&'a Call, &'a Callin), ApiError> {
        let Some((call, callin)) = call.and_then(|c| match &c.kind {
            CallKind::Callin(callin) => Some((c, callin)),
            _ => None,
        }) else {
            return Err(ApiError::unexpected(format!("Cannot {verb} callin when not currently on callin")));
        };
        if call.status != call::CALL_STATUS_CALLIN_STATUS_RINGING {
            return Err(ApiError::unexpected(format!("Cannot {verb} callin when current status is not ringing")));
        }
        Ok((call, callin))
    }

    /// 506 `code` for `call` (a call-in): its four identity fields, `tags` and no SDP.
    pub(super) fn callin_status(call: &Call, callin: &Callin, code: i64, tags: Option<Option<String>>) -> CallinStatus {
        CallinStatus {
            call_id: call.call_id,
            call_type: callin.call_type.clone(),
            destination: callin.from.clone(),
            phonenumber: callin.to.clone(),
            tags,
            code,
            sdp_candidate: None,
        }
    }

    /// 506 `code` for the ringing call-in, then it ends here (reject, not answered).
    async fn end_ringing_callin(
        &self,
        verb: &str,
        code: i64,
        options: CallinOptions,
        send_fail: &str,
    ) -> Result<(), ApiError> {
        let call = {
            let mut current = self.call_state().lock();
            let (call, callin) = Self::ringing_callin(current.as_ref(), verb)?;
            let body = Self::callin_status(call, callin, code, options.tags.map(Some));
            self.send(Service::CALLIN_STATUS_CHANGED, &body, send_fail)?;
            current.take()
        };
        if let Some(call) = call {
            teardown(self, call).await;
        }
        Ok(())
    }

    /// `rejectCallin({tags?})` (§3.12): 506 702.
    pub async fn reject_callin(&self, options: CallinOptions) -> Result<(), ApiError> {
        self.end_ringing_callin(
            "reject",
            call::CALL_STATUS_CALLIN_STATUS_RINGING_STOP,
            options,
            "Cannot send reject callin data, reject callin fail",
        )
        .await
    }

    /// `notAnsweredCallin({tags?})` (§3.13): 506 403.
    pub async fn not_answered_callin(&self, options: CallinOptions) -> Result<(), ApiError> {
        self.end_ringing_callin(
            "not answer",
            call::CALL_STATUS_CALLIN_STATUS_NOT_ANSWERED,
            options,
            "Cannot send not answered callin data, not answered callin fail",
        )
        .await
    }

    /// `stopCallin()` (§3.14): 506 700 while ringing or answered.
    pub async fn stop_callin(&self) -> Result<(), ApiError> {
        let call = {
            let mut current = self.call_state().lock();
            let Some(call) = current.as_ref().filter(|c| matches!(c.kind, CallKind::Callin(_))) else {
                return Err(ApiError::unexpected("Cannot stop callin when not currently on callin"));
            };
            if !matches!(
                call.status,
                call::CALL_STATUS_CALLIN_STATUS_RINGING | call::CALL_STATUS_CALLIN_STATUS_ANSWERED
            ) {
                return Err(ApiError::unexpected("Cannot stop callin when current status is not ringing or answered"));
            }
            self.send_stop(call, "Cannot send stop callin data, stop callin fail")?;
            current.take()
        };
        if let Some(call) = call {
            teardown(self, call).await;
        }
        Ok(())
    }

    /// `answerCallin({tags?})` (§3.11): opens the microphone, answers the server's offer and, once ICE gathering
    /// completed, sends 506 200 with the answer and candidates.
    pub async fn answer_callin(&self, options: CallinOptions) -> Result<(), ApiError> {
        const SEND_FAIL: &str = "Cannot send answer callin data, answer callin fail";
        let (reference, offer) = {
            let mut current = self.call_state().lock();
            Self::ringing_callin(current.as_ref(), "answer")?;
            let Some(call) = current.as_mut() else {
                return Err(ApiError::unexpected("Cannot answer callin when not currently on callin"));
            };
            // Claims the answer: a second answerCallin now fails the status check.
            call.status = call::CALL_STATUS_CALLIN_STATUS_ANSWERED;
            if let CallKind::Callin(callin) = &mut call.kind {
                callin.stop_tags = options.tags.clone().map(Some);
            }
            (call.reference(), call.offer.take())
        };
        let serial = reference.serial;
        let gone = || ApiError::unexpected("Cannot answer callin when not currently on callin");
        let sources = self.open_sources(call::CALL_MEDIA_TYPE_AUDIO).map_err(|e| self.abandon(serial, e))?;
        let media = self.build_media(reference, sources).await.map_err(|e| self.abandon(serial, e))?;
        let answer = match offer {
            Some(offer) => media.answer(&offer).await,
            None => Err("no offer".to_owned()),
        };
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = e, "could not answer the call-in offer");
                media.close(self).await;
                return Err(self.abandon(serial, webrtc_error("Cannot init connection")));
            }
        };
        if !self.call_state().is_current(serial) {
            media.close(self).await;
            return Err(gone());
        }
        let candidates = media.gathered_candidates(GATHERING_DEADLINE).await;
        let result = {
            let mut current = self.call_state().lock();
            let body = current.as_ref().filter(|c| c.serial == serial).and_then(|call| match &call.kind {
                CallKind::Callin(callin) => Some(Self::callin_status(
                    call,
                    callin,
                    call::CALL_STATUS_CALLIN_STATUS_ANSWERED,
                    options.tags.map(Some),
                )),
                _ => None,
            });
            match body {
                Some(mut body) => {
                    body.sdp_candidate = Some(sdp_with_candidates(&answer.sdp, &candidates));
                    match self.send(Service::CALLIN_STATUS_CHANGED, &body, SEND_FAIL) {
                        Ok(()) => {
                            if let Some(call) = current.as_mut() {
                                call.media = Some(Arc::clone(&media));
                            }
                            Ok(())
                        }
                        Err(e) => {
                            current.take();
                            Err(e)
                        }
                    }
                }
                None => Err(gone()),
            }
        };
        if result.is_err() {
            media.close(self).await;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_appended_as_attribute_lines() {
        let sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
        let out = sdp_with_candidates(sdp, &["candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host".into()]);
        assert_eq!(out, format!("{sdp}a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\n"));
        assert_eq!(sdp_with_candidates("v=0", &["candidate:x".into()]), "v=0\r\na=candidate:x\r\n");
    }

    #[test]
    fn callout_codes_follow_the_table() {
        let status = |code| match callout_event(code) {
            (Event::CalloutStatusChanged(s), end) => (s.status, end),
            _ => unreachable!(),
        };
        assert_eq!(status(100), (100, false));
        assert_eq!(status(180), (183, false));
        assert_eq!(status(183), (183, false));
        assert_eq!(status(200), (200, false));
        for code in [403, 408, 480, 486, 487, 503, 700, 702] {
            assert_eq!(status(code), (code, true));
        }
        assert_eq!(status(404), (486, true));
        assert_eq!(status(302), (0, false));
        let (Event::CalloutStatusChanged(s), _) = callout_event(486) else { unreachable!() };
        assert_eq!(s.message, "Callout status changed to busy, callout end");
    }

    #[test]
    fn callin_codes_follow_the_table() {
        let status = |code, by_me| match callin_event(code, by_me) {
            (Event::CallinStatusChanged(s) | Event::CallinStatusChangedByMe(s), end) => (s.status, end),
            _ => unreachable!(),
        };
        assert_eq!(status(702, false), (702, true));
        assert_eq!(status(700, false), (700, true));
        assert_eq!(status(200, false), (0, false));
        assert_eq!(status(183, true), (183, false));
        for code in [200, 486, 702, 700, 403] {
            assert_eq!(status(code, true), (code, true));
        }
        assert_eq!(status(999, true), (0, false));
    }

    #[test]
    fn callout_initial_errors() {
        let e = |status, charging_error| {
            callout_initial_error(&CalloutInitial { call_id: 1, status, charging_error }).map(|e| (e.status, e.message))
        };
        assert_eq!(e(100, Some(0)), None);
        assert_eq!(e(402, Some(-4)), Some((Some(-4), "Your account has not enough balance".into())));
        assert_eq!(e(402, Some(-3)), Some((Some(-3), "The toPhoneNumber currently busy".into())));
        assert_eq!(e(402, Some(-5)), Some((Some(-5), "The toPhoneNumber is not valid".into())));
        assert_eq!(e(402, Some(-9)), Some((Some(0), "Unknown error".into())));
        assert_eq!(e(404, Some(-6)), Some((Some(-6), "The fromPhoneNumber is not valid".into())));
        assert_eq!(e(500, None), Some((Some(0), "Unknown error".into())));
    }

    #[test]
    fn callin_options_accept_none_and_check_tags() {
        assert_eq!(CallinOptions::from_json(&Value::Null).unwrap(), CallinOptions::default());
        assert_eq!(CallinOptions::from_json(&serde_json::json!({"tags": "x"})).unwrap().tags.as_deref(), Some("x"));
        assert!(CallinOptions::from_json(&serde_json::json!({"tags": 5})).is_err());
    }
}
