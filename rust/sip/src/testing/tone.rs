//! Test signals for the bridge's tests and the bench: a sine generator and the Goertzel detector (the power of one
//! frequency in a block of samples). Nothing in the call path uses them.

use std::f64::consts::TAU;

/// `count` samples of a sine of `frequency` Hz at `rate` Hz with peak `amplitude`, starting at phase 0.
pub fn sine(frequency: f64, rate: u32, count: usize, amplitude: f64) -> Vec<i16> {
    sine_from(frequency, rate, 0, count, amplitude)
}

/// Like [`sine`], starting at sample index `start` (so consecutive blocks join without a click).
pub fn sine_from(frequency: f64, rate: u32, start: u64, count: usize, amplitude: f64) -> Vec<i16> {
    (0..count as u64)
        .map(|i| {
            let t = (start + i) as f64 / f64::from(rate);
            (amplitude * (TAU * frequency * t).sin()).round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

/// The Goertzel power of `frequency` in `samples` (taken at `rate` Hz), normalised by the block length so blocks
/// of different lengths compare: a full-scale-`a` sine gives about `(a/2)²`.
pub fn goertzel(samples: &[i16], rate: u32, frequency: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let coefficient = 2.0 * (TAU * frequency / f64::from(rate)).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coefficient * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
    let n = samples.len() as f64;
    power / (n * n)
}

/// Root mean square of `samples`.
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
    (sum / samples.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goertzel_finds_the_tone() {
        let s = sine(440.0, 48_000, 4800, 10_000.0);
        let on = goertzel(&s, 48_000, 440.0);
        assert!((on - 25_000_000.0).abs() < 2_500_000.0, "{on}");
        assert!(goertzel(&s, 48_000, 1000.0) < on / 1000.0);
        assert!((rms(&s) - 7071.0).abs() < 50.0);
    }
}
