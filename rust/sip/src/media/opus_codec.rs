//! Opus for the WebRTC side of the bridge (libopus through the `opus` crate): mono, 20 ms frames, encoded from and
//! decoded to 8 kHz, the carrier's own rate. libopus takes 8 kHz PCM at its API and band-limits whatever it decodes
//! to it (SILK decodes narrowband natively and resamples wider modes itself; CELT zeroes the bands above 4 kHz
//! before its inverse MDCT), so the bridge needs no resampler of its own. The RTP clock stays 48 kHz (RFC 7587:
//! the RTP clock of Opus does not depend on the rate at the codec's API), so the app sees an ordinary narrowband
//! Opus stream. The encoder is set for telephone audio (VoIP mode; 8 kHz input makes it narrowband) at
//! complexity 5, which halves its CPU against the default 10 at no audible cost for narrowband speech, and 24 kb/s.
//!
//! Algorithmic delay: the encoder looks 6.5 ms ahead at any rate (2.5 ms of look-ahead and 4 ms of delay
//! compensation); the decoder adds none at 8 kHz.

use super::{MediaError, PACKET};

/// The rate at the codec's API: the carrier's.
pub const RATE: u32 = 8000;
/// The Opus RTP clock (RFC 7587: always 48 kHz).
pub const CLOCK_RATE: u32 = azstack_protocol::media::opus::CLOCK_RATE;
/// The encoder's bitrate, in bit/s. libopus's default depends on the API rate (11 kb/s at 8 kHz, 51 kb/s at
/// 48 kHz); 24 kb/s is twice what RFC 7587 §3.1.1 suggests for narrowband speech, where SILK's quality has levelled
/// off, and half the 64 kb/s of the G.711 it comes from.
const BITRATE: i32 = 24_000;
/// Bytes an encoded 20 ms frame may take (libopus needs at most 1275 per frame; narrowband speech takes < 100).
const MAX_FRAME_BYTES: usize = 400;

fn codec_error(e: opus::Error) -> MediaError {
    MediaError::Codec(e.to_string())
}

pub struct Encoder {
    encoder: opus::Encoder,
    out: [u8; MAX_FRAME_BYTES],
}

impl Encoder {
    pub fn new() -> Result<Encoder, MediaError> {
        let mut encoder =
            opus::Encoder::new(RATE, opus::Channels::Mono, opus::Application::Voip).map_err(codec_error)?;
        encoder.set_complexity(5).map_err(codec_error)?;
        encoder.set_bitrate(opus::Bitrate::Bits(BITRATE)).map_err(codec_error)?;
        Ok(Encoder { encoder, out: [0; MAX_FRAME_BYTES] })
    }

    /// Encodes one 20 ms frame of 8 kHz PCM (shorter input is padded with silence, longer is cut); the packet
    /// borrows the encoder's buffer.
    pub fn encode(&mut self, pcm: &[i16]) -> Result<&[u8], MediaError> {
        let n = if pcm.len() == PACKET {
            self.encoder.encode(pcm, &mut self.out)
        } else {
            let mut frame = [0i16; PACKET];
            let n = pcm.len().min(PACKET);
            frame[..n].copy_from_slice(&pcm[..n]);
            self.encoder.encode(&frame, &mut self.out)
        }
        .map_err(codec_error)?;
        Ok(self.out.get(..n).unwrap_or_default())
    }
}

pub struct Decoder(opus::Decoder);

impl Decoder {
    pub fn new() -> Result<Decoder, MediaError> {
        Ok(Decoder(opus::Decoder::new(RATE, opus::Channels::Mono).map_err(codec_error)?))
    }

    /// Decodes one packet (any Opus frame size up to 120 ms and any bandwidth; stereo is mixed to mono) and
    /// appends its 8 kHz samples.
    pub fn decode(&mut self, packet: &[u8], out: &mut Vec<i16>) -> Result<(), MediaError> {
        let mut pcm = [0i16; PACKET * 6];
        let n = self.0.decode(packet, &mut pcm, false).map_err(codec_error)?;
        out.extend_from_slice(pcm.get(..n).unwrap_or_default());
        Ok(())
    }

    /// Packet-loss concealment for one lost 20 ms frame.
    pub fn conceal(&mut self, out: &mut Vec<i16>) -> Result<(), MediaError> {
        let mut pcm = [0i16; PACKET];
        let n = self.0.decode(&[], &mut pcm, false).map_err(codec_error)?;
        out.extend_from_slice(pcm.get(..n).unwrap_or_default());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::tone::{goertzel, sine_from};

    #[test]
    fn a_narrowband_tone_survives() {
        let mut encoder = Encoder::new().unwrap();
        let mut decoder = Decoder::new().unwrap();
        let mut out = Vec::new();
        for i in 0..50u64 {
            let frame = sine_from(1000.0, RATE, i * PACKET as u64, PACKET, 8000.0);
            let packet = encoder.encode(&frame).unwrap();
            assert!(!packet.is_empty() && packet.len() < 200);
            decoder.decode(packet, &mut out).unwrap();
        }
        decoder.conceal(&mut out).unwrap();
        assert_eq!(out.len(), 51 * PACKET);
        let settled = &out[10 * PACKET..50 * PACKET];
        let on = goertzel(settled, RATE, 1000.0);
        assert!(on > 0.5 * 4000.0f64.powi(2), "{on}");
        assert!(goertzel(settled, RATE, 440.0) < on / 100.0);
        assert!(decoder.decode(&[0xFF, 0xFF, 0xFF], &mut out).is_err() || out.len() >= 51 * PACKET);
    }

    /// What an app sends at 48 kHz (full band, default settings, as the engine encodes) decodes to the tone at
    /// 8 kHz without aliasing: a 1 kHz tone stays, a 7 kHz one (which would fold to 1 kHz) is gone.
    #[test]
    fn full_band_opus_decodes_to_8khz_without_aliasing() {
        let mut app = opus::Encoder::new(CLOCK_RATE, opus::Channels::Mono, opus::Application::Voip).unwrap();
        let mut decoder = Decoder::new().unwrap();
        let mut decode = |hz: f64| {
            let mut out = Vec::new();
            for i in 0..50u64 {
                let frame = sine_from(hz, CLOCK_RATE, i * 960, 960, 8000.0);
                let packet = app.encode_vec(&frame, 1500).unwrap();
                decoder.decode(&packet, &mut out).unwrap();
            }
            assert_eq!(out.len(), 50 * PACKET);
            goertzel(&out[10 * PACKET..], RATE, 1000.0)
        };
        let kept = decode(1000.0);
        assert!(kept > 0.5 * 4000.0f64.powi(2), "{kept}");
        let folded = decode(7000.0);
        assert!(folded < kept / 1000.0, "{folded} vs {kept}");
    }
}
