//! RTP packets with the carrier (RFC 3550 §5.1): parsing that accepts any byte string without panicking (CSRC list,
//! header extension and padding are skipped over), and the plain 12-byte header the bridge sends with its own SSRC,
//! sequence number and timestamp.
//!
//! Not webrtc-rs's `rtc::rtp` (rtc-rtp 0.21.1, already in the tree): its `Packet::unmarshal` copies the payload,
//! CSRCs and extension elements into new buffers for every packet, and its `Header::unmarshal` stops reading a
//! one-byte extension block at the reserved id 15, so the payload it leaves then starts inside the block; the
//! bridge needs the fixed header and the payload's bounds, found here without allocating.

/// The fixed header fields the bridge uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
}

/// A parsed packet borrowing its payload.
#[derive(Debug, PartialEq, Eq)]
pub struct Packet<'a> {
    pub header: Header,
    pub payload: &'a [u8],
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// Parses an RTP packet; `None` for anything that is not RTP version 2 or whose lengths do not add up.
pub fn parse(bytes: &[u8]) -> Option<Packet<'_>> {
    let first = *bytes.first()?;
    if first >> 6 != 2 {
        return None;
    }
    let second = *bytes.get(1)?;
    let csrc_count = usize::from(first & 0x0F);
    let mut offset = 12 + 4 * csrc_count;
    let header = Header {
        marker: second & 0x80 != 0,
        payload_type: second & 0x7F,
        sequence: u16_at(bytes, 2)?,
        timestamp: u32_at(bytes, 4)?,
        ssrc: u32_at(bytes, 8)?,
    };
    if first & 0x10 != 0 {
        let words = usize::from(u16_at(bytes, offset + 2)?);
        offset += 4 + 4 * words;
    }
    let mut end = bytes.len();
    if first & 0x20 != 0 {
        let padding = usize::from(*bytes.last()?);
        if padding == 0 {
            return None;
        }
        end = end.checked_sub(padding)?;
    }
    let payload = bytes.get(offset..end)?;
    Some(Packet { header, payload })
}

/// Appends a packet with a 12-byte header (version 2, no padding, extension or CSRC) and `payload` to `out`.
pub fn write(header: &Header, payload: &[u8], out: &mut Vec<u8>) {
    out.reserve(12 + payload.len());
    out.push(0x80);
    out.push((u8::from(header.marker) << 7) | (header.payload_type & 0x7F));
    out.extend_from_slice(&header.sequence.to_be_bytes());
    out.extend_from_slice(&header.timestamp.to_be_bytes());
    out.extend_from_slice(&header.ssrc.to_be_bytes());
    out.extend_from_slice(payload);
}

/// One outgoing stream: a random SSRC, sequence number and timestamp origin (RFC 3550 §5.1), the marker on the
/// first packet.
pub struct Stream {
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    payload_type: u8,
    first: bool,
}

impl Stream {
    pub fn new(payload_type: u8) -> Stream {
        Stream { ssrc: rand::random(), sequence: rand::random(), timestamp: rand::random(), payload_type, first: true }
    }

    /// The next packet carrying `payload`, which lasts `samples` clock ticks.
    pub fn packet(&mut self, payload: &[u8], samples: u32) -> Vec<u8> {
        let header = Header {
            marker: std::mem::take(&mut self.first),
            payload_type: self.payload_type,
            sequence: self.sequence,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
        };
        self.sequence = self.sequence.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(samples);
        let mut out = Vec::new();
        write(&header, payload, &mut out);
        out
    }

    /// Advances the timestamp over `samples` ticks that were not sent (a gap in the source).
    pub fn skip(&mut self, samples: u32) {
        self.timestamp = self.timestamp.wrapping_add(samples);
    }

    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_packets_parse_back() {
        let header = Header { marker: true, payload_type: 8, sequence: 65535, timestamp: 0xDEAD_BEEF, ssrc: 42 };
        let mut bytes = Vec::new();
        write(&header, &[1, 2, 3], &mut bytes);
        assert_eq!(bytes.len(), 15);
        let packet = parse(&bytes).unwrap();
        assert_eq!(packet.header, header);
        assert_eq!(packet.payload, &[1, 2, 3]);
    }

    #[test]
    fn csrc_extension_and_padding_are_skipped() {
        let mut bytes = vec![0x80 | 0x20 | 0x10 | 0x01, 0x00, 0, 7, 0, 0, 0, 160, 0, 0, 0, 9];
        bytes.extend_from_slice(&[0, 0, 0, 1]); // one CSRC
        bytes.extend_from_slice(&[0xBE, 0xDE, 0, 1, 9, 9, 9, 9]); // extension of one word
        bytes.extend_from_slice(&[5, 6]); // payload
        bytes.extend_from_slice(&[0, 0, 3]); // padding of three
        let packet = parse(&bytes).unwrap();
        assert_eq!(packet.header.sequence, 7);
        assert_eq!(packet.header.timestamp, 160);
        assert_eq!(packet.payload, &[5, 6]);
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        assert!(parse(&[]).is_none());
        assert!(parse(&[0x80]).is_none());
        assert!(parse(&[0x40; 20]).is_none()); // version 1
        assert!(parse(&[0x8F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_none()); // 15 CSRCs missing
        assert!(parse(&[0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]).is_none()); // extension too long
        assert!(parse(&[0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40]).is_none()); // padding longer than the packet
        assert!(parse(&[0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_none()); // padding of zero
        for len in 0..40 {
            for fill in [0x00u8, 0x80, 0xB3, 0xFF] {
                let _ = parse(&vec![fill; len]);
            }
        }
    }

    #[test]
    fn a_stream_counts() {
        let mut stream = Stream::new(0);
        let a = stream.packet(&[0; 160], 160);
        let b = stream.packet(&[0; 160], 160);
        let (a, b) = (parse(&a).unwrap().header, parse(&b).unwrap().header);
        assert!(a.marker && !b.marker);
        assert_eq!(b.sequence, a.sequence.wrapping_add(1));
        assert_eq!(b.timestamp, a.timestamp.wrapping_add(160));
        assert_eq!(a.ssrc, b.ssrc);
        assert_eq!(a.ssrc, stream.ssrc());
    }
}
