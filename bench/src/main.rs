//! `azstack-bench`: a load generator for a running `azstack-server` process on 127.0.0.1.
//!
//! Each subcommand starts its own server child (fresh data directory), drives it over real WebSockets with one
//! task per connection, prints a table, and stops by itself: every phase has a time limit and a message count.
//! See bench/README.md.

mod calls;
mod client;
mod cluster;
mod cluster_redis;
mod connections;
mod engine;
mod fanout;
mod messages;
mod nodes;
mod outbox;
mod push;
mod server;
mod services;
mod sip_bridge;
mod soak;
mod stats;
mod sys;
mod traffic;
mod turn;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args as ClapArgs, Parser, Subcommand};

use crate::server::{Relaxed, ServerOptions};
use crate::stats::{Table, thousands};

#[derive(Parser)]
#[command(name = "azstack-bench", version, about = "Load generator for a running azstack-server on 127.0.0.1")]
struct Cli {
    /// The server binary to start (a release build gives meaningful figures).
    #[arg(long, global = true, default_value = "target/release/azstack-server")]
    server: PathBuf,
    /// RUST_LOG for the server child; its log goes to a file in its temporary data directory.
    #[arg(long, global = true, default_value = "warn")]
    server_log: String,
    /// Run `messages`/`fanout` against `dev` with the default per-session rate limits instead of a generated
    /// `serve` configuration with relaxed ones.
    #[arg(long, global = true)]
    default_limits: bool,
    /// packets_per_sec and burst of the generated configuration.
    #[arg(long, global = true, default_value_t = 1_000_000)]
    relaxed_rate: u32,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Log N users in (discovery + authenticate), hold them, report RSS per connection and the login rate.
    Connections(ConnectionsArgs),
    /// 1:1 text throughput (pipelined senders) and send→deliver latency at a fixed offered rate.
    Messages(MessagesArgs),
    /// Group fan-out: deliveries per second across the members of one group.
    Fanout(FanoutArgs),
    /// The Rust engine's newMessage→ack and send→peer latency, and the original SDK's transport (Node,
    /// socket.io-client 2.x) against the same server, as a ratio.
    Engine(EngineArgs),
    /// The persistent outbox (`storagePath`): its added cost on newMessage→ack when connected, and how fast messages
    /// handed over offline are persisted and then flushed.
    Outbox(OutboxArgs),
    /// Free calls between two engines: setup time to ANSWERED and to the first remote video frame, end-to-end
    /// frame latency, CPU and memory of one call.
    Calls(CallsArgs),
    /// The SIP gateway's media bridge: N concurrent callouts (WebRTC app ↔ server ↔ G.711 carrier), the server in
    /// this process and the simulated ends in a child; the server's CPU per bridged call and the one-way audio
    /// latency each way.
    SipBridge(SipBridgeArgs),
    /// The embedded TURN server: relayed calls (audio + video each way, both ends relayed) in steps; packets lost,
    /// the latency the relay adds, the server's CPU per call.
    Turn(TurnArgs),
    /// Mobile push: pushes sent per second to the APNs/FCM stand-ins and the server's CPU per push.
    Push(PushArgs),
    /// The cluster's Redis pub/sub path on a running redis-server (`--redis URL`): a delivery's round trip between
    /// two nodes, and deliveries per second published one at a time and pipelined.
    ClusterRedis(ClusterRedisArgs),
    /// `messages`, `fanout` and `connections` on 1, 2, 3… nodes of a cluster (`--nodes`, one PostgreSQL database and
    /// one Redis; the traffic crosses nodes) beside one server on PostgreSQL without `[cluster]`; medians of
    /// `--rounds` runs of each.
    Cluster(ClusterArgs),
    /// The simulated ends of `sip-bridge`, run by it as a child process (not for direct use).
    #[command(hide = true)]
    SipBridgeEnds(SipBridgeEndsArgs),
    /// Mixed traffic for M minutes (logins/logouts, 1:1 and group messages, calls, slow consumers, misbehaving
    /// sockets) against `dev` with default limits: the server's RSS over time, messages lost, slow consumers shed.
    Soak(SoakArgs),
    /// The three with default sizes, then a summary.
    All(AllArgs),
}

