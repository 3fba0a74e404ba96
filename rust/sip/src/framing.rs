//! Stream framing of SIP over TCP (RFC 3261 §18.3): where one message ends and the next begins in a byte stream.
//!
//! A datagram is one message; a stream is not, so every message on a stream must carry Content-Length, and the
//! message is its header section (up to and including the empty line) followed by exactly that many body bytes.
//! Between messages a peer may send CRLFs: a lone CRLF is skipped, and a double CRLF (or a longer run, as it arrived) is the keep-alive
//! "ping" of RFC 5626 §3.5.1, reported as one [`Frame::Ping`] so the connection can answer it with a single CRLF ("pong").
//!
//! [`Framer`] is fed whatever each read returns, in any split, and hands out whole messages in order. It never
//! looks at more than the header section to find the length; the message itself is parsed later
//! ([`super::message`]), so a well-framed but malformed message costs only that message, not the connection. What
//! cannot be framed is an error, after which the stream has no known message boundary and the connection must be
//! closed: a header section or a whole message longer than the cap, no Content-Length, or one that is not a
//! number. Nothing here panics on any input (a fuzz target feeds it arbitrary streams).

/// Largest message (header section and body) a connection may carry.
pub const MAX_STREAM_MESSAGE: usize = 64 * 1024;

/// What the framer found next in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// One whole message: its header section and exactly Content-Length body bytes.
    Message(Vec<u8>),
    /// A double CRLF between messages (RFC 5626 keep-alive); answer with one CRLF.
    Ping,
}

/// Why the stream cannot be framed any further.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("message larger than {MAX_STREAM_MESSAGE} bytes")]
    TooLarge,
    #[error("no Content-Length on a stream")]
    NoContentLength,
    #[error("bad Content-Length")]
    BadContentLength,
}

/// Splits a byte stream into messages.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// Bytes of `buf` already searched for the end of the header section without finding it.
    searched: usize,
    /// Content-Length of the message whose header section is complete, with that section's length.
    pending: Option<(usize, usize)>,
    /// CRLFs skipped since the last message, to recognise a keep-alive.
    crlfs: usize,
    failed: Option<FrameError>,
}

