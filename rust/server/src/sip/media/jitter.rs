//! The jitter buffer for the carrier's RTP: packets are put in order by sequence number and played out one per
//! 20 ms tick after a fixed delay, so network jitter up to that delay costs nothing.
//!
//! * **Priming.** The first packet (and the first after the stream went idle) starts a countdown of `delay`
//!   ticks; the tick that ends it plays that packet. [`JitterBuffer::push`] says when a packet started priming, so
//!   the caller can align its ticks with that arrival: the packet then plays exactly `delay` ticks (with 20 ms
//!   packets, a delay of 2 is 40 ms) after it arrived, and every later packet may arrive up to that late.
//! * **Playout.** Each [`JitterBuffer::pop`] takes the packet with the next sequence number: its payload, or
//!   [`Playout::Missing`] when it has not arrived (the caller plays silence for it; it is not waited for).
//! * **Drops.** A packet older than the next one to play (late) or already held (duplicate) is dropped and
//!   counted. A packet more than `capacity` ahead, or a run of late packets (the sender restarted its sequence),
//!   re-primes the buffer on it.
//! * **Catching up.** When more than `delay` + [`EXCESS`] packets wait (the carrier's clock runs faster than
//!   ours, or a burst arrived after a stall), each tick drops the oldest one before playing, so the delay comes
//!   back to that bound within a few ticks and never grows.
//! * **Idle.** After `capacity` missing ticks in a row with nothing buffered (the carrier stopped sending, e.g.
//!   silence suppression), the buffer goes idle and the next packet primes it again; this is also how a new talk
//!   spurt after a pause gets its delay back.
//!
//! Memory is bounded: `capacity` slots of at most [`MAX_PAYLOAD`] bytes each.

/// Longest payload kept (a 20 ms G.711 frame is 160 bytes; this allows ptimes up to 60 ms).
pub const MAX_PAYLOAD: usize = 480;

/// Packets beyond the delay that may wait before the oldest is dropped.
pub const EXCESS: usize = 3;

/// Late packets in a row after which the sender is taken to have restarted its sequence numbers.
const LATE_RUN_RESYNC: u32 = 8;

/// What one tick plays.
#[derive(Debug, PartialEq, Eq)]
pub enum Playout {
    /// Nothing to play: not started, priming, or idle.
    Idle,
    /// The next packet's payload.
    Audio(Vec<u8>),
    /// The next packet did not arrive in time.
    Missing,
}

/// Counters for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub received: u64,
    pub played: u64,
    pub missing: u64,
    pub late: u64,
    pub duplicate: u64,
    pub resyncs: u64,
    /// Packets dropped to keep the delay bounded.
    pub skipped: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Priming { ticks_left: u32 },
    Playing,
}

pub struct JitterBuffer {
    delay: u32,
    /// Ring of slots indexed by sequence number modulo its length.
    slots: Vec<Option<Vec<u8>>>,
    /// Sequence number of the next packet to play.
    next: u16,
    state: State,
    /// Missing ticks in a row with nothing buffered.
    empty_run: usize,
    late_run: u32,
    stats: Stats,
}

