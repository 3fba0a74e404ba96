//! ICE restart of an answered free call: how a call survives a network change, a dropped connection to the server
//! and a lost media path (issue 15).
//!
//! Once a free call is answered (the actor has applied a remote description and written its own), the side that
//! wants new ICE credentials creates an offer with `ice_restart`, sets it locally and sends it as 187 type 1
//! `data: {type: "offer", sdp}`; the other side applies it and answers with 187 type 1 `data: {type: "answer",
//! sdp}`. Candidates of the new generation trickle as 187 type 2, as during the first negotiation. The peer
//! connection, its transceivers and the local tracks stay: the media loops keep writing to the same tracks and the
//! remote tracks keep being read, so media resumes as soon as ICE (and DTLS over the new path) is connected again.
//! The call's statuses and delegates do not change: a restart is invisible to the application.
//!
//! What starts one:
//! * `networkChanged()` on this device ([`Cmd::NetworkChanged`]);
//! * the engine authenticating again after its connection dropped ([`Cmd::SignallingBack`]): the call was kept
//!   while the engine reconnected (at most [`SIGNALLING_BOUND`]; the server keeps the call's side for its grace
//!   period) — a restart in flight is sent again, with its candidates, since it may have gone to the dead socket;
//! * the media connection going `failed`, or staying `disconnected` for [`DISCONNECTED_WAIT`], on the caller's
//!   side only (a Wi-Fi → LTE handover often comes without any notification; one side restarting is enough).
//!
//! Bounds: one restart in flight; a trigger while one is in flight makes it run once more after that one settles.
//! An offer unanswered within [`ANSWER_WAIT`] is rolled back (a peer running the original client never answers:
//! the server does not relay it a re-offer). When both sides restart at once (glare) the callee is the polite peer:
//! it rolls its own offer back and answers the caller's; the caller ignores an offer that crosses its own and sends
//! its own again (a callee that was reconnecting may have missed it), and an offer already applied is answered again
//! with the current answer (the first one may have gone to a dead socket). A media
//! connection that is not connected again within [`RECOVERY_BOUND`] of being lost ends the call as a failed one
//! always did (188/700 to the peer, `onFreeCallStatusChanged` 700); so does a connection to the server that does
//! not come back within [`SIGNALLING_BOUND`].

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::Duration;

use azstack_protocol::bodies::calls::{CallData, IceCandidate, SessionDescription};
use azstack_protocol::constants::call;
use rtc::peer_connection::configuration::RTCOfferOptions;
use webrtc::peer_connection::{RTCPeerConnectionState, RTCSessionDescription};

use super::{Actor, CallMedia, Cmd, from_rtc_description, to_rtc_description};

/// How long the caller lets the media connection stay `disconnected` before it restarts ICE.
pub(crate) const DISCONNECTED_WAIT: Duration = Duration::from_secs(3);
/// How long a restart offer waits for its answer before it is rolled back.
pub(crate) const ANSWER_WAIT: Duration = Duration::from_secs(10);
/// How long a lost media connection may take to come back before the call ends.
pub(crate) const RECOVERY_BOUND: Duration = Duration::from_secs(30);
/// How long the call waits for the engine to be authenticated again after its connection dropped.
pub(crate) const SIGNALLING_BOUND: Duration = Duration::from_secs(20);

/// A timer of this module; the id is matched against the one armed, so a timer that was replaced never acts.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Timer {
    Disconnected(u64),
    Answer(u64),
    Recovery(u64),
    Signalling(u64),
}

/// The restart state of one call's actor.
#[derive(Default)]
pub(super) struct Restarts {
    /// Our restart offer, until it is answered or rolled back.
    pending: Option<SessionDescription>,
    /// Local candidates gathered since `pending` was set (sent again with it after a reconnect).
    pending_candidates: Vec<IceCandidate>,
    /// A trigger came while a restart was in flight: run one more after it.
    again: bool,
    /// The engine's connection to the server is down.
    offline: bool,
    /// The media connection is connected.
    pub(super) connected: bool,
    next_id: u64,
    answer_timer: Option<u64>,
    disconnected_timer: Option<u64>,
    recovery_timer: Option<u64>,
    signalling_timer: Option<u64>,
}

impl Restarts {
    /// A local candidate is being trickled.
    pub(super) fn gathered(&mut self, candidate: &IceCandidate) {
        if self.pending.is_some() {
            self.pending_candidates.push(candidate.clone());
        }
    }
}

impl Actor {
    /// An answered free call: both descriptions of the first negotiation are in place.
    pub(super) fn established(&self) -> bool {
        self.call.trickle && self.has_remote && self.ready
    }

