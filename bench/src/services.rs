//! The CPU time of the services a cluster shares, read from /proc like the nodes' own: the redis-server (its pid from
//! `INFO server`) and the PostgreSQL server (its postmaster, found as the parent of the bench's own backend, and every
//! process it started: the backends serving the nodes, the WAL writer, the checkpointer…). Both run on this machine
//! (the bench only targets 127.0.0.1), so their pids are in this /proc.

use sqlx::{Connection, PgConnection};

use crate::server::cpu_secs_of;

pub struct Services {
    redis_pid: Option<u32>,
    postmaster: Option<u32>,
}

/// CPU seconds used so far.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cpu {
    pub redis: f64,
    pub postgres: f64,
}

impl Cpu {
    pub fn since(self, before: Cpu) -> Cpu {
        Cpu { redis: self.redis - before.redis, postgres: self.postgres - before.postgres }
    }
}

/// Finds the two servers' processes; a figure whose process cannot be found is reported as 0 with a warning.
pub async fn find(postgres: &str, redis: &str) -> Services {
    let redis_pid = match redis_pid(redis).await {
        Ok(pid) => Some(pid),
        Err(e) => {
            eprintln!("warning: no CPU figure for Redis: {e}");
            None
        }
    };
    let postmaster = match postmaster(postgres).await {
        Ok(pid) => Some(pid),
        Err(e) => {
            eprintln!("warning: no CPU figure for PostgreSQL: {e}");
            None
        }
    };
    Services { redis_pid, postmaster }
}

async fn redis_pid(url: &str) -> Result<u32, String> {
    let client = redis::Client::open(url).map_err(|e| e.to_string())?;
    let mut conn = client.get_multiplexed_async_connection().await.map_err(|e| e.to_string())?;
    let info: String = redis::cmd("INFO").arg("server").query_async(&mut conn).await.map_err(|e| e.to_string())?;
    info.lines()
        .find_map(|l| l.strip_prefix("process_id:")?.trim().parse().ok())
        .ok_or_else(|| "no process_id in INFO server".to_owned())
}

async fn postmaster(url: &str) -> Result<u32, String> {
    let mut conn = PgConnection::connect(url).await.map_err(|e| e.to_string())?;
    let backend: i32 =
        sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut conn).await.map_err(|e| e.to_string())?;
    let backend = u32::try_from(backend).map_err(|e| e.to_string())?;
    // While the connection, and so the backend, lives.
    let parent = parent_of(backend);
    let _ = conn.close().await;
    parent.ok_or_else(|| format!("no /proc entry for the backend {backend} (not on this machine?)"))
}

/// The parent pid of `pid` (field 4 of /proc/PID/stat).
fn parent_of(pid: u32) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    text[text.rfind(')')? + 1..].split_whitespace().nth(1)?.parse().ok()
}

impl Services {
    pub fn cpu(&self) -> Cpu {
        let redis = self.redis_pid.and_then(|pid| cpu_secs_of(&format!("/proc/{pid}/stat"))).unwrap_or(0.0);
        let postgres = self.postmaster.map(tree_cpu).unwrap_or(0.0);
        Cpu { redis, postgres }
    }
}

/// CPU seconds of `root` and its children.
fn tree_cpu(root: u32) -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0.0 };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid == root || parent_of(pid) == Some(root))
        .filter_map(|pid| cpu_secs_of(&format!("/proc/{pid}/stat")))
        .sum()
}
