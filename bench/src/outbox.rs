//! `outbox`: what the persistent outbox (`storagePath`) costs and how fast it drains, against the server on loopback.
//!
//! 1. `newMessage`→ack when connected, one message at a time, without and with a store, in alternating blocks of 100
//!    so that both see the same machine: the outbox's added cost is the difference of the medians (its insert, the
//!    flusher's hop and its delete, all on the engine's side of the ack).
//! 2. Throughput: N messages handed over while the engine is not connected (each is on disk when `begin` returns,
//!    which is what the native bridge calls on the JavaScript thread), then `connect` and the time until the outbox
//!    is empty (every message acknowledged and removed): messages persisted per second, and flushed per second.

use std::sync::Arc;
use std::time::Instant;

use azstack_engine::{ChannelSink, Engine, Event};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::server::{Server, ServerOptions};
use crate::stats::{self, Latency, Table};

pub struct Args {
    pub count: u64,
}

pub struct Report {
    pub plain: Latency,
    pub stored: Latency,
    pub persisted_per_sec: f64,
    pub flushed_per_sec: f64,
}

pub async fn run(opts: &ServerOptions, args: &Args) -> Result<Report, String> {
    crate::server::around(opts, async |server| measure(server, args).await).await
}

fn options(server: &Server, user: &str, storage: Option<&std::path::Path>) -> Value {
    let mut o = json!({
        "masterSocketUri": server.url,
        "authenticatingData": {"appId": server.app.id, "publicKey": server.app.public_key, "azStackUserId": user, "fullname": user}
    });
    if let Some(dir) = storage {
        o["storagePath"] = json!(dir.to_string_lossy());
    }
    o
}

async fn engine(options: Value) -> Result<(Engine, mpsc::UnboundedReceiver<Event>), String> {
    let (tx, events) = mpsc::unbounded_channel();
    let engine = Engine::from_json(&options, Arc::new(ChannelSink(tx)));
    engine.dispatch("connect", Value::Null).await.map_err(|e| format!("connect: {e}"))?;
    Ok((engine, events))
}

async fn measure(server: &Server, args: &Args) -> Result<Report, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (receiver, _) = engine(options(server, "bench-outbox-receiver", None)).await?;
    let to = receiver.user().map(|u| u.user_id).ok_or("no receiver id")?;
    let (plain, _) = engine(options(server, "bench-outbox-plain", None)).await?;
    let (stored, _stored_events) = engine(options(server, "bench-outbox-stored", Some(dir.path()))).await?;
    let message = |i: u64| json!({"chatType": 1, "chatId": to, "text": format!("bench {i}")});

    let mut plain_ack = stats::latency();
    let mut stored_ack = stats::latency();
    let mut i = 0;
    while i < args.count {
        for (engine, latency) in [(&plain, &mut plain_ack), (&stored, &mut stored_ack)] {
            for k in i..(i + 100).min(args.count) {
                let t0 = Instant::now();
                engine.begin("newMessage", message(k)).await.map_err(|e| format!("newMessage {k}: {e}"))?;
                stats::record(latency, t0.elapsed().as_micros() as u64);
            }
        }
        i += 100;
    }
    plain.shutdown().await;
    stored.shutdown().await;

    // Throughput: hand over while not connected, then connect and drain.
    let drain = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (tx, mut events) = mpsc::unbounded_channel();
    let offline =
        Engine::from_json(&options(server, "bench-outbox-drain", Some(drain.path())), Arc::new(ChannelSink(tx)));
    let t0 = Instant::now();
    let calls: Vec<_> = (0..args.count).map(|k| offline.begin("newMessage", message(k))).collect();
    let persisted_per_sec = args.count as f64 / t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    offline.dispatch("connect", Value::Null).await.map_err(|e| format!("connect: {e}"))?;
    let acks = futures_util::future::join_all(calls).await;
    if let Some(Err(e)) = acks.iter().find(|r| r.is_err()) {
        return Err(format!("a queued message failed: {e}"));
    }
    let flushed_per_sec = args.count as f64 / t1.elapsed().as_secs_f64();
    while let Ok(event) = events.try_recv() {
        drop(event);
    }
    offline.shutdown().await;
    receiver.shutdown().await;
    Ok(Report { plain: plain_ack, stored: stored_ack, persisted_per_sec, flushed_per_sec })
}

pub fn print(r: &Report, args: &Args) {
    let ms = |us: f64| format!("{:.3}", us / 1000.0);
    let q = |h: &Latency, p: f64| h.value_at_quantile(p) as f64;
    let mut t = Table::new(format!("outbox: {} sequential user texts each way, loopback (ms)", args.count));
    t.row(
        "newMessage→ack without storagePath p50 / p99",
        format!("{} / {}", ms(q(&r.plain, 0.5)), ms(q(&r.plain, 0.99))),
    );
    t.row(
        "newMessage→ack with storagePath p50 / p99",
        format!("{} / {}", ms(q(&r.stored, 0.5)), ms(q(&r.stored, 0.99))),
    );
    t.row("added by the outbox at p50", ms(q(&r.stored, 0.5) - q(&r.plain, 0.5)));
    t.row("messages persisted per second (offline)", format!("{:.0}", r.persisted_per_sec));
    t.row("messages flushed per second (connect → outbox empty)", format!("{:.0}", r.flushed_per_sec));
    t.print();
}
