//! The SDP the gateway offers to the trunk until the media bridge exists: one audio stream, PCMU/8000, on the RTP
//! port the call holds.

use std::net::IpAddr;

/// An SDP offer (RFC 4566) for PCMU/8000 at `ip:port`.
pub(super) fn pcmu_offer(ip: IpAddr, port: u16, session: u64) -> String {
    let family = if ip.is_ipv4() { "IP4" } else { "IP6" };
    format!(
        "v=0\r\n\
         o=azstack {session} {session} IN {family} {ip}\r\n\
         s=azstack\r\n\
         c=IN {family} {ip}\r\n\
         t=0 0\r\n\
         m=audio {port} RTP/AVP 0\r\n\
         a=rtpmap:0 PCMU/8000\r\n\
         a=ptime:20\r\n\
         a=sendrecv\r\n"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn offer_names_the_port_and_codec() {
        let sdp = super::pcmu_offer("127.0.0.1".parse().unwrap(), 40000, 7);
        assert!(sdp.contains("m=audio 40000 RTP/AVP 0\r\n"));
        assert!(sdp.contains("c=IN IP4 127.0.0.1\r\n"));
        assert!(sdp.contains("a=rtpmap:0 PCMU/8000\r\n"));
    }
}
