//! User information (PROTOCOL.md §3.28).
//!
//! A client asks by numeric ids (164) or by `azStackUserId`s (165) with a random `purpose` that the server echoes so
//! the reply can be routed. Either service number may answer either request; the reply may be split into several
//! packets (`done: 0` ... then `done: 1`). Unknown ids are simply left out (OQ-11). On the wire the `azStackUserId`
//! is called `username`, and `lastVisitDate` is in **seconds**.

use serde::{Deserialize, Serialize};

/// svc 164, C→S: users by numeric id (at most `constants::limits::MAX_USERS_PER_REQUEST`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsersByIdsRequest {
    pub purpose: i64,
    pub user_id_list: Vec<i64>,
}

/// svc 165, C→S: users by `azStackUserId` (at most `constants::limits::MAX_USERS_PER_REQUEST`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsersByUsernamesRequest {
    pub purpose: i64,
    pub username_list: Vec<String>,
}

/// svc 164 or 165, S→C: `r` 1 is success; `purpose` echoed unchanged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsersInfoReply {
    pub r: i64,
    pub purpose: i64,
    pub done: i64,
    pub user_info_list: Vec<UserInfo>,
}

/// An item of [`UsersInfoReply`]. `status` 1 online / 0 not; `lastVisitDate` epoch seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    pub user_id: i64,
    pub username: String,
    pub fullname: String,
    pub status: i64,
    pub last_visit_date: i64,
}
