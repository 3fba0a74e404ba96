//! getUsersInformation (PROTOCOL.md §3.28).

use azstack_protocol::Service;
use azstack_protocol::bodies::users::{UsersByIdsRequest, UsersByUsernamesRequest, UsersInfoReply};
use azstack_protocol::constants::list;
use azstack_protocol::errors::ApiError;
use serde_json::Value;

use super::gather;
use crate::core::area_handle;
use crate::ids::random_request_number;
use crate::model::{UserInfo, UserList};
use crate::requests::Uncall;
use crate::validate::{self, Kind, Rule, send_data_error};

/// Who to look up: numeric user ids win when both are given, as in the original.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsersOptions {
    ByIds(Vec<i64>),
    ByAzStackUserIds(Vec<String>),
}

impl UsersOptions {
    /// Unlike the original (Appendix A, Q5), an empty or non-array list is reported to the caller.
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing users information params")?;
        Rule::field(o, "userIds").not_empty().kind(Kind::Array).check()?;
        Rule::field(o, "azStackUserIds").not_empty().kind(Kind::Array).check()?;
        let has = |name: &str| !validate::is_missing(o.get(name));
        if !has("userIds") && !has("azStackUserIds") {
            return Err(send_data_error("userIds or azStackUserIds is required"));
        }
        validate::all_numbers(o, "userIds")?;
        validate::all_strings(o, "azStackUserIds")?;
        if has("userIds") {
            return Ok(UsersOptions::ByIds(validate::int_list(o, "userIds")));
        }
        let names = o.get("azStackUserIds").and_then(Value::as_array).into_iter().flatten();
        Ok(UsersOptions::ByAzStackUserIds(names.filter_map(Value::as_str).map(str::to_owned).collect()))
    }
}

area_handle! {
    /// Users: `engine.users()`.
    Users {  }
}

impl Users {
    /// Gathers every 164/165 packet for my `purpose` until `done` is 1, earlier packets first.
    pub async fn get_users_information(&self, o: UsersOptions) -> Result<UserList, ApiError> {
        const SEND_FAIL: &str = "Cannot send get users information data, get users information fail";
        const OP: &str = "get users information";
        let purpose = random_request_number();
        let mut pending = match o {
            UsersOptions::ByIds(user_id_list) => {
                let body = UsersByIdsRequest { purpose, user_id_list };
                self.request(
                    Uncall::GetUsersInformation,
                    purpose.to_string(),
                    Service::USER_GET_INFO_BY_IDS,
                    &body,
                    SEND_FAIL,
                )
                .await?
            }
            UsersOptions::ByAzStackUserIds(username_list) => {
                let body = UsersByUsernamesRequest { purpose, username_list };
                self.request(
                    Uncall::GetUsersInformation,
                    purpose.to_string(),
                    Service::USER_GET_INFO_BY_USERNAMES,
                    &body,
                    SEND_FAIL,
                )
                .await?
            }
        };
        let list = gather(&mut pending, &[1], OP, |reply: UsersInfoReply| {
            let users = reply.user_info_list.into_iter().map(|u| UserInfo {
                user_id: u.user_id,
                az_stack_user_id: u.username,
                fullname: u.fullname,
                status: u.status,
                last_visit_date: u.last_visit_date,
            });
            (reply.done, users.collect())
        })
        .await?;
        Ok(UserList { done: list::GET_LIST_DONE, list })
    }
}
