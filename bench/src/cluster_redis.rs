//! `cluster-redis`: the Redis pub/sub path of the cluster's fan-out (`[cluster]`, rust/server/src/cluster), on a
//! running redis-server: the round trip of one delivery from a node to another and back, and one-way deliveries per
//! second published one per round trip versus pipelined in batches as the cluster's publisher does. The payload is
//! the cluster's own delivery of a 1:1 text push, serialised as the nodes serialise it.

use std::time::{Duration, Instant};

use azstack_protocol::{Envelope, Service};
use azstack_server::cluster::wire::Delivery;
use futures_util::StreamExt;
use serde_json::json;

use crate::stats::{self, Latency, Table, thousands};

pub struct Args {
    /// `redis://HOST:PORT`.
    pub redis: String,
    /// Deliveries per throughput run.
    pub count: u64,
    /// Round trips measured.
    pub round_trips: u64,
    /// Throughput runs (the median is reported).
    pub runs: usize,
}

pub struct Report {
    payload_bytes: usize,
    round_trip: Latency,
    /// Deliveries per second: one PUBLISH per round trip, then pipelined batches.
    sequential: Vec<f64>,
    pipelined: Vec<f64>,
}

/// The channels of the two simulated nodes (distinct from the cluster's own).
const TO_B: &str = "azstack-bench:deliver:b";
const TO_A: &str = "azstack-bench:deliver:a";
/// The cluster publisher's batch (`cluster::link::BATCH`).
const BATCH: usize = 256;
const WAIT: Duration = Duration::from_secs(60);

fn payload() -> Result<Vec<u8>, String> {
    let push = json!({"from": 1001, "to": 1002, "msgId": 123456, "msg": "hello from the other node", "time": 1796641580075i64});
    let envelope = Envelope::new(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, &push);
    serde_json::to_vec(&Delivery { users: vec![1002], envelope }).map_err(|e| e.to_string())
}

pub async fn run(args: &Args) -> Result<Report, String> {
    let client = redis::Client::open(args.redis.as_str()).map_err(|e| e.to_string())?;
    let mut conn = client.get_connection_manager().await.map_err(|e| e.to_string())?;
    let payload = payload()?;

    // Round trip: A publishes to B's channel; B's subscriber publishes it back on A's; A waits for it.
    let mut a_sub = client.get_async_pubsub().await.map_err(|e| e.to_string())?;
    a_sub.subscribe(TO_A).await.map_err(|e| e.to_string())?;
    let mut b_sub = client.get_async_pubsub().await.map_err(|e| e.to_string())?;
    b_sub.subscribe(TO_B).await.map_err(|e| e.to_string())?;
    let mut b_conn = conn.clone();
    let echo = tokio::spawn(async move {
        let mut messages = b_sub.on_message();
        while let Some(m) = messages.next().await {
            let _ = redis::cmd("PUBLISH").arg(TO_A).arg(m.get_payload_bytes()).query_async::<()>(&mut b_conn).await;
        }
    });
    let mut round_trip = stats::latency();
    {
        let mut back = a_sub.on_message();
        for _ in 0..args.round_trips {
            let start = Instant::now();
            redis::cmd("PUBLISH")
                .arg(TO_B)
                .arg(&payload)
                .query_async::<()>(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            tokio::time::timeout(WAIT, back.next())
                .await
                .map_err(|_| "round trip timed out")?
                .ok_or("subscription ended")?;
            stats::record(&mut round_trip, start.elapsed().as_micros() as u64);
        }
    }
    echo.abort();

    let mut sequential = Vec::new();
    let mut pipelined = Vec::new();
    for _ in 0..args.runs {
        sequential.push(one_way(&client, &mut conn, &payload, args.count, 1).await?);
        pipelined.push(one_way(&client, &mut conn, &payload, args.count, BATCH).await?);
    }
    Ok(Report { payload_bytes: payload.len(), round_trip, sequential, pipelined })
}

/// Publishes `count` deliveries to a fresh channel, `batch` per round trip, and returns deliveries per second until
/// the subscriber has them all.
async fn one_way(
    client: &redis::Client,
    conn: &mut redis::aio::ConnectionManager,
    payload: &[u8],
    count: u64,
    batch: usize,
) -> Result<f64, String> {
    let channel = format!("azstack-bench:one-way:{batch}");
    let mut sub = client.get_async_pubsub().await.map_err(|e| e.to_string())?;
    sub.subscribe(&channel).await.map_err(|e| e.to_string())?;
    let receiver = tokio::spawn(async move {
        let mut messages = sub.on_message();
        let mut got = 0;
        while got < count {
            match tokio::time::timeout(WAIT, messages.next()).await {
                Ok(Some(_)) => got += 1,
                _ => break,
            }
        }
        (got, Instant::now())
    });
    let start = Instant::now();
    let mut sent = 0;
    while sent < count {
        let n = (count - sent).min(batch as u64);
        let mut pipe = redis::pipe();
        for _ in 0..n {
            pipe.cmd("PUBLISH").arg(&channel).arg(payload).ignore();
        }
        pipe.query_async::<()>(conn).await.map_err(|e| e.to_string())?;
        sent += n;
    }
    let (got, end) = receiver.await.map_err(|e| e.to_string())?;
    if got < count {
        return Err(format!("{got} of {count} deliveries arrived"));
    }
    Ok(count as f64 / end.duration_since(start).as_secs_f64())
}

pub fn print(r: &Report, args: &Args) {
    let mut table = Table::new(format!(
        "cluster-redis: {} round trips, {} deliveries per run, {} runs ({} bytes each)",
        args.round_trips, args.count, args.runs, r.payload_bytes
    ));
    table.row("round trip node → node → node", stats::percentiles_ms(&r.round_trip));
    table.row("one PUBLISH per round trip (median)", format!("{}/s", thousands(stats::median(&r.sequential))));
    table.row(
        format!("pipelined, {BATCH} per round trip (median)"),
        format!("{}/s", thousands(stats::median(&r.pipelined))),
    );
    table.print();
}
