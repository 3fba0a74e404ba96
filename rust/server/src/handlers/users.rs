//! Users by id (164) and by azStackUserId (165) (PROTOCOL.md §3.28).
//!
//! The reply echoes `purpose` unchanged, carries `r: 1` and a single `done: 1` packet; unknown ids are left out
//! (OQ-11), and so are users of other tenants (another namespace of the application). Each list is one SQL statement.
//! Lists longer than `limits.max_list` are refused with `r: 0` and a message, echoing `purpose`.

use std::sync::Arc;

use azstack_protocol::bodies::users::{UserInfo, UsersByIdsRequest, UsersByUsernamesRequest, UsersInfoReply};
use azstack_protocol::{Envelope, Service};
use serde_json::json;

use super::{Handled, Services};
use crate::session::{Identity, Session};
use crate::store::users::UserRow;

pub async fn handle(
    svc: &Arc<Services>,
    session: &Arc<Session>,
    me: &Identity,
    service: Service,
    env: &Envelope,
) -> Handled {
    let max = svc.limits.max_list;
    let (purpose, users) = if service == Service::USER_GET_INFO_BY_IDS {
        let req: UsersByIdsRequest = env.decode()?;
        if req.user_id_list.len() > max {
            return too_many(session, service, req.purpose, max);
        }
        (req.purpose, svc.store.users_by_ids(me.tenant(), &req.user_id_list).await?)
    } else {
        let req: UsersByUsernamesRequest = env.decode()?;
        if req.username_list.len() > max {
            return too_many(session, service, req.purpose, max);
        }
        (req.purpose, svc.store.users_by_usernames(me.tenant(), &req.username_list).await?)
    };
    let user_info_list = users.iter().map(|u| info(svc, u)).collect();
    session.send(service, &UsersInfoReply { r: 1, purpose, done: 1, user_info_list });
    Ok(())
}

fn info(svc: &Services, u: &UserRow) -> UserInfo {
    UserInfo {
        user_id: u.id,
        username: u.username.clone(),
        fullname: u.fullname.clone(),
        status: i64::from(svc.fanout.is_online(u.id)),
        last_visit_date: u.last_visit,
    }
}

/// The refusal also carries `done: 1`, so a client gathering packets stops (the `ErrorReply` shape has no `done`).
fn too_many(session: &Session, service: Service, purpose: i64, max: usize) -> Handled {
    session.send(service, &json!({"r": 0, "purpose": purpose, "done": 1, "message": format!("at most {max} users")}));
    Ok(())
}
