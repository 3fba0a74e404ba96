//! 48 kHz ↔ 8 kHz sample-rate conversion for the bridge: polyphase FIR filters around one linear-phase low-pass
//! (windowed sinc, Kaiser window β = 5.65 ≈ 60 dB stop-band attenuation, 216 taps at 48 kHz, cut-off 3.7 kHz,
//! transition band ≈ 0.8 kHz). Decimation (48 → 8) filters before keeping every sixth sample, so nothing above
//! 4 kHz folds into the telephone band; interpolation (8 → 48) inserts five zeros per sample and filters the
//! images away (each of the six output phases uses 36 taps). Group delay: 108 samples at 48 kHz, 2.25 ms each way.
//!
//! Both keep their history between calls, so a stream can be fed in blocks of any size (the bridge feeds 20 ms).

use std::f64::consts::PI;
use std::sync::OnceLock;

/// 48 000 / 8 000.
pub const FACTOR: usize = 6;
const TAPS: usize = 216;
const PHASE_TAPS: usize = TAPS / FACTOR;
const CUTOFF_HZ: f64 = 3700.0;
const RATE_HZ: f64 = 48_000.0;
const KAISER_BETA: f64 = 5.65;

/// The modified Bessel function I₀ (power series; converges fast for the β used here).
fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let half = x / 2.0;
    for k in 1..50 {
        term *= (half / k as f64).powi(2);
        sum += term;
        if term < sum * 1e-12 {
            break;
        }
    }
    sum
}

/// The low-pass taps, normalised to unit DC gain. Symmetric, so convolution needs no reversal.
fn taps() -> &'static [f32; TAPS] {
    static TAPS_CELL: OnceLock<[f32; TAPS]> = OnceLock::new();
    TAPS_CELL.get_or_init(|| {
        let mut h = [0f64; TAPS];
        let centre = (TAPS - 1) as f64 / 2.0;
        let fc = CUTOFF_HZ / RATE_HZ;
        let norm = bessel_i0(KAISER_BETA);
        for (n, tap) in h.iter_mut().enumerate() {
            let x = n as f64 - centre;
            let sinc = if x == 0.0 { 2.0 * fc } else { (2.0 * PI * fc * x).sin() / (PI * x) };
            let r = x / centre;
            let window = bessel_i0(KAISER_BETA * (1.0 - r * r).max(0.0).sqrt()) / norm;
            *tap = sinc * window;
        }
        let sum: f64 = h.iter().sum();
        let mut out = [0f32; TAPS];
        for (o, v) in out.iter_mut().zip(h) {
            *o = (v / sum) as f32;
        }
        out
    })
}

fn to_i16(v: f32) -> i16 {
    v.round().clamp(-32768.0, 32767.0) as i16
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// 48 kHz → 8 kHz.
pub struct Downsampler {
    /// The last `TAPS − 1` inputs, then the new ones.
    buffer: Vec<f32>,
    /// Index in `buffer` of the first sample of the next output's window.
    position: usize,
}

impl Default for Downsampler {
    fn default() -> Self {
        Downsampler { buffer: vec![0.0; TAPS - 1], position: 0 }
    }
}

impl Downsampler {
    /// Filters `input` (48 kHz) and appends the 8 kHz samples it completes to `out` (`input.len() / 6` of them
    /// when fed multiples of six).
    pub fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        let h = taps();
        self.buffer.extend(input.iter().map(|&s| f32::from(s)));
        while let Some(window) = self.buffer.get(self.position..self.position + TAPS) {
            out.push(to_i16(dot(window, h)));
            self.position += FACTOR;
        }
        let consumed = self.position.min(self.buffer.len());
        self.buffer.drain(..consumed);
        self.position -= consumed;
    }
}

/// 8 kHz → 48 kHz.
pub struct Upsampler {
    /// The last `PHASE_TAPS − 1` inputs, then the new ones.
    buffer: Vec<f32>,
    /// Per output phase, the taps that apply to the input window (oldest first), times six (the zeros inserted
    /// cost 1/6 of the level).
    phases: [[f32; PHASE_TAPS]; FACTOR],
}