    /// Arms `make(id)` to arrive as [`Cmd::Timer`] after `after`; returns the id.
    fn arm(&mut self, media: &CallMedia, after: Duration, make: fn(u64) -> Timer) -> u64 {
        self.restarts.next_id += 1;
        let id = self.restarts.next_id;
        let cmds = media.cmds.downgrade();
        let task = tokio::spawn(async move {
            tokio::time::sleep(after).await;
            if let Some(cmds) = cmds.upgrade() {
                let _ = cmds.send(Cmd::Timer(make(id)));
            }
        });
        media.keep_task(task.abort_handle());
        id
    }

    /// Starts an ICE restart, or notes that one more is wanted when one is in flight.
    pub(super) async fn restart(&mut self, media: &CallMedia) {
        if !self.established() {
            return;
        }
        if self.restarts.offline {
            // The restart runs when the connection is back.
            return;
        }
        if self.restarts.pending.is_some() {
            self.restarts.again = true;
            return;
        }
        let offer = match media.pc.create_offer(Some(RTCOfferOptions { ice_restart: true })).await {
            Ok(offer) => offer,
            Err(e) => {
                tracing::warn!(error = %e, "could not create an ICE restart offer");
                return;
            }
        };
        if let Err(e) = media.pc.set_local_description(offer.clone()).await {
            tracing::warn!(error = %e, "could not apply an ICE restart offer");
            return;
        }
        let offer = from_rtc_description(&offer);
        tracing::info!(call_id = self.call.call_id, "ICE restart: offer sent");
        self.restarts.pending = Some(offer.clone());
        self.restarts.pending_candidates.clear();
        self.send_data(call::CALL_WEBRTC_DATA_TYPE_SESSION_DESCRIPTION, CallData::Description(offer));
        self.restarts.answer_timer = Some(self.arm(media, ANSWER_WAIT, Timer::Answer));
    }

    /// Rolls back our restart offer (glare as the polite peer, or no answer in time).
    async fn roll_back(&mut self, media: &CallMedia) {
        self.restarts.pending = None;
        self.restarts.pending_candidates.clear();
        self.restarts.answer_timer = None;
        match RTCSessionDescription::rollback(None) {
            Ok(rollback) => {
                if let Err(e) = media.pc.set_local_description(rollback).await {
                    tracing::warn!(error = %e, "could not roll back an ICE restart offer");
                }
            }
            Err(e) => tracing::warn!(error = %e, "no rollback description"),
        }
    }

