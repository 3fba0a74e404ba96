//! Test helpers for the gateway's media, for the server's SIP tests and the bench (feature `testing`; never in a
//! production build): [`tone`] generates and detects tones, [`app_peer::AppPeer`] is a WebRTC app that plays and
//! hears them, [`rtp_carrier::RtpCarrier`] the carrier's RTP end doing the same, both measuring with a
//! [`tone_meter::ToneMeter`].

pub mod app_peer;
pub mod rtp_carrier;
pub mod tone;
pub mod tone_meter;
