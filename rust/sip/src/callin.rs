//! One call-in (PROTOCOL.md §5.5): an INVITE from the trunk for a configured number rings every session of the
//! user it maps to (505, carrying the server's WebRTC offer), and the sessions' 506 drive the SIP side; the
//! answering session's SDP answer goes to the server's WebRTC leg and the bridge joins it to the carrier's RTP.
//!
//! Mapping: 506 183 from a session → 180 Ringing to the trunk (once); 200 → 200 OK (retransmitted until the ACK)
//! and 508 200 to the user's other sessions; 702 (reject) → 603 Decline; 403 (not answered) and 700 while ringing →
//! 480; 486 → 486 Busy Here only when no session is ringing; 700 after answer → BYE. 702, 403 and 700 are mirrored
//! as 508. CANCEL from the trunk → 200 for it, 487 for the INVITE, 506 702 to the sessions; BYE from the trunk →
//! 200 and 506 700. Final responses other than 2xx are retransmitted until their ACK too (Timer G, H = 64·T1);
//! over TCP none is retransmitted, and Timer H alone bounds the wait for the ACK.
//!
//! A session of the user that authenticates while the call rings gets the same 505 and takes part like the others
//! (OQ-24). A user with no session at all is woken by a push (602, [`Host::push_callin`]) and the call is held:
//! 180 to the trunk at once, then it rings until the ring timeout (480) for a session to authenticate and get the
//! 505. A user the host cannot push to (no device token) is refused at once (480): nobody could answer.
//!
//! The call keeps the [`Peer`] its INVITE came from: responses to the INVITE and the gateway's BYE go there (over
//! TCP, on the INVITE's connection); a response to any other request goes to where that request came from.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use azstack_protocol::bodies::IntOrString;
use azstack_protocol::bodies::calls::{
    CallinStart, CallinStatus, CallinStatusByMe, CallinStatusPush, PaidCallLogEntry, PaidCallLogPush,
};
use azstack_protocol::constants::call as c;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::call_media::{CallMedia, GATHERING_DEADLINE};
use super::media::bridge::BridgeEnd;
use super::message::{Message, uri_of};
use super::sdp::CarrierMedia;
use super::transaction::{ClientTx, TxTimer};
use super::transport::Peer;
use super::{AppLeg, Event, Gateway, refresh, sdp, token};
use crate::host::{Host, ToApp};

/// `callType` of 505, echoed back by the client (OQ-23): the paid-call-log value for call-in.
const CALL_TYPE: i64 = c::CALL_PAID_LOG_CALL_TYPE_CALLIN;

static NEXT_CALL_ID: AtomicI64 = AtomicI64::new(0);

/// A fresh server-chosen call-in `callId`: epoch milliseconds, made strictly increasing.
fn new_call_id() -> i64 {
    let now = crate::now_ms();
    let prev = NEXT_CALL_ID.fetch_max(now, Ordering::Relaxed);
    if prev >= now { NEXT_CALL_ID.fetch_add(1, Ordering::Relaxed) + 1 } else { now }
}

/// The user part of a SIP URI (`sip:+842873001234@host;x` → `+842873001234`).
fn user_part(uri: &str) -> Option<&str> {
    let rest = uri.strip_prefix("sip:").or_else(|| uri.strip_prefix("sips:"))?;
    let (user, _) = rest.split_once('@')?;
    Some(user.split(';').next().unwrap_or(user)).filter(|u| !u.is_empty())
}