    /// A 187 type 1 of an answered call: the peer's restart offer, or the answer to ours.
    pub(super) async fn on_renegotiation(&mut self, media: &CallMedia, description: SessionDescription) {
        let Some(remote) = to_rtc_description(&description) else { return };
        match description.sdp_type.as_str() {
            "offer" => {
                if self.is_applied_offer(media, &description).await {
                    // Sent again after the peer reconnected: our answer may have gone to its dead socket.
                    if let Some(answer) = media.pc.current_local_description().await {
                        self.send_data(
                            call::CALL_WEBRTC_DATA_TYPE_SESSION_DESCRIPTION,
                            CallData::Description(from_rtc_description(&answer)),
                        );
                    }
                    return;
                }
                if self.restarts.pending.is_some() {
                    if self.call.caller {
                        // The callee rolls back when our offer reaches it. It may never have got it (its connection
                        // dropped and it just came back): send it again; a callee that has it answers it again.
                        tracing::debug!(call_id = self.call.call_id, "ICE restart glare: the callee's offer ignored");
                        self.resend_pending(media);
                        return;
                    }
                    tracing::debug!(
                        call_id = self.call.call_id,
                        "ICE restart glare: rolling back, answering the caller"
                    );
                    self.roll_back(media).await;
                    // The caller's restart renews both sides' candidates: ours is not needed any more.
                    self.restarts.again = false;
                }
                let answered = async {
                    media.pc.set_remote_description(remote).await?;
                    let answer = media.pc.create_answer(None).await?;
                    media.pc.set_local_description(answer.clone()).await?;
                    webrtc::error::Result::Ok(answer)
                };
                match answered.await {
                    Ok(answer) => {
                        tracing::info!(call_id = self.call.call_id, "ICE restart: answered the peer's offer");
                        self.send_data(
                            call::CALL_WEBRTC_DATA_TYPE_SESSION_DESCRIPTION,
                            CallData::Description(from_rtc_description(&answer)),
                        );
                        media.ice_restarts.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => tracing::warn!(error = %e, "could not answer an ICE restart offer"),
                }
            }
            "answer" => {
                if self.restarts.pending.take().is_none() {
                    tracing::debug!(call_id = self.call.call_id, "ignored an answer to no restart");
                    return;
                }
                self.restarts.pending_candidates.clear();
                self.restarts.answer_timer = None;
                match media.pc.set_remote_description(remote).await {
                    Ok(()) => {
                        tracing::info!(call_id = self.call.call_id, "ICE restart: answer applied");
                        media.ice_restarts.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => tracing::warn!(error = %e, "an ICE restart answer was refused"),
                }
                if std::mem::take(&mut self.restarts.again) {
                    self.restart(media).await;
                }
            }
            other => tracing::debug!(sdp_type = other, "ignored a session description of another type"),
        }
    }

    /// Whether `offer` is the remote offer already applied (a copy sent again).
    async fn is_applied_offer(&self, media: &CallMedia, offer: &SessionDescription) -> bool {
        media.pc.current_remote_description().await.is_some_and(|d| d.sdp == offer.sdp)
    }

    /// Sends our restart offer in flight again, with its candidates, and waits [`ANSWER_WAIT`] anew.
    fn resend_pending(&mut self, media: &CallMedia) {
        let Some(offer) = self.restarts.pending.clone() else { return };
        self.send_data(call::CALL_WEBRTC_DATA_TYPE_SESSION_DESCRIPTION, CallData::Description(offer));
        for c in self.restarts.pending_candidates.clone() {
            self.send_candidate(c);
        }
        self.restarts.answer_timer = Some(self.arm(media, ANSWER_WAIT, Timer::Answer));
    }

    /// A connection state change of an answered call. `Break` when the call ended.
    pub(super) async fn on_media_state(&mut self, media: &CallMedia, state: RTCPeerConnectionState) -> ControlFlow<()> {
        match state {
            RTCPeerConnectionState::Connected => {
                self.restarts.connected = true;
                self.restarts.disconnected_timer = None;
                self.restarts.recovery_timer = None;
            }
            RTCPeerConnectionState::Disconnected | RTCPeerConnectionState::Failed => {
                self.restarts.connected = false;
                if self.restarts.recovery_timer.is_none() {
                    tracing::info!(call_id = self.call.call_id, ?state, "the media connection is lost; recovering");
                    self.restarts.recovery_timer = Some(self.arm(media, RECOVERY_BOUND, Timer::Recovery));
                }
                if self.call.caller {
                    if state == RTCPeerConnectionState::Failed {
                        self.restart(media).await;
                    } else if self.restarts.disconnected_timer.is_none() {
                        self.restarts.disconnected_timer =
                            Some(self.arm(media, DISCONNECTED_WAIT, Timer::Disconnected));
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    /// A timer fired. `Break` when the call ended.
    pub(super) async fn on_timer(&mut self, media: &CallMedia, timer: Timer) -> ControlFlow<()> {
        let r = &mut self.restarts;
        match timer {
            Timer::Disconnected(id) if r.disconnected_timer == Some(id) => {
                r.disconnected_timer = None;
                if !r.connected {
                    self.restart(media).await;
                }
            }
            Timer::Answer(id) if r.answer_timer == Some(id) => {
                tracing::info!(call_id = self.call.call_id, "ICE restart: no answer in time; rolled back");
                self.roll_back(media).await;
                if std::mem::take(&mut self.restarts.again) {
                    self.restart(media).await;
                }
            }
            Timer::Recovery(id) if r.recovery_timer == Some(id) && !r.connected => {
                tracing::info!(call_id = self.call.call_id, "the media connection did not recover; the call ends");
                self.fail().await;
                return ControlFlow::Break(());
            }
            Timer::Signalling(id) if r.signalling_timer == Some(id) && r.offline => {
                tracing::info!(
                    call_id = self.call.call_id,
                    "the connection to the server did not come back; the call ends"
                );
                self.fail().await;
                return ControlFlow::Break(());
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    /// The engine's connection dropped while the call stays.
    pub(super) fn on_signalling_lost(&mut self, media: &CallMedia) {
        self.restarts.offline = true;
        self.restarts.signalling_timer = Some(self.arm(media, SIGNALLING_BOUND, Timer::Signalling));
    }

    /// The engine is authenticated again: restart ICE, or send the restart in flight again (the first copy may have
    /// gone to the dead socket).
    pub(super) async fn on_signalling_back(&mut self, media: &CallMedia) {
        self.restarts.offline = false;
        self.restarts.signalling_timer = None;
        if self.restarts.pending.is_some() {
            tracing::info!(call_id = self.call.call_id, "ICE restart: offer sent again after a reconnect");
            self.resend_pending(media);
        } else {
            self.restart(media).await;
        }
    }
}
