//! Call recording: both sides of one bridged call in a WAV file (8 kHz, 16-bit PCM, two channels: the carrier on
//! the left, the app on the right), as `[sip.recording]` asks.
//!
//! The bridge task is the clock. Every 20 ms tick it plays one carrier frame towards the app and hands the same
//! frame to [`Recorder::tick`], which pairs it with the next 20 ms of the app's audio (queued by
//! [`Recorder::app`] as the app's packets arrive; silence when none is waiting) and sends the interleaved frame
//! to a writer task. So the two channels share one timeline and the file lasts as long as the bridge ran. The
//! app's queue is bounded (a burst after a stall keeps the newest [`APP_QUEUE`] samples), so the channels never
//! drift apart by more than that.
//!
//! The bridge never waits for the disk: frames go through a bounded channel, and a frame that finds it full is
//! dropped and counted (the writer logs how many). The writer task creates `NAME.part`, writes a header with
//! zero sizes, appends the frames, and when the bridge ends (the channel closes) writes the real sizes, syncs the
//! file and renames it to `NAME`. So a file under its final name is always complete, and a crash leaves only a
//! `.part` behind. A write error ends the recording and removes the partial file; the call goes on.
//!
//! Not `hound`: its `WavWriter` writes through blocking `std::io::Write + Seek`, so each recorded call would hold a
//! blocking thread for its whole length; the writer here is an async task, and the canonical 44-byte header
//! ([`wav_header`], written twice) is all of the format it needs.

use std::collections::VecDeque;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncSeekExt, AsyncWriteExt, BufWriter};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::PACKET;

/// The recording's sample rate (the carrier's).
pub const RATE: u32 = 8000;
/// Channels: the carrier, then the app.
pub const CHANNELS: u16 = 2;
/// Size of the WAV header this module writes.
pub const HEADER_BYTES: usize = 44;
/// The app's audio waiting for its tick, at most (100 ms).
pub const APP_QUEUE: usize = 5 * PACKET;
/// Interleaved frames waiting for the disk, at most (5 s).
const WRITE_QUEUE: usize = 250;

/// The canonical 44-byte header of a PCM WAV file holding `data_bytes` of 16-bit samples.
pub fn wav_header(rate: u32, channels: u16, data_bytes: u32) -> [u8; HEADER_BYTES] {
    let block_align = channels * 2;
    let byte_rate = rate * u32::from(block_align);
    let mut h = [0u8; HEADER_BYTES];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&data_bytes.saturating_add(36).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&channels.to_le_bytes());
    h[24..28].copy_from_slice(&rate.to_le_bytes());
    h[28..32].copy_from_slice(&byte_rate.to_le_bytes());
    h[32..34].copy_from_slice(&block_align.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_bytes.to_le_bytes());
    h
}

/// The bridge's side of a recording.
pub struct Recorder {
    frames: mpsc::Sender<Vec<u8>>,
    app: VecDeque<i16>,
    dropped: u64,
}

impl Recorder {
    /// Starts the writer task for a recording that will be named `path`; the handle ends once the file is
    /// complete (or given up) after the recorder is dropped.
    pub fn start(path: PathBuf) -> (Recorder, JoinHandle<()>) {
        let (frames, queue) = mpsc::channel(WRITE_QUEUE);
        let writer = tokio::spawn(write(path, queue));
        (Recorder { frames, app: VecDeque::with_capacity(APP_QUEUE), dropped: 0 }, writer)
    }

    /// The app's decoded audio (8 kHz), as it arrives.
    pub fn app(&mut self, samples: &[i16]) {
        self.app.extend(samples);
        let excess = self.app.len().saturating_sub(APP_QUEUE);
        self.app.drain(..excess);
    }

    /// One 20 ms tick: the carrier's frame as played to the app, paired with the app's next 20 ms.
    pub fn tick(&mut self, carrier: &[i16]) {
        let mut frame = Vec::with_capacity(PACKET * 4);
        for i in 0..PACKET {
            let left = carrier.get(i).copied().unwrap_or(0);
            let right = self.app.pop_front().unwrap_or(0);
            frame.extend_from_slice(&left.to_le_bytes());
            frame.extend_from_slice(&right.to_le_bytes());
        }
        if self.frames.try_send(frame).is_err() {
            self.dropped += 1;
            if self.dropped.is_power_of_two() {
                tracing::warn!(dropped = self.dropped, "recording frames dropped: the disk is too slow or failed");
            }
        }
    }
}

/// The `.part` file a recording is written to before it is complete.
pub fn part_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}