impl Framer {
    pub fn new() -> Framer {
        Framer::default()
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.failed.is_none() {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// Whether part of a message has arrived but not all of it.
    pub fn is_partial(&self) -> bool {
        self.failed.is_none() && !self.buf.is_empty()
    }

    /// The next whole frame, `Ok(None)` when more bytes are needed. After an error every call returns it again.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        let result = self.advance();
        if let Err(error) = result {
            self.failed = Some(error);
            self.buf = Vec::new();
        }
        result
    }

    fn advance(&mut self) -> Result<Option<Frame>, FrameError> {
        if self.pending.is_none() {
            // Keep-alives between messages: CRLF pairs (a lone LF is tolerated as well).
            let mut skip = 0;
            loop {
                match (self.buf.get(skip), self.buf.get(skip + 1)) {
                    (Some(b'\r'), Some(b'\n')) => skip += 2,
                    (Some(b'\n'), _) => skip += 1,
                    _ => break,
                }
                self.crlfs += 1;
            }
            self.buf.drain(..skip);
            if self.crlfs >= 2 {
                self.crlfs = 0;
                return Ok(Some(Frame::Ping));
            }
            if self.buf.first() == Some(&b'\r') && self.buf.len() == 1 {
                return Ok(None);
            }
            if self.buf.is_empty() {
                return Ok(None);
            }
            self.crlfs = 0;
            let from = self.searched.saturating_sub(3);
            let Some(end) = self.buf.get(from..).and_then(|b| b.windows(4).position(|w| w == b"\r\n\r\n")) else {
                self.searched = self.buf.len();
                return if self.buf.len() > MAX_STREAM_MESSAGE { Err(FrameError::TooLarge) } else { Ok(None) };
            };
            let head_len = from + end + 4;
            if head_len > MAX_STREAM_MESSAGE {
                return Err(FrameError::TooLarge);
            }
            let body_len = content_length(self.buf.get(..head_len).unwrap_or_default())?;
            if body_len > MAX_STREAM_MESSAGE - head_len {
                return Err(FrameError::TooLarge);
            }
            self.pending = Some((head_len, body_len));
            self.searched = 0;
        }
        let Some((head_len, body_len)) = self.pending else { return Ok(None) };
        let total = head_len + body_len;
        if self.buf.len() < total {
            return Ok(None);
        }
        let rest = self.buf.split_off(total);
        let message = std::mem::replace(&mut self.buf, rest);
        self.pending = None;
        Ok(Some(Frame::Message(message)))
    }
}

/// The Content-Length (or compact `l`) of a header section.
fn content_length(head: &[u8]) -> Result<usize, FrameError> {
    let mut found = None;
    for line in head.split(|b| *b == b'\n').skip(1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|b| *b == b':') else { continue };
        let (name, value) = line.split_at(colon);
        let name = name.trim_ascii();
        if name.eq_ignore_ascii_case(b"Content-Length") || name.eq_ignore_ascii_case(b"l") {
            let value = value.get(1..).unwrap_or_default().trim_ascii();
            let text = std::str::from_utf8(value).map_err(|_| FrameError::BadContentLength)?;
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(FrameError::BadContentLength);
            }
            let n: usize = text.parse().map_err(|_| FrameError::TooLarge)?;
            if found.is_some_and(|f| f != n) {
                return Err(FrameError::BadContentLength);
            }
            found = Some(n);
        }
    }
    found.ok_or(FrameError::NoContentLength)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> Vec<u8> {
        format!(
            "BYE sip:a@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nCall-ID: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    fn drain(framer: &mut Framer) -> Result<Vec<Frame>, FrameError> {
        let mut out = Vec::new();
        while let Some(frame) = framer.next_frame()? {
            out.push(frame);
        }
        Ok(out)
    }

    #[test]
    fn two_messages_in_one_read() {
        let mut f = Framer::new();
        let (a, b) = (message("hello"), message(""));
        f.push(&[a.clone(), b.clone()].concat());
        assert_eq!(drain(&mut f), Ok(vec![Frame::Message(a), Frame::Message(b)]));
        assert!(!f.is_partial());
    }

    #[test]
    fn keep_alives_between_messages() {
        let mut f = Framer::new();
        let a = message("x");
        f.push(b"\r\n\r\n");
        f.push(&a);
        f.push(b"\r\n");
        f.push(&a);
        assert_eq!(drain(&mut f), Ok(vec![Frame::Ping, Frame::Message(a.clone()), Frame::Message(a)]));
    }

    #[test]
    fn compact_length_and_case() {
        let mut f = Framer::new();
        f.push(b"SIP/2.0 200 OK\r\ncall-id: x\r\nl: 2\r\n\r\nokNEXT");
        assert_eq!(drain(&mut f), Ok(vec![Frame::Message(b"SIP/2.0 200 OK\r\ncall-id: x\r\nl: 2\r\n\r\nok".to_vec())]));
        assert!(f.is_partial(), "NEXT waits for its header section");
    }

    #[test]
    fn unframeable_streams_are_errors() {
        let cases: &[(&[u8], FrameError)] = &[
            (b"BYE sip:a SIP/2.0\r\nCall-ID: x\r\n\r\n", FrameError::NoContentLength),
            (b"BYE sip:a SIP/2.0\r\nContent-Length: -1\r\n\r\n", FrameError::BadContentLength),
            (b"BYE sip:a SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\n", FrameError::BadContentLength),
            (b"BYE sip:a SIP/2.0\r\nContent-Length: 99999999999999999999999\r\n\r\n", FrameError::TooLarge),
            (b"BYE sip:a SIP/2.0\r\nContent-Length: 65536\r\n\r\n", FrameError::TooLarge),
        ];
        for (bytes, error) in cases {
            let mut f = Framer::new();
            f.push(bytes);
            assert_eq!(f.next_frame(), Err(*error), "{:?}", String::from_utf8_lossy(bytes));
            assert_eq!(f.next_frame(), Err(*error), "an error sticks");
        }
        let mut f = Framer::new();
        f.push(&vec![b'a'; MAX_STREAM_MESSAGE + 1]);
        assert_eq!(f.next_frame(), Err(FrameError::TooLarge), "no header end within the cap");
    }

    /// A deterministic generator (no dependency on a random crate's API in a test of framing).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(self.0 >> 33).unwrap_or(0) % n.max(1)
        }
    }

    #[test]
    fn any_split_of_a_stream_gives_the_same_messages() {
        let messages: Vec<Vec<u8>> =
            ["", "v=0\r\n", "a body with \r\n\r\n inside it", "x"].iter().map(|b| message(b)).collect();
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for (i, m) in messages.iter().enumerate() {
            if i == 2 {
                stream.extend_from_slice(b"\r\n\r\n");
                expected.push(Frame::Ping);
            }
            stream.extend_from_slice(m);
            expected.push(Frame::Message(m.clone()));
        }
        let mut rng = Lcg(7);
        for _ in 0..2000 {
            let mut f = Framer::new();
            let mut got = Vec::new();
            let mut at = 0;
            while at < stream.len() {
                let n = 1 + rng.below(40.min(stream.len() - at));
                f.push(&stream[at..at + n]);
                at += n;
                got.extend(drain(&mut f).expect("a valid stream frames"));
            }
            assert_eq!(got, expected);
            assert!(!f.is_partial());
        }
    }
}
