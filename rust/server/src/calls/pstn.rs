//! Paid calls: callout (500–504, 610), call-in (505/506/508) and the paid call logs (509).
//!
//! D13: callout and call-in are served by the SIP gateway ([`azstack_sip`]) when a SIP trunk is configured; then
//! 500/501/502 go to it. Without a trunk this file is the whole PSTN side and deliberately small:
//!
//! * **500** (start a callout) is answered with **610** `{callId, status: 402, chargingError: -4}` (OQ-22), which
//!   the original client maps to "Your account has not enough balance" and an \[R\] client also reads as an error.
//!   504 is never sent, so the client never builds an offer.
//! * **501** (callout offer), **502** (callout hang-up) and **506** (call-in status) cannot refer to a call this
//!   server started: they are validated and dropped with a log line (`Reject::Refused`).
//! * **505** (call-in) is never sent.
//! * **509** lists the user's rows of `paid_call_logs` (empty until a gateway writes them) as
//!   `{r: 1, data: [...]}`, newest first, in one packet.
//!
//! With a trunk, 506 goes to the gateway's call-in too. The 509 query serves both cases (the gateway writes the
//! rows).

use std::sync::Arc;

use azstack_protocol::bodies::ErrorReply;
use azstack_protocol::bodies::calls::{
    CallinStatus, CalloutData, CalloutInitial, CalloutStart, CalloutStop, PaidCallLogsReply,
};
use azstack_protocol::constants::call::{
    CALL_STATUS_CALLOUT_INITIAL_NOT_ENOUGH_BALANCE, CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_ERROR_CHARGING,
};
use azstack_protocol::{Envelope, Service};
use azstack_sip::callout::Caller;

use crate::errors::{Handled, Reject};
use crate::recordings::Recordings;
use crate::session::{Identity, Session};
use crate::store::SqlStore;

/// What the paid-call services work with: the SIP gateway when a trunk is configured, the store of the paid call logs
/// and the recordings their links point at.
#[derive(Clone, Copy)]
pub struct Paid<'a> {
    pub sip: Option<&'a Arc<azstack_sip::Gateway>>,
    pub store: &'a SqlStore,
    pub recordings: Option<&'a Recordings>,
}

/// Most log entries returned by one 509 (the protocol has no paging; the newest are kept).
const MAX_LOGS: i64 = 1000;

pub(super) async fn handle(
    paid: Paid<'_>,
    session: &Arc<Session>,
    me: &Identity,
    service: Service,
    env: &Envelope,
) -> Handled {
    match service {
        Service::CALLOUT_START_SEND => {
            let req: CalloutStart = env.decode()?;
            match paid.sip {
                Some(gw) => {
                    let caller = Caller { user_id: me.user_id, username: me.username.clone(), session_id: session.id };
                    if !gw.start_callout(caller, req) {
                        tracing::warn!(user = me.user_id, "callout dropped: the SIP gateway is not running");
                    }
                }
                None => no_gateway_callout(session, me, &req),
            }
            Ok(())
        }
        Service::CALLOUT_DATA_SEND => {
            let req: CalloutData = env.decode()?;
            match paid.sip {
                Some(gw) if gw.callout_offer(me.user_id, req.call_id, req.sdp_candidate) => Ok(()),
                Some(_) => Err(Reject::Refused("callout data for no callout of this user")),
                None => Err(Reject::Refused("callout data without a PSTN gateway")),
            }
        }
        Service::CALLOUT_STOP_SEND => {
            let req: CalloutStop = env.decode()?;
            match paid.sip {
                Some(gw) if gw.callout_stop(me.user_id, req.call_id) => Ok(()),
                Some(_) => Err(Reject::Refused("callout stop for no callout of this user")),
                None => Err(Reject::Refused("callout stop without a PSTN gateway")),
            }
        }
        Service::CALLIN_STATUS_CHANGED => {
            let req: CallinStatus = env.decode()?;
            match paid.sip {
                Some(gw) if gw.callin_status(me.user_id, session.id, req) => Ok(()),
                Some(_) => Err(Reject::Refused("call-in status for no call-in of this user")),
                None => Err(Reject::Refused("call-in status without a PSTN gateway")),
            }
        }
        Service::PAID_CALL_LOGS_GET => paid_call_logs(paid, session, me).await,
        _ => Err(Reject::Refused("service is not sent by clients")),
    }
}

/// 500 without a SIP trunk: 610 402/−4.
fn no_gateway_callout(session: &Session, me: &Identity, req: &CalloutStart) {
    tracing::info!(user = me.user_id, call_id = req.call_id, "callout refused: no SIP trunk configured");
    session.send(
        Service::CALLOUT_START_INITIAL,
        &CalloutInitial {
            call_id: req.call_id,
            status: CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_ERROR_CHARGING,
            charging_error: Some(CALL_STATUS_CALLOUT_INITIAL_NOT_ENOUGH_BALANCE),
        },
    );
}

/// 509: my paid call logs.
async fn paid_call_logs(paid: Paid<'_>, session: &Session, me: &Identity) -> Handled {
    match paid.store.paid_call_logs(me.user_id, MAX_LOGS).await {
        Ok(mut data) => {
            let now = std::time::SystemTime::now();
            for item in &mut data {
                let recording = item.url.take().unwrap_or_default();
                item.url = Some(crate::recordings::link(paid.recordings, &recording, now));
            }
            session.send(Service::PAID_CALL_LOGS_GET, &PaidCallLogsReply { r: 1, data });
            Ok(())
        }
        Err(error) => {
            session.send(
                Service::PAID_CALL_LOGS_GET,
                &ErrorReply {
                    r: -1,
                    message: Some("Paid call logs are not available".to_owned()),
                    ..ErrorReply::default()
                },
            );
            Err(Reject::Store(error))
        }
    }
}