/// An INVITE for no known dialog: ring the user of the called number, or refuse (403 when it does not come from
/// the trunk's address, 404 for a number no user answers, 480 when the user has no session and cannot be pushed
/// to). A user with no session is pushed to and the call held for a session to come.
pub(super) async fn incoming(gw: &Arc<Gateway>, host: &Arc<dyn Host>, invite: Message, from: Peer) {
    let uri = match &invite.start {
        super::message::StartLine::Request { uri, .. } => uri.clone(),
        super::message::StartLine::Response { .. } => return,
    };
    let refuse = |code: u16, reason: &'static str| {
        let reply = Message::response_to(&invite, code, reason, Some(&token()));
        async move { gw.send(&reply.to_bytes(), &from).await }
    };
    if from.addr.ip() != gw.trunk.addr.ip() {
        tracing::warn!(%from, "call-in from an address that is not the trunk's refused");
        return refuse(403, "Forbidden").await;
    }
    let number = user_part(&uri).unwrap_or_default().to_owned();
    let Some(username) = gw.config.callin.get(&number).cloned() else {
        return refuse(404, "Not Found").await;
    };
    let Some(user_id) = host.find_user(&username).await else {
        tracing::warn!(%number, %username, "call-in for a user who never logged in");
        return refuse(404, "Not Found").await;
    };
    let Some(carrier) = sdp::carrier_media(&String::from_utf8_lossy(&invite.body)) else {
        // No offer, or one without a G.711 audio stream we can answer (offer-less INVITEs are not supported).
        return refuse(488, "Not Acceptable Here").await;
    };
    let call_id = new_call_id();
    let caller = invite.header("From").map(uri_of).and_then(user_part).unwrap_or("anonymous").to_owned();
    let held = host.sessions(user_id).is_empty();
    if held && !host.push_callin(user_id, call_id, &caller).await {
        tracing::info!(%number, user = user_id, "call-in for a user with no session and no device to push to");
        return refuse(480, "Temporarily Unavailable").await;
    }
    let sip_call_id = invite.call_id().unwrap_or_default().to_owned();
    let (tx, rx) = mpsc::unbounded_channel();
    let own_events = tx.downgrade();
    if !gw.register(user_id, call_id, AppLeg { sip_call_id: sip_call_id.clone(), session_id: 0 }, tx) {
        return refuse(500, "Server Internal Error").await;
    }
    let trying = Message::response_to(&invite, 100, "Trying", None);
    gw.send(&trying.to_bytes(), &from).await;
    let call = Callin {
        gw: gw.clone(),
        host: host.clone(),
        user_id,
        call_id,
        sip_call_id,
        peer: from,
        local_tag: token(),
        last_response: Some(trying),
        invite,
        caller,
        number,
        held,
        start: None,
        offered: HashSet::new(),
        ringing: HashSet::new(),
        busy: HashSet::new(),
        answered_by: None,
        answered_at: None,
        sent_180: false,
        bye_pending: false,
        final_tx: None,
        txs: Vec::new(),
        cseq: 0,
        tags: None,
        carrier,
        own_events,
        media: None,
        ended: false,
        started_ms: crate::now_ms(),
        linger_until: None,
    };
    tokio::spawn(call.run(rx));
}

struct Callin {
    gw: Arc<Gateway>,
    host: Arc<dyn Host>,
    user_id: i64,
    call_id: i64,
    sip_call_id: String,
    /// Where the INVITE came from: the call's transport and, on TCP, its connection. Our responses to the INVITE
    /// and our BYE go there.
    peer: Peer,
    local_tag: String,
    invite: Message,
    /// The last response to the INVITE, sent again when the INVITE is retransmitted.
    last_response: Option<Message>,
    caller: String,
    number: String,
    /// The user had no session: a push went out and the call rings until a session comes or the ring timeout.
    held: bool,
    /// The 505, for the sessions that authenticate while the call rings.
    start: Option<CallinStart>,
    /// Sessions the 505 went to.
    offered: HashSet<u64>,
    ringing: HashSet<u64>,
    busy: HashSet<u64>,
    answered_by: Option<u64>,
    answered_at: Option<Instant>,
    sent_180: bool,
    /// The call was hung up here before the carrier acknowledged its 200: the BYE waits for that ACK.
    bye_pending: bool,
    /// A final response waiting for its ACK.
    final_tx: Option<ClientTx>,
    /// Our BYE.
    txs: Vec<ClientTx>,
    cseq: u32,
    tags: Option<Option<String>>,
    /// The carrier's RTP address and law, from its offer.
    carrier: CarrierMedia,
    /// This call's own channel (weakly), for the bridge's reports.
    own_events: mpsc::WeakUnboundedSender<Event>,
    /// The server's WebRTC leg and the RTP port, then the bridge.
    media: Option<CallMedia>,
    ended: bool,
    started_ms: i64,
    linger_until: Option<Instant>,
}

