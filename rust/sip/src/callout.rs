//! One callout: the app's 500/501/502 on one side, an INVITE dialog with the trunk on the other (the crate's docs
//! describe the flow). [`Gateway::start_callout`] runs the checks and spawns the call task; the task owns all the
//! call's state, so nothing here is shared but the routing table.

use std::sync::Arc;
use std::time::Duration;

use azstack_protocol::bodies::calls::{
    CalloutInitial, CalloutStart, CalloutStartDone, CalloutStatus, PaidCallLogEntry, PaidCallLogPush,
};
use azstack_protocol::constants::call as c;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::call_media::{CallMedia, GATHERING_DEADLINE};
use super::media::bridge::BridgeEnd;
use super::message::{Message, uri_of};
use super::transaction::{ClientTx, TxTimer};
use super::transport::Peer;
use super::{AppLeg, Event, Gateway, config, refresh, sdp, token};
use crate::host::{Host, ToApp};

/// Who started a callout: the user (its id and azStackUserId) and the session that sent 500.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub username: String,
    pub session_id: u64,
}

/// svc 500 with a gateway: checks, 610, 504, and the call task waiting for the offer.
fn start(gw: &Arc<Gateway>, host: &Arc<dyn Host>, me: Caller, req: CalloutStart) {
    let initial = |status, charging_error| {
        let body = CalloutInitial { call_id: req.call_id, status, charging_error: Some(charging_error) };
        host.to_session(me.user_id, me.session_id, ToApp::CalloutInitial(body));
    };
    let charging = c::CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_ERROR_CHARGING;
    if !config::valid_number(&req.to) || !gw.config.destination_allowed(&req.to) {
        tracing::info!(user = me.user_id, call_id = req.call_id, "callout refused: destination not valid or allowed");
        return initial(charging, c::CALL_STATUS_CALLOUT_INITIAL_INVALID_TO_NUMBER);
    }
    if req.from.as_deref().is_some_and(|f| !config::valid_number(f)) {
        return initial(
            c::CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_ERROR_FROM_NUMBER,
            c::CALL_STATUS_CALLOUT_INITIAL_INVALID_FROM_NUMBER,
        );
    }
    if host.balance(me.user_id).is_some_and(|left| left <= 0) {
        tracing::info!(user = me.user_id, call_id = req.call_id, "callout refused: no balance left");
        return initial(charging, c::CALL_STATUS_CALLOUT_INITIAL_NOT_ENOUGH_BALANCE);
    }
    let sip_call_id = format!("{}@azstack", token());
    let (tx, rx) = mpsc::unbounded_channel();
    let own_events = tx.downgrade();
    let leg = AppLeg { sip_call_id: sip_call_id.clone(), session_id: me.session_id };
    if !gw.register(me.user_id, req.call_id, leg, tx) {
        tracing::warn!(user = me.user_id, call_id = req.call_id, "repeated 500 for a live callout dropped");
        return;
    }
    initial(c::CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_SUCCESS, 0);
    let done = CalloutStartDone { call_id: req.call_id };
    host.to_session(me.user_id, me.session_id, ToApp::CalloutStartDone(done));
    let from_user = req.from.clone().unwrap_or_else(|| me.user_id.to_string());
    let call = Call {
        gw: gw.clone(),
        host: host.clone(),
        session_id: me.session_id,
        user_id: me.user_id,
        from_number: req.from.clone().unwrap_or(me.username),
        from_user,
        req,
        sip_call_id,
        local_tag: token(),
        remote_tag: None,
        remote_target: None,
        cseq: 1,
        invite_cseq: 1,
        invite_body: Vec::new(),
        carrier: None,
        challenges_answered: 0,
        phase: Phase::AwaitingOffer,
        txs: Vec::new(),
        own_events,
        media: None,
        sent_100: false,
        sent_183: false,
        cancel_pending: false,
        ring_deadline: None,
        balance_deadline: None,
        balance_at_answer: None,
        answered_at: None,
        started_ms: crate::now_ms(),
        linger_until: None,
    };
    tokio::spawn(call.run(rx));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    AwaitingOffer,
    Calling,
    Early,
    Confirmed,
    Ended,
}

