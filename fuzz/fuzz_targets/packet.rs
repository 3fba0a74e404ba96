//! Everything the server decodes from a client, fed arbitrary bytes: the envelope and every request body type the
//! server accepts. None of it may panic.
#![no_main]

use azstack_protocol::Envelope;
use azstack_protocol::bodies::{auth, calls, extensions, groups, history, messages, users};
use libfuzzer_sys::fuzz_target;

fn decode_all(env: &Envelope) {
    macro_rules! each {
        ($($t:ty),+ $(,)?) => { $( let _ = env.decode::<$t>(); )+ };
    }
    each!(
        auth::ServerAddrRequest, auth::Authenticate, auth::TokenPlaintext,
        messages::UserTextSend, messages::UserStickerSend, messages::UserFileSend, messages::UserLocationSend,
        messages::GroupMessageSend, messages::UserDeliveredReport, messages::GroupDeliveredReport,
        messages::SeenReport, messages::UserCancelRequest, messages::GroupCancelRequest,
        messages::DeleteMessageRequest, messages::UserTypingSend, messages::GroupTypingSend,
        history::ConversationsRequest, history::DeleteConversationRequest, history::UnreadMessagesRequest,
        history::ModifiedMessagesRequest, history::ModifiedFilesRequest,
        users::UsersByIdsRequest, users::UsersByUsernamesRequest,
        groups::CreateGroupRequest, groups::InviteGroupRequest, groups::LeaveGroupRequest,
        groups::RenameGroupRequest, groups::ChangeAdminRequest, groups::JoinPublicGroupRequest,
        groups::GroupDetailsRequest,
        calls::FreeCallStart, calls::FreeCallData, calls::FreeCallStatus, calls::CalloutStart, calls::CalloutData,
        calls::CalloutStop, calls::CallinStatus,
        extensions::ApplicationStateRequest, extensions::RegisterDeviceRequest, extensions::UnregisterDeviceRequest,
        extensions::StickerListRequest,
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // As a whole Socket.IO event argument…
    if let Ok(env) = Envelope::from_json(text) {
        let _ = env.service();
        decode_all(&env);
    }
    // …and as a body inside a well-formed envelope.
    let env = Envelope { service: 72, body: text.to_owned() };
    decode_all(&env);
    let _ = serde_json::from_str::<serde_json::Value>(text);
});
