//! The [`Store`] trait: what the packet handlers and the call registry ask of storage, and nothing else.
//!
//! They hold an `Arc<dyn Store>`. The one implementation today is [`SqlStore`] (sqlx on SQLite or PostgreSQL), whose
//! inherent methods of the same names carry the SQL; the trait forwards to them, and both are written from the one
//! list below. Start-up, the command line, the test kit and the SIP gateway use [`SqlStore`] itself (applications,
//! paid call logs, opening and closing). A group action is a transaction ([`GroupTx`]), handed out as the
//! implementation's own type.

use async_trait::async_trait;

use super::files::FileRow;
use super::groups::{CreatedGroup, GroupTx, PrivateGroup, PublicGroup};
use super::history::{ConversationRow, MessageRow};
use super::membership::GroupRow;
use super::messages::{ConvKey, MessageRef};
use super::users::UserRow;
use super::writer::{NewMessage, Pending};
use super::{Result, SqlStore, Tenant};

/// Declares [`Store`] with these methods and implements it for [`SqlStore`] by forwarding each to its inherent
/// method of the same name.
macro_rules! store_trait {
    ($( fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty; )+) => {
        /// Storage as the handlers see it. Each method is documented on the [`SqlStore`] method of its name.
        #[async_trait]
        pub trait Store: Send + Sync {
            /// Queues a chat message behind those submitted before it, for the group-commit writer
            /// ([`super::writer`]); the [`Pending`] completes at its commit.
            async fn submit_message(&self, message: NewMessage) -> Result<Pending>;
            $( #[allow(clippy::too_many_arguments)] async fn $name(&self $(, $arg: $ty)*) -> $ret; )+
        }

        #[async_trait]
        impl Store for SqlStore {
            async fn submit_message(&self, message: NewMessage) -> Result<Pending> {
                self.writer.submit(message).await
            }
            $(
                #[allow(clippy::too_many_arguments)]
                async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    SqlStore::$name(self $(, $arg)*).await
                }
            )+
        }
    };
}

store_trait! {
    // Users.
    fn upsert_user(&self, app_id: &str, namespace: &str, username: &str, fullname: &str) -> Result<UserRow>;
    fn users_by_ids(&self, tenant: Tenant<'_>, ids: &[i64]) -> Result<Vec<UserRow>>;
    fn users_by_usernames(&self, tenant: Tenant<'_>, names: &[String]) -> Result<Vec<UserRow>>;
    fn user_in_tenant(&self, tenant: Tenant<'_>, user_id: i64) -> Result<bool>;
    fn touch_last_visit(&self, user_id: i64) -> Result<()>;
    // Devices.
    fn register_device(&self, user_id: i64, token: &str, platform: i64, bundle_id: &str) -> Result<()>;
    fn unregister_device(&self, user_id: i64, token: &str) -> Result<bool>;
    fn devices(&self, user_id: i64) -> Result<Vec<super::devices::Device>>;
    fn unread_total(&self, me: i64, app_id: &str) -> Result<i64>;
    // Messages.
    fn find_message(&self, conv: ConvKey, sender_id: i64, msg_id: i64) -> Result<Option<MessageRef>>;
    fn raise_message_status(&self, id: i64, status: i64, now: i64) -> Result<bool>;
    fn raise_receipt(&self, message_id: i64, user_id: i64, status: i64) -> Result<bool>;
    fn max_receipt(&self, message_id: i64) -> Result<i64>;
    fn hide_message(&self, user_id: i64, message_id: i64) -> Result<()>;
    fn group_members_in_app(&self, app_id: &str, group_id: i64) -> Result<Vec<i64>>;
    // Groups.
    fn create_group(
        &self, tenant: Tenant<'_>, group_type: i64, name: &str, admin: i64, members: &[i64], msg_id: i64, now: i64,
    ) -> Result<i64>;
    fn created_group(&self, app_id: &str, creator: i64, msg_id: i64) -> Result<Vec<CreatedGroup>>;
    fn begin_group_action(&self, tenant: Tenant<'_>, group_id: i64) -> Result<Option<GroupTx>>;
    fn group(&self, tenant: Tenant<'_>, group_id: i64) -> Result<Option<GroupRow>>;
    fn is_group_member(&self, group_id: i64, user_id: i64) -> Result<bool>;
    fn group_member_users(&self, group_id: i64) -> Result<Vec<UserRow>>;
    fn private_groups_of(&self, app_id: &str, user_id: i64) -> Result<Vec<PrivateGroup>>;
    fn public_groups_page(&self, tenant: Tenant<'_>, user_id: i64, after: i64, limit: i64) -> Result<Vec<PublicGroup>>;
    // History.
    fn visible_floor(
        &self, me: i64, tenant: Tenant<'_>, chat_type: i64, chat_id: i64,
    ) -> Result<Option<(ConvKey, i64)>>;
    fn delete_conversation(&self, me: i64, conv: ConvKey, chat_id: i64, up_to: i64) -> Result<()>;
    fn conversations_page(
        &self, me: i64, app_id: &str, last_created: i64, offset: i64, limit: i64,
    ) -> Result<Vec<ConversationRow>>;
    fn unread_page(&self, me: i64, conv: ConvKey, floor: i64, offset: i64, limit: i64) -> Result<Vec<MessageRow>>;
    fn history_page(
        &self, me: i64, conv: ConvKey, floor: i64, last_created: i64, offset: i64, limit: i64,
    ) -> Result<Vec<MessageRow>>;
    fn conversation_files(
        &self, me: i64, conv: ConvKey, floor: i64, last_created: i64, limit: i64,
    ) -> Result<Vec<MessageRow>>;
    fn all_files(&self, me: i64, app_id: &str, last_created: i64, limit: i64) -> Result<Vec<MessageRow>>;
    // Stored files (files/).
    fn file_bytes_used(&self, user_id: i64) -> Result<i64>;
    fn add_file(&self, file: &FileRow, quota: i64) -> Result<bool>;
    fn file(&self, id: &str) -> Result<Option<FileRow>>;
}
