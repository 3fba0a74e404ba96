//! G.711 (ITU-T G.711): 16-bit linear PCM ↔ 8-bit μ-law (payload type 0, PCMU) and A-law (payload type 8, PCMA),
//! the segment-and-mantissa formulas of the reference implementation. Every byte value decodes; nothing panics.

/// Which G.711 law a carrier's stream uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Law {
    /// μ-law, RTP payload type 0.
    Mu,
    /// A-law, RTP payload type 8.
    A,
}

impl Law {
    /// The law of a static RTP payload type (RFC 3551): 0 PCMU, 8 PCMA.
    pub fn from_payload_type(payload_type: u8) -> Option<Law> {
        match payload_type {
            0 => Some(Law::Mu),
            8 => Some(Law::A),
            _ => None,
        }
    }

    pub fn payload_type(self) -> u8 {
        match self {
            Law::Mu => 0,
            Law::A => 8,
        }
    }

    /// Encodes `pcm` and appends one byte per sample to `out`.
    pub fn encode(self, pcm: &[i16], out: &mut Vec<u8>) {
        match self {
            Law::Mu => out.extend(pcm.iter().map(|&s| linear_to_ulaw(s))),
            Law::A => out.extend(pcm.iter().map(|&s| linear_to_alaw(s))),
        }
    }

    /// Decodes `bytes` and appends one sample per byte to `out`.
    pub fn decode(self, bytes: &[u8], out: &mut Vec<i16>) {
        match self {
            Law::Mu => out.extend(bytes.iter().map(|&b| ulaw_to_linear(b))),
            Law::A => out.extend(bytes.iter().map(|&b| alaw_to_linear(b))),
        }
    }
}

const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 32635;

pub fn linear_to_ulaw(sample: i16) -> u8 {
    let mut pcm = i32::from(sample);
    let sign = if pcm < 0 {
        pcm = -pcm;
        0x80
    } else {
        0
    };
    pcm = pcm.min(ULAW_CLIP) + ULAW_BIAS;
    // The segment: the position of the highest set bit among bits 7..=14.
    let mut exponent = 7;
    let mut mask = 0x4000;
    while exponent > 0 && pcm & mask == 0 {
        exponent -= 1;
        mask >>= 1;
    }
    let mantissa = (pcm >> (exponent + 3)) & 0x0F;
    !((sign | (exponent << 4) | mantissa) as u8)
}

pub fn ulaw_to_linear(byte: u8) -> i16 {
    let u = !byte;
    let exponent = (u >> 4) & 0x07;
    let mantissa = i32::from(u & 0x0F);
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    // At most (15·8 + 132)·128 − 132 = 32124: always an i16.
    let value = if u & 0x80 != 0 { -magnitude } else { magnitude };
    value as i16
}

/// Ends of the A-law segments on the 13-bit magnitude.
const ALAW_SEGMENT_ENDS: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];

pub fn linear_to_alaw(sample: i16) -> u8 {
    let mut pcm = i32::from(sample) >> 3;
    let mask: u8 = if pcm >= 0 {
        0xD5
    } else {
        pcm = -pcm - 1;
        0x55
    };
    let Some(segment) = ALAW_SEGMENT_ENDS.iter().position(|&end| pcm <= end) else {
        return 0x7F ^ mask;
    };
    let shift = if segment < 2 { 1 } else { segment };
    let value = ((segment as i32) << 4) | ((pcm >> shift) & 0x0F);
    (value as u8) ^ mask
}

pub fn alaw_to_linear(byte: u8) -> i16 {
    let a = byte ^ 0x55;
    let mut t = i32::from(a & 0x0F) << 4;
    let segment = (a & 0x70) >> 4;
    match segment {
        0 => t += 8,
        1 => t += 0x108,
        _ => t = (t + 0x108) << (segment - 1),
    }
    // At most (15·16 + 264)·64 = 32256: always an i16.
    let value = if a & 0x80 != 0 { t } else { -t };
    value as i16
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::tone;

    #[test]
    fn silence_and_extremes() {
        assert_eq!(ulaw_to_linear(linear_to_ulaw(0)), 0);
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert!(ulaw_to_linear(linear_to_ulaw(i16::MAX)) > 32000);
        assert!(ulaw_to_linear(linear_to_ulaw(i16::MIN)) < -32000);
        assert!(alaw_to_linear(linear_to_alaw(i16::MAX)) > 32000);
        assert!(alaw_to_linear(linear_to_alaw(i16::MIN)) < -32000);
    }

    #[test]
    fn every_code_survives_a_second_round() {
        for byte in 0..=255u8 {
            let mu = ulaw_to_linear(byte);
            assert_eq!(ulaw_to_linear(linear_to_ulaw(mu)), mu, "μ-law {byte:#x}");
            let a = alaw_to_linear(byte);
            assert_eq!(alaw_to_linear(linear_to_alaw(a)), a, "A-law {byte:#x}");
        }
    }

    #[test]
    fn monotonic() {
        let mut last_mu = i16::MIN;
        let mut last_a = i16::MIN;
        for s in (i16::MIN..=i16::MAX).step_by(7) {
            let mu = ulaw_to_linear(linear_to_ulaw(s));
            let a = alaw_to_linear(linear_to_alaw(s));
            assert!(mu >= last_mu && a >= last_a, "at {s}");
            last_mu = mu;
            last_a = a;
        }
    }

    /// A 1 kHz tone at 8 kHz keeps its frequency and level through each law, with the ~38 dB SNR of G.711.
    #[test]
    fn tone_round_trip() {
        let pcm = tone::sine(1000.0, 8000, 8000, 12000.0);
        for law in [Law::Mu, Law::A] {
            let mut bytes = Vec::new();
            law.encode(&pcm, &mut bytes);
            assert_eq!(bytes.len(), pcm.len());
            let mut back = Vec::new();
            law.decode(&bytes, &mut back);
            let noise: f64 = pcm.iter().zip(&back).map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2)).sum();
            let signal: f64 = pcm.iter().map(|&a| f64::from(a).powi(2)).sum();
            let snr = 10.0 * (signal / noise).log10();
            assert!(snr > 30.0, "{law:?}: SNR {snr:.1} dB");
            let at_tone = tone::goertzel(&back, 8000, 1000.0);
            let off_tone = tone::goertzel(&back, 8000, 2500.0);
            assert!(at_tone > 1000.0 * off_tone, "{law:?}: {at_tone} vs {off_tone}");
        }
    }
}
