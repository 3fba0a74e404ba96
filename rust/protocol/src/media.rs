//! The audio codec both ends of a call negotiate: Opus as the engine's peer connection and the SIP gateway's WebRTC
//! leg register it, with the same SDP parameters, so an app and the gateway always agree. webrtc-rs builds
//! its codec description from these values on each side.

/// Opus: `a=rtpmap:111 opus/48000/2` and `a=fmtp:111 minptime=10;useinbandfec=1`.
pub mod opus {
    /// The MIME type of the codec (`MIME_TYPE_OPUS` in webrtc-rs).
    pub const MIME_TYPE: &str = "audio/opus";
    /// The RTP payload type it is registered with (the browsers' usual one).
    pub const PAYLOAD_TYPE: u8 = 111;
    /// The RTP clock rate: always 48 kHz for Opus (RFC 7587 §4.1), whatever rate the encoder runs at.
    pub const CLOCK_RATE: u32 = 48_000;
    /// The channel count in the `rtpmap` line: always 2 for Opus (RFC 7587 §7); the audio itself is mono.
    pub const SDP_CHANNELS: u16 = 2;
    /// The `fmtp` parameters: frames of at least 10 ms, in-band FEC.
    pub const FMTP: &str = "minptime=10;useinbandfec=1";
    /// The duration of one encoded frame (one RTP packet), in milliseconds.
    pub const FRAME_MS: u32 = 20;
}
