//! `engine`: the Rust client engine against the server on loopback, compared with the original SDK's transport.
//!
//! One sender and one receiver send N user text messages one at a time. For each message: the time from
//! `newMessage` to its result (the engine resolves on the server's SENT ack) and to the receiver's
//! `onHasNewMessage` event. Then N `getUsersInformation` round trips, which write nothing to disk and so isolate
//! the client and transport from the server's commit (fsync) that dominates the message figures. Then
//! `bench/node/round-trip.js` does the same with socket.io-client 2.x (the original SDK's transport) against the
//! same server process, and the table shows both and their ratio.

use std::sync::Arc;
use std::time::Instant;

use azstack_engine::{ChannelSink, Engine, Event};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::server::{Server, ServerOptions};
use crate::stats::{self, Latency, Table};

pub struct Args {
    pub count: u64,
    pub node: String,
}

pub struct Report {
    pub ack: Latency,
    pub deliver: Latency,
    pub users: Latency,
    /// `(ack p50, ack p99, deliver p50, deliver p99, users p50, users p99)` in µs from the Node client, if it ran.
    pub node: Result<[f64; 6], String>,
}

pub async fn run(opts: &ServerOptions, args: &Args) -> Result<Report, String> {
    crate::server::around(opts, async |server| measure(server, args).await).await
}

fn options(server: &Server, user: &str) -> Value {
    json!({
        "masterSocketUri": server.url,
        "authenticatingData": {"appId": server.app.id, "publicKey": server.app.public_key, "azStackUserId": user, "fullname": user}
    })
}

async fn measure(server: &Server, args: &Args) -> Result<Report, String> {
    let (sink, _) = mpsc::unbounded_channel();
    let sender = Engine::from_json(&options(server, "bench-engine-sender"), Arc::new(ChannelSink(sink)));
    let (tx, mut events) = mpsc::unbounded_channel();
    let receiver = Engine::from_json(&options(server, "bench-engine-receiver"), Arc::new(ChannelSink(tx)));
    sender.dispatch("connect", Value::Null).await.map_err(|e| format!("sender connect: {e}"))?;
    let me = receiver.dispatch("connect", Value::Null).await.map_err(|e| format!("receiver connect: {e}"))?;
    let to = me["userId"].as_i64().ok_or("no userId")?;

    let mut ack = stats::latency();
    let mut deliver = stats::latency();
    for i in 0..args.count {
        let t0 = Instant::now();
        let sent = sender
            .messages()
            .new_message(azstack_engine::api::messages::NewMessageOptions {
                chat_type: 1,
                chat_id: to,
                content: azstack_protocol::bodies::messages::Content::text(format!("bench {i}")),
                msg_id: 0,
            })
            .await
            .map_err(|e| format!("newMessage {i}: {e}"))?;
        stats::record(&mut ack, t0.elapsed().as_micros() as u64);
        loop {
            match tokio::time::timeout(std::time::Duration::from_secs(10), events.recv()).await {
                Ok(Some(Event::HasNewMessage(m))) if m.msg_id == sent.msg_id => break,
                Ok(Some(_)) => continue,
                _ => return Err(format!("message {i} was not delivered within 10 s")),
            }
        }
        stats::record(&mut deliver, t0.elapsed().as_micros() as u64);
    }
    let mut users = stats::latency();
    for i in 0..args.count {
        let t0 = Instant::now();
        sender
            .users()
            .get_users_information(azstack_engine::api::users::UsersOptions::ByIds(vec![to]))
            .await
            .map_err(|e| format!("getUsersInformation {i}: {e}"))?;
        stats::record(&mut users, t0.elapsed().as_micros() as u64);
    }
    sender.shutdown().await;
    receiver.shutdown().await;
    let node = node_round_trip(server, args).await;
    Ok(Report { ack, deliver, users, node })
}

async fn node_round_trip(server: &Server, args: &Args) -> Result<[f64; 6], String> {
    let output = tokio::process::Command::new(&args.node)
        .arg("bench/node/round-trip.js")
        .arg(&server.url)
        .arg(&server.app.id)
        .arg(&server.app.public_key)
        .arg(args.count.to_string())
        .output()
        .await
        .map_err(|e| format!("cannot run {}: {e}", args.node))?;
    if !output.status.success() {
        return Err(format!("node exited with {}: {}", output.status, String::from_utf8_lossy(&output.stderr)));
    }
    let line = String::from_utf8_lossy(&output.stdout);
    let v: Value = serde_json::from_str(line.trim()).map_err(|e| format!("node output {line:?}: {e}"))?;
    let pair = |k: &str, i: usize| v[k][i].as_f64().unwrap_or(f64::NAN);
    Ok([
        pair("ack_us", 0),
        pair("ack_us", 1),
        pair("deliver_us", 0),
        pair("deliver_us", 1),
        pair("users_us", 0),
        pair("users_us", 1),
    ])
}

pub fn print(r: &Report, args: &Args) {
    let ms = |us: f64| format!("{:.3}", us / 1000.0);
    let q = |h: &Latency, p: f64| h.value_at_quantile(p) as f64;
    let mut t =
        Table::new(format!("engine vs original transport: {} sequential user texts, loopback (ms)", args.count));
    t.row("engine newMessage→ack p50 / p99", format!("{} / {}", ms(q(&r.ack, 0.5)), ms(q(&r.ack, 0.99))));
    t.row("engine send→peer event p50 / p99", format!("{} / {}", ms(q(&r.deliver, 0.5)), ms(q(&r.deliver, 0.99))));
    t.row(
        "engine getUsersInformation round trip p50 / p99",
        format!("{} / {}", ms(q(&r.users, 0.5)), ms(q(&r.users, 0.99))),
    );
    match &r.node {
        Ok([a50, a99, d50, d99, u50, u99]) => {
            t.row("socket.io-client 2.x 72→ack p50 / p99", format!("{} / {}", ms(*a50), ms(*a99)));
            t.row("socket.io-client 2.x 72→peer 73 p50 / p99", format!("{} / {}", ms(*d50), ms(*d99)));
            t.row("socket.io-client 2.x 164 round trip p50 / p99", format!("{} / {}", ms(*u50), ms(*u99)));
            t.row("ratio node/engine, ack p50", format!("{:.2}×", a50 / q(&r.ack, 0.5)));
            t.row("ratio node/engine, deliver p50", format!("{:.2}×", d50 / q(&r.deliver, 0.5)));
            t.row("ratio node/engine, round trip without disk p50", format!("{:.2}×", u50 / q(&r.users, 0.5)));
        }
        Err(e) => {
            t.row("socket.io-client 2.x", format!("not measured: {e}"));
        }
    }
    t.print();
}
