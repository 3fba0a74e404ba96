//! `fanout`: one group of N members (created with svc 42), S of them posting group texts (svc 45 → ack 45 with
//! `r`); every other member receives svc 146. Figures: deliveries per second across all members, acks per second.
//! On several servers (the nodes of a cluster), member i logs in on node i mod N, so the group spans the nodes.

use std::time::Duration;

use azstack_protocol::Service;
use serde_json::{Value, json};

use crate::client::{self, ClientError, Session};
use crate::connections::{cpu_sum, mode_of, round_robin};
use crate::messages::login_all;
use crate::server::{Server, ServerOptions};
use crate::stats::{self, Table, thousands};
use crate::traffic::{self, Pace, PhaseConfig, PhaseResult, Plan, Target};

#[derive(Clone, Debug)]
pub struct Args {
    pub members: usize,
    /// Group messages per run (all senders together).
    pub count: u64,
    pub senders: usize,
    pub window: usize,
    pub runs: usize,
    pub text_bytes: usize,
    pub time_limit: Duration,
}

pub struct Report {
    pub mode: String,
    pub group: i64,
    pub members_in_reply: Option<usize>,
    pub runs: Vec<PhaseResult>,
    /// Server CPU seconds used by each throughput run.
    pub server_cpu: Vec<f64>,
}

impl Report {
    pub fn median_delivery_rate(&self) -> f64 {
        stats::median(&self.runs.iter().map(|r| r.delivery_rate).collect::<Vec<_>>())
    }
    pub fn median_ack_rate(&self) -> f64 {
        stats::median(&self.runs.iter().map(|r| r.ack_rate).collect::<Vec<_>>())
    }
}

pub async fn run(opts: &ServerOptions, args: &Args) -> Result<Report, String> {
    let mut server = Server::start(opts).await?;
    let result = measure(std::slice::from_ref(&server), args).await;
    if result.is_err() {
        if !server.alive() {
            eprintln!("the server process has exited");
        }
        eprintln!("server log (last lines):\n{}", server.log_tail(15));
    }
    server.stop().await;
    result
}

/// svc 42 from the first member with every other member; returns the group id and the reply's member count.
async fn create_group(creator: &mut Session, others: &[i64]) -> Result<(i64, Option<usize>), String> {
    // The create's msgId names the group's first system message; it must not be reused by the creator's group
    // messages, or the server rightly treats that message as a resend of it (D7) and delivers nothing.
    let msg_id = crate::traffic::next_msg_id();
    let request = json!({"msgId": msg_id, "type": 0, "name": "bench fan-out", "members": others});
    client::send(&mut creator.ws, Service::GROUP_CREATE, &request).await.map_err(|e| e.to_string())?;
    let reply = match client::recv_service(&mut creator.ws, Service::GROUP_CREATE, "group create reply (svc 42)").await
    {
        Ok(body) => body,
        Err(ClientError::Timeout(_)) => {
            return Err(format!(
                "no reply to group create (svc 42) within {} s — is the server's groups module present?",
                client::STEP_TIMEOUT.as_secs()
            ));
        }
        Err(e) => return Err(e.to_string()),
    };
    let reply: Value = serde_json::from_str(&reply).unwrap_or(Value::Null);
    let ok = reply.get("r").and_then(Value::as_i64) == Some(1);
    match reply.get("group").and_then(Value::as_i64) {
        Some(group) if ok => Ok((group, reply.get("members").and_then(Value::as_array).map(Vec::len))),
        _ => Err(format!("group create refused: {reply}")),
    }
}