impl Callin {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Event>) {
        let ring_deadline = Instant::now() + Duration::from_secs(self.gw.config.ring_timeout_secs);
        self.ring().await;
        loop {
            let mut due: Vec<Instant> = self.txs.iter().filter_map(ClientTx::due).collect();
            due.extend(self.final_tx.as_ref().and_then(ClientTx::due));
            due.extend(self.linger_until);
            if self.answered_by.is_none() && !self.ended {
                due.push(ring_deadline);
            }
            tokio::select! {
                event = rx.recv() => match event {
                    Some(event) => self.on_event(event).await,
                    None => break,
                },
                _ = super::callout::sleep_until(due.into_iter().min()) => self.on_timer(ring_deadline).await,
            }
            let idle = self.txs.is_empty() && self.final_tx.is_none();
            if self.ended && (idle || self.linger_until.is_some_and(|t| Instant::now() >= t)) {
                break;
            }
        }
        self.release_media().await;
        self.gw.unregister(self.user_id, self.call_id, &self.sip_call_id);
    }

    /// The server's WebRTC offer (gathering complete), then 505 to every session of the user. Without an offer
    /// the trunk gets 500.
    async fn ring(&mut self) {
        let prepared = match CallMedia::open(&self.gw).await {
            Ok(media) => {
                let offer = media.leg.offer(GATHERING_DEADLINE).await;
                self.media = Some(media);
                offer
            }
            Err(error) => Err(error),
        };
        let offer = match prepared {
            Ok(offer) => offer,
            Err(error) => {
                tracing::error!(call_id = self.call_id, %error, "no WebRTC offer for a call-in");
                self.final_response(500, "Server Internal Error").await;
                self.end(2, Notice::Nobody).await;
                return;
            }
        };
        let start = CallinStart {
            call_id: self.call_id,
            call_type: IntOrString::Int(CALL_TYPE),
            from: self.caller.clone(),
            to: self.number.clone(),
            sdp_candidate: offer,
        };
        // Sessions that authenticate from now on get the 505 from `on_session_opened`.
        self.offered = self.host.sessions(self.user_id).into_iter().collect();
        self.host.to_user(self.user_id, None, ToApp::CallinStart(start.clone()));
        self.start = Some(start);
        tracing::info!(call_id = self.call_id, user = self.user_id, number = %self.number, caller = %self.caller, held = self.held, "call-in ringing");
        if self.held {
            self.send_180().await;
        }
    }

    /// 180 Ringing to the trunk, once.
    async fn send_180(&mut self) {
        if !self.sent_180 {
            self.sent_180 = true;
            let ringing = Message::response_to(&self.invite, 180, "Ringing", Some(&self.local_tag));
            self.gw.send(&ringing.to_bytes(), &self.peer).await;
            self.last_response = Some(ringing);
        }
    }

    /// A session of the user authenticated while the call rings: it gets the 505 the others got (OQ-24).
    fn on_session_opened(&mut self, session_id: u64) {
        if self.ended || self.answered_by.is_some() || self.offered.contains(&session_id) {
            return;
        }
        let Some(start) = self.start.clone() else { return };
        self.offered.insert(session_id);
        self.host.to_session(self.user_id, session_id, ToApp::CallinStart(start));
        tracing::info!(call_id = self.call_id, session = session_id, "call-in rings on a new session");
    }

    async fn on_timer(&mut self, ring_deadline: Instant) {
        let now = Instant::now();
        if self.answered_by.is_none() && !self.ended && now >= ring_deadline {
            self.final_response(480, "Temporarily Unavailable").await;
            self.end(2, Notice::Everyone(c::CALL_STATUS_CALLIN_STATUS_RINGING_STOP)).await;
        }
        if let Some(tx) = self.final_tx.as_mut()
            && tx.due().is_some_and(|d| now >= d)
        {
            match tx.on_timer(now) {
                TxTimer::Retransmit => {
                    let bytes = tx.bytes.clone();
                    self.gw.send(&bytes, &self.peer).await;
                }
                TxTimer::TimedOut => {
                    self.final_tx = None;
                    // A 200 never acknowledged (RFC 3261 §13.3.1.4): the dialog is over.
                    if self.answered_by.is_some() && !self.ended {
                        self.send_bye().await;
                        self.end(0, Notice::Everyone(c::CALL_STATUS_CALLIN_STATUS_STOP)).await;
                    } else if std::mem::take(&mut self.bye_pending) {
                        self.send_bye().await;
                    }
                }
                TxTimer::Idle => {}
            }
        }
        let mut resend = Vec::new();
        self.txs.retain_mut(|tx| match tx.due().filter(|d| now >= *d).map(|_| tx.on_timer(now)) {
            Some(TxTimer::TimedOut) => false,
            Some(TxTimer::Retransmit) => {
                resend.push(tx.bytes.clone());
                true
            }
            _ => true,
        });
        for bytes in resend {
            self.gw.send(&bytes, &self.peer).await;
        }
    }

    async fn on_event(&mut self, event: Event) {
        match event {
            Event::Sip(message, from) => match message.code() {
                Some(code) => {
                    // Responses to our BYE.
                    if let Some((cseq, method)) = message.cseq()
                        && code >= 200
                    {
                        self.txs.retain(|t| !t.matches(cseq, method));
                    }
                }
                None => self.on_request(&message, &from).await,
            },
            Event::Callin { session_id, status } => self.on_app(session_id, status).await,
            Event::CallinSessionClosed(session_id) => self.on_session_closed(session_id).await,
            Event::CallinSessionOpened(session_id) => self.on_session_opened(session_id),
            Event::MediaEnded(end) => self.on_media_ended(end).await,
            Event::SessionClosed | Event::Hangup | Event::Offer(_) => {}
        }
    }

    /// A request from the carrier in this call; its response goes back where it came from.
    async fn on_request(&mut self, request: &Message, from: &Peer) {
        match request.method().unwrap_or_default() {
            "INVITE" if request.cseq() == self.invite.cseq() => {
                if let Some(last) = &self.last_response {
                    self.gw.send(&last.to_bytes(), from).await;
                }
            }
            "ACK" => {
                self.final_tx = None;
                if std::mem::take(&mut self.bye_pending) {
                    self.send_bye().await;
                }
            }
            "INVITE" | "UPDATE" if self.answered_by.is_some() && !self.ended => {
                let local_sdp = self.last_response.as_ref().map(|r| String::from_utf8_lossy(&r.body).into_owned());
                let contact = format!("<{}>", self.gw.contact_uri(&self.number, self.peer.transport));
                let reply = refresh::answer(request, &self.carrier, &local_sdp.unwrap_or_default(), &contact);
                self.gw.send(&reply.to_bytes(), from).await;
            }
            "CANCEL" if self.answered_by.is_none() && !self.ended => {
                let ok = Message::response_to(request, 200, "OK", Some(&self.local_tag));
                self.gw.send(&ok.to_bytes(), from).await;
                self.final_response(487, "Request Terminated").await;
                self.end(2, Notice::Everyone(c::CALL_STATUS_CALLIN_STATUS_RINGING_STOP)).await;
            }
            "BYE" if self.answered_by.is_some() => {
                let ok = Message::response_to(request, 200, "OK", None);
                self.gw.send(&ok.to_bytes(), from).await;
                if !self.ended {
                    self.end(0, Notice::Everyone(c::CALL_STATUS_CALLIN_STATUS_STOP)).await;
                }
            }
            "OPTIONS" => {
                let ok = Message::response_to(request, 200, "OK", None);
                self.gw.send(&ok.to_bytes(), from).await;
            }
            _ => {
                let reply = Message::response_to(request, 481, "Call/Transaction Does Not Exist", None);
                self.gw.send(&reply.to_bytes(), from).await;
            }
        }
    }

    /// A 506 from session `session_id`.
    async fn on_app(&mut self, session_id: u64, status: CallinStatus) {
        if self.ended {
            return;
        }
        let code = status.code;
        if let Some(answered) = self.answered_by {
            if answered == session_id && code == c::CALL_STATUS_CALLIN_STATUS_STOP {
                if status.tags.is_some() {
                    self.tags = status.tags;
                }
                self.send_bye().await;
                self.end(0, Notice::Others(session_id, code)).await;
            }
            return;
        }
        match code {
            c::CALL_STATUS_CALLIN_STATUS_RINGING => {
                self.ringing.insert(session_id);
                self.send_180().await;
            }
            c::CALL_STATUS_CALLIN_STATUS_BUSY => {
                self.busy.insert(session_id);
                self.ringing.remove(&session_id);
                let sessions = self.host.sessions(self.user_id);
                let mut offered = sessions.iter().filter(|s| self.offered.contains(s));
                if self.ringing.is_empty() && offered.all(|s| self.busy.contains(s)) {
                    self.final_response(486, "Busy Here").await;
                    self.end(1, Notice::Nobody).await;
                }
            }
            c::CALL_STATUS_CALLIN_STATUS_ANSWERED => {
                self.tags = status.tags.clone();
                if self.answer(session_id, status.sdp_candidate.as_deref()).await {
                    self.mirror(session_id, code);
                }
            }
            c::CALL_STATUS_CALLIN_STATUS_RINGING_STOP => {
                self.final_response(603, "Decline").await;
                self.end(1, Notice::Others(session_id, code)).await;
            }
            c::CALL_STATUS_CALLIN_STATUS_NOT_ANSWERED | c::CALL_STATUS_CALLIN_STATUS_STOP => {
                self.final_response(480, "Temporarily Unavailable").await;
                self.end(2, Notice::Others(session_id, code)).await;
            }
            _ => tracing::debug!(call_id = self.call_id, code, "call-in status ignored"),
        }
    }

    /// A session of the user went away: the answering one hangs up (BYE); a ringing call-in ends as not answered
    /// (480) when no session is left that rings or may still ring. A session the 505 never reached changes nothing
    /// (a held call keeps waiting).
    async fn on_session_closed(&mut self, session_id: u64) {
        if self.ended {
            return;
        }
        match self.answered_by {
            Some(answered) if answered == session_id => {
                self.send_bye().await;
                self.end(0, Notice::Others(session_id, c::CALL_STATUS_CALLIN_STATUS_STOP)).await;
            }
            Some(_) => {}
            None if !self.offered.contains(&session_id) => {}
            None => {
                self.ringing.remove(&session_id);
                self.busy.remove(&session_id);
                let live = self.host.sessions(self.user_id);
                let mut left = live.iter().filter(|s| self.offered.contains(s));
                if self.ringing.is_empty() && left.all(|s| self.busy.contains(s)) {
                    self.final_response(480, "Temporarily Unavailable").await;
                    self.end(2, Notice::Everyone(c::CALL_STATUS_CALLIN_STATUS_RINGING_STOP)).await;
                }
            }
        }
    }

    /// 506 200 from `session_id`: the app's answer goes to the WebRTC leg, the trunk gets 200 with our G.711
    /// answer, and the bridge starts. An answer the leg refuses ends the call (500 to the trunk, 506 700 to the
    /// sessions); returns whether the call was answered.
    async fn answer(&mut self, session_id: u64, app_answer: Option<&str>) -> bool {
        let applied = match (self.media.as_ref(), app_answer.filter(|s| !s.trim().is_empty())) {
            (Some(media), Some(sdp)) => media.leg.accept_answer(sdp).await.map_err(|e| e.to_string()),
            (None, _) => Err("no WebRTC leg".to_owned()),
            (_, None) => Err("506 200 without sdp_candidate".to_owned()),
        };
        let port = self.media.as_ref().map_or(0, CallMedia::rtp_port);
        let started = match (applied, self.media.as_mut()) {
            (Ok(()), Some(media)) => {
                let recording = self.host.new_recording(self.call_id);
                media.start_bridge(&self.gw, self.carrier, self.own_events.clone(), recording)
            }
            (Err(error), _) => {
                tracing::info!(call_id = self.call_id, %error, "the app's answer cannot be used");
                false
            }
            (Ok(()), None) => false,
        };
        if !started {
            self.final_response(500, "Server Internal Error").await;
            self.end(2, Notice::Everyone(c::CALL_STATUS_CALLIN_STATUS_STOP)).await;
            return false;
        }
        let body = sdp::g711_answer(self.gw.advertise, port, rand::random::<u32>().into(), self.carrier.law);
        let ok = Message::response_to(&self.invite, 200, "OK", Some(&self.local_tag))
            .with("Contact", format!("<{}>", self.gw.contact_uri(&self.number, self.peer.transport)))
            .with_body("application/sdp", body.into_bytes());
        self.answered_by = Some(session_id);
        self.answered_at = Some(Instant::now());
        self.send_final(ok).await;
        true
    }

    /// The bridge gave up (no RTP from the carrier for `rtp_timeout_secs`, or the app's connection failed): an
    /// answered call is hung up (BYE) and the sessions get 506 700.
    async fn on_media_ended(&mut self, end: BridgeEnd) {
        if self.ended || self.answered_by.is_none() {
            return;
        }
        tracing::info!(call_id = self.call_id, ?end, "the call-in's media ended: hanging up");
        self.send_bye().await;
        self.end(0, Notice::Everyone(c::CALL_STATUS_CALLIN_STATUS_STOP)).await;
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

    async fn final_response(&mut self, code: u16, reason: &str) {
        let reply = Message::response_to(&self.invite, code, reason, Some(&self.local_tag));
        self.send_final(reply).await;
    }

    async fn send_final(&mut self, reply: Message) {
        let bytes = reply.to_bytes();
        self.gw.send(&bytes, &self.peer).await;
        self.final_tx = Some(ClientTx::new("FINAL", 0, bytes, self.gw.t1(), Instant::now()).on(self.peer.transport));
        self.last_response = Some(reply);
    }

    /// Hangs up the answered call: BYE, but only once the carrier acknowledged our 200 or the 200 timed out (RFC
    /// 3261 §15); until then the BYE waits.
    async fn send_bye(&mut self) {
        if self.final_tx.is_some() {
            self.bye_pending = true;
            return;
        }
        self.cseq += 1;
        let target = self.invite.header("Contact").map(uri_of).unwrap_or("sip:trunk").to_owned();
        let to = self.invite.header("From").unwrap_or_default().to_owned();
        let from_uri = self.invite.header("To").map(uri_of).unwrap_or("sip:gateway").to_owned();
        let bye = Message::request("BYE", &target)
            .with("Via", self.gw.via(self.peer.transport, &token()))
            .with("Max-Forwards", "70")
            .with("From", format!("<{from_uri}>;tag={}", self.local_tag))
            .with("To", to)
            .with("Call-ID", self.sip_call_id.clone())
            .with("CSeq", format!("{} BYE", self.cseq))
            .with("User-Agent", "azstack-server");
        let bytes = bye.to_bytes();
        self.gw.send(&bytes, &self.peer).await;
        self.txs.push(ClientTx::new("BYE", self.cseq, bytes, self.gw.t1(), Instant::now()).on(self.peer.transport));
    }

    /// Ends the call: the log row is stored before anyone hears of the end (so a session that lists its logs on
    /// the end finds the call), then the sessions are told, the media released and the row pushed as 601.
    async fn end(&mut self, log_status: i64, notice: Notice) {
        self.ended = true;
        self.linger_until = Some(Instant::now() + self.gw.t1() * 64);
        let duration =
            self.answered_at.map_or(0, |t| i64::try_from(t.elapsed().as_millis().div_ceil(1000)).unwrap_or(0));
        let entry = PaidCallLogEntry {
            call_id: self.call_id,
            from: self.caller.clone(),
            to: self.number.clone(),
            tags: Some(self.tags.clone().flatten()),
            duration,
            record_time: self.started_ms,
            url_record: Some(self.media.as_ref().map(|m| m.recording().to_owned()).unwrap_or_default()),
            az_user_id: self.user_id,
            call_type: CALL_TYPE,
            status: log_status,
        };
        let stored = self.host.store_call_log(&entry).await;
        match notice {
            Notice::Nobody => {}
            // 506 from the network side to every session of the user.
            Notice::Everyone(code) => {
                let push = CallinStatusPush { call_id: self.call_id, code };
                self.host.to_user(self.user_id, None, ToApp::CallinStatus(push));
            }
            Notice::Others(session_id, code) => self.mirror(session_id, code),
        }
        self.release_media().await;
        if stored {
            self.host.to_user(self.user_id, None, ToApp::CallLog(PaidCallLogPush { data: entry }));
        }
    }

    /// 508 to the user's sessions other than `session_id`.
    fn mirror(&self, session_id: u64, code: i64) {
        let by_me = CallinStatusByMe { call_id: self.call_id, code };
        self.host.to_user(self.user_id, Some(session_id), ToApp::CallinStatusByMe(by_me));
    }
}

/// Who hears of a call-in's end from [`Callin::end`].
enum Notice {
    /// No session rang (or every one answered busy).
    Nobody,
    /// 506 `code` to every session: the end came from the carrier or the server.
    Everyone(i64),
    /// 508 `code` to every session but the one whose 506 ended the call.
    Others(u64, i64),
}

impl Gateway {
    /// svc 506 from session `session_id` of `user_id`; false when no such call-in exists.
    pub fn callin_status(&self, user_id: i64, session_id: u64, status: CallinStatus) -> bool {
        self.route_app(user_id, status.call_id, Event::Callin { session_id, status })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn user_parts() {
        assert_eq!(super::user_part("sip:+842873001234@h:5060;transport=udp"), Some("+842873001234"));
        assert_eq!(super::user_part("sip:h"), None);
        assert_eq!(super::user_part("tel:123"), None);
    }

    #[test]
    fn call_ids_increase() {
        let a = super::new_call_id();
        let b = super::new_call_id();
        assert!(b > a);
    }
}
