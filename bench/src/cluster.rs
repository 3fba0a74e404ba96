//! `cluster --nodes 1,2,3`: the `messages`, `fanout` and `connections` benchmarks on several server nodes of one
//! cluster (`[cluster]`: one PostgreSQL database, one Redis), with the traffic crossing nodes, beside one server on
//! PostgreSQL without `[cluster]`.
//!
//! Each configuration (the plain server, then 1, 2, 3… nodes) is started on a fresh database ([`nodes`]) once per
//! round, and each round runs every configuration in turn, so a change in the machine's load touches them all
//! alike; the figures are the medians over the rounds. In one configuration run, in this order:
//! * `messages` ([`messages::measure`]) with one throughput run: 1:1 acked messages/s with pipelined senders, sender
//!   i on node i mod N and its recipient on the next node; then its latency phase, send→deliver at a fixed offered
//!   rate (1,000 msg/s), every message crossing nodes;
//! * `fanout` ([`fanout::measure`]) with one run: group deliveries/s, member i on node i mod N;
//! * `connections` ([`connections::measure`]): logins spread over the nodes, held, counted, memory per connection
//!   (the sum over the nodes).
//!
//! Clients log in directly on their chosen node (discovery, svc 29, is asked on that node, as the original login
//! does, and its answer is not followed), so the placement is exact rather than whatever the least-loaded hand-out
//! gives. All the nodes, Redis, PostgreSQL and the bench share this machine's cores: more nodes add work (the Redis
//! hop, presence) on the same CPUs, so the figures show the cost of the cluster path, not a speed-up.
//!
//! [`nodes`]: crate::nodes

use crate::connections::cpu_sum;
use crate::nodes::{self, Layout, Nodes};
use crate::server::ServerOptions;
use crate::services::{self, Services};
use crate::stats::{self, thousands};
use crate::{connections, fanout, messages};

pub struct Args {
    pub layouts: Vec<Layout>,
    /// The PostgreSQL server (`postgres://USER@HOST:PORT/DB`; USER may create databases).
    pub postgres: String,
    pub redis: String,
    pub rounds: usize,
    pub messages: messages::Args,
    pub fanout: fanout::Args,
    pub connections: connections::Args,
}

/// What one configuration measured in one round.
#[derive(Clone, Debug)]
pub struct Figures {
    pub ack_rate: f64,
    /// CPU seconds per 1,000 acknowledged 1:1 messages over the whole `messages` part (its logins, throughput run
    /// and latency phase): of all the nodes, of Redis, of PostgreSQL.
    pub nodes_cpu_per_k: f64,
    pub redis_cpu_per_k: f64,
    pub postgres_cpu_per_k: f64,
    /// Send→deliver at the offered rate, ms.
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// 1:1 deliveries missing in the throughput run and the latency phase.
    pub direct_lost: u64,
    pub group_rate: f64,
    pub group_lost: u64,
    pub held: usize,
    pub logins_per_sec: f64,
    pub rss_per_conn_kb: f64,
}

pub struct Report {
    /// Per layout, one outcome per round.
    pub runs: Vec<(Layout, Vec<Result<Figures, String>>)>,
    pub load_before: String,
    pub load_after: String,
}

impl Report {
    pub fn failures(&self) -> usize {
        self.runs.iter().flat_map(|(_, r)| r).filter(|r| r.is_err()).count()
    }
}

/// `/proc/loadavg`'s three load averages.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

pub async fn run(opts: &ServerOptions, args: &Args) -> Result<Report, String> {
    let load_before = load();
    let services = services::find(&args.postgres, &args.redis).await;
    let mut runs: Vec<(Layout, Vec<Result<Figures, String>>)> = args.layouts.iter().map(|l| (*l, Vec::new())).collect();
    for round in 1..=args.rounds {
        for (layout, outcomes) in &mut runs {
            let name = match layout {
                Layout::Plain => format!("bench_{}_r{round}_plain", std::process::id()),
                Layout::Cluster(n) => format!("bench_{}_r{round}_n{n}", std::process::id()),
            };
            let outcome = configuration(opts, args, &services, *layout, &name).await;
            match &outcome {
                Ok(f) => eprintln!(
                    "round {round}, {}: {} acked/s, {} group deliveries/s, {} held, send→deliver p50 {:.2} / p99 {:.2} ms",
                    layout.name(),
                    thousands(f.ack_rate),
                    thousands(f.group_rate),
                    thousands(f.held as f64),
                    f.p50_ms,
                    f.p99_ms
                ),
                Err(e) => eprintln!("round {round}, {}: FAILED: {e}", layout.name()),
            }
            outcomes.push(outcome);
        }
    }
    Ok(Report { runs, load_before, load_after: load() })
}

/// One configuration, started on a fresh database, measured, stopped.
async fn configuration(
    opts: &ServerOptions,
    args: &Args,
    services: &Services,
    layout: Layout,
    name: &str,
) -> Result<Figures, String> {
    let mut nodes = nodes::start(opts, layout, &args.postgres, &args.redis, name).await?;
    let result = measure(&mut nodes, args, services).await;
    let result = result.map_err(|e| format!("{e}\n{}", nodes.dead_logs()).trim_end().to_owned());
    nodes.stop().await;
    result
}