#[derive(ClapArgs, Clone)]
struct ConnectionsArgs {
    #[arg(long, default_value_t = 10_000)]
    count: usize,
    /// Logins in flight at once.
    #[arg(long, default_value_t = 200)]
    concurrency: usize,
    /// How long to hold the connections after the last login (the server pings every 25 s).
    #[arg(long, default_value_t = 30)]
    hold_secs: u64,
    /// Stop launching logins after this long.
    #[arg(long, default_value_t = 300)]
    time_limit_secs: u64,
}

#[derive(ClapArgs, Clone)]
struct SoakArgs {
    #[arg(long, default_value_t = 10)]
    minutes: u64,
    /// Chatter pairs (1:1 texts every 250 ms each).
    #[arg(long, default_value_t = 20)]
    pairs: usize,
    /// Chatters that are also in the group (a group text every 2 s each).
    #[arg(long, default_value_t = 10)]
    group: usize,
    #[arg(long, default_value_t = 5)]
    churners: usize,
    #[arg(long, default_value_t = 5)]
    callers: usize,
    #[arg(long, default_value_t = 3)]
    slow: usize,
    #[arg(long, default_value_t = 3)]
    misbehaving: usize,
}

#[derive(ClapArgs, Clone)]
struct MessagesArgs {
    #[arg(long, default_value_t = 10)]
    pairs: usize,
    /// Messages per throughput run, all senders together.
    #[arg(long, default_value_t = 20_000)]
    count: u64,
    /// Unacknowledged messages each sender keeps in flight.
    #[arg(long, default_value_t = 32)]
    window: usize,
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Offered rate of the latency phase, messages/s over all senders.
    #[arg(long, default_value_t = 1000.0)]
    rate: f64,
    #[arg(long, default_value_t = 10)]
    latency_secs: u64,
    #[arg(long, default_value_t = 32)]
    text_bytes: usize,
    /// Time limit of each run.
    #[arg(long, default_value_t = 60)]
    time_limit_secs: u64,
}

#[derive(ClapArgs, Clone)]
struct FanoutArgs {
    #[arg(long, default_value_t = 100)]
    members: usize,
    /// Group messages per run, all senders together.
    #[arg(long, default_value_t = 1_000)]
    count: u64,
    #[arg(long, default_value_t = 4)]
    senders: usize,
    #[arg(long, default_value_t = 16)]
    window: usize,
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[arg(long, default_value_t = 32)]
    text_bytes: usize,
    #[arg(long, default_value_t = 60)]
    time_limit_secs: u64,
}

#[derive(ClapArgs, Clone)]
struct EngineArgs {
    /// Messages sent one after another by each client.
    #[arg(long, default_value_t = 10_000)]
    count: u64,
    /// The Node.js executable for the original transport's run.
    #[arg(long, default_value = "node")]
    node: String,
}

#[derive(ClapArgs, Clone)]
struct OutboxArgs {
    /// Messages sent one after another with and without the outbox, and handed over offline.
    #[arg(long, default_value_t = 2_000)]
    count: u64,
}

#[derive(ClapArgs, Clone)]
struct CallsArgs {
    /// Calls set up (and hung up) one after another for the setup figures.
    #[arg(long, default_value_t = 20)]
    calls: usize,
    #[arg(long, default_value_t = 640)]
    width: u32,
    #[arg(long, default_value_t = 480)]
    height: u32,
    #[arg(long, default_value_t = 30)]
    fps: u32,
    /// Length of the steady-state call.
    #[arg(long, default_value_t = 10)]
    secs: u64,
}

#[derive(ClapArgs, Clone)]
struct SipBridgeArgs {
    /// Concurrent bridged callouts.
    #[arg(long, default_value_t = 50)]
    calls: usize,
    /// Length of the steady-state phase (CPU).
    #[arg(long, default_value_t = 20)]
    secs: u64,
    /// Latency rounds (every call measures both directions in each).
    #[arg(long, default_value_t = 10)]
    rounds: usize,
    /// The gateway's least playout delay of the carrier's audio (`[sip] jitter_ms`; it adapts up to 120 ms).
    #[arg(long, default_value_t = 20)]
    jitter_ms: u64,
    /// Pin the server (this process) to CPU 0 and the simulated ends to CPU 1.
    #[arg(long)]
    pin: bool,
    /// Record every call (`[sip.recording]` in a temporary directory).
    #[arg(long)]
    record: bool,
}

