//! Events: everything the engine reports without being asked (PROTOCOL.md §4.1–§4.4).
//!
//! Each server push, and each connection change that is not the outcome of a call, becomes one [`Event`]. The
//! engine hands events to a single [`EventSink`] in the order they happened; the FFI layer forwards them to
//! JavaScript as `(delegateName, error, result)`, which is [`Event::delegate`] plus [`Event::payload`]. Return
//! delegates (`onConnectReturn`, ...) are not events: the JS layer fires them when a call settles.

use azstack_protocol::errors::ApiError;
use serde::Serialize;
use serde_json::Value;

use crate::model::{
    AuthenticatedUser, CallStatus, CallinStart, FreeCallStart, Message, MessageStatusChange, OutboxCount, PaidCallLog,
    StreamArrived, Typing, UploadProgress,
};

/// One event, carrying the mapped result its delegate receives.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// `onDisconnected(null, null)`: the connection dropped without `disconnect()`.
    Disconnected,
    /// `onAutoReconnectStart(null, null)`: the first auto-reconnect attempt is scheduled.
    AutoReconnectStart,
    /// `onAutoReconnected`: one attempt succeeded (the user) or failed (the error).
    AutoReconnected(Result<AuthenticatedUser, ApiError>),
    /// `onAutoReconnectedStop(error, null)`: the attempts reached `autoReconnectLimitTries`.
    AutoReconnectStop(ApiError),
    /// `onHasNewMessage`: 73, 104, 121, 113, 146.
    HasNewMessage(Message),
    /// `onMessageFromMe`: 174, 175, 176 (a message I sent from another session).
    MessageFromMe(Message),
    /// `onMessageStatusChanged`: 72/45 (and D6 104/121/113) acks, 167, 74, 153, 127, 151.
    MessageStatusChanged(MessageStatusChange),
    /// `onTyping`: 142, 149.
    Typing(Typing),
    /// `onGroupCreated`: 143.
    GroupCreated(Message),
    /// `onGroupInvited`: 144.
    GroupInvited(Message),
    /// `onGroupLeft`: 145.
    GroupLeft(Message),
    /// `onGroupRenamed`: 152.
    GroupRenamed(Message),
    /// `onGroupAdminChanged`: 160.
    GroupAdminChanged(Message),
    /// `onGroupPublicJoined`: 197 without `r`, and my own join (§3.34).
    GroupPublicJoined(Message),
    /// `onPaidCallLogReturn`: 601.
    PaidCallLog(PaidCallLog),
    /// `onFreeCallStart`: 186 while idle.
    FreeCallStart(FreeCallStart),
    /// `onFreeCallStatusChanged`: 188 for the current call (and the engine's own hang-ups, see [`crate::call`]).
    FreeCallStatusChanged(CallStatus),
    /// `onFreeCallStatusChangedByMe`: 199 for the current call.
    FreeCallStatusChangedByMe(CallStatus),
    /// `onLocalStreamArrived`: video calls, camera open.
    LocalStreamArrived(StreamArrived),
    /// `onRemoteStreamArrived`: video calls, first remote track.
    RemoteStreamArrived(StreamArrived),
    /// `onCalloutStatusChanged`: 503 for the current callout (and the engine's own hang-ups).
    CalloutStatusChanged(CallStatus),
    /// `onCallinStart`: 505 while idle.
    CallinStart(CallinStart),
    /// `onCallinStatusChanged`: 506 from the server for the current call-in (and the engine's own hang-ups).
    CallinStatusChanged(CallStatus),
    /// `onCallinStatusChangedByMe`: 508 for the current call-in.
    CallinStatusChangedByMe(CallStatus),
    /// `onOutboxChanged` (extension, `storagePath`): the number of messages waiting in the outbox, or why it failed.
    OutboxChanged(Result<OutboxCount, ApiError>),
    /// `onNewMessageReturn` from the outbox: the ack of a message whose `newMessage` call is gone (an earlier process).
    NewMessageReturn(Result<Message, ApiError>),
    /// `onUploadFileProgress` (extension): bytes of an `uploadFile` sent so far; the last one has `sent == total`.
    UploadFileProgress(UploadProgress),
}

/// Each event's `Delegates` entry, written once: [`DELEGATES`] (the names, for the check against the JavaScript
/// package) and [`Event::delegate`] both come from it.
macro_rules! delegates {
    ($($variant:ident $(($wild:tt))? => $name:literal,)*) => {
        /// The delegate names the engine's events fire, in [`Event`]'s order.
        pub const DELEGATES: &[&str] = &[$($name),*];

        impl Event {
            /// The name of the `Delegates` entry this event fires.
            pub fn delegate(&self) -> &'static str {
                match self {
                    $(Event::$variant $(($wild))? => $name,)*
                }
            }
        }
    };
}

