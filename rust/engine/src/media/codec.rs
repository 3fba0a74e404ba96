//! Encoders and decoders: Opus for audio and H.264 (constrained baseline, OpenH264) for video.
//!
//! Both libraries are C, bundled and built by their crates, so they sit behind the `codecs` cargo feature. Without
//! it, [`video_encoder`] and friends answer [`MediaError::NoCodec`]; the send loops then send nothing and the
//! receive loops drop what arrives, while signalling and the peer connection work as usual.

use super::{MediaError, VideoFrame};

/// Encodes frames to an H.264 Annex B access unit (start codes; SPS/PPS in front of every IDR).
pub trait VideoEncoder: Send + 'static {
    /// Encodes one frame; `keyframe` forces an IDR. An empty result means the encoder skipped the frame.
    fn encode(&mut self, frame: &VideoFrame, keyframe: bool) -> Result<Vec<u8>, MediaError>;
}

/// Decodes H.264 Annex B access units.
pub trait VideoDecoder: Send + 'static {
    /// Decodes one access unit; `None` when it produced no picture (yet).
    fn decode(&mut self, access_unit: &[u8]) -> Result<Option<VideoFrame>, MediaError>;
}

/// Encodes 20 ms of 48 kHz mono PCM to one Opus packet.
pub trait AudioEncoder: Send + 'static {
    fn encode(&mut self, pcm: &[i16]) -> Result<Vec<u8>, MediaError>;
}

/// Decodes one Opus packet to PCM (48 kHz mono).
pub trait AudioDecoder: Send + 'static {
    fn decode(&mut self, packet: &[u8]) -> Result<Vec<i16>, MediaError>;
}

/// Whether this build carries the codecs.
pub const AVAILABLE: bool = cfg!(feature = "codecs");

/// An H.264 encoder for `fps` frames per second, a keyframe at least every `keyframe_interval` frames.
pub fn video_encoder(fps: u32, keyframe_interval: u32) -> Result<Box<dyn VideoEncoder>, MediaError> {
    imp::video_encoder(fps, keyframe_interval)
}

pub fn video_decoder() -> Result<Box<dyn VideoDecoder>, MediaError> {
    imp::video_decoder()
}

pub fn audio_encoder() -> Result<Box<dyn AudioEncoder>, MediaError> {
    imp::audio_encoder()
}

pub fn audio_decoder() -> Result<Box<dyn AudioDecoder>, MediaError> {
    imp::audio_decoder()
}

#[cfg(feature = "codecs")]
mod imp {
    use openh264::OpenH264API;
    use openh264::decoder::Decoder;
    use openh264::encoder::{BitRate, Encoder, EncoderConfig, FrameRate, IntraFramePeriod, RateControlMode, UsageType};
    use openh264::formats::{YUVSlices, YUVSource};

    use super::super::{AUDIO_CHUNK, AUDIO_RATE, MediaError, VideoFrame, i420_len};
    use super::{AudioDecoder, AudioEncoder, VideoDecoder, VideoEncoder};

    fn codec_error(e: impl std::fmt::Display) -> MediaError {
        MediaError::Codec(e.to_string())
    }

    struct H264Encoder(Encoder);

    pub fn video_encoder(fps: u32, keyframe_interval: u32) -> Result<Box<dyn VideoEncoder>, MediaError> {
        let config = EncoderConfig::new()
            .usage_type(UsageType::CameraVideoRealTime)
            .max_frame_rate(FrameRate::from_hz(fps.max(1) as f32))
            .rate_control_mode(RateControlMode::Bitrate)
            .bitrate(BitRate::from_bps(1_500_000))
            .intra_frame_period(IntraFramePeriod::from_num_frames(keyframe_interval.max(1)))
            // Bitrate control needs frame skipping; a skipped frame encodes to nothing and is not sent.
            .skip_frames(true);
        let encoder = Encoder::with_api_config(OpenH264API::from_source(), config).map_err(codec_error)?;
        Ok(Box::new(H264Encoder(encoder)))
    }

    impl VideoEncoder for H264Encoder {
        fn encode(&mut self, frame: &VideoFrame, keyframe: bool) -> Result<Vec<u8>, MediaError> {
            let (w, h) = (frame.width as usize, frame.height as usize);
            let yuv = YUVSlices::new((frame.y(), frame.u(), frame.v()), (w, h), (w, w / 2, w / 2));
            if keyframe {
                self.0.force_intra_frame();
            }
            let stream = self.0.encode(&yuv).map_err(codec_error)?;
            Ok(stream.to_vec())
        }
    }

    struct H264Decoder(Decoder);

    pub fn video_decoder() -> Result<Box<dyn VideoDecoder>, MediaError> {
        Ok(Box::new(H264Decoder(Decoder::new().map_err(codec_error)?)))
    }

