//! Conversations and history: getModifiedConversations, deleteConversation, getUnreadMessages,
//! getModifiedMessages, getModifiedFiles (PROTOCOL.md §3.19–§3.23).

use azstack_protocol::Service;
use azstack_protocol::bodies::history::{
    ConversationsReply, ConversationsRequest, DeleteConversationReply, DeleteConversationRequest, MessageListReply,
    ModifiedFilesReply, ModifiedFilesRequest, ModifiedMessagesRequest, UnreadMessagesRequest,
};
use azstack_protocol::constants::list;
use azstack_protocol::errors::ApiError;
use serde_json::Value;

use super::{decode_reply, gather};
use crate::core::area_handle;
use crate::ids::now_ms;
use crate::mapping;
use crate::model::{Conversation, ConversationPage, DeletedConversation, FileList, MessagePage};
use crate::requests::{DEFAULT_KEY, Uncall};
use crate::validate::{self, Kind, Rule, send_data_error};

pub(crate) fn chat_type_rule(o: &Value) -> Rule<'_> {
    Rule::field(o, "chatType").required().one_of(&[1, 2]).kind(Kind::Number)
}

pub(crate) fn id_rule<'a>(o: &'a Value, name: &'a str) -> Rule<'a> {
    Rule::field(o, name).required().not_equal(0).kind(Kind::Number)
}

/// `getModifiedConversations({page, lastCreated})`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationsOptions {
    pub page: i64,
    pub last_created: i64,
}

impl ConversationsOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing modified conversations params")?;
        id_rule(o, "page").check()?;
        id_rule(o, "lastCreated").check()?;
        Ok(Self { page: validate::int(o, "page"), last_created: validate::int(o, "lastCreated") })
    }
}

/// `deleteConversation({chatType, chatId})`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteConversationOptions {
    pub chat_type: i64,
    pub chat_id: i64,
}

impl DeleteConversationOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing delete conversation params")?;
        chat_type_rule(o).check()?;
        id_rule(o, "chatId").check()?;
        Ok(Self { chat_type: validate::int(o, "chatType"), chat_id: validate::int(o, "chatId") })
    }
}

/// `getUnreadMessages({page, chatType, chatId})`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadMessagesOptions {
    pub page: i64,
    pub chat_type: i64,
    pub chat_id: i64,
}

impl UnreadMessagesOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing unread messages params")?;
        id_rule(o, "page").check()?;
        chat_type_rule(o).check()?;
        id_rule(o, "chatId").check()?;
        Ok(Self {
            page: validate::int(o, "page"),
            chat_type: validate::int(o, "chatType"),
            chat_id: validate::int(o, "chatId"),
        })
    }
}

/// `getModifiedMessages({page, lastCreated, chatType, chatId})`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModifiedMessagesOptions {
    pub page: i64,
    pub last_created: i64,
    pub chat_type: i64,
    pub chat_id: i64,
}

impl ModifiedMessagesOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing modified messages params")?;
        id_rule(o, "page").check()?;
        id_rule(o, "lastCreated").check()?;
        chat_type_rule(o).check()?;
        id_rule(o, "chatId").check()?;
        Ok(Self {
            page: validate::int(o, "page"),
            last_created: validate::int(o, "lastCreated"),
            chat_type: validate::int(o, "chatType"),
            chat_id: validate::int(o, "chatId"),
        })
    }
}

/// `getModifiedFiles({lastCreated, chatType?, chatId?})`; without a chat, files of every conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModifiedFilesOptions {
    pub last_created: i64,
    pub chat: Option<(i64, i64)>,
}

impl ModifiedFilesOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing modified files params")?;
        id_rule(o, "lastCreated").check()?;
        Rule::field(o, "chatType").one_of(&[1, 2]).kind(Kind::Number).check()?;
        Rule::field(o, "chatId").not_equal(0).kind(Kind::Number).check()?;
        let chat_type = validate::opt_int(o, "chatType");
        let chat_id = validate::opt_int(o, "chatId");
        let chat = match (chat_type, chat_id) {
            (Some(t), Some(id)) => Some((t, id)),
            (Some(_), None) => return Err(send_data_error("chatId is required")),
            (None, Some(_)) => return Err(send_data_error("chatType is required")),
            (None, None) => None,
        };
        Ok(Self { last_created: validate::int(o, "lastCreated"), chat })
    }
}

