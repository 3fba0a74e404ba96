//! Which transport a SIP message travels on, and to whom: the gateway speaks UDP and TCP (RFC 3261 §18) on the
//! same listen address and port.
//!
//! A [`Peer`] is where a message came from and where its answer goes: a transport and the remote address. Over
//! UDP that is the datagram's source. Over TCP the remote address names a connection of the gateway's table
//! ([`super::tcp`]): a message received on a connection answers to that connection's address, so a response goes
//! back on the connection its request came in on (§18.2.2). Sending to a TCP peer with no open connection opens
//! one to that address, which is how callouts reach a `;transport=tcp` trunk and how a closed trunk connection is
//! re-opened; an address the remote side only connected from (an ephemeral port) refuses, and the message is lost
//! as a datagram would be: the transaction's Timer B/F then ends it.
//!
//! [`Gateway::send`] never waits on a connection: over TCP it queues the bytes for the connection's task.

use std::fmt;
use std::net::SocketAddr;

use super::Gateway;

/// A SIP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Udp,
    Tcp,
}

impl Transport {
    /// Whether the transport delivers reliably, so client transactions do not retransmit (RFC 3261 §17.1.1.2,
    /// §17.1.2.2) and final responses are not retransmitted (§17.2.1).
    pub fn is_reliable(self) -> bool {
        self == Transport::Tcp
    }

    /// The name in a Via header (`SIP/2.0/UDP`).
    pub fn via_name(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
        }
    }

    /// The URI parameter of a Contact on this transport (`;transport=tcp`), empty for UDP, the default.
    pub fn uri_param(self) -> &'static str {
        match self {
            Transport::Udp => "",
            Transport::Tcp => ";transport=tcp",
        }
    }
}

/// The other end of a message: its transport and address (for TCP, the connection's remote address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Peer {
    pub transport: Transport,
    pub addr: SocketAddr,
}

impl Peer {
    pub fn udp(addr: SocketAddr) -> Peer {
        Peer { transport: Transport::Udp, addr }
    }

    pub fn tcp(addr: SocketAddr) -> Peer {
        Peer { transport: Transport::Tcp, addr }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.transport.via_name().to_ascii_lowercase(), self.addr)
    }
}

impl Gateway {
    /// Sends `bytes` to `to` on its transport. Errors are logged, as a lost datagram would be: the transactions'
    /// timers deal with what never arrives.
    pub(super) async fn send(&self, bytes: &[u8], to: &Peer) {
        match to.transport {
            Transport::Udp => {
                if let Err(error) = self.socket.send_to(bytes, to.addr).await {
                    tracing::warn!(%to, %error, "SIP send failed");
                }
            }
            Transport::Tcp => self.tcp.send(bytes, to.addr),
        }
    }
}