async fn measure(nodes: &mut Nodes, args: &Args, services: &Services) -> Result<Figures, String> {
    let (nodes_cpu0, services_cpu0) = (cpu_sum(&nodes.servers), services.cpu());
    let m = messages::measure(&nodes.servers, &args.messages).await.map_err(|e| format!("messages: {e}"))?;
    let (nodes_cpu, services_cpu) = (cpu_sum(&nodes.servers) - nodes_cpu0, services.cpu().since(services_cpu0));
    let per_k = 1000.0 / (m.runs.iter().chain(&m.latency).map(|r| r.acked).sum::<u64>().max(1) as f64);
    let f = fanout::measure(&nodes.servers, &args.fanout).await.map_err(|e| format!("fanout: {e}"))?;
    let c =
        connections::measure(&mut nodes.servers, &args.connections).await.map_err(|e| format!("connections: {e}"))?;
    let ms = |h: &stats::Latency, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    let (p50_ms, p99_ms) = match &m.latency {
        Some(l) => (ms(&l.deliver_latency, 0.5), ms(&l.deliver_latency, 0.99)),
        None => (0.0, 0.0),
    };
    let direct_lost = m.runs.iter().chain(&m.latency).map(|r| r.sent.saturating_sub(r.delivered)).sum();
    Ok(Figures {
        ack_rate: m.median_ack_rate(),
        nodes_cpu_per_k: nodes_cpu * per_k,
        redis_cpu_per_k: services_cpu.redis * per_k,
        postgres_cpu_per_k: services_cpu.postgres * per_k,
        p50_ms,
        p99_ms,
        direct_lost,
        group_rate: f.median_delivery_rate(),
        group_lost: f.runs.iter().map(|r| r.expected_deliveries.saturating_sub(r.delivered)).sum(),
        held: c.held_after_hold,
        logins_per_sec: c.logins_per_sec,
        rss_per_conn_kb: c.rss_per_conn_kb,
    })
}

/// `median (a / b / c)` of one figure over the rounds that succeeded.
fn over_rounds(
    outcomes: &[Result<Figures, String>],
    figure: impl Fn(&Figures) -> f64,
    show: fn(f64) -> String,
) -> String {
    let values: Vec<f64> = outcomes.iter().filter_map(|o| o.as_ref().ok()).map(figure).collect();
    if values.is_empty() {
        return "failed".into();
    }
    let each: Vec<String> = values.iter().map(|v| show(*v)).collect();
    format!("**{}** ({})", show(stats::median(&values)), each.join(" / "))
}

/// A line of the table: its name, the figure, how it is shown.
type Row<'a> = (&'a str, &'a dyn Fn(&Figures) -> f64, fn(f64) -> String);

fn ms2(v: f64) -> String {
    format!("{v:.2}")
}

fn ms3(v: f64) -> String {
    format!("{v:.3}")
}

fn kib(v: f64) -> String {
    format!("{v:.1}")
}

pub fn print(r: &Report, args: &Args) {
    println!("\n### cluster: {} rounds, medians (each round's value in parentheses)\n", args.rounds);
    println!(
        "- load average (1, 5, 15 min) before / after: {} / {}\n- 1:1: {} pairs, {} messages per run, window {}; \
         latency at {} msg/s offered for {} s\n- group: {} members, {} senders, {} messages per run, window {}\n\
         - connections: {} logins ({} in flight), held {} s",
        r.load_before,
        r.load_after,
        args.messages.pairs,
        args.messages.count,
        args.messages.window,
        args.messages.rate,
        args.messages.latency_secs,
        args.fanout.members,
        args.fanout.senders,
        args.fanout.count,
        args.fanout.window,
        args.connections.count,
        args.connections.concurrency,
        args.connections.hold.as_secs()
    );
    let p50 = format!("send→deliver p50 at {} msg/s (ms)", args.messages.rate);
    let rows: [Row; 11] = [
        ("1:1 acked messages/s", &|f| f.ack_rate, thousands),
        ("CPU per 1,000 acked 1:1 messages: the nodes (s)", &|f| f.nodes_cpu_per_k, ms3),
        ("… Redis (s)", &|f| f.redis_cpu_per_k, ms3),
        ("… PostgreSQL (s)", &|f| f.postgres_cpu_per_k, ms3),
        (&p50, &|f| f.p50_ms, ms2),
        ("send→deliver p99 (ms)", &|f| f.p99_ms, ms2),
        ("group deliveries/s", &|f| f.group_rate, thousands),
        ("connections held", &|f| f.held as f64, thousands),
        ("login rate (logins/s)", &|f| f.logins_per_sec, thousands),
        ("server RSS per connection, all nodes (KiB)", &|f| f.rss_per_conn_kb, kib),
        ("1:1 + group deliveries lost", &|f| (f.direct_lost + f.group_lost) as f64, thousands),
    ];
    print!("\n| figure |");
    for (layout, _) in &r.runs {
        print!(" {} |", layout.name());
    }
    print!("\n|---|");
    for _ in &r.runs {
        print!("---|");
    }
    println!();
    for (name, figure, show) in rows {
        print!("| {name} |");
        for (_, outcomes) in &r.runs {
            print!(" {} |", over_rounds(outcomes, figure, show));
        }
        println!();
    }
    println!();
    for (layout, outcomes) in &r.runs {
        for (i, o) in outcomes.iter().enumerate() {
            if let Err(e) = o {
                println!("- {} round {}: failed: {e}", layout.name(), i + 1);
            }
        }
    }
}
