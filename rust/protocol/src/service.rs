//! Service numbers (PROTOCOL.md §7.1).
//!
//! Every packet carries one integer `service`. This enum is the only place in the project where those numbers are
//! written down; the server and the engine match on `Service`, never on literals.

use serde::{Deserialize, Serialize};

macro_rules! services {
    ($( $(#[$doc:meta])* $name:ident = $value:expr ),+ $(,)?) => {
        /// A service number of the AZStack protocol. Variants keep the original SDK constant names.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum Service {
            $( $(#[$doc])* $name = $value, )+
        }

        impl Service {
            /// Every service, in ascending number order.
            pub const ALL: &'static [Service] = &[$(Service::$name),+];

            /// The service with this number, if there is one.
            pub fn from_number(n: i64) -> Option<Service> {
                match n {
                    $( $value => Some(Service::$name), )+
                    _ => None,
                }
            }

            /// The constant's name in the original SDK (`constant/serviceTypes.js`).
            pub fn name(self) -> &'static str {
                match self {
                    $( Service::$name => stringify!($name), )+
                }
            }
        }
    };
}

services! {
    /// Keep-alive, client to server; the server never sends it.
    PING = 1,
    /// User text in lists, `lastMsg.serviceType` and `pushPacketType`.
    MESSAGE_SERVER_WITH_USER_TYPE_TEXT = 5,
    /// Discovery on the master socket.
    AUTHENTICATION_GET_SERVER_ADDR = 29,
    PUSH_NOTIFICATION_REGISTER_DEVICE_SEND = 38,
    PUSH_NOTIFICATION_REGISTER_DEVICE_RECEIVE = 39,
    PUSH_NOTIFICATION_UNREGISTER_DEVICE_SEND = 40,
    PUSH_NOTIFICATION_UNREGISTER_DEVICE_RECEIVE = 41,
    GROUP_CREATE = 42,
    GROUP_LEAVE = 43,
    GROUP_INVITE = 44,
    MESSAGE_NEW_WITH_GROUP = 45,
    MESSAGE_NEW_WITH_USER_TYPE_TEXT = 72,
    MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT = 73,
    MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP = 74,
    MESSAGE_WITH_USER_TYPE_STICKER = 104,
    APPLICATION_CHANGE_STATE = 105,
    STICKER_GET_LIST = 112,
    MESSAGE_WITH_USER_TYPE_LOCATION = 113,
    MESSAGE_WITH_USER_TYPE_FILE = 121,
    MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER = 127,
    MESSAGE_TYPING_WITH_USER = 142,
    ON_GROUP_CREATED = 143,
    ON_GROUP_INVITED = 144,
    ON_GROUP_LEFT = 145,
    MESSAGE_HAS_NEW_WITH_GROUP = 146,
    GROUP_GET_LIST_PRIVATE = 147,
    GROUP_GET_DETAILS = 148,
    MESSAGE_TYPING_WITH_GROUP = 149,
    GROUP_RENAME = 150,
    MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP = 151,
    ON_GROUP_RENAMED = 152,
    MESSAGE_STATUS_CHANGE_SEEN = 153,
    GROUP_CHANGE_ADMIN = 159,
    ON_GROUP_ADMIN_CHANGED = 160,
    AUTHENTICATION_RECEIVE_AUTHENTICATE = 162,
    USER_GET_INFO_BY_IDS = 164,
    USER_GET_INFO_BY_USERNAMES = 165,
    MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER = 167,
    MESSAGE_DELETE = 168,
    MESSAGE_GET_LIST_MODIFIED = 169,
    CONVERSATION_GET_LIST_MODIFIED = 170,
    CONVERSATION_DELETE = 171,
    MESSAGE_GET_LIST_UNREAD = 173,
    MESSAGE_FROM_ME_WITH_USER = 174,
    MESSAGE_FROM_ME_WITH_USER_JSON = 175,
    MESSAGE_FROM_ME_WITH_GROUP = 176,
    AUTHENTICATION_SEND_AUTHENTICATE = 179,
    FREE_CALL_START = 186,
    FREE_CALL_DATA = 187,
    FREE_CALL_STATUS_CHANGED = 188,
    MESSAGE_GET_LIST_MODIFIED_FILES = 191,
    GROUP_JOIN_PUBLIC = 197,
    GROUP_GET_LIST_PUBLIC = 198,
    FREE_CALL_STATUS_CHANGED_BY_ME = 199,
    CALLOUT_START_SEND = 500,
    CALLOUT_DATA_SEND = 501,
    CALLOUT_STOP_SEND = 502,
    CALLOUT_DATA_STATUS_CHANGED = 503,
    CALLOUT_START_DONE = 504,
    CALLIN_START = 505,
    CALLIN_STATUS_CHANGED = 506,
    CALLIN_STATUS_CHANGED_BY_ME = 508,
    PAID_CALL_LOGS_GET = 509,
    PAID_CALL_LOG_RETURN = 601,
    /// Only a push-notification type, never a socket packet.
    CALLIN_START_PUSH = 602,
    CALLOUT_START_INITIAL = 610,
}

impl Service {
    /// The number on the wire.
    pub const fn number(self) -> u16 {
        self as u16
    }

    /// The number as the server stores it and lists carry it (a message's `kind`, a list item's `serviceType`).
    pub const fn as_i64(self) -> i64 {
        self as i64
    }
}

impl Serialize for Service {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.number())
    }
}

impl<'de> Deserialize<'de> for Service {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        Service::from_number(n).ok_or_else(|| serde::de::Error::custom(format!("unknown service {n}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_are_sorted() {
        let mut last = 0;
        for s in Service::ALL {
            assert!(s.number() > last, "{} out of order", s.name());
            last = s.number();
            assert_eq!(Service::from_number(i64::from(s.number())), Some(*s));
        }
        assert_eq!(Service::ALL.len(), 66);
        assert_eq!(Service::from_number(0), None);
        assert_eq!(Service::from_number(-1), None);
    }
}