impl JitterBuffer {
    /// A buffer that delays playout by `delay` ticks and holds at most `capacity` packets (at least `delay + 1`).
    pub fn new(delay: u32, capacity: usize) -> JitterBuffer {
        let capacity = capacity.max(delay as usize + 1).clamp(2, 1024);
        JitterBuffer {
            delay,
            slots: vec![None; capacity],
            next: 0,
            state: State::Idle,
            empty_run: 0,
            late_run: 0,
            stats: Stats::default(),
        }
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    fn slot(&mut self, sequence: u16) -> &mut Option<Vec<u8>> {
        let len = self.slots.len();
        &mut self.slots[usize::from(sequence) % len]
    }

    fn restart(&mut self, sequence: u16) {
        self.slots.iter_mut().for_each(|s| *s = None);
        self.next = sequence;
        self.state = State::Priming { ticks_left: self.delay };
        self.empty_run = 0;
        self.late_run = 0;
    }

    /// Adds a packet with sequence number `sequence`; true when it started priming (its arrival is the start of
    /// the playout delay).
    pub fn push(&mut self, sequence: u16, payload: &[u8]) -> bool {
        self.stats.received += 1;
        let payload = payload.get(..MAX_PAYLOAD).unwrap_or(payload);
        let mut primed = false;
        if self.state == State::Idle {
            self.restart(sequence);
            primed = true;
        }
        // Distance from the next packet to play, in sequence-number arithmetic (RFC 3550 wraps at 2¹⁶).
        let ahead = sequence.wrapping_sub(self.next) as i16;
        if ahead < 0 {
            self.stats.late += 1;
            self.late_run += 1;
            if self.late_run < LATE_RUN_RESYNC {
                return primed;
            }
            self.stats.resyncs += 1;
            self.restart(sequence);
            primed = true;
        } else if ahead as usize >= self.slots.len() {
            self.stats.resyncs += 1;
            self.restart(sequence);
            primed = true;
        }
        self.late_run = 0;
        let slot = self.slot(sequence);
        if slot.is_some() {
            self.stats.duplicate += 1;
            return primed;
        }
        *slot = Some(payload.to_vec());
        primed
    }

    /// What to play for this tick (call every packet time, 20 ms).
    pub fn pop(&mut self) -> Playout {
        match self.state {
            State::Idle => return Playout::Idle,
            State::Priming { ticks_left } if ticks_left > 1 => {
                self.state = State::Priming { ticks_left: ticks_left - 1 };
                return Playout::Idle;
            }
            State::Priming { .. } => self.state = State::Playing,
            State::Playing => {}
        }
        let waiting = self.slots.iter().filter(|s| s.is_some()).count();
        if waiting > self.delay as usize + EXCESS && self.slot(self.next).is_some() {
            let oldest = self.next;
            *self.slot(oldest) = None;
            self.next = oldest.wrapping_add(1);
            self.stats.skipped += 1;
        }
        let sequence = self.next;
        self.next = sequence.wrapping_add(1);
        match self.slot(sequence).take() {
            Some(payload) => {
                self.empty_run = 0;
                self.stats.played += 1;
                Playout::Audio(payload)
            }
            None => {
                self.stats.missing += 1;
                if self.slots.iter().all(Option::is_none) {
                    self.empty_run += 1;
                    if self.empty_run >= self.slots.len() {
                        self.state = State::Idle;
                    }
                }
                Playout::Missing
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audio(byte: u8) -> Playout {
        Playout::Audio(vec![byte])
    }

    #[test]
    fn waits_for_the_delay_then_plays_in_order() {
        let mut jb = JitterBuffer::new(2, 16);
        assert_eq!(jb.pop(), Playout::Idle);
        assert!(jb.push(100, &[0]));
        assert_eq!(jb.pop(), Playout::Idle);
        assert!(!jb.push(102, &[2]));
        assert!(!jb.push(101, &[1]));
        assert_eq!(jb.pop(), audio(0));
        assert_eq!(jb.pop(), audio(1));
        assert_eq!(jb.pop(), audio(2));
        assert_eq!(jb.pop(), Playout::Missing);
    }

    #[test]
    fn drops_late_and_duplicate_packets_and_fills_gaps() {
        let mut jb = JitterBuffer::new(0, 16);
        jb.push(10, &[10]);
        jb.push(10, &[99]);
        jb.push(12, &[12]);
        assert_eq!(jb.pop(), audio(10));
        jb.push(10, &[10]); // late now
        assert_eq!(jb.pop(), Playout::Missing); // 11 never came
        jb.push(11, &[11]); // too late
        assert_eq!(jb.pop(), audio(12));
        let stats = jb.stats();
        assert_eq!((stats.duplicate, stats.late, stats.missing, stats.played), (1, 2, 1, 2));
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut jb = JitterBuffer::new(0, 8);
        jb.push(65535, &[1]);
        jb.push(0, &[2]);
        jb.push(1, &[3]);
        assert_eq!(jb.pop(), audio(1));
        assert_eq!(jb.pop(), audio(2));
        assert_eq!(jb.pop(), audio(3));
    }

    #[test]
    fn a_jump_far_ahead_or_a_run_of_late_packets_resyncs() {
        let mut jb = JitterBuffer::new(1, 8);
        jb.push(0, &[0]);
        assert!(jb.push(1000, &[7]));
        assert_eq!(jb.stats().resyncs, 1);
        assert_eq!(jb.pop(), audio(7));
        for i in 0..LATE_RUN_RESYNC as u16 - 1 {
            assert!(!jb.push(500 + i, &[5]));
        }
        assert!(jb.push(500 + LATE_RUN_RESYNC as u16 - 1, &[5]));
        assert_eq!(jb.stats().resyncs, 2);
        assert_eq!(jb.pop(), audio(5));
    }

    #[test]
    fn goes_idle_when_the_stream_stops_and_primes_again() {
        let mut jb = JitterBuffer::new(2, 4);
        jb.push(0, &[0]);
        assert_eq!(jb.pop(), Playout::Idle);
        assert_eq!(jb.pop(), audio(0));
        for _ in 0..4 {
            assert_eq!(jb.pop(), Playout::Missing);
        }
        assert_eq!(jb.pop(), Playout::Idle);
        // The next talk spurt continues the sequence but gets its delay again.
        assert!(jb.push(30, &[30]));
        assert_eq!(jb.pop(), Playout::Idle);
        assert_eq!(jb.pop(), audio(30));
    }

    #[test]
    fn a_backlog_is_trimmed_to_the_delay() {
        let mut jb = JitterBuffer::new(2, 16);
        assert!(jb.push(0, &[0]));
        assert_eq!(jb.pop(), Playout::Idle);
        for i in 1..10u16 {
            jb.push(i, &[i as u8]);
        }
        let mut played = Vec::new();
        for _ in 0..10 {
            if let Playout::Audio(p) = jb.pop() {
                played.push(p[0]);
            }
        }
        // One dropped per tick while more than 2 + EXCESS wait: a gentle catch-up, no jump.
        assert_eq!(played, [1, 3, 5, 6, 7, 8, 9]);
        assert_eq!(jb.stats().skipped, 3);
    }

    #[test]
    fn memory_is_bounded() {
        let mut jb = JitterBuffer::new(2, 16);
        for i in 0..10_000u16 {
            jb.push(i, &[0; 2000]);
        }
        assert!(jb.slots.len() == 16);
        assert!(jb.slots.iter().flatten().all(|p| p.len() == MAX_PAYLOAD));
    }
}
