//! (being written)

use std::sync::Arc;

use azstack_protocol::{Envelope, Service};

use super::Handled;
use crate::hub::Hub;
use crate::session::{Identity, Session};

pub async fn handle(
    _hub: &Arc<Hub>,
    _session: &Arc<Session>,
    _me: &Identity,
    _service: Service,
    _env: &Envelope,
) -> Handled {
    Ok(())
}
