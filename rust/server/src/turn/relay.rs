//! Relay sockets: bound in the configured port range, and guarded — a relay only exchanges packets with peers the
//! [`PeerPolicy`] allows, at most `max_kbps_per_allocation` each way.
//!
//! `turn`'s server creates a relay through a [`RelayAddressGenerator`] and then only calls `send_to`/`recv_from` on
//! the socket it returns, so wrapping that socket is where both rules hold for every packet, whatever the client
//! asked for in CreatePermission or ChannelBind. Packets over a rule are dropped, as UDP drops them (and counted).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::Instant;

use async_trait::async_trait;
use tokio::net::UdpSocket;
use turn::relay::RelayAddressGenerator;
use webrtc_util::Conn;

use super::Counters;
use super::peers::PeerPolicy;

/// Binds relay sockets on `bind_ip`, ports `low..=high`, announced at `public_ip`.
pub struct RelayPorts {
    pub bind_ip: IpAddr,
    pub public_ip: IpAddr,
    pub low: u16,
    pub high: u16,
    pub policy: PeerPolicy,
    pub bytes_per_sec: u64,
    pub counters: Arc<Counters>,
}

#[async_trait]
impl RelayAddressGenerator for RelayPorts {
    fn validate(&self) -> Result<(), turn::Error> {
        if self.low == 0 || self.high < self.low {
            return Err(turn::Error::ErrMaxPortLessThanMinPort);
        }
        Ok(())
    }

    async fn allocate_conn(
        &self,
        use_ipv4: bool,
        requested_port: u16,
    ) -> Result<(Arc<dyn Conn + Send + Sync>, SocketAddr), turn::Error> {
        if use_ipv4 != self.public_ip.is_ipv4() {
            return Err(turn::Error::Other("relays are only offered in the public address's family".into()));
        }
        let span = u32::from(self.high - self.low) + 1;
        let tries: Vec<u16> = if requested_port != 0 {
            vec![requested_port]
        } else {
            let start = rand::random::<u32>() % span;
            (0..span.min(64)).map(|i| self.low + ((start + i) % span) as u16).collect()
        };
        for port in tries {
            if !(self.low..=self.high).contains(&port) {
                continue;
            }
            if let Ok(socket) = UdpSocket::bind(SocketAddr::new(self.bind_ip, port)).await {
                self.counters.allocations.fetch_add(1, Ordering::Relaxed);
                let conn = Guarded {
                    socket,
                    policy: self.policy.clone(),
                    out: Mutex::new(Bucket::new(self.bytes_per_sec)),
                    inbound: Mutex::new(Bucket::new(self.bytes_per_sec)),
                    counters: self.counters.clone(),
                };
                return Ok((Arc::new(conn), SocketAddr::new(self.public_ip, port)));
            }
        }
        Err(turn::Error::Other(format!("no free relay port in {}..={}", self.low, self.high)))
    }
}

/// A token bucket of one second's worth of bytes.
struct Bucket {
    rate: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn new(bytes_per_sec: u64) -> Bucket {
        Bucket { rate: bytes_per_sec as f64, tokens: bytes_per_sec as f64, at: Instant::now() }
    }

    fn take(&mut self, bytes: usize) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * self.rate).min(self.rate);
        self.at = now;
        if self.tokens < bytes as f64 {
            return false;
        }
        self.tokens -= bytes as f64;
        true
    }
}

/// A relay socket under the peer rule and the bandwidth cap.
struct Guarded {
    socket: UdpSocket,
    policy: PeerPolicy,
    out: Mutex<Bucket>,
    inbound: Mutex<Bucket>,
    counters: Arc<Counters>,
}

impl Guarded {
    fn admit(&self, bucket: &Mutex<Bucket>, peer: SocketAddr, bytes: usize) -> bool {
        if !self.policy.allows(peer.ip()) {
            self.counters.dropped_peer.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        if !bucket.lock().map(|mut b| b.take(bytes)).unwrap_or(false) {
            self.counters.dropped_rate.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        self.counters.relayed_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        true
    }
}

#[async_trait]
impl Conn for Guarded {
    async fn connect(&self, _addr: SocketAddr) -> Result<(), webrtc_util::Error> {
        Err(webrtc_util::Error::Other("a relay socket is not connected".into()))
    }

    async fn recv(&self, buf: &mut [u8]) -> Result<usize, webrtc_util::Error> {
        Ok(self.recv_from(buf).await?.0)
    }

    async fn recv_from(&self, buf: &mut [u8]) -> Result<(usize, SocketAddr), webrtc_util::Error> {
        loop {
            let (n, peer) = self.socket.recv_from(buf).await?;
            if self.admit(&self.inbound, peer, n) {
                return Ok((n, peer));
            }
        }
    }

    async fn send(&self, _buf: &[u8]) -> Result<usize, webrtc_util::Error> {
        Err(webrtc_util::Error::Other("a relay socket sends to a peer address".into()))
    }

    async fn send_to(&self, buf: &[u8], target: SocketAddr) -> Result<usize, webrtc_util::Error> {
        if !self.admit(&self.out, target, buf.len()) {
            return Ok(buf.len());
        }
        Ok(self.socket.send_to(buf, target).await?)
    }

    fn local_addr(&self) -> Result<SocketAddr, webrtc_util::Error> {
        Ok(self.socket.local_addr()?)
    }

    fn remote_addr(&self) -> Option<SocketAddr> {
        None
    }

    async fn close(&self) -> Result<(), webrtc_util::Error> {
        self.counters.allocations.fetch_sub(1, Ordering::Relaxed);
        Ok(())
    }

    fn as_any(&self) -> &(dyn std::any::Any + Send + Sync) {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_passes_one_second_of_bytes_then_drops() {
        let mut bucket = Bucket::new(1000);
        assert!(bucket.take(600));
        assert!(bucket.take(400));
        assert!(!bucket.take(100), "the second's budget is spent");
    }

    #[tokio::test]
    async fn a_relay_drops_packets_to_and_from_closed_addresses() {
        let counters = Arc::new(Counters::default());
        let ports = RelayPorts {
            bind_ip: IpAddr::from([127, 0, 0, 1]),
            public_ip: IpAddr::from([127, 0, 0, 1]),
            low: 40000,
            high: 60000,
            policy: PeerPolicy::default(),
            bytes_per_sec: 1_000_000,
            counters: counters.clone(),
        };
        let (relay, addr) = ports.allocate_conn(true, 0).await.unwrap();
        assert!((40000..=60000).contains(&addr.port()));
        let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        // Loopback is closed by default: the send is swallowed, nothing arrives.
        assert_eq!(relay.send_to(b"hello", peer.local_addr().unwrap()).await.unwrap(), 5);
        assert_eq!(counters.dropped_peer.load(Ordering::Relaxed), 1);
        // A packet from a closed address is dropped too; the relay keeps waiting.
        let waiting = tokio::spawn({
            let relay = relay.clone();
            async move {
                let mut buf = [0u8; 16];
                relay.recv_from(&mut buf).await
            }
        });
        peer.send_to(b"in", relay.local_addr().unwrap()).await.unwrap();
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while counters.dropped_peer.load(Ordering::Relaxed) < 2 {
            assert!(Instant::now() < deadline, "the inbound packet was never seen");
            tokio::task::yield_now().await;
        }
        assert!(!waiting.is_finished(), "a packet from loopback must not be relayed");
        waiting.abort();
    }
}
