//! The UDP receive task: one datagram at a time, each handed to [`super::dispatch`] with the sender's address.
//! It ends with the gateway's shutdown or when the server is gone.

use std::sync::Arc;

use super::message::MAX_MESSAGE;
use super::transport::Peer;
use super::{Gateway, dispatch};

pub(super) async fn receive(gw: Arc<Gateway>) {
    let mut buf = vec![0u8; MAX_MESSAGE + 1];
    loop {
        let got = tokio::select! {
            _ = gw.stopped() => break,
            got = gw.socket.recv_from(&mut buf) => got,
        };
        if gw.host_gone() {
            break;
        }
        match got {
            Ok((n, from)) => dispatch::on_message(&gw, buf.get(..n).unwrap_or_default(), Peer::udp(from)).await,
            // ICMP port unreachable and the like surface here on some systems; the socket stays usable.
            Err(error) => tracing::debug!(%error, "SIP receive error"),
        }
    }
    tracing::info!(local = %gw.local, "SIP gateway stopped");
}