    impl VideoDecoder for H264Decoder {
        fn decode(&mut self, access_unit: &[u8]) -> Result<Option<VideoFrame>, MediaError> {
            let Some(picture) = self.0.decode(access_unit).map_err(codec_error)? else { return Ok(None) };
            let (w, h) = picture.dimensions();
            let (sy, su, sv) = picture.strides();
            let (w, h) = (w & !1, h & !1);
            if w == 0 || h == 0 {
                return Ok(None);
            }
            // Copy the planes without their stride padding.
            let mut data = Vec::with_capacity(i420_len(w as u32, h as u32));
            let plane = |data: &mut Vec<u8>, src: &[u8], stride: usize, width: usize, rows: usize| {
                for row in 0..rows {
                    let start = row * stride;
                    match src.get(start..start + width) {
                        Some(line) => data.extend_from_slice(line),
                        None => data.resize(data.len() + width, 0),
                    }
                }
            };
            plane(&mut data, picture.y(), sy, w, h);
            plane(&mut data, picture.u(), su, w / 2, h / 2);
            plane(&mut data, picture.v(), sv, w / 2, h / 2);
            VideoFrame::new(w as u32, h as u32, data).map(Some)
        }
    }

    struct Opus(opus::Encoder);

    pub fn audio_encoder() -> Result<Box<dyn AudioEncoder>, MediaError> {
        let encoder =
            opus::Encoder::new(AUDIO_RATE, opus::Channels::Mono, opus::Application::Voip).map_err(codec_error)?;
        Ok(Box::new(Opus(encoder)))
    }

    impl AudioEncoder for Opus {
        fn encode(&mut self, pcm: &[i16]) -> Result<Vec<u8>, MediaError> {
            let mut chunk = pcm.to_vec();
            chunk.resize(AUDIO_CHUNK, 0);
            self.0.encode_vec(&chunk, 1500).map_err(codec_error)
        }
    }

    struct OpusDecoder(opus::Decoder);

    pub fn audio_decoder() -> Result<Box<dyn AudioDecoder>, MediaError> {
        let decoder = opus::Decoder::new(AUDIO_RATE, opus::Channels::Mono).map_err(codec_error)?;
        Ok(Box::new(OpusDecoder(decoder)))
    }

    impl AudioDecoder for OpusDecoder {
        fn decode(&mut self, packet: &[u8]) -> Result<Vec<i16>, MediaError> {
            // Up to 120 ms per packet.
            let mut pcm = vec![0i16; AUDIO_CHUNK * 6];
            let n = self.0.decode(packet, &mut pcm, false).map_err(codec_error)?;
            pcm.truncate(n);
            Ok(pcm)
        }
    }
}

#[cfg(not(feature = "codecs"))]
mod imp {
    use super::super::MediaError;
    use super::{AudioDecoder, AudioEncoder, VideoDecoder, VideoEncoder};

    fn missing(what: &str) -> MediaError {
        MediaError::NoCodec(format!("{what}: this build has no codecs (cargo feature `codecs`)"))
    }

    pub fn video_encoder(_fps: u32, _keyframe_interval: u32) -> Result<Box<dyn VideoEncoder>, MediaError> {
        Err(missing("H.264 encoder"))
    }

    pub fn video_decoder() -> Result<Box<dyn VideoDecoder>, MediaError> {
        Err(missing("H.264 decoder"))
    }

    pub fn audio_encoder() -> Result<Box<dyn AudioEncoder>, MediaError> {
        Err(missing("Opus encoder"))
    }

    pub fn audio_decoder() -> Result<Box<dyn AudioDecoder>, MediaError> {
        Err(missing("Opus decoder"))
    }
}

#[cfg(all(test, feature = "codecs"))]
mod tests {
    use super::super::synthetic::{Tone, read_counter};
    use super::super::{AudioSource, VideoSource};
    use super::*;
    use crate::media::synthetic::{TestPattern, level};

    #[test]
    fn h264_round_trip_keeps_the_counter() {
        let pattern = TestPattern::new(320, 240, 30);
        let mut enc = video_encoder(30, 30).expect("encoder");
        let mut dec = video_decoder().expect("decoder");
        let mut decoded = 0;
        for i in 0..10 {
            let frame = pattern.next_frame().expect("frame");
            let au = enc.encode(&frame, i == 0).expect("encode");
            assert!(!au.is_empty());
            if i == 0 {
                assert_eq!(&au[..4], &[0, 0, 0, 1], "Annex B");
            }
            if let Some(out) = dec.decode(&au).expect("decode") {
                assert_eq!((out.width, out.height), (320, 240));
                assert_eq!(read_counter(&out), Some(i));
                decoded += 1;
            }
        }
        assert!(decoded >= 9, "{decoded}");
        // Black frames stay black.
        let au = enc.encode(&VideoFrame::black(320, 240), false).expect("encode");
        let out = dec.decode(&au).expect("decode").expect("picture");
        assert!(out.is_black());
        assert_eq!(read_counter(&out), None);
    }

    #[test]
    fn opus_round_trip_keeps_the_level() {
        let tone = Tone::new(440.0, 0.3);
        let mut enc = audio_encoder().expect("encoder");
        let mut dec = audio_decoder().expect("decoder");
        let mut last = 0.0;
        for _ in 0..10 {
            let pcm = tone.next_chunk().unwrap_or_default();
            let packet = enc.encode(&pcm).expect("encode");
            let out = dec.decode(&packet).expect("decode");
            assert_eq!(out.len(), crate::media::AUDIO_CHUNK);
            last = level(&out);
        }
        assert!(last > 0.1, "{last}");
        let mut silence = Vec::new();
        for _ in 0..10 {
            silence = enc.encode(&[0; 960]).expect("encode");
            last = level(&dec.decode(&silence).expect("decode"));
        }
        assert!(last < 0.01, "{last}");
        assert!(silence.len() < 20, "silence is cheap: {} bytes", silence.len());
    }
}
