//! The SIP gateway's TCP stream framing (`azstack_sip::framing`), fed an arbitrary byte stream in
//! arbitrary pieces. It must never panic; the frames must not depend on how the stream was split; and no frame may
//! exceed the cap.
//!
//! The first byte of the input seeds the split points; the rest is the stream. Like the `sip` target, it builds
//! `azstack-sip` without its `gateway` feature.
#![no_main]

use azstack_sip::framing::{Frame, FrameError, Framer, MAX_STREAM_MESSAGE};
use libfuzzer_sys::fuzz_target;

/// Frames `stream` fed in pieces of the given sizes (cycled), up to the first error.
fn frames(stream: &[u8], pieces: &[usize]) -> (Vec<Frame>, Option<FrameError>) {
    let mut framer = Framer::new();
    let mut out = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < stream.len() {
        let n = pieces.get(i % pieces.len().max(1)).copied().unwrap_or(stream.len()).clamp(1, stream.len() - at);
        framer.push(&stream[at..at + n]);
        at += n;
        i += 1;
        loop {
            match framer.next_frame() {
                Ok(Some(frame)) => out.push(frame),
                Ok(None) => break,
                Err(error) => return (out, Some(error)),
            }
        }
    }
    (out, None)
}

fuzz_target!(|data: &[u8]| {
    let Some((&seed, stream)) = data.split_first() else { return };
    let whole = frames(stream, &[stream.len()]);
    let pieces: Vec<usize> = (0..8).map(|k| 1 + usize::from(seed.rotate_left(k)) % 97).collect();
    let split = frames(stream, &pieces);
    let ones = frames(stream, &[1]);
    for frame in &whole.0 {
        if let Frame::Message(bytes) = frame {
            assert!(bytes.len() <= MAX_STREAM_MESSAGE);
        }
    }
    // An error may surface earlier or later depending on the split, so compare only when none happened.
    if whole.1.is_none() && split.1.is_none() && ones.1.is_none() {
        // Keep-alive pings depend on where the CRLFs were split; the messages do not.
        let messages = |f: &[Frame]| f.iter().filter(|f| matches!(f, Frame::Message(_))).cloned().collect::<Vec<_>>();
        assert_eq!(messages(&whole.0), messages(&split.0));
        assert_eq!(messages(&whole.0), messages(&ones.0));
    }
});