/// How a call ended, for the app (503 code, if any) and the log (`status`).
#[derive(Debug, Clone, Copy)]
struct Outcome {
    code: Option<i64>,
    log_status: i64,
}

impl Outcome {
    const ANSWERED_BY_APP: Outcome = Outcome { code: None, log_status: 0 };
    const CANCELLED_BY_APP: Outcome = Outcome { code: None, log_status: 2 };

    fn to_app(code: i64, answered: bool) -> Outcome {
        let log_status = match code {
            _ if answered => 0,
            c::CALL_STATUS_CALLOUT_STATUS_BUSY | c::CALL_STATUS_CALLOUT_STATUS_REJECTED => 1,
            _ => 2,
        };
        Outcome { code: Some(code), log_status }
    }
}

/// Digest challenges answered per call: one, and one more when the trunk says the nonce was stale.
const MAX_CHALLENGES: u8 = 2;

/// §5.4: the 503 code for a final SIP response that is not a success.
pub fn final_code(sip: u16) -> i64 {
    match sip {
        403 => c::CALL_STATUS_CALLOUT_STATUS_REJECTED,
        408 => c::CALL_STATUS_CALLOUT_STATUS_USER_NOT_AVAILABLE,
        480 => c::CALL_STATUS_CALLOUT_STATUS_NOT_ANSWERED,
        487 => c::CALL_STATUS_CALLOUT_STATUS_TERMINAL,
        503 => c::CALL_STATUS_CALLOUT_STATUS_NO_SIGNAL,
        _ => c::CALL_STATUS_CALLOUT_STATUS_BUSY,
    }
}

struct Call {
    gw: Arc<Gateway>,
    host: Arc<dyn Host>,
    /// The session that started the call: it gets 503.
    session_id: u64,
    user_id: i64,
    /// The log's `from`: the caller id given in 500, else the user's azStackUserId.
    from_number: String,
    /// User part of our From/Contact URIs.
    from_user: String,
    req: CalloutStart,
    sip_call_id: String,
    local_tag: String,
    remote_tag: Option<String>,
    remote_target: Option<String>,
    /// CSeq of the last request of ours in the dialog.
    cseq: u32,
    /// CSeq of the current INVITE: 1, one more for each INVITE sent again with credentials.
    invite_cseq: u32,
    /// The INVITE's SDP, for sending it again with credentials; once answered, the SDP a refresh gets back.
    invite_body: Vec<u8>,
    /// The carrier's media, once it answered.
    carrier: Option<sdp::CarrierMedia>,
    /// Digest challenges answered so far (at most [`MAX_CHALLENGES`]).
    challenges_answered: u8,
    phase: Phase,
    txs: Vec<ClientTx>,
    /// This call's own channel (weakly: the call must not keep it open), for the bridge's reports.
    own_events: mpsc::WeakUnboundedSender<Event>,
    /// The RTP port offered to the trunk and the server's WebRTC leg, then the bridge.
    media: Option<CallMedia>,
    sent_100: bool,
    sent_183: bool,
    /// 502 came before any provisional response: CANCEL with the first one.
    cancel_pending: bool,
    ring_deadline: Option<Instant>,
    balance_deadline: Option<Instant>,
    /// Seconds the user had left when the call was answered (the most it can be charged).
    balance_at_answer: Option<i64>,
    answered_at: Option<Instant>,
    started_ms: i64,
    /// An ended call waits no longer than this for its outstanding requests.
    linger_until: Option<Instant>,
}

