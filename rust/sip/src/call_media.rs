//! The media half of one gateway call, owned by its call task ([`super::callout`], [`super::callin`]): the RTP
//! socket offered to the trunk and the server's WebRTC leg from the moment the call needs SDP, then — once both
//! sides' SDP is known — the bridge task, and with it the call's recording (`[sip.recording]`).
//! [`CallMedia::release`] ends whichever exists, and returns once the recording is complete.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use super::media::MediaError;
use super::media::bridge::{Bridge, CarrierEnd};
use super::media::webrtc_leg::{LegEvent, WebrtcLeg};
use super::sdp::CarrierMedia;
use super::{Event, Gateway};

/// How long the server's ICE gathering may take (host candidates only: milliseconds in practice).
pub(super) const GATHERING_DEADLINE: Duration = Duration::from_secs(5);

pub(super) struct CallMedia {
    pub leg: Arc<WebrtcLeg>,
    events: Option<mpsc::UnboundedReceiver<LegEvent>>,
    rtp: Option<UdpSocket>,
    rtp_port: u16,
    bridge: Option<Bridge>,
    /// The recording's file name, once the bridge records.
    recording: String,
}

impl CallMedia {
    /// Binds the RTP socket (on the gateway's listen IP) and opens the WebRTC leg (on its advertised IP, or on
    /// `webrtc_bind` announcing the advertised one).
    pub async fn open(gw: &Gateway) -> Result<CallMedia, MediaError> {
        let rtp = UdpSocket::bind(SocketAddr::new(gw.local.ip(), 0))
            .await
            .map_err(|e| MediaError::Webrtc(format!("cannot bind an RTP port: {e}")))?;
        let rtp_port = rtp.local_addr().map(|a| a.port()).unwrap_or(0);
        let (leg, events) = match gw.config.webrtc_bind {
            Some(bind) => WebrtcLeg::open_behind_nat(bind, Some(gw.advertise)).await?,
            None => WebrtcLeg::open(gw.advertise).await?,
        };
        Ok(CallMedia {
            leg: Arc::new(leg),
            events: Some(events),
            rtp: Some(rtp),
            rtp_port,
            bridge: None,
            recording: String::new(),
        })
    }

    /// The RTP port to write in the SDP for the trunk.
    pub fn rtp_port(&self) -> u16 {
        self.rtp_port
    }

    /// The recording's file name (for the call's log), `""` when the call is not recorded.
    pub fn recording(&self) -> &str {
        &self.recording
    }

    /// Starts the bridge towards `carrier`, recording to `recording` (file name and path) when given; its own end
    /// (dead carrier, failed connection) becomes [`Event::MediaEnded`] on `call`. False if it was already started.
    pub fn start_bridge(
        &mut self,
        gw: &Gateway,
        carrier: CarrierMedia,
        call: mpsc::WeakUnboundedSender<Event>,
        recording: Option<(String, PathBuf)>,
    ) -> bool {
        let (Some(events), Some(rtp)) = (self.events.take(), self.rtp.take()) else { return false };
        let on_end = Box::new(move |end| {
            if let Some(call) = call.upgrade() {
                let _ = call.send(Event::MediaEnded(end));
            }
        });
        let end = CarrierEnd { address: carrier.address, law: carrier.law };
        let settings = gw.config.bridge_settings();
        let path = recording.map(|(name, path)| {
            self.recording = name;
            path
        });
        self.bridge = Some(Bridge::start(self.leg.clone(), events, rtp, end, settings, path, on_end));
        true
    }

    /// Stops the bridge (or closes the leg if it never started) and releases the sockets.
    pub async fn release(self) {
        match self.bridge {
            Some(bridge) => bridge.stop().await,
            None => self.leg.close().await,
        }
    }
}
