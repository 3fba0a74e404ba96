//! (being written)

use std::sync::Arc;

use azstack_protocol::{Envelope, Service};

use crate::handlers::Handled;
use crate::hub::Hub;
use crate::session::{Identity, Session};

/// Call state (free-call signalling).
#[derive(Default)]
pub struct Calls {}

impl Calls {
    /// A session of `me` has just authenticated.
    pub async fn session_authenticated(&self, _hub: &Arc<Hub>, _session: &Arc<Session>, _me: &Identity) {}

    /// A session of `me` has closed; `explicit`: the client disconnected on purpose.
    pub async fn session_closed(&self, _hub: &Arc<Hub>, _session: &Arc<Session>, _me: &Identity, _explicit: bool) {}
}

pub async fn handle(
    _hub: &Arc<Hub>,
    _session: &Arc<Session>,
    _me: &Identity,
    _service: Service,
    _env: &Envelope,
) -> Handled {
    Ok(())
}
