//! Opus for the WebRTC side of the bridge (libopus through the `opus` crate): mono, 48 kHz, 20 ms frames. The
//! encoder is set for telephone audio (VoIP mode, narrowband: the carrier's audio has nothing above 4 kHz) at
//! complexity 5, which halves its CPU against the default 10 at no audible cost for narrowband speech.

use super::MediaError;

/// Samples in one 20 ms frame at 48 kHz.
pub const FRAME_48K: usize = 960;
/// The Opus RTP clock (RFC 7587: always 48 kHz).
pub const CLOCK_RATE: u32 = 48_000;

fn codec_error(e: opus::Error) -> MediaError {
    MediaError::Codec(e.to_string())
}

pub struct Encoder(opus::Encoder);

impl Encoder {
    pub fn new() -> Result<Encoder, MediaError> {
        let mut encoder =
            opus::Encoder::new(CLOCK_RATE, opus::Channels::Mono, opus::Application::Voip).map_err(codec_error)?;
        encoder.set_complexity(5).map_err(codec_error)?;
        encoder.set_max_bandwidth(opus::Bandwidth::Narrowband).map_err(codec_error)?;
        Ok(Encoder(encoder))
    }

    /// Encodes one 20 ms frame (shorter input is padded with silence, longer is cut).
    pub fn encode(&mut self, pcm: &[i16]) -> Result<Vec<u8>, MediaError> {
        let mut frame = [0i16; FRAME_48K];
        let n = pcm.len().min(FRAME_48K);
        frame[..n].copy_from_slice(&pcm[..n]);
        self.0.encode_vec(&frame, 1500).map_err(codec_error)
    }
}

pub struct Decoder(opus::Decoder);

impl Decoder {
    pub fn new() -> Result<Decoder, MediaError> {
        Ok(Decoder(opus::Decoder::new(CLOCK_RATE, opus::Channels::Mono).map_err(codec_error)?))
    }

    /// Decodes one packet (any Opus frame size up to 120 ms; stereo is mixed to mono) and appends its samples.
    pub fn decode(&mut self, packet: &[u8], out: &mut Vec<i16>) -> Result<(), MediaError> {
        let mut pcm = [0i16; FRAME_48K * 6];
        let n = self.0.decode(packet, &mut pcm, false).map_err(codec_error)?;
        out.extend_from_slice(pcm.get(..n).unwrap_or_default());
        Ok(())
    }

    /// Packet-loss concealment for one lost 20 ms frame.
    pub fn conceal(&mut self, out: &mut Vec<i16>) -> Result<(), MediaError> {
        let mut pcm = [0i16; FRAME_48K];
        let n = self.0.decode(&[], &mut pcm, false).map_err(codec_error)?;
        out.extend_from_slice(pcm.get(..n).unwrap_or_default());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::media::tone::{goertzel, sine_from};

    #[test]
    fn a_narrowband_tone_survives() {
        let mut encoder = Encoder::new().unwrap();
        let mut decoder = Decoder::new().unwrap();
        let mut out = Vec::new();
        for i in 0..50u64 {
            let frame = sine_from(1000.0, CLOCK_RATE, i * FRAME_48K as u64, FRAME_48K, 8000.0);
            let packet = encoder.encode(&frame).unwrap();
            assert!(packet.len() < 200);
            decoder.decode(&packet, &mut out).unwrap();
        }
        decoder.conceal(&mut out).unwrap();
        assert_eq!(out.len(), 51 * FRAME_48K);
        let settled = &out[10 * FRAME_48K..50 * FRAME_48K];
        let on = goertzel(settled, CLOCK_RATE, 1000.0);
        assert!(on > 0.5 * 4000.0f64.powi(2), "{on}");
        assert!(goertzel(settled, CLOCK_RATE, 440.0) < on / 100.0);
        assert!(decoder.decode(&[0xFF, 0xFF, 0xFF], &mut out).is_err() || out.len() >= 51 * FRAME_48K);
    }
}
