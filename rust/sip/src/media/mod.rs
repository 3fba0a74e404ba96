//! The media bridge of the SIP gateway: audio between the app's WebRTC (Opus over DTLS-SRTP, RTP clock 48 kHz) and
//! the carrier's plain RTP (G.711 at 8 kHz), transcoded in the server at 8 kHz throughout.
//!
//! One idea per file:
//!
//! * [`g711`]: μ-law and A-law, encode and decode;
//! * [`rtp`]: RTP headers with the carrier, parse (never panics) and write, and an outgoing stream's counters;
//! * [`jitter`]: the carrier's packets in order, played out after a fixed delay, with late, duplicate and
//!   missing packets handled and bounded memory;
//! * [`opus_codec`]: Opus frames for the WebRTC side, encoded from and decoded to 8 kHz PCM (libopus
//!   band-limits and converts rates itself, so there is no resampler);
//! * [`webrtc_leg`]: the server's own peer connection per call (answer for a callout, offer for a call-in);
//! * [`bridge`]: the per-call task that moves audio both ways and reports a dead carrier or failed connection;
//! * [`recorder`]: both sides of a bridged call in a WAV file, written off the bridge's path.
//!
//! The call tasks ([`crate::callout`], [`crate::callin`]) own the leg and the bridge; the module docs of
//! [`super`] describe when each is made and torn down.

pub mod bridge;
pub mod g711;
pub mod jitter;
pub mod opus_codec;
pub mod recorder;
pub mod rtp;
pub mod webrtc_leg;

/// Samples in one 20 ms packet at 8 kHz: a G.711 packet, and the frame the Opus side encodes (the one frame
/// duration both call ends use, `azstack_protocol::media::opus::FRAME_MS`).
pub const PACKET: usize = (8 * azstack_protocol::media::opus::FRAME_MS) as usize;

/// Why a media piece could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("codec: {0}")]
    Codec(String),
    #[error("webrtc: {0}")]
    Webrtc(String),
    #[error("the peer connection has no local description")]
    NoDescription,
    #[error("ICE gathering found no candidate")]
    NoCandidate,
}