fn message_page(reply: MessageListReply) -> MessagePage {
    let list = reply.list.iter().map(|item| mapping::list_item(reply.chat_type, reply.chat_id, item)).collect();
    MessagePage { chat_type: reply.chat_type, chat_id: reply.chat_id, done: reply.done, page: reply.page, list }
}

area_handle! {
    /// Conversations, history and files: `engine.conversations()`.
    Conversations {  }
}

impl Conversations {
    pub async fn get_modified_conversations(&self, o: ConversationsOptions) -> Result<ConversationPage, ApiError> {
        let op = "get modified conversations";
        let body = ConversationsRequest { page: o.page, last_created: o.last_created };
        let mut pending = self
            .request(
                Uncall::GetModifiedConversations,
                DEFAULT_KEY,
                Service::CONVERSATION_GET_LIST_MODIFIED,
                &body,
                "Cannot send get modified conversations data, get modified conversations fail",
            )
            .await?;
        let reply: ConversationsReply = decode_reply(&pending.next().await?, &[], op)?;
        let list = reply
            .list
            .iter()
            .map(|c| Conversation {
                chat_type: c.chat_type,
                chat_id: c.chat_id,
                modified: c.modified,
                unread: c.unread,
                deleted: 0,
                last_message: mapping::last_message(c.chat_type, c.chat_id, c.modified, &c.last_msg),
            })
            .collect();
        Ok(ConversationPage { done: reply.done, page: reply.page, list })
    }

    pub async fn delete_conversation(&self, o: DeleteConversationOptions) -> Result<DeletedConversation, ApiError> {
        let body =
            DeleteConversationRequest { chat_id: o.chat_id, chat_type: o.chat_type, last_time_created: now_ms() };
        let mut pending = self
            .request(
                Uncall::DeleteConversation,
                DEFAULT_KEY,
                Service::CONVERSATION_DELETE,
                &body,
                "Cannot send delete conversation data, delete modified conversation fail",
            )
            .await?;
        let reply: DeleteConversationReply = decode_reply(&pending.next().await?, &[0], "delete conversation")?;
        Ok(DeletedConversation { chat_type: reply.chat_type, chat_id: reply.chat_id })
    }

    pub async fn get_unread_messages(&self, o: UnreadMessagesOptions) -> Result<MessagePage, ApiError> {
        let body = UnreadMessagesRequest { page: o.page, chat_type: o.chat_type, chat_id: o.chat_id };
        let mut pending = self
            .request(
                Uncall::GetUnreadMessages,
                DEFAULT_KEY,
                Service::MESSAGE_GET_LIST_UNREAD,
                &body,
                "Cannot send get unread messages data, get unread messages fail",
            )
            .await?;
        Ok(message_page(decode_reply(&pending.next().await?, &[], "get unread messages")?))
    }

    pub async fn get_modified_messages(&self, o: ModifiedMessagesOptions) -> Result<MessagePage, ApiError> {
        let body = ModifiedMessagesRequest {
            page: o.page,
            last_created: o.last_created,
            chat_type: o.chat_type,
            chat_id: o.chat_id,
        };
        let mut pending = self
            .request(
                Uncall::GetModifiedMessages,
                DEFAULT_KEY,
                Service::MESSAGE_GET_LIST_MODIFIED,
                &body,
                "Cannot send get modified messages data, get modified messages fail",
            )
            .await?;
        Ok(message_page(decode_reply(&pending.next().await?, &[], "get modified messages")?))
    }

    /// Gathers every 191 packet until `done` is 1, earlier packets first (§8.3, engine rule).
    pub async fn get_modified_files(&self, o: ModifiedFilesOptions) -> Result<FileList, ApiError> {
        let op = "get modified files";
        let body = ModifiedFilesRequest {
            last_created: o.last_created,
            chat_type: o.chat.map(|c| c.0),
            chat_id: o.chat.map(|c| c.1),
        };
        let mut pending = self
            .request(
                Uncall::GetModifiedFiles,
                DEFAULT_KEY,
                Service::MESSAGE_GET_LIST_MODIFIED_FILES,
                &body,
                "Cannot send get modified files data, get modified files fail",
            )
            .await?;
        let me = self.my_id();
        let list = gather(&mut pending, &[], op, |reply: ModifiedFilesReply| {
            (reply.done, reply.list.iter().map(|item| mapping::file_item(me, item)).collect())
        })
        .await?;
        Ok(FileList { done: list::GET_LIST_DONE, list })
    }
}
