//! Client transactions (RFC 3261 §17.1): when to retransmit a request and when to give up.
//!
//! * INVITE: Timer A retransmits at T1, 2·T1, 4·T1… until a response arrives; Timer B gives up after 64·T1 without
//!   any response. A provisional response stops both (the call then rings until a final response, a CANCEL or the
//!   gateway's ring timeout).
//! * Others (CANCEL, BYE): Timer E retransmits at T1 doubling up to T2 (4 s), and at T2 once a provisional response
//!   came; Timer F gives up after 64·T1.
//!
//! Over a reliable transport (TCP) nothing is retransmitted ([`ClientTx::on`]): Timer A and E are not set, Timer B
//! and F still give up after 64·T1. A call-in's final response waiting for its ACK uses the same clock: Timer G
//! retransmits it over UDP only, Timer H (64·T1) bounds the wait on both transports (§17.2.1).
//!
//! The transaction only keeps the clock; the call task sends what [`ClientTx::on_timer`] says.

use std::time::Duration;

use tokio::time::Instant;

use super::transport::Transport;

/// RFC 3261 T2: the longest retransmission interval of a non-INVITE request.
pub const T2: Duration = Duration::from_secs(4);

/// What a timer expiry asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxTimer {
    /// Send the request again.
    Retransmit,
    /// No response in time (Timer B or F): the transaction failed as if a 408 had arrived.
    TimedOut,
    /// Nothing due yet.
    Idle,
}

/// One outstanding request of the gateway.
#[derive(Debug)]
pub struct ClientTx {
    pub method: &'static str,
    pub cseq: u32,
    pub bytes: Vec<u8>,
    interval: Duration,
    next_send: Option<Instant>,
    deadline: Option<Instant>,
}

impl ClientTx {
    /// A request just sent at `now`.
    pub fn new(method: &'static str, cseq: u32, bytes: Vec<u8>, t1: Duration, now: Instant) -> ClientTx {
        ClientTx { method, cseq, bytes, interval: t1, next_send: Some(now + t1), deadline: Some(now + t1 * 64) }
    }

    /// The request went over `transport`: over a reliable one it is never retransmitted.
    pub fn on(mut self, transport: Transport) -> ClientTx {
        if transport.is_reliable() {
            self.next_send = None;
        }
        self
    }

    fn is_invite(&self) -> bool {
        self.method == "INVITE"
    }

    /// Whether `(cseq, method)` of a response belongs to this transaction.
    pub fn matches(&self, cseq: u32, method: &str) -> bool {
        self.cseq == cseq && self.method.eq_ignore_ascii_case(method)
    }

    /// A provisional response arrived.
    pub fn on_provisional(&mut self, now: Instant) {
        if self.is_invite() {
            self.next_send = None;
            self.deadline = None;
        } else if self.next_send.is_some() {
            self.interval = T2;
            self.next_send = Some(now + T2);
        }
    }

    /// When this transaction next needs attention, if ever.
    pub fn due(&self) -> Option<Instant> {
        match (self.next_send, self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Called at or after [`ClientTx::due`].
    pub fn on_timer(&mut self, now: Instant) -> TxTimer {
        if self.deadline.is_some_and(|d| now >= d) {
            self.next_send = None;
            self.deadline = None;
            return TxTimer::TimedOut;
        }
        match self.next_send {
            Some(at) if now >= at => {
                self.interval = if self.is_invite() { self.interval * 2 } else { (self.interval * 2).min(T2) };
                self.next_send = Some(now + self.interval);
                TxTimer::Retransmit
            }
            _ => TxTimer::Idle,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1: Duration = Duration::from_millis(500);

    /// Walks the timer from `start`, returning the offsets (ms) of retransmissions and of the time-out.
    fn schedule(tx: &mut ClientTx, start: Instant) -> (Vec<u128>, Option<u128>) {
        let mut sends = Vec::new();
        while let Some(at) = tx.due() {
            match tx.on_timer(at) {
                TxTimer::Retransmit => sends.push((at - start).as_millis()),
                TxTimer::TimedOut => return (sends, Some((at - start).as_millis())),
                TxTimer::Idle => {}
            }
        }
        (sends, None)
    }

    #[test]
    fn invite_timers_a_and_b() {
        let now = Instant::now();
        let mut tx = ClientTx::new("INVITE", 1, Vec::new(), T1, now);
        let (sends, timeout) = schedule(&mut tx, now);
        assert_eq!(sends, vec![500, 1500, 3500, 7500, 15500, 31500]);
        assert_eq!(timeout, Some(32000));
    }

    #[test]
    fn non_invite_timers_e_and_f() {
        let now = Instant::now();
        let mut tx = ClientTx::new("BYE", 2, Vec::new(), T1, now);
        let (sends, timeout) = schedule(&mut tx, now);
        assert_eq!(&sends[..5], &[500, 1500, 3500, 7500, 11500]);
        assert_eq!(timeout, Some(32000));
    }

    #[test]
    fn a_reliable_transport_has_no_retransmissions_but_the_time_outs() {
        let now = Instant::now();
        for method in ["INVITE", "BYE", "FINAL"] {
            let mut tx = ClientTx::new(method, 1, Vec::new(), T1, now).on(Transport::Tcp);
            assert_eq!(schedule(&mut tx, now), (vec![], Some(32000)), "{method}");
        }
        let mut tx = ClientTx::new("BYE", 2, Vec::new(), T1, now).on(Transport::Tcp);
        tx.on_provisional(now);
        assert_eq!(schedule(&mut tx, now), (vec![], Some(32000)), "a 1xx does not start Timer E");
        let mut tx = ClientTx::new("BYE", 2, Vec::new(), T1, now).on(Transport::Udp);
        assert_eq!(schedule(&mut tx, now).0.first(), Some(&500));
    }

    #[test]
    fn a_provisional_response_stops_invite_retransmissions() {
        let now = Instant::now();
        let mut tx = ClientTx::new("INVITE", 1, Vec::new(), T1, now);
        tx.on_provisional(now);
        assert_eq!(tx.due(), None);
        assert!(tx.matches(1, "invite"));
        assert!(!tx.matches(1, "CANCEL"));
    }
}
