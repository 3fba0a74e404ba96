//! `push`: mobile pushes sent per second to the APNs and FCM stand-ins, and the server's CPU per push.
//!
//! The server runs in this process on its own runtime whose threads are named `push-server` (its CPU read from
//! those threads and its SQLite connections' `sqlx-sqlite-worker-N` threads), with `[apps.push]` pointing at the test kit's stand-ins of APNs and FCM (HTTP/2 + TLS on
//! 127.0.0.1, on the bench's own runtime: the real services cannot be reached from here). One logged-in sender
//! pipelines `--messages` user texts (64 unacknowledged at most) to `--recipients` users who have no session, in
//! two phases on the same server: first the recipients have no device token (a message costs its storage, delivery
//! and the push decision, which finds nothing to send), then each has one iOS and one Android token (two pushes per
//! message).
//! A phase ends when every message is acknowledged and the push queue has drained; its push rate is pushes over
//! that time, and the server's CPU per push is the difference of the two phases' CPU per message, per push.

use std::sync::Arc;
use std::time::{Duration, Instant};

use azstack_protocol::Service;
use azstack_server::auth::Verifier;
use azstack_server::config::AppConfig;
use azstack_server::hub::Hub;
use azstack_server::push::standin::{BUNDLE_ID, PushStandIns};
use azstack_server::store::apps::AppRow;
use azstack_server::testkit::{Login, TestClient, TestServer};
use serde_json::json;
use tokio::sync::oneshot;

use crate::stats::Table;
use crate::sys::{named_runtime, threads_cpu_secs};

const SERVER_THREAD: &str = "push-server";
/// sqlx's SQLite connection threads (`sqlx-sqlite-worker-N`, as the kernel keeps it: 15 bytes).
const SQLITE_THREAD: &str = "sqlx-sqlite-wor";

/// CPU seconds of the server: its runtime and its SQLite connections.
fn server_cpu() -> f64 {
    threads_cpu_secs(SERVER_THREAD) + threads_cpu_secs(SQLITE_THREAD)
}
const WAIT: Duration = Duration::from_secs(120);
/// Messages the sender keeps unacknowledged.
const WINDOW: usize = 64;

pub struct Args {
    pub messages: usize,
    pub recipients: usize,
}

pub struct Phase {
    pushes: usize,
    secs: f64,
    server_cpu_secs: f64,
}

pub struct Report {
    without_tokens: Phase,
    with_tokens: Phase,
    messages: usize,
}

/// The server on its own runtime: its URL, application and hub, the runtime's handle and the stop signal.
struct Server {
    url: String,
    app: AppRow,
    hub: Arc<Hub>,
    handle: tokio::runtime::Handle,
    _stop: oneshot::Sender<()>,
}

fn start_server(standins: &PushStandIns) -> Result<Server, String> {
    let push = standins.config.clone();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let runtime = named_runtime(SERVER_THREAD, 1)?;
    let handle = runtime.handle().clone();
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let server = TestServer::sqlite_with_app(|config, app| {
                config.limits.packets_per_sec = 1_000_000;
                config.limits.burst = 1_000_000;
                config.apps = vec![AppConfig { id: app.id.clone(), verifier: Verifier::AcceptAll, push: Some(push) }];
            })
            .await;
            let _ = ready_tx.send((server.url(), server.app.clone(), server.server.hub.clone()));
            let _ = stop_rx.await;
            server.shutdown().await;
        });
    });
    let (url, app, hub) = ready_rx.recv_timeout(WAIT).map_err(|_| "the server did not start".to_owned())?;
    Ok(Server { url, app, hub, handle, _stop: stop_tx })
}