#[derive(ClapArgs, Clone)]
struct ClusterRedisArgs {
    /// A running redis-server, e.g. `redis://127.0.0.1:6390`.
    #[arg(long)]
    redis: String,
    #[arg(long, default_value_t = 100_000)]
    count: u64,
    #[arg(long, default_value_t = 2_000)]
    round_trips: u64,
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

#[derive(ClapArgs, Clone)]
struct ClusterArgs {
    /// Node counts, one configuration each (comma-separated; `--nodes 3` runs three nodes only).
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    nodes: Vec<usize>,
    /// Leave out the single server on PostgreSQL without `[cluster]`.
    #[arg(long)]
    no_plain: bool,
    /// A PostgreSQL server whose user may create databases, `postgres://USER@HOST:PORT/DB` (default:
    /// $AZSTACK_TEST_POSTGRES_URL, which scripts/lib/setup.sh's ensure_postgres exports).
    #[arg(long)]
    postgres: Option<String>,
    /// A Redis, `redis://HOST:PORT` (default: $AZSTACK_TEST_REDIS_URL, which ensure_redis exports).
    #[arg(long)]
    redis: Option<String>,
    /// Runs of every configuration (the medians are reported).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// 1:1 sender → recipient pairs.
    #[arg(long, default_value_t = 10)]
    pairs: usize,
    /// 1:1 messages per throughput run.
    #[arg(long, default_value_t = 10_000)]
    messages: u64,
    /// Offered rate of the latency phase, messages/s over all senders.
    #[arg(long, default_value_t = 1000.0)]
    rate: f64,
    #[arg(long, default_value_t = 5)]
    latency_secs: u64,
    #[arg(long, default_value_t = 100)]
    members: usize,
    /// Group messages per run.
    #[arg(long, default_value_t = 1_000)]
    group_messages: u64,
    /// Connections logged in and held.
    #[arg(long, default_value_t = 2_000)]
    connections: usize,
    #[arg(long, default_value_t = 5)]
    hold_secs: u64,
}

#[derive(ClapArgs, Clone)]
struct TurnArgs {
    /// Concurrent relayed calls, one step each (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,10,25,50")]
    calls: Vec<usize>,
    /// Length of each step.
    #[arg(long, default_value_t = 10)]
    secs: u64,
    /// Video bitrate of each side of a call.
    #[arg(long, default_value_t = 1500)]
    video_kbps: u64,
}

#[derive(ClapArgs, Clone)]
struct PushArgs {
    /// User texts sent in each phase.
    #[arg(long, default_value_t = 5000)]
    messages: usize,
    /// Offline users they go to, round-robin.
    #[arg(long, default_value_t = 100)]
    recipients: usize,
}

#[derive(ClapArgs, Clone)]
struct SipBridgeEndsArgs {
    #[arg(long)]
    calls: usize,
    #[arg(long)]
    secs: u64,
    #[arg(long)]
    rounds: usize,
    /// Pin this process to this CPU.
    #[arg(long)]
    cpu: Option<usize>,
}

#[derive(ClapArgs, Clone)]
struct AllArgs {
    /// Connections to hold in the first benchmark.
    #[arg(long, default_value_t = 10_000)]
    connections: usize,
    #[arg(long, default_value_t = 10)]
    pairs: usize,
    #[arg(long, default_value_t = 20_000)]
    messages: u64,
    #[arg(long, default_value_t = 100)]
    members: usize,
    #[arg(long, default_value_t = 1_000)]
    group_messages: u64,
}

impl ConnectionsArgs {
    fn to_args(&self) -> connections::Args {
        connections::Args {
            count: self.count,
            concurrency: self.concurrency.max(1),
            hold: Duration::from_secs(self.hold_secs),
            time_limit: Duration::from_secs(self.time_limit_secs),
        }
    }
}

impl MessagesArgs {
    fn to_args(&self) -> messages::Args {
        messages::Args {
            pairs: self.pairs.max(1),
            count: self.count,
            window: self.window.max(1),
            runs: self.runs.max(1),
            rate: self.rate.max(1.0),
            latency_secs: self.latency_secs.max(1),
            text_bytes: self.text_bytes,
            time_limit: Duration::from_secs(self.time_limit_secs),
        }
    }
}

impl FanoutArgs {
    fn to_args(&self) -> fanout::Args {
        fanout::Args {
            members: self.members.max(2),
            count: self.count,
            senders: self.senders.max(1),
            window: self.window.max(1),
            runs: self.runs.max(1),
            text_bytes: self.text_bytes,
            time_limit: Duration::from_secs(self.time_limit_secs),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Pinned before the runtime starts, so every thread of the process inherits the mask.
    let cpu = match &cli.command {
        Command::SipBridge(a) if a.pin => Some(0),
        Command::SipBridgeEnds(a) => a.cpu,
        _ => None,
    };
    if let Some(cpu) = cpu
        && let Err(e) = sys::pin_to_cpu(cpu)
    {
        eprintln!("azstack-bench: cannot pin to CPU {cpu}: {e}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("azstack-bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ok = runtime.block_on(run(cli));
    // Sessions still held by finished phases close with the runtime.
    runtime.shutdown_timeout(Duration::from_secs(5));
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn options(cli: &Cli, relaxed: bool, max_list: usize) -> ServerOptions {
    ServerOptions {
        binary: cli.server.clone(),
        relaxed: (relaxed && !cli.default_limits).then_some(Relaxed {
            packets_per_sec: cli.relaxed_rate,
            burst: cli.relaxed_rate,
            max_list: max_list.max(200),
        }),
        log_filter: cli.server_log.clone(),
        shared: None,
    }
}

/// Enough descriptors for `sockets` client sockets here and as many server sockets in the child (which inherits
/// the limit at spawn).
fn raise_fd_limit(sockets: usize) {
    let want = sockets as u64 + 1024;
    match sys::raise_nofile(want) {
        Ok(have) if have >= want => {}
        Ok(have) => {
            eprintln!("warning: RLIMIT_NOFILE is {have}, below the {want} this run needs; expect connect errors")
        }
        Err(e) => eprintln!("warning: cannot raise RLIMIT_NOFILE: {e}"),
    }
}

fn header(cli: &Cli) {
    println!("# azstack-bench");
    println!();
    println!("- date (UTC): {}", utc_date());
    println!("- machine: {}", sys::machine());
    println!("- server binary: {}", cli.server.display());
    println!("- bench build: {}", if cfg!(debug_assertions) { "debug (figures are client-bound!)" } else { "release" });
    if cfg!(debug_assertions) {
        eprintln!("warning: azstack-bench is a debug build; use `cargo build --release -p azstack-bench`");
    }
}

async fn run(cli: Cli) -> bool {
    if let Command::SipBridgeEnds(a) = &cli.command {
        // A child of `sip-bridge`: its stdout carries the protocol lines only.
        raise_fd_limit(4 * a.calls);
        let args = sip_bridge::EndsArgs { calls: a.calls.max(1), secs: a.secs.max(1), rounds: a.rounds };
        return match sip_bridge::ends(&args).await {
            Ok(()) => true,
            Err(e) => {
                eprintln!("sip-bridge ends: {e}");
                sip_bridge::ends_failed(&e);
                false
            }
        };
    }
    header(&cli);
    match &cli.command {
        Command::Connections(a) => {
            let args = a.to_args();
            if let Some(ports) = sys::ephemeral_ports()
                && (args.count as u64) * 2 > ports
            {
                eprintln!("warning: {} connections against {ports} ephemeral ports; logins may fail", args.count);
            }
            raise_fd_limit(args.count + 2 * args.concurrency);
            report_connections(&cli, &args).await.is_some()
        }
        Command::Messages(a) => {
            let args = a.to_args();
            raise_fd_limit(4 * args.pairs);
            report_messages(&cli, &args).await.is_some()
        }
        Command::Fanout(a) => {
            let args = a.to_args();
            raise_fd_limit(2 * args.members);
            report_fanout(&cli, &args).await.is_some()
        }
        Command::Outbox(a) => {
            let args = outbox::Args { count: a.count.max(1) };
            printed("outbox", outbox::run(&options(&cli, true, 0), &args).await, |r| outbox::print(r, &args)).is_some()
        }
        Command::Engine(a) => {
            let args = engine::Args { count: a.count.max(1), node: a.node.clone() };
            printed("engine", engine::run(&options(&cli, true, 0), &args).await, |r| engine::print(r, &args)).is_some()
        }
        Command::Calls(a) => {
            let args = calls::Args {
                calls: a.calls.max(1),
                width: a.width,
                height: a.height,
                fps: a.fps.max(1),
                secs: a.secs.max(1),
            };
            printed("calls", calls::run(&options(&cli, false, 0), &args).await, |r| calls::print(r, &args)).is_some()
        }
        Command::SipBridge(a) => {
            let args = sip_bridge::Args {
                calls: a.calls.max(1),
                secs: a.secs.max(1),
                rounds: a.rounds,
                jitter_ms: a.jitter_ms,
                pin: a.pin,
                record: a.record,
            };
            printed("sip-bridge", sip_bridge::run(&args).await, |r| sip_bridge::print(r, &args)).is_some()
        }
        Command::ClusterRedis(a) => {
            let args = cluster_redis::Args {
                redis: a.redis.clone(),
                count: a.count.max(1),
                round_trips: a.round_trips.max(1),
                runs: a.runs.max(1),
            };
            printed("cluster-redis", cluster_redis::run(&args).await, |r| cluster_redis::print(r, &args)).is_some()
        }
        Command::Cluster(a) => match cluster_args(a) {
            Ok(args) => {
                raise_fd_limit(args.connections.count + 2 * args.connections.concurrency + 4 * args.fanout.members);
                let opts = options(&cli, true, args.fanout.members);
                if opts.relaxed.is_none() {
                    eprintln!(
                        "cluster: the nodes run a generated `serve` configuration; --default-limits does not apply"
                    );
                    return false;
                }
                printed("cluster", cluster::run(&opts, &args).await, |r| cluster::print(r, &args))
                    .is_some_and(|r| r.failures() == 0)
            }
            Err(e) => {
                eprintln!("cluster: {e}");
                false
            }
        },
        Command::Turn(a) => {
            let args = turn::Args { calls: a.calls.clone(), secs: a.secs.max(1), video_kbps: a.video_kbps.max(1) };
            raise_fd_limit(8 * args.calls.iter().max().copied().unwrap_or(1) + 64);
            printed("turn", turn::run(&args).await, |r| turn::print(r, &args)).is_some()
        }
        Command::Push(a) => {
            let args = push::Args { messages: a.messages.max(1), recipients: a.recipients.max(1) };
            printed("push", push::run(&args).await, |r| push::print(r, &args)).is_some()
        }
        Command::Soak(a) => {
            let args = soak::Args {
                minutes: a.minutes.max(1),
                pairs: a.pairs.max(1),
                group: a.group.max(2),
                churners: a.churners,
                callers: a.callers,
                slow: a.slow,
                misbehaving: a.misbehaving,
            };
            raise_fd_limit(4 * (args.pairs + args.churners + args.callers + args.slow + args.misbehaving) + 64);
            printed("soak", soak::run(&options(&cli, false, 0), &args).await, |r| soak::print(r, &args))
                .is_some_and(|r| r.direct_lost == 0 && r.group_lost == 0)
        }
        Command::All(a) => run_all(&cli, a).await,
        Command::SipBridgeEnds(_) => false, // handled above
    }
}

/// A bench's outcome: its report printed (and returned), or its error on stderr, named `name`.
fn printed<R>(name: &str, outcome: Result<R, String>, print: impl FnOnce(&R)) -> Option<R> {
    match outcome {
        Ok(report) => {
            print(&report);
            Some(report)
        }
        Err(e) => {
            eprintln!("{name}: {e}");
            None
        }
    }
}

async fn report_connections(cli: &Cli, args: &connections::Args) -> Option<connections::Report> {
    printed("connections", connections::run(&options(cli, false, 0), args).await, |r| connections::print(r, args))
        .filter(|r| r.failed == 0 && !r.timed_out)
}

async fn report_messages(cli: &Cli, args: &messages::Args) -> Option<messages::Report> {
    printed("messages", messages::run(&options(cli, true, 0), args).await, |r| messages::print(r, args))
}

async fn report_fanout(cli: &Cli, args: &fanout::Args) -> Option<fanout::Report> {
    printed("fanout", fanout::run(&options(cli, true, args.members), args).await, |r| fanout::print(r, args))
}

fn cluster_args(a: &ClusterArgs) -> Result<cluster::Args, String> {
    let from_env = |flag: &Option<String>, name: &str, var: &str| {
        flag.clone().or_else(|| std::env::var(var).ok()).ok_or_else(|| format!("give --{name} URL or set {var}"))
    };
    let postgres = from_env(&a.postgres, "postgres", "AZSTACK_TEST_POSTGRES_URL")?;
    let redis = from_env(&a.redis, "redis", "AZSTACK_TEST_REDIS_URL")?;
    let mut layouts = Vec::new();
    if !a.no_plain {
        layouts.push(nodes::Layout::Plain);
    }
    layouts.extend(a.nodes.iter().map(|n| nodes::Layout::Cluster((*n).max(1))));
    let messages = MessagesArgs {
        pairs: a.pairs,
        count: a.messages,
        window: 32,
        runs: 1,
        rate: a.rate,
        latency_secs: a.latency_secs,
        text_bytes: 32,
        time_limit_secs: 60,
    }
    .to_args();
    let fanout = FanoutArgs {
        members: a.members,
        count: a.group_messages,
        senders: 4,
        window: 16,
        runs: 1,
        text_bytes: 32,
        time_limit_secs: 60,
    }
    .to_args();
    let connections =
        ConnectionsArgs { count: a.connections, concurrency: 200, hold_secs: a.hold_secs, time_limit_secs: 300 }
            .to_args();
    Ok(cluster::Args { layouts, postgres, redis, rounds: a.rounds.max(1), messages, fanout, connections })
}

async fn run_all(cli: &Cli, a: &AllArgs) -> bool {
    let conn =
        ConnectionsArgs { count: a.connections, concurrency: 200, hold_secs: 30, time_limit_secs: 300 }.to_args();
    let msgs = MessagesArgs {
        pairs: a.pairs,
        count: a.messages,
        window: 32,
        runs: 3,
        rate: 1000.0,
        latency_secs: 10,
        text_bytes: 32,
        time_limit_secs: 60,
    }
    .to_args();
    let fan = FanoutArgs {
        members: a.members,
        count: a.group_messages,
        senders: 4,
        window: 16,
        runs: 3,
        text_bytes: 32,
        time_limit_secs: 60,
    }
    .to_args();
    raise_fd_limit(conn.count + 2 * conn.concurrency);
    let c = report_connections(cli, &conn).await;
    let m = report_messages(cli, &msgs).await;
    let f = report_fanout(cli, &fan).await;

    let failed = || "FAILED (see above)".to_owned();
    let mut t = Table::new("summary");
    match &c {
        Some(c) => t
            .row(format!("connections held (of {})", conn.count), thousands(c.held_after_hold as f64))
            .row("server RSS per connection", format!("{:.1} KiB", c.rss_per_conn_kb))
            .row("login rate", format!("{:.0} logins/s", c.logins_per_sec)),
        None => t.row("connections", failed()),
    };
    match &m {
        Some(m) => {
            t.row(
                format!("1:1 messages acknowledged/s ({} pairs, median)", msgs.pairs),
                thousands(m.median_ack_rate()),
            );
            if let Some(l) = &m.latency {
                t.row(format!("send→deliver at {} msg/s (ms)", msgs.rate), stats::percentiles_ms(&l.deliver_latency));
            }
            &mut t
        }
        None => t.row("messages", failed()),
    };
    match &f {
        Some(f) => t
            .row(format!("group deliveries/s ({} members, median)", fan.members), thousands(f.median_delivery_rate()))
            .row("group messages acknowledged/s (median)", thousands(f.median_ack_rate())),
        None => t.row("fanout", failed()),
    };
    t.print();
    c.is_some() && m.is_some() && f.is_some()
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
fn utc_date() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_513), (2026, 3, 1));
    }
}