/// Runs the benchmark on `nodes` (one server, or the nodes of a cluster: member i on node i mod N); CPU is the sum
/// over the nodes.
pub async fn measure(nodes: &[Server], args: &Args) -> Result<Report, String> {
    let members = args.members.max(2);
    let senders = args.senders.clamp(1, members);
    let mut sessions = login_all(nodes, &round_robin(nodes.len()), "bench-fan-", members).await?;
    let others: Vec<i64> = sessions.iter().skip(1).map(|s| s.user_id).collect();
    // Each sender's node must know every member online (those on other nodes through the cluster's presence).
    let everyone: Vec<i64> = sessions.iter().map(|s| s.user_id).collect();
    for s in sessions.iter_mut().take(senders) {
        client::wait_online(&mut s.ws, &everyone).await?;
    }
    let (group, members_in_reply) = create_group(&mut sessions[0], &others).await?;
    let mut runs = Vec::new();
    let mut server_cpu = Vec::new();
    for run in 0..args.runs.max(1) {
        let peers: Vec<(Session, Option<Plan>)> = sessions
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let plan = (i < senders).then(|| Plan {
                    target: Target::Group(group),
                    count: traffic::split(args.count, senders, i),
                    pace: Pace::Window(args.window),
                });
                (s, plan)
            })
            .collect();
        let cfg = PhaseConfig {
            ack_service: Service::MESSAGE_NEW_WITH_GROUP,
            deliver_service: Service::MESSAGE_HAS_NEW_WITH_GROUP,
            fan: members as u64 - 1,
            group: Some(group),
            time_limit: args.time_limit,
            text_bytes: args.text_bytes,
            module: "chat module",
        };
        let cpu0 = cpu_sum(nodes);
        let mut result = traffic::run_phase(peers, cfg).await?;
        server_cpu.push(cpu_sum(nodes) - cpu0);
        eprintln!(
            "fanout run {}: {} deliveries/s, {} acks/s{}",
            run + 1,
            thousands(result.delivery_rate),
            thousands(result.ack_rate),
            result.cut_short.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
        );
        sessions = std::mem::take(&mut result.sessions);
        runs.push(result);
    }
    Ok(Report { mode: mode_of(nodes), group, members_in_reply, runs, server_cpu })
}

pub fn print(r: &Report, args: &Args) {
    let mut t = Table::new(format!(
        "fanout: {} members, {} senders, {} group messages per run, window {} per sender, {} runs",
        args.members,
        args.senders,
        args.count,
        args.window,
        r.runs.len()
    ));
    t.row("server", &r.mode).row(
        "group",
        format!(
            "{} ({} members in the 42 reply)",
            r.group,
            r.members_in_reply.map(|n| n.to_string()).unwrap_or("?".into())
        ),
    );
    for (i, run) in r.runs.iter().enumerate() {
        t.row(
            format!("run {}", i + 1),
            format!(
                "{} deliveries/s, {} acks/s, {} of {} acked, {} of {} delivered, {:.1} s{}",
                thousands(run.delivery_rate),
                thousands(run.ack_rate),
                run.acked,
                run.planned,
                run.delivered,
                run.expected_deliveries,
                run.wall_secs,
                run.cut_short.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
            ),
        );
    }
    t.row("deliveries/s across members, svc 146 (median)", thousands(r.median_delivery_rate()))
        .row("acknowledged group messages/s, svc 45 (median)", thousands(r.median_ack_rate()));
    let per_k: Vec<f64> =
        r.runs.iter().zip(&r.server_cpu).map(|(run, cpu)| 1000.0 * cpu / run.acked.max(1) as f64).collect();
    t.row("server CPU per 1000 acknowledged messages (median)", format!("{:.3} s", stats::median(&per_k)));
    if let Some(run) = r.runs.last() {
        t.row("send→deliver under saturation, last run (ms)", stats::percentiles_ms(&run.deliver_latency))
            .row("send→ack under saturation, last run (ms)", stats::percentiles_ms(&run.ack_latency));
    }
    let rejected: u64 = r.runs.iter().map(|x| x.rejected).sum();
    let closed: u64 = r.runs.iter().map(|x| x.sockets_closed).sum();
    t.row("refused acks / sockets closed", format!("{rejected} / {closed}"));
    t.print();
}