impl Default for Upsampler {
    fn default() -> Self {
        let h = taps();
        let mut phases = [[0f32; PHASE_TAPS]; FACTOR];
        for (p, phase) in phases.iter_mut().enumerate() {
            for (j, tap) in phase.iter_mut().enumerate() {
                // Output 6i + p = 6 · Σ_j h[p + 6j] · x[i − j]; the window is oldest first, so reverse j.
                *tap = h[p + FACTOR * (PHASE_TAPS - 1 - j)] * FACTOR as f32;
            }
        }
        Upsampler { buffer: vec![0.0; PHASE_TAPS - 1], phases }
    }
}

impl Upsampler {
    /// Appends six 48 kHz samples per 8 kHz sample of `input` to `out`.
    pub fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        self.buffer.extend(input.iter().map(|&s| f32::from(s)));
        out.reserve(input.len() * FACTOR);
        let mut start = 0;
        while let Some(window) = self.buffer.get(start..start + PHASE_TAPS) {
            for phase in &self.phases {
                out.push(to_i16(dot(window, phase)));
            }
            start += 1;
        }
        self.buffer.drain(..start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::media::tone::{goertzel, rms, sine};

    /// The level (dB) of `frequency` in the output relative to a sine of `amplitude` (skipping the filter's
    /// start-up).
    fn level_db(out: &[i16], rate: u32, frequency: f64, amplitude: f64) -> f64 {
        let settled = &out[out.len() / 4..];
        let power = goertzel(settled, rate, frequency);
        10.0 * (power / (amplitude / 2.0).powi(2)).log10()
    }

    fn down(input: &[i16]) -> Vec<i16> {
        let mut d = Downsampler::default();
        let mut out = Vec::new();
        for block in input.chunks(960) {
            d.process(block, &mut out);
        }
        out
    }

    fn up(input: &[i16]) -> Vec<i16> {
        let mut u = Upsampler::default();
        let mut out = Vec::new();
        for block in input.chunks(160) {
            u.process(block, &mut out);
        }
        out
    }

    #[test]
    fn decimation_keeps_1khz_and_removes_6khz() {
        let tone = sine(1000.0, 48_000, 48_000, 10_000.0);
        let out = down(&tone);
        assert_eq!(out.len(), 8000);
        let kept = level_db(&out, 8000, 1000.0, 10_000.0);
        assert!(kept.abs() < 0.5, "1 kHz at {kept:.2} dB");
        // 6 kHz would fold to 2 kHz at 8 kHz.
        let high = sine(6000.0, 48_000, 48_000, 10_000.0);
        let out = down(&high);
        let folded = level_db(&out, 8000, 2000.0, 10_000.0);
        assert!(folded < -50.0, "6 kHz folds to 2 kHz at {folded:.1} dB");
        assert!(rms(&out[2000..]) < 10.0, "rms {}", rms(&out[2000..]));
    }

    #[test]
    fn interpolation_keeps_1khz_without_images() {
        let tone = sine(1000.0, 8000, 8000, 10_000.0);
        let out = up(&tone);
        assert_eq!(out.len(), 48_000);
        let kept = level_db(&out, 48_000, 1000.0, 10_000.0);
        assert!(kept.abs() < 0.5, "1 kHz at {kept:.2} dB");
        for image in [7000.0, 9000.0, 15_000.0, 17_000.0] {
            let level = level_db(&out, 48_000, image, 10_000.0);
            assert!(level < -50.0, "image at {image} Hz: {level:.1} dB");
        }
    }

    #[test]
    fn odd_block_sizes_give_the_same_stream() {
        let tone = sine(700.0, 48_000, 4800, 8000.0);
        let whole = down(&tone);
        let mut d = Downsampler::default();
        let mut pieces = Vec::new();
        for block in tone.chunks(7) {
            d.process(block, &mut pieces);
        }
        assert_eq!(whole, pieces);
    }

    #[test]
    fn the_round_trip_keeps_speech_band_tones() {
        for f in [300.0, 1000.0, 3000.0] {
            let tone = sine(f, 48_000, 48_000, 10_000.0);
            let back = up(&down(&tone));
            let level = level_db(&back, 48_000, f, 10_000.0);
            assert!(level.abs() < 1.0, "{f} Hz at {level:.2} dB");
        }
    }
}