pub async fn run(args: &Args) -> Result<Report, String> {
    let standins = PushStandIns::start().await;
    let server = start_server(&standins)?;
    let hub = server.hub.clone();
    let app_id = server.app.id.clone();
    let count = args.recipients.max(1);
    let recipients: Vec<i64> = server
        .handle
        .spawn(async move {
            let mut ids = Vec::new();
            for i in 0..count {
                ids.push(hub.store.upsert_user(&app_id, "", &format!("r{i}"), &format!("Recipient {i}")).await?.id);
            }
            Ok::<_, azstack_server::store::StoreError>(ids)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let mut sender = TestClient::login(&server.url, &server.app, &Login::engine("sender"))
        .await
        .map_err(|e| format!("login: {e}"))?;

    let without_tokens = phase(&server, &standins, &mut sender, &recipients, args.messages, 0).await?;
    let hub = server.hub.clone();
    let tokens = recipients.clone();
    server
        .handle
        .spawn(async move {
            for (i, user) in tokens.iter().enumerate() {
                hub.store.register_device(*user, &format!("{i:064x}"), 2, BUNDLE_ID).await?;
                hub.store.register_device(*user, &format!("fcm-{i}"), 1, BUNDLE_ID).await?;
            }
            Ok::<_, azstack_server::store::StoreError>(())
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let with_tokens = phase(&server, &standins, &mut sender, &recipients, args.messages, 1_000_000).await?;
    Ok(Report { without_tokens, with_tokens, messages: args.messages })
}

/// Sends `messages` texts round-robin to `recipients` (msgIds from `first_id`) and waits until all are acknowledged
/// and their pushes sent.
async fn phase(
    server: &Server,
    standins: &PushStandIns,
    sender: &mut TestClient,
    recipients: &[i64],
    messages: usize,
    first_id: i64,
) -> Result<Phase, String> {
    let before = standins.apns.count() + standins.fcm.count();
    let cpu = server_cpu();
    let start = Instant::now();
    let send = |sender: &TestClient, i: usize| {
        let to = recipients[i % recipients.len()];
        let id = first_id + i as i64;
        sender.send(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, &json!({"msgId": id, "to": to, "msg": "bench push"}));
    };
    // At most WINDOW unacknowledged (the server's inbound queue is bounded).
    for i in 0..messages.min(WINDOW) {
        send(sender, i);
    }
    for acked in 0..messages {
        let ack = sender.recv(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT).await.map_err(|e| format!("ack: {e}"))?;
        if ack["r"] != 1 {
            return Err(format!("message refused: {ack}"));
        }
        if acked + WINDOW < messages {
            send(sender, acked + WINDOW);
        }
    }
    let hub = server.hub.clone();
    tokio::time::timeout(WAIT, async move { hub.push.settled().await })
        .await
        .map_err(|_| "the push queue did not drain".to_owned())?;
    let secs = start.elapsed().as_secs_f64();
    let server_cpu_secs = server_cpu() - cpu;
    let pushes = standins.apns.count() + standins.fcm.count() - before;
    Ok(Phase { pushes, secs, server_cpu_secs })
}

pub fn print(report: &Report, args: &Args) {
    let mut table = Table::new(format!(
        "Mobile push: {} texts to {} offline users, to the APNs/FCM stand-ins (HTTP/2 + TLS on loopback)",
        report.messages, args.recipients
    ));
    let per_message = |p: &Phase| 1000.0 * p.server_cpu_secs / report.messages.max(1) as f64;
    for (name, p) in [("no device token", &report.without_tokens), ("1 APNs + 1 FCM token each", &report.with_tokens)] {
        table.row(
            name,
            format!(
                "{} pushes in {:.2} s = {:.0} pushes/s; server CPU {:.3} ms per message",
                p.pushes,
                p.secs,
                p.pushes as f64 / p.secs.max(1e-9),
                per_message(p)
            ),
        );
    }
    let pushes = report.with_tokens.pushes.max(1) as f64;
    let per_push = (report.with_tokens.server_cpu_secs - report.without_tokens.server_cpu_secs) * 1000.0 / pushes;
    table.row("server CPU per push", format!("{per_push:.3} ms (difference of the phases, per push)"));
    table.print();
}
