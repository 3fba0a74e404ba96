//! The §10 extensions that need no outside service: application state (105), device tokens (38 → 39, 40 → 41)
//! and the sticker catalogue (112, served from configuration).
//!
//! Application state only marks the session (foreground 2 / background 1); a push sender reads it to decide who
//! gets a mobile notification (OQ-31). Device tokens are stored per user. Stickers: `default: 1` lists the default
//! packs, `default: 0` the others.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use azstack_protocol::bodies::Empty;
use azstack_protocol::bodies::extensions::{
    ApplicationStateRequest, RegisterDeviceReply, RegisterDeviceRequest, StickerListReply, StickerListRequest,
    StickerPacket, UnregisterDeviceReply, UnregisterDeviceRequest,
};
use azstack_protocol::constants::{application_state, platform};
use azstack_protocol::{Envelope, Service};
use serde_json::json;

use super::{Handled, Reject};
use crate::config::StickerPack;
use crate::session::{Identity, Session};
use crate::store::Store;

/// Longest accepted device token or bundle id.
const MAX_TOKEN: usize = 4096;

pub async fn handle(
    store: &dyn Store,
    stickers: &[StickerPack],
    session: &Arc<Session>,
    me: &Identity,
    service: Service,
    env: &Envelope,
) -> Handled {
    match service {
        Service::APPLICATION_CHANGE_STATE => {
            let req: ApplicationStateRequest = env.decode()?;
            if req.state != application_state::APPLICATION_STATE_BACKGROUND
                && req.state != application_state::APPLICATION_STATE_FOREGROUND
            {
                return Err(Reject::Refused("application state must be 1 or 2"));
            }
            session.app_state.store(req.state, Ordering::Relaxed);
            session.send(service, &Empty {});
        }
        Service::PUSH_NOTIFICATION_REGISTER_DEVICE_SEND => {
            let reply = Service::PUSH_NOTIFICATION_REGISTER_DEVICE_RECEIVE;
            let req: RegisterDeviceRequest = match env.decode() {
                Ok(r) => r,
                Err(e) => {
                    session.send(reply, &json!({"r": 0, "message": e.to_string()}));
                    return Ok(());
                }
            };
            let valid_platform = req.platform == platform::PLATFORM_ANDROID || req.platform == platform::PLATFORM_IOS;
            if !valid_platform || req.id.is_empty() || req.id.len() > MAX_TOKEN || req.app_bundle_id.len() > MAX_TOKEN {
                session
                    .send(reply, &json!({"r": 0, "message": "device token, platform (1 or 2) or bundle id invalid"}));
                return Ok(());
            }
            store.register_device(me.user_id, &req.id, req.platform, &req.app_bundle_id).await?;
            session.send(reply, &RegisterDeviceReply { r: 1 });
        }
        Service::PUSH_NOTIFICATION_UNREGISTER_DEVICE_SEND => {
            let req: UnregisterDeviceRequest = env.decode()?;
            store.unregister_device(me.user_id, &req.id).await?;
            session.send(Service::PUSH_NOTIFICATION_UNREGISTER_DEVICE_RECEIVE, &UnregisterDeviceReply { r: 1 });
        }
        Service::STICKER_GET_LIST => {
            let req: StickerListRequest = env.decode()?;
            let packets = stickers
                .iter()
                .filter(|p| i64::from(p.default) == req.default)
                .map(|p| StickerPacket {
                    id: p.id,
                    name: p.name.clone(),
                    full_cover: p.full_cover.clone(),
                    mini_cover: p.mini_cover.clone(),
                    url: p.url.clone(),
                })
                .collect();
            session.send(service, &StickerListReply { packets });
        }
        _ => return Err(Reject::Refused("not an extension service")),
    }
    Ok(())
}
