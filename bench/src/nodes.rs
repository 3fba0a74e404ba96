//! The servers of one `cluster` configuration: N `azstack-server serve` children on one fresh PostgreSQL database,
//! each with a `[cluster]` section naming the shared Redis and its own node id (or, for the plain configuration, one
//! server on PostgreSQL without `[cluster]`, to show what the cluster path itself costs).
//!
//! The database is created for the configuration (`CREATE DATABASE` on the PostgreSQL server of `--postgres`, whose
//! role may create databases, as the throwaway cluster of scripts/lib/setup.sh allows) and dropped after its servers
//! have stopped, so every configuration starts from an empty store. The application is created once in it and shared
//! by the nodes. Node ids carry the bench's pid and the configuration's name, so nothing a configuration leaves in
//! Redis is mistaken for a node of the next one.

use futures_util::future::join_all;
use sqlx::{Connection, Executor, PgConnection};

use crate::server::{ClusterNode, Server, ServerOptions, Shared, create_shared_app};

/// What a configuration runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One server on PostgreSQL, no `[cluster]`.
    Plain,
    /// N nodes with `[cluster]`.
    Cluster(usize),
}

impl Layout {
    pub fn name(self) -> String {
        match self {
            Layout::Plain => "PostgreSQL, no [cluster]".to_owned(),
            Layout::Cluster(1) => "1 node, [cluster]".to_owned(),
            Layout::Cluster(n) => format!("{n} nodes, [cluster]"),
        }
    }
}

/// The running servers of one configuration and the database they share.
pub struct Nodes {
    pub servers: Vec<Server>,
    postgres: String,
    database: String,
}

/// `postgres://…/DB` with its database replaced by `name`.
fn database_url(base: &str, name: &str) -> Result<String, String> {
    match base.rsplit_once('/') {
        Some((prefix, _)) if prefix.contains("://") && !prefix.ends_with('/') => Ok(format!("{prefix}/{name}")),
        _ => Err(format!("{base} is not a postgres://HOST[:PORT]/DATABASE URL")),
    }
}

async fn admin(postgres: &str) -> Result<PgConnection, String> {
    PgConnection::connect(postgres).await.map_err(|e| format!("PostgreSQL at {postgres}: {e}"))
}

/// Starts `layout` on a new database `name` of the PostgreSQL server of `postgres` (and, with `[cluster]`, on the
/// Redis at `redis`). `opts` must ask for a generated `serve` configuration (`relaxed`).
pub async fn start(
    opts: &ServerOptions,
    layout: Layout,
    postgres: &str,
    redis: &str,
    name: &str,
) -> Result<Nodes, String> {
    let mut conn = admin(postgres).await?;
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .map_err(|e| format!("CREATE DATABASE {name}: {e}"))?;
    let _ = conn.close().await;
    let mut nodes = Nodes { servers: Vec::new(), postgres: postgres.to_owned(), database: name.to_owned() };
    match start_servers(&mut nodes, opts, layout, redis).await {
        Ok(()) => Ok(nodes),
        Err(e) => {
            nodes.stop().await;
            Err(e)
        }
    }
}

async fn start_servers(nodes: &mut Nodes, opts: &ServerOptions, layout: Layout, redis: &str) -> Result<(), String> {
    let database = database_url(&nodes.postgres, &nodes.database)?;
    let app = create_shared_app(&opts.binary, &database).await?;
    let count = match layout {
        Layout::Plain => 1,
        Layout::Cluster(n) => n.max(1),
    };
    for i in 1..=count {
        let cluster = match layout {
            Layout::Plain => None,
            Layout::Cluster(_) => {
                Some(ClusterNode { redis_url: redis.to_owned(), node_id: format!("{}-{i}", nodes.database) })
            }
        };
        let shared = Shared { database: database.clone(), app: app.clone(), cluster };
        let node = ServerOptions { shared: Some(shared), ..opts.clone() };
        nodes.servers.push(Server::start(&node).await?);
    }
    Ok(())
}

impl Nodes {
    /// The log tails of the servers that have exited, for an error message.
    pub fn dead_logs(&mut self) -> String {
        let mut out = String::new();
        for (i, s) in self.servers.iter_mut().enumerate() {
            if !s.alive() {
                out.push_str(&format!("node {} exited; log:\n{}\n", i + 1, s.log_tail(15)));
            }
        }
        out
    }

    /// Stops every server (SIGTERM to each at once: the nodes of a cluster drain) and drops the database.
    pub async fn stop(self) {
        join_all(self.servers.into_iter().map(Server::stop)).await;
        let dropped = async {
            let mut conn = admin(&self.postgres).await?;
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database);
            conn.execute(sqlx::AssertSqlSafe(sql)).await.map_err(|e| e.to_string())?;
            let _ = conn.close().await;
            Ok::<(), String>(())
        };
        if let Err(e) = dropped.await {
            eprintln!("warning: cannot drop the bench database {}: {e}", self.database);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            database_url("postgres://azstack@127.0.0.1:5433/azstack_test", "b1").as_deref(),
            Ok("postgres://azstack@127.0.0.1:5433/b1")
        );
        assert!(database_url("postgres://127.0.0.1:5433", "b1").is_err());
    }
}
