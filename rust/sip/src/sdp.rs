//! The plain-RTP SDP of the trunk side: what the gateway offers or answers (one audio stream, G.711 μ-law and
//! A-law, 20 ms packets, on the RTP port the call holds), and what it needs from the carrier's SDP: the address its
//! RTP comes from and goes to, and the G.711 law it chose. The WebRTC side's SDP is webrtc-rs's
//! ([`super::media::webrtc_leg`]).

use std::net::{IpAddr, SocketAddr};

use super::media::g711::Law;

fn session(ip: IpAddr, port: u16, session: u64, formats: &[Law]) -> String {
    let family = if ip.is_ipv4() { "IP4" } else { "IP6" };
    let numbers: Vec<String> = formats.iter().map(|l| l.payload_type().to_string()).collect();
    let mut sdp = format!(
        "v=0\r\n\
         o=azstack {session} {session} IN {family} {ip}\r\n\
         s=azstack\r\n\
         c=IN {family} {ip}\r\n\
         t=0 0\r\n\
         m=audio {port} RTP/AVP {}\r\n",
        numbers.join(" ")
    );
    for law in formats {
        match law {
            Law::Mu => sdp.push_str("a=rtpmap:0 PCMU/8000\r\n"),
            Law::A => sdp.push_str("a=rtpmap:8 PCMA/8000\r\n"),
        }
    }
    sdp.push_str("a=ptime:20\r\na=sendrecv\r\n");
    sdp
}

/// An SDP offer (RFC 4566) for PCMU/8000 and PCMA/8000 (in that order of preference) at `ip:port`.
pub(super) fn g711_offer(ip: IpAddr, port: u16, id: u64) -> String {
    session(ip, port, id, &[Law::Mu, Law::A])
}

/// An SDP answer choosing `law` at `ip:port`.
pub(super) fn g711_answer(ip: IpAddr, port: u16, id: u64, law: Law) -> String {
    session(ip, port, id, &[law])
}

/// Whether `sdp` puts the call on hold or stops it (RFC 3264 §8.4: `a=sendonly` or `a=inactive`).
pub fn holds(sdp: &str) -> bool {
    sdp.lines().any(|l| matches!(l.trim_end_matches('\r'), "a=sendonly" | "a=inactive"))
}

/// Where and how the carrier's audio flows, from its SDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CarrierMedia {
    /// The carrier's RTP address (the media-level `c=` if any, else the session-level one; the `m=audio` port).
    pub address: SocketAddr,
    /// The first G.711 format of its `m=audio` line.
    pub law: Law,
}

/// Reads the carrier's SDP: the first `m=audio` line with a non-zero port and a G.711 format, and its connection
/// address. `None` when there is no usable audio stream (no G.711, port 0, no or unparsable `c=`).
pub fn carrier_media(sdp: &str) -> Option<CarrierMedia> {
    let mut session_ip: Option<IpAddr> = None;
    // (port, law, media-level address) of the audio section being read.
    let mut audio: Option<(u16, Option<Law>, Option<IpAddr>)> = None;
    let mut found: Option<(u16, Law, Option<IpAddr>)> = None;
    let mut in_media = false;
    let connection = |value: &str| -> Option<IpAddr> {
        // c=IN IP4 192.0.2.1[/ttl]
        let mut parts = value.split_whitespace();
        let (_net, _family, address) = (parts.next()?, parts.next()?, parts.next()?);
        address.split('/').next()?.parse().ok()
    };
    for line in sdp.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(rest) = line.strip_prefix("m=") {
            in_media = true;
            if let Some((port, Some(law), ip)) = audio.take()
                && found.is_none()
            {
                found = Some((port, law, ip));
            }
            let mut parts = rest.split_whitespace();
            if parts.next() == Some("audio") {
                let port = parts.next().and_then(|p| p.split('/').next()).and_then(|p| p.parse::<u16>().ok());
                let _proto = parts.next();
                let law = parts.filter_map(|f| f.parse::<u8>().ok()).find_map(Law::from_payload_type);
                if let Some(port) = port.filter(|&p| p != 0) {
                    audio = Some((port, law, None));
                }
            }
        } else if let Some(value) = line.strip_prefix("c=") {
            match audio.as_mut() {
                Some((_, _, ip)) => *ip = connection(value),
                None if !in_media => session_ip = connection(value),
                None => {}
            }
        }
    }
    if let Some((port, Some(law), ip)) = audio
        && found.is_none()
    {
        found = Some((port, law, ip));
    }
    let (port, law, ip) = found?;
    let ip = ip.or(session_ip).filter(|ip| !ip.is_unspecified())?;
    Some(CarrierMedia { address: SocketAddr::new(ip, port), law })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offer_names_the_port_and_codecs() {
        let sdp = g711_offer("127.0.0.1".parse().unwrap(), 40000, 7);
        assert!(sdp.contains("m=audio 40000 RTP/AVP 0 8\r\n"));
        assert!(sdp.contains("c=IN IP4 127.0.0.1\r\n"));
        assert!(sdp.contains("a=rtpmap:0 PCMU/8000\r\n"));
        assert!(sdp.contains("a=rtpmap:8 PCMA/8000\r\n"));
        let answer = g711_answer("127.0.0.1".parse().unwrap(), 40000, 7, Law::A);
        assert!(answer.contains("m=audio 40000 RTP/AVP 8\r\n"));
        assert_eq!(carrier_media(&sdp).unwrap().law, Law::Mu);
    }

    #[test]
    fn reads_the_carriers_address_and_law() {
        let sdp = "v=0\r\no=c 1 1 IN IP4 10.0.0.9\r\ns=c\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n\
                   m=audio 30000 RTP/AVP 18 8 0 101\r\na=rtpmap:8 PCMA/8000\r\n";
        let media = carrier_media(sdp).unwrap();
        assert_eq!(media.address, "10.0.0.1:30000".parse::<SocketAddr>().unwrap());
        assert_eq!(media.law, Law::A);
    }

    #[test]
    fn media_level_connection_wins_and_rejected_streams_are_skipped() {
        let sdp = "v=0\nc=IN IP4 10.0.0.1\nt=0 0\nm=audio 0 RTP/AVP 0\nm=video 5000 RTP/AVP 96\nc=IN IP4 10.0.0.3\n\
                   m=audio 4000 RTP/AVP 0\nc=IN IP4 10.0.0.2/127\n";
        let media = carrier_media(sdp).unwrap();
        assert_eq!(media.address, "10.0.0.2:4000".parse::<SocketAddr>().unwrap());
        assert_eq!(media.law, Law::Mu);
    }

    #[test]
    fn unusable_sdp() {
        assert_eq!(carrier_media(""), None);
        assert_eq!(carrier_media("v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 18\r\n"), None);
        assert_eq!(carrier_media("v=0\r\nm=audio 4000 RTP/AVP 0\r\n"), None);
        assert_eq!(carrier_media("v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n"), None);
        assert_eq!(carrier_media("m=audio x RTP/AVP 0\r\nc=IN IP4 nonsense\r\n"), None);
    }
}