delegates! {
    Disconnected => "onDisconnected",
    AutoReconnectStart => "onAutoReconnectStart",
    AutoReconnected(_) => "onAutoReconnected",
    AutoReconnectStop(_) => "onAutoReconnectedStop",
    HasNewMessage(_) => "onHasNewMessage",
    MessageFromMe(_) => "onMessageFromMe",
    MessageStatusChanged(_) => "onMessageStatusChanged",
    Typing(_) => "onTyping",
    GroupCreated(_) => "onGroupCreated",
    GroupInvited(_) => "onGroupInvited",
    GroupLeft(_) => "onGroupLeft",
    GroupRenamed(_) => "onGroupRenamed",
    GroupAdminChanged(_) => "onGroupAdminChanged",
    GroupPublicJoined(_) => "onGroupPublicJoined",
    PaidCallLog(_) => "onPaidCallLogReturn",
    FreeCallStart(_) => "onFreeCallStart",
    FreeCallStatusChanged(_) => "onFreeCallStatusChanged",
    FreeCallStatusChangedByMe(_) => "onFreeCallStatusChangedByMe",
    LocalStreamArrived(_) => "onLocalStreamArrived",
    RemoteStreamArrived(_) => "onRemoteStreamArrived",
    CalloutStatusChanged(_) => "onCalloutStatusChanged",
    CallinStart(_) => "onCallinStart",
    CallinStatusChanged(_) => "onCallinStatusChanged",
    CallinStatusChangedByMe(_) => "onCallinStatusChangedByMe",
    OutboxChanged(_) => "onOutboxChanged",
    NewMessageReturn(_) => "onNewMessageReturn",
    UploadFileProgress(_) => "onUploadFileProgress",
}

impl Event {
    /// The delegate's arguments `(error, result)` as JSON; the absent one is `null`.
    pub fn payload(&self) -> (Value, Value) {
        fn ok<T: Serialize>(v: &T) -> (Value, Value) {
            (Value::Null, serde_json::to_value(v).unwrap_or(Value::Null))
        }
        fn err(e: &ApiError) -> (Value, Value) {
            (serde_json::to_value(e).unwrap_or(Value::Null), Value::Null)
        }
        match self {
            Event::Disconnected | Event::AutoReconnectStart => (Value::Null, Value::Null),
            Event::AutoReconnected(Ok(user)) => ok(user),
            Event::AutoReconnected(Err(e)) | Event::AutoReconnectStop(e) => err(e),
            Event::HasNewMessage(m)
            | Event::MessageFromMe(m)
            | Event::GroupCreated(m)
            | Event::GroupInvited(m)
            | Event::GroupLeft(m)
            | Event::GroupRenamed(m)
            | Event::GroupAdminChanged(m)
            | Event::GroupPublicJoined(m) => ok(m),
            Event::MessageStatusChanged(s) => ok(s),
            Event::Typing(t) => ok(t),
            Event::PaidCallLog(l) => ok(l),
            Event::FreeCallStart(s) => ok(s),
            Event::FreeCallStatusChanged(s)
            | Event::FreeCallStatusChangedByMe(s)
            | Event::CalloutStatusChanged(s)
            | Event::CallinStatusChanged(s)
            | Event::CallinStatusChangedByMe(s) => ok(s),
            Event::CallinStart(s) => ok(s),
            Event::LocalStreamArrived(s) | Event::RemoteStreamArrived(s) => ok(s),
            Event::OutboxChanged(Ok(count)) => ok(count),
            Event::NewMessageReturn(Ok(m)) => ok(m),
            Event::OutboxChanged(Err(e)) | Event::NewMessageReturn(Err(e)) => err(e),
            Event::UploadFileProgress(p) => ok(p),
        }
    }
}

/// Receives the engine's events, in order, on an engine thread. Implementations must not block for long (hop to
/// another thread or queue instead); the FFI layer queues onto the JavaScript thread.
pub trait EventSink: Send + Sync + 'static {
    fn on_event(&self, event: Event);
}

impl<F: Fn(Event) + Send + Sync + 'static> EventSink for F {
    fn on_event(&self, event: Event) {
        self(event)
    }
}

/// A sink that drops everything.
pub struct NoEvents;

impl EventSink for NoEvents {
    fn on_event(&self, _event: Event) {}
}

/// A sink that forwards every event into a tokio channel (handy for tests and for Rust apps).
pub struct ChannelSink(pub tokio::sync::mpsc::UnboundedSender<Event>);

impl EventSink for ChannelSink {
    fn on_event(&self, event: Event) {
        let _ = self.0.send(event);
    }
}