async fn write(path: PathBuf, mut queue: mpsc::Receiver<Vec<u8>>) {
    let part = part_path(&path);
    match write_part(&part, &mut queue).await {
        Ok(bytes) => match tokio::fs::rename(&part, &path).await {
            Ok(()) => tracing::info!(path = %path.display(), bytes, "call recorded"),
            Err(error) => tracing::error!(path = %path.display(), %error, "recording not renamed"),
        },
        Err(error) => {
            tracing::error!(path = %part.display(), %error, "recording abandoned");
            let _ = tokio::fs::remove_file(&part).await;
        }
    }
}

/// Writes the frames until the queue closes, then the header's real sizes; returns the data bytes.
async fn write_part(part: &Path, queue: &mut mpsc::Receiver<Vec<u8>>) -> std::io::Result<u32> {
    let mut file = BufWriter::new(tokio::fs::File::create(part).await?);
    file.write_all(&wav_header(RATE, CHANNELS, 0)).await?;
    let mut data: u32 = 0;
    while let Some(frame) = queue.recv().await {
        // A WAV file holds at most 4 GiB (≈ 37 hours at this rate); the rest of a longer call is not recorded.
        let Some(total) = u32::try_from(frame.len()).ok().and_then(|n| data.checked_add(n)) else { continue };
        file.write_all(&frame).await?;
        data = total;
    }
    file.flush().await?;
    let mut file = file.into_inner();
    file.seek(SeekFrom::Start(0)).await?;
    file.write_all(&wav_header(RATE, CHANNELS, data)).await?;
    file.sync_all().await?;
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header a WAV reader checks, field by field.
    #[test]
    fn the_header_describes_16_bit_pcm() {
        let h = wav_header(8000, 2, 3200);
        assert_eq!(&h[0..4], b"RIFF");
        assert_eq!(u32::from_le_bytes([h[4], h[5], h[6], h[7]]), 3236);
        assert_eq!(&h[8..16], b"WAVEfmt ");
        assert_eq!(u16::from_le_bytes([h[20], h[21]]), 1);
        assert_eq!(u16::from_le_bytes([h[22], h[23]]), 2);
        assert_eq!(u32::from_le_bytes([h[24], h[25], h[26], h[27]]), 8000);
        assert_eq!(u32::from_le_bytes([h[28], h[29], h[30], h[31]]), 32_000);
        assert_eq!(u16::from_le_bytes([h[32], h[33]]), 4);
        assert_eq!(u16::from_le_bytes([h[34], h[35]]), 16);
        assert_eq!(&h[36..40], b"data");
        assert_eq!(u32::from_le_bytes([h[40], h[41], h[42], h[43]]), 3200);
    }

    fn channels(bytes: &[u8]) -> (Vec<i16>, Vec<i16>) {
        let samples: Vec<i16> = bytes.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
        (samples.iter().step_by(2).copied().collect(), samples.iter().skip(1).step_by(2).copied().collect())
    }

    #[tokio::test]
    async fn ticks_pair_the_carrier_with_the_queued_app_audio_and_the_file_completes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("call.wav");
        let (mut recorder, writer) = Recorder::start(path.clone());
        recorder.app(&[7; PACKET]);
        recorder.tick(&[1; PACKET]); // the app's frame
        recorder.tick(&[2; PACKET]); // nothing queued: silence
        recorder.app(&[9; 8 * PACKET]); // a burst: only the newest 100 ms are kept
        for _ in 0..6 {
            recorder.tick(&[3; PACKET]);
        }
        assert!(!path.exists(), "not under its final name while the call goes on");
        drop(recorder);
        writer.await.unwrap();
        assert!(!part_path(&path).exists());
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes[..HEADER_BYTES], wav_header(RATE, CHANNELS, 8 * PACKET as u32 * 4));
        let (carrier, app) = channels(&bytes[HEADER_BYTES..]);
        assert_eq!(carrier.len(), 8 * PACKET);
        assert!(carrier[..PACKET].iter().all(|&s| s == 1) && carrier[PACKET..2 * PACKET].iter().all(|&s| s == 2));
        assert!(app[..PACKET].iter().all(|&s| s == 7));
        assert!(app[PACKET..2 * PACKET].iter().all(|&s| s == 0));
        let burst = app[2 * PACKET..].iter().filter(|&&s| s == 9).count();
        assert_eq!(burst, APP_QUEUE, "the burst beyond the queue's bound is dropped");
    }

    #[tokio::test]
    async fn an_unwritable_place_abandons_the_recording_without_panicking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("call.wav");
        let (mut recorder, writer) = Recorder::start(path.clone());
        for _ in 0..300 {
            recorder.tick(&[1; PACKET]); // more than the queue holds, with the writer gone
        }
        drop(recorder);
        writer.await.unwrap();
        assert!(!path.exists() && !part_path(&path).exists());
    }
}
