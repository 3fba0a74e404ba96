//! The jitter buffer for the carrier's RTP: packets are put in order by sequence number and played out one per
//! 20 ms tick after a delay that adapts to the jitter seen, between a least delay (the `[sip] jitter_ms`) and
//! [`MAX_DELAY`], so a steady carrier costs the least delay and a jittery one costs what its jitter needs.
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
//! * **Adapting.** A packet that arrives just after its tick played [`Playout::Missing`] shows that the jitter
//!   exceeds the delay: while below [`MAX_DELAY`], the buffer takes one more tick of delay and plays that packet on
//!   the next tick (the missing tick stands as a 20 ms gap, later packets simply wait one tick longer). After
//!   [`CALM_TICKS`] ticks without such a packet, the delay shrinks by one tick back towards the least delay, dropping
//!   one waiting packet (a 20 ms cut, at most once per [`CALM_TICKS`]).
//! * **Idle.** After `capacity` missing ticks in a row with nothing buffered (the carrier stopped sending, e.g.
//!   silence suppression), the buffer goes idle and the next packet primes it again; this is also how a new talk
//!   spurt after a pause gets its delay back.
//!
//! Memory is bounded: `capacity` slots of at most [`MAX_PAYLOAD`] bytes each.

/// Longest payload kept (a 20 ms G.711 frame is 160 bytes; this allows ptimes up to 60 ms).
pub const MAX_PAYLOAD: usize = 480;

/// Packets beyond the delay that may wait before the oldest is dropped.
pub const EXCESS: usize = 3;

/// The most delay the buffer grows to, in 20 ms ticks (120 ms).
pub const MAX_DELAY: u32 = 6;

/// Ticks without a late packet after which the delay shrinks by one (5 s of 20 ms packets).
pub const CALM_TICKS: u32 = 250;

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
    /// Packets dropped to keep the delay bounded (a backlog, or the delay shrinking).
    pub skipped: u64,
    /// Times the delay grew by one tick.
    pub grown: u64,
    /// The delay now, in ticks.
    pub delay: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Priming { ticks_left: u32 },
    Playing,
}

pub struct JitterBuffer {
    /// The delay now, between `least` and `most`.
    delay: u32,
    least: u32,
    most: u32,
    /// The sequence number the last tick played as missing, while no later tick played anything.
    missed: Option<u16>,
    /// Ticks since the delay last changed or a packet came just too late.
    calm: u32,
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
    /// A buffer that delays playout by `least` ticks at first, up to [`MAX_DELAY`] (or `least`, if more) when
    /// the jitter asks for it, and holds at most `capacity` packets (at least the largest delay + 1).
    pub fn new(least: u32, capacity: usize) -> JitterBuffer {
        let most = least.max(MAX_DELAY);
        let capacity = capacity.max(most as usize + 1).clamp(2, 1024);
        JitterBuffer {
            delay: least,
            least,
            most,
            missed: None,
            calm: 0,
            slots: vec![None; capacity],
            next: 0,
            state: State::Idle,
            empty_run: 0,
            late_run: 0,
            stats: Stats::default(),
        }
    }

    pub fn stats(&self) -> Stats {
        Stats { delay: self.delay, ..self.stats }
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
        self.missed = None;
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
        if ahead < 0 && self.missed == Some(sequence) && self.delay < self.most {
            // Just too late: one more tick of delay, and this packet plays next.
            self.delay += 1;
            self.stats.grown += 1;
            self.calm = 0;
            self.missed = None;
            self.late_run = 0;
            self.next = sequence;
            *self.slot(sequence) = Some(payload.to_vec());
            return primed;
        }
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
        self.calm = self.calm.saturating_add(1);
        let shrink = self.calm >= CALM_TICKS && self.delay > self.least;
        if shrink {
            self.delay -= 1;
            self.calm = 0;
        }
        let excess = if shrink { self.delay as usize } else { self.delay as usize + EXCESS };
        if waiting > excess && self.slot(self.next).is_some() {
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
                self.missed = None;
                self.stats.played += 1;
                Playout::Audio(payload)
            }
            None => {
                self.stats.missing += 1;
                self.missed = Some(sequence);
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
        assert_eq!(jb.pop(), audio(12));
        jb.push(11, &[11]); // too late: its tick is two ticks ago
        let stats = jb.stats();
        assert_eq!((stats.duplicate, stats.late, stats.missing, stats.played), (1, 2, 1, 2));
        assert_eq!(stats.delay, 0);
    }

    #[test]
    fn a_packet_just_too_late_grows_the_delay_then_calm_shrinks_it() {
        let mut jb = JitterBuffer::new(1, 16);
        assert!(jb.push(0, &[0]));
        assert_eq!(jb.pop(), audio(0));
        assert_eq!(jb.pop(), Playout::Missing); // 1 is late
        jb.push(1, &[1]); // just too late: played next, the delay grows to 2 ticks
        jb.push(2, &[2]);
        assert_eq!(jb.stats().delay, 2);
        assert_eq!(jb.pop(), audio(1));
        // Later packets keep arriving one per tick and now wait one tick longer; nothing is lost.
        let mut played = Vec::new();
        for i in 3..(3 + CALM_TICKS as u16 + 5) {
            jb.push(i, &[(i % 250) as u8]);
            if let Playout::Audio(p) = jb.pop() {
                played.push(p[0]);
            }
        }
        let stats = jb.stats();
        assert_eq!((stats.grown, stats.delay, stats.skipped), (1, 1, 1), "{stats:?}");
        // Played in order, with the one packet cut when the delay came back down.
        assert!(played.windows(2).filter(|w| w[1] != w[0].wrapping_add(1) && !(w[0] == 249 && w[1] == 0)).count() == 1);
    }

    #[test]
    fn the_delay_never_grows_past_its_bound() {
        let mut jb = JitterBuffer::new(1, 32);
        jb.push(0, &[0]);
        jb.pop();
        let mut sequence = 1u16;
        for _ in 0..40 {
            // Every packet misses its tick by one.
            if jb.pop() == Playout::Missing {
                jb.push(sequence, &[1]);
                sequence += 1;
            }
        }
        assert_eq!(jb.stats().delay, MAX_DELAY);
        assert_eq!(jb.stats().grown, u64::from(MAX_DELAY - 1));
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
        // Capacity is at least MAX_DELAY + 1, whatever was asked.
        assert_eq!(jb.slots.len(), MAX_DELAY as usize + 1);
        for _ in 0..jb.slots.len() {
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