impl Call {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Event>) {
        let offer_deadline = Instant::now() + Duration::from_secs(self.gw.config.offer_timeout_secs);
        loop {
            let due = self.next_due(offer_deadline);
            tokio::select! {
                event = rx.recv() => match event {
                    Some(event) => self.on_event(event).await,
                    None => break,
                },
                _ = sleep_until(due) => self.on_timer(offer_deadline).await,
            }
            if self.phase == Phase::Ended
                && (self.txs.is_empty() || self.linger_until.is_some_and(|t| Instant::now() >= t))
            {
                break;
            }
        }
        self.release_media().await;
        self.gw.unregister(self.user_id, self.req.call_id, &self.sip_call_id);
        tracing::debug!(call_id = self.req.call_id, sip_call_id = %self.sip_call_id, "callout task done");
    }

    fn next_due(&self, offer_deadline: Instant) -> Option<Instant> {
        let mut due: Vec<Instant> = self.txs.iter().filter_map(ClientTx::due).collect();
        match self.phase {
            Phase::AwaitingOffer => due.push(offer_deadline),
            Phase::Early => due.extend(self.ring_deadline),
            Phase::Confirmed => due.extend(self.balance_deadline),
            Phase::Ended => due.extend(self.linger_until),
            Phase::Calling => {}
        }
        due.into_iter().min()
    }

    async fn on_timer(&mut self, offer_deadline: Instant) {
        let now = Instant::now();
        match self.phase {
            Phase::AwaitingOffer if now >= offer_deadline => {
                tracing::info!(call_id = self.req.call_id, "callout offer (501) never came");
                self.phase = Phase::Ended;
                return;
            }
            Phase::Early if self.ring_deadline.is_some_and(|t| now >= t) => {
                self.send_cancel().await;
                self.end(Outcome::to_app(c::CALL_STATUS_CALLOUT_STATUS_NOT_ANSWERED, false)).await;
            }
            Phase::Confirmed if self.balance_deadline.is_some_and(|t| now >= t) => {
                tracing::info!(call_id = self.req.call_id, user = self.user_id, "balance exhausted: hanging up");
                self.send_bye().await;
                self.end(Outcome::to_app(c::CALL_STATUS_CALLOUT_STATUS_NOT_ENOUGH_BALANCE, true)).await;
            }
            _ => {}
        }
        let mut resend = Vec::new();
        let mut timed_out = Vec::new();
        for (i, tx) in self.txs.iter_mut().enumerate() {
            if tx.due().is_some_and(|d| now >= d) {
                match tx.on_timer(now) {
                    TxTimer::Retransmit => resend.push(tx.bytes.clone()),
                    TxTimer::TimedOut => timed_out.push(i),
                    TxTimer::Idle => {}
                }
            }
        }
        for bytes in resend {
            self.gw.send(&bytes, &self.gw.trunk).await;
        }
        for i in timed_out.into_iter().rev() {
            let tx = self.txs.remove(i);
            tracing::info!(call_id = self.req.call_id, method = tx.method, "SIP transaction timed out");
            if tx.method == "INVITE" && self.phase != Phase::Ended {
                self.end(Outcome::to_app(c::CALL_STATUS_CALLOUT_STATUS_USER_NOT_AVAILABLE, false)).await;
            }
        }
    }

    async fn on_event(&mut self, event: Event) {
        match event {
            Event::Offer(sdp) => self.on_offer(sdp).await,
            Event::Hangup | Event::SessionClosed => self.on_hangup().await,
            Event::MediaEnded(end) => self.on_media_ended(end).await,
            Event::Callin { .. } | Event::CallinSessionClosed(_) | Event::CallinSessionOpened(_) => {}
            Event::Sip(message, from) => match message.code() {
                Some(code) => self.on_response(code, &message).await,
                None => self.on_request(&message, &from).await,
            },
        }
    }

    /// svc 501: the app's offer goes to the server's WebRTC leg, then dial. An offer the leg refuses ends the call
    /// with 503 503 before anything is sent to the trunk. (The answer is made when the carrier answers.)
    async fn on_offer(&mut self, offer: String) {
        if self.phase != Phase::AwaitingOffer {
            tracing::debug!(call_id = self.req.call_id, "repeated callout offer ignored");
            return;
        }
        let media = match CallMedia::open(&self.gw).await {
            Ok(media) => media,
            Err(error) => {
                tracing::error!(%error, "no media for a callout");
                self.phase = Phase::Ended;
                self.send_status(c::CALL_STATUS_CALLOUT_STATUS_NO_SIGNAL, None);
                return;
            }
        };
        let port = media.rtp_port();
        let accepted = media.leg.accept_offer(&offer).await;
        self.media = Some(media);
        if let Err(error) = accepted {
            tracing::info!(call_id = self.req.call_id, %error, "the app's offer is refused");
            self.phase = Phase::Ended;
            self.send_status(c::CALL_STATUS_CALLOUT_STATUS_NO_SIGNAL, None);
            return;
        }
        self.invite_body = sdp::g711_offer(self.gw.advertise, port, rand::random::<u32>().into()).into_bytes();
        self.send_invite(None).await;
        self.phase = Phase::Calling;
        tracing::info!(call_id = self.req.call_id, sip_call_id = %self.sip_call_id, "callout INVITE sent");
    }

    /// The INVITE (CSeq `invite_cseq`, a new branch), with `authorization` (header name and value) when it
    /// answers a challenge.
    async fn send_invite(&mut self, authorization: Option<(&str, String)>) {
        let mut invite = self
            .base("INVITE", &self.request_uri(), &token(), self.invite_cseq)
            .with("Contact", self.contact())
            .with("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS");
        if let Some((name, value)) = authorization {
            invite = invite.with(name, value);
        }
        let bytes = invite.with_body("application/sdp", self.invite_body.clone()).to_bytes();
        self.gw.send(&bytes, &self.gw.trunk).await;
        self.txs.push(
            ClientTx::new("INVITE", self.invite_cseq, bytes, self.gw.t1(), Instant::now()).on(self.gw.trunk.transport),
        );
    }

    /// A 401/407 to our INVITE (already acknowledged): sends the INVITE again with credentials, if the gateway has
    /// some, the challenge is usable and the call still wants to go on; returns whether it did.
    async fn answer_challenge(&mut self, code: u16, response: &Message) -> bool {
        let (challenge_header, answer_header) = super::digest::headers_for(code);
        let (Some(username), Some(password)) = (&self.gw.config.username, &self.gw.config.password) else {
            tracing::warn!(call_id = self.req.call_id, code, "the trunk wants credentials and [sip] has none");
            return false;
        };
        let challenge = response.header(challenge_header).and_then(super::digest::Challenge::parse);
        let Some(challenge) = challenge else {
            tracing::warn!(call_id = self.req.call_id, code, "the trunk's challenge cannot be answered");
            return false;
        };
        let again = self.challenges_answered == 0 || (challenge.stale && self.challenges_answered < MAX_CHALLENGES);
        if !matches!(self.phase, Phase::Calling | Phase::Early) {
            return false;
        }
        if !again {
            tracing::warn!(call_id = self.req.call_id, code, "the trunk refused the credentials");
            return false;
        }
        // A proxy may have sent 100 before its challenge; the new INVITE starts over.
        self.phase = Phase::Calling;
        self.ring_deadline = None;
        self.challenges_answered += 1;
        self.invite_cseq += 1;
        self.cseq = self.invite_cseq;
        let answer = challenge.answer("INVITE", &self.request_uri(), username, password, &token());
        self.send_invite(Some((answer_header, answer))).await;
        true
    }

    /// svc 502 (or the session went away).
    async fn on_hangup(&mut self) {
        match self.phase {
            Phase::AwaitingOffer => self.phase = Phase::Ended,
            Phase::Calling => {
                self.cancel_pending = true;
                self.end(Outcome::CANCELLED_BY_APP).await;
            }
            Phase::Early => {
                self.send_cancel().await;
                self.end(Outcome::CANCELLED_BY_APP).await;
            }
            Phase::Confirmed => {
                self.send_bye().await;
                self.end(Outcome::ANSWERED_BY_APP).await;
            }
            Phase::Ended => {}
        }
    }

    async fn on_response(&mut self, code: u16, response: &Message) {
        let Some((cseq, method)) = response.cseq() else { return };
        let now = Instant::now();
        let position = self.txs.iter().position(|t| t.matches(cseq, method));
        if !method.eq_ignore_ascii_case("INVITE") {
            if let Some(i) = position {
                if code < 200 {
                    self.txs[i].on_provisional(now);
                } else {
                    self.txs.remove(i);
                }
            }
            return;
        }
        if cseq != self.invite_cseq {
            if code >= 300 && cseq < self.invite_cseq {
                // A challenge retransmitted because our ACK was lost: acknowledge it again.
                let ack = self.ack_for_failure(response);
                self.gw.send_to_trunk(&ack).await;
            }
            return;
        }
        if code < 200 {
            let Some(i) = position else { return };
            self.txs[i].on_provisional(now);
            if self.cancel_pending {
                self.cancel_pending = false;
                self.send_cancel().await;
            }
            if self.phase == Phase::Calling {
                self.phase = Phase::Early;
                self.ring_deadline = Some(now + Duration::from_secs(self.gw.config.ring_timeout_secs));
            }
            if self.phase == Phase::Early {
                if code == 100 && !self.sent_100 {
                    self.sent_100 = true;
                    self.send_status(c::CALL_STATUS_CALLOUT_STATUS_CONNECTING, None);
                } else if (code == 180 || code == 183) && !self.sent_183 {
                    self.sent_183 = true;
                    self.send_status(c::CALL_STATUS_CALLOUT_STATUS_RINGING, None);
                }
            }
            return;
        }
        if let Some(i) = position {
            self.txs.remove(i);
        }
        if code < 300 {
            self.on_answered(response).await;
        } else {
            // ACK for a non-2xx final response: same branch as the INVITE, To as in the response.
            let ack = self.ack_for_failure(response);
            self.gw.send_to_trunk(&ack).await;
            if matches!(code, 401 | 407) && self.answer_challenge(code, response).await {
                return;
            }
            if self.phase != Phase::Ended {
                self.end(Outcome::to_app(final_code(code), false)).await;
            }
        }
    }

    async fn on_answered(&mut self, response: &Message) {
        let retransmission = self.remote_tag.is_some();
        if !retransmission {
            self.remote_tag = response.tag("To").map(str::to_owned);
            self.remote_target = response.header("Contact").map(|v| uri_of(v).to_owned());
        }
        let ack = self.in_dialog("ACK", self.invite_cseq);
        self.gw.send_to_trunk(&ack).await;
        if retransmission {
            return;
        }
        match self.phase {
            Phase::Ended => {
                // The 200 crossed our CANCEL (or came after we gave up): end the dialog it created.
                self.send_bye().await;
            }
            _ => {
                self.phase = Phase::Confirmed;
                let now = Instant::now();
                self.answered_at = Some(now);
                if let Some(left) = self.host.balance(self.user_id) {
                    self.balance_at_answer = Some(left);
                    self.balance_deadline = Some(now + Duration::from_secs(u64::try_from(left).unwrap_or(0)));
                }
                match self.start_media(response).await {
                    Ok(answer) => self.send_status(c::CALL_STATUS_CALLOUT_STATUS_ANSWERED, Some(answer)),
                    Err(error) => {
                        tracing::warn!(call_id = self.req.call_id, %error, "an answered callout has no media");
                        self.send_bye().await;
                        self.answered_at = None;
                        self.end(Outcome::to_app(c::CALL_STATUS_CALLOUT_STATUS_NO_SIGNAL, false)).await;
                    }
                }
            }
        }
    }

    /// A request from the trunk in this dialog; its response goes back where it came from (on TCP, the same
    /// connection).
    async fn on_request(&mut self, request: &Message, from: &Peer) {
        let method = request.method().unwrap_or_default();
        let reply = match method {
            "ACK" => return,
            "BYE" if matches!(self.phase, Phase::Confirmed | Phase::Ended) && self.remote_tag.is_some() => {
                let reply = Message::response_to(request, 200, "OK", None);
                self.gw.send(&reply.to_bytes(), from).await;
                if self.phase == Phase::Confirmed {
                    self.end(Outcome::to_app(c::CALL_STATUS_CALLOUT_STATUS_STOP, true)).await;
                }
                return;
            }
            "OPTIONS" => Message::response_to(request, 200, "OK", None),
            "INVITE" | "UPDATE" => match (&self.carrier, self.phase) {
                (Some(carrier), Phase::Confirmed) => {
                    refresh::answer(request, carrier, &String::from_utf8_lossy(&self.invite_body), &self.contact())
                }
                _ => Message::response_to(request, 488, "Not Acceptable Here", None),
            },
            _ => Message::response_to(request, 481, "Call/Transaction Does Not Exist", None),
        };
        self.gw.send(&reply.to_bytes(), from).await;
    }

    /// The carrier answered with `response`: the server's WebRTC answer (for 503 200) and the bridge to the
    /// carrier's RTP.
    async fn start_media(&mut self, response: &Message) -> Result<String, String> {
        let carrier = sdp::carrier_media(&String::from_utf8_lossy(&response.body))
            .ok_or("the carrier's SDP has no usable G.711 stream")?;
        self.carrier = Some(carrier);
        let media = self.media.as_mut().ok_or("no WebRTC leg")?;
        let answer = media.leg.answer(GATHERING_DEADLINE).await.map_err(|e| e.to_string())?;
        let recording = self.host.new_recording(self.req.call_id);
        if !media.start_bridge(&self.gw, carrier, self.own_events.clone(), recording) {
            return Err("the bridge was already started".into());
        }
        Ok(answer)
    }

    /// The bridge gave up: the carrier sent no RTP for `rtp_timeout_secs`, or the app's WebRTC connection
    /// failed. An answered call is hung up (BYE) and the app gets 503 700.
    async fn on_media_ended(&mut self, end: BridgeEnd) {
        if self.phase != Phase::Confirmed {
            return;
        }
        tracing::info!(call_id = self.req.call_id, ?end, "the call's media ended: hanging up");
        self.send_bye().await;
        self.end(Outcome::to_app(c::CALL_STATUS_CALLOUT_STATUS_STOP, true)).await;
    }

    async fn release_media(&mut self) {
        if let Some(media) = self.media.take() {
            let recording = media.recording().to_owned();
            media.release().await;
            if !recording.is_empty() {
                self.host.recording_complete(&recording).await;
            }
        }
    }

    /// The call is over for the app: the log row is stored first (so an app that lists its logs on the end finds
    /// the call), then 503 (if any), media released, balance charged and the row pushed as 601. Requests still
    /// outstanding go on.
    async fn end(&mut self, outcome: Outcome) {
        self.phase = Phase::Ended;
        self.linger_until = Some(Instant::now() + self.gw.t1() * 64);
        let duration = self.answered_at.map_or(0, |t| {
            let ms = t.elapsed().as_millis();
            i64::try_from(ms.div_ceil(1000)).unwrap_or(i64::MAX)
        });
        let duration = self.balance_at_answer.map_or(duration, |left| duration.min(left));
        self.host.charge(self.user_id, duration);
        let entry = PaidCallLogEntry {
            call_id: self.req.call_id,
            from: self.from_number.clone(),
            to: self.req.to.clone(),
            tags: Some(self.req.tags.clone()),
            duration,
            record_time: self.started_ms,
            url_record: Some(self.media.as_ref().map(|m| m.recording().to_owned()).unwrap_or_default()),
            az_user_id: self.user_id,
            call_type: c::CALL_PAID_LOG_CALL_TYPE_CALLOUT,
            status: outcome.log_status,
        };
        let stored = self.host.store_call_log(&entry).await;
        if let Some(code) = outcome.code {
            self.send_status(code, None);
        }
        self.release_media().await;
        if stored {
            self.host.to_user(self.user_id, None, ToApp::CallLog(PaidCallLogPush { data: entry }));
        }
    }

    fn send_status(&self, code: i64, sdp_candidate: Option<String>) {
        let status = CalloutStatus { call_id: self.req.call_id, code, sdp_candidate };
        self.host.to_session(self.user_id, self.session_id, ToApp::CalloutStatus(status));
    }

    fn request_uri(&self) -> String {
        format!("sip:{}@{}", self.req.to, self.gw.trunk_host)
    }

    fn local_uri(&self) -> String {
        format!("sip:{}@{}", self.from_user, self.gw.local_hostport())
    }

    /// Where the trunk reaches this call: on TCP with `;transport=tcp`.
    fn contact(&self) -> String {
        format!("<{}>", self.gw.contact_uri(&self.from_user, self.gw.trunk.transport))
    }

    /// A request of this call with Via, Max-Forwards, From, To, Call-ID and CSeq.
    fn base(&self, method: &str, uri: &str, branch: &str, cseq: u32) -> Message {
        let to = match &self.remote_tag {
            Some(tag) => format!("<{}>;tag={tag}", self.request_uri()),
            None => format!("<{}>", self.request_uri()),
        };
        Message::request(method, uri)
            .with("Via", self.gw.via(self.gw.trunk.transport, branch))
            .with("Max-Forwards", "70")
            .with("From", format!("<{}>;tag={}", self.local_uri(), self.local_tag))
            .with("To", to)
            .with("Call-ID", self.sip_call_id.clone())
            .with("CSeq", format!("{cseq} {method}"))
            .with("User-Agent", "azstack-server")
    }

    /// A request inside the dialog (ACK for 2xx, BYE): new branch, to the remote target.
    fn in_dialog(&self, method: &str, cseq: u32) -> Message {
        let target = self.remote_target.clone().unwrap_or_else(|| self.request_uri());
        self.base(method, &target, &token(), cseq)
    }

    /// The INVITE's Via (its branch) for CANCEL and the ACK of a failure.
    fn invite_via(&self) -> Option<String> {
        let invite = self.txs.iter().find(|t| t.method == "INVITE")?;
        Message::parse(&invite.bytes).ok()?.header("Via").map(str::to_owned)
    }

    fn ack_for_failure(&self, response: &Message) -> Message {
        let cseq = response.cseq().map_or(self.invite_cseq, |(n, _)| n);
        let mut ack = self.base("ACK", &self.request_uri(), &token(), cseq);
        for (name, value) in &mut ack.headers {
            if name == "To" {
                response.header("To").unwrap_or_default().clone_into(value);
            } else if name == "Via" {
                response.header("Via").unwrap_or_default().clone_into(value);
            }
        }
        ack
    }

    async fn send_cancel(&mut self) {
        let Some(via) = self.invite_via() else { return };
        let mut cancel = self.base("CANCEL", &self.request_uri(), &token(), self.invite_cseq);
        for (name, value) in &mut cancel.headers {
            if name == "Via" {
                value.clone_from(&via);
            } else if name == "To" {
                *value = format!("<{}>", self.request_uri());
            }
        }
        let bytes = cancel.to_bytes();
        self.gw.send(&bytes, &self.gw.trunk).await;
        self.txs.push(
            ClientTx::new("CANCEL", self.invite_cseq, bytes, self.gw.t1(), Instant::now()).on(self.gw.trunk.transport),
        );
    }

    async fn send_bye(&mut self) {
        self.cseq += 1;
        let bytes = self.in_dialog("BYE", self.cseq).to_bytes();
        self.gw.send(&bytes, &self.gw.trunk).await;
        self.txs.push(ClientTx::new("BYE", self.cseq, bytes, self.gw.t1(), Instant::now()).on(self.gw.trunk.transport));
    }
}

pub(super) async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The app side of a callout: 500, 501 and 502 of `user_id`.
impl Gateway {
    /// svc 500 from `caller`: 610 (and 504 when the checks pass) through the host given to [`Gateway::run`];
    /// false (nothing sent) when the gateway is not running.
    pub fn start_callout(self: &Arc<Gateway>, caller: Caller, req: CalloutStart) -> bool {
        let Some(host) = self.host() else { return false };
        start(self, &host, caller, req);
        true
    }

    /// svc 501; false when no such callout exists.
    pub fn callout_offer(&self, user_id: i64, call_id: i64, sdp_candidate: String) -> bool {
        self.route_app(user_id, call_id, Event::Offer(sdp_candidate))
    }

    /// svc 502; false when no such callout exists.
    pub fn callout_stop(&self, user_id: i64, call_id: i64) -> bool {
        self.route_app(user_id, call_id, Event::Hangup)
    }
}
