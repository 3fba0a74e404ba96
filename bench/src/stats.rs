//! Figures: latency histograms (microseconds), medians over runs, the printed tables, the bench clock.

use std::sync::OnceLock;
use std::time::Instant;

use hdrhistogram::Histogram;

/// Latencies in microseconds, 1 µs to 10 min, 3 significant digits.
pub type Latency = Histogram<u64>;

pub fn latency() -> Latency {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("constant, valid histogram bounds")
}

pub fn record(h: &mut Latency, micros: u64) {
    let _ = h.record(micros.clamp(1, h.high()));
}

/// `p50 / p99 / max` in milliseconds, or `-` when empty.
pub fn percentiles_ms(h: &Latency) -> String {
    if h.is_empty() {
        return "-".into();
    }
    let ms = |v: u64| v as f64 / 1000.0;
    format!(
        "p50 {:.2} / p99 {:.2} / max {:.2}",
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max())
    )
}

/// Microseconds since the bench process's clock origin (shared by every task, so a timestamp written into a
/// message by the sender can be compared on the receiver).
pub fn now_micros() -> u64 {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    u64::try_from(ORIGIN.get_or_init(Instant::now).elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// Median of a few values (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// A two-column table printed as Markdown, so it reads well in a terminal and pastes into RESULTS.md.
pub struct Table {
    title: String,
    rows: Vec<(String, String)>,
}

impl Table {
    pub fn new(title: impl Into<String>) -> Table {
        Table { title: title.into(), rows: Vec::new() }
    }

    pub fn row(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Table {
        self.rows.push((name.into(), value.into()));
        self
    }

    pub fn print(&self) {
        let w0 = self.rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0).max("figure".len());
        let w1 = self.rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0).max("value".len());
        println!("\n### {}\n", self.title);
        println!("| {:<w0$} | {:<w1$} |", "figure", "value");
        println!("|{}|{}|", "-".repeat(w0 + 2), "-".repeat(w1 + 2));
        for (a, b) in &self.rows {
            println!("| {a:<w0$} | {b:<w1$} |");
        }
        println!();
    }
}

/// `1234567.8` → `"1,234,568"`.
pub fn thousands(v: f64) -> String {
    let n = v.round() as i64;
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// RSS of the bench process itself, KiB.
pub fn own_rss_kb() -> Option<u64> {
    crate::server::rss_kb_of("/proc/self/status")
}

/// CPU seconds used by the bench process itself.
pub fn own_cpu_secs() -> Option<f64> {
    crate::server::cpu_secs_of("/proc/self/stat")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1234567.8), "1,234,568");
    }

    #[test]
    fn histogram_percentiles() {
        let mut h = latency();
        for v in 1..=1000 {
            record(&mut h, v * 1000);
        }
        assert!(percentiles_ms(&h).starts_with("p50 500"));
    }
}
