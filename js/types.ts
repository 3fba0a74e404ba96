/**
 * The option objects and results of the `AZStackCore` API (seed README, PROTOCOL.md §3, §4, §10).
 *
 * Field names are the API's, never the wire's. Times are epoch milliseconds except `lastVisitDate` (seconds) and
 * call-log `duration` (seconds). Numeric codes are the values of the constant objects named in each field's comment.
 */
import type { errorCodes } from './constants';
import type { AZStackMediaStream } from './mediaStream';

// --- calling convention ----------------------------------------------------------------------------------------------

/** An `ERR_*` code of `errorCodes`. */
export type ErrorCode = Extract<(typeof errorCodes)[keyof typeof errorCodes], string>;

/** The error handed to callbacks, Promise rejections and delegates. */
export interface AZStackError {
  /** One of the `ERR_*` codes of `errorCodes`. */
  code: ErrorCode;
  /** A human-readable text; PROTOCOL.md §3 lists the texts per method. */
  message: string;
  /** `startCallout` only: a `CALL_STATUS_CALLOUT_INITIAL_*` value of `callConstants`. */
  status?: number;
}

/**
 * A per-call callback or a delegate: `error` is `null` on success, `result` is `null` on failure.
 *
 * @typeParam R - the result on success.
 */
export type Callback<R> = (error: AZStackError | null, result: R | null) => void;

// --- configuration and connection -------------------------------------------------------------------------------------

/** The user an `AZStackCore` authenticates as. */
export interface AuthenticatingData {
  /** The id of your AZStack application. */
  appId: string;
  /** The application's RSA public key: base64 of its SubjectPublicKeyInfo (DER), without PEM armour. */
  publicKey: string;
  /** A unique string that identifies the user in your application. */
  azStackUserId: string;
  /** The user's credentials, checked by the server's verifier. */
  userCredentials?: string;
  /** The user's display name. */
  fullname: string;
  /** The user's namespace. */
  namespace?: string;
}

/** The options of `new AZStackCore(config)`. Every field is optional. */
export interface AZStackCoreConfig {
  /** Milliseconds before a request fails with `ERR_REQUEST_TIMEOUT`. Default 60000. */
  requestTimeout?: number;
  /** Milliseconds between application pings. Default 60000. */
  intervalPingTime?: number;
  /** Reconnect automatically after an unexpected disconnection. Default false. */
  autoReconnect?: boolean;
  /** Most automatic reconnection attempts in a row; 0 (default) is unlimited. */
  autoReconnectLimitTries?: number;
  /** Milliseconds between automatic reconnection attempts. Default 5000. */
  autoReconnectIntervalTime?: number;
  /**
   * A `logLevelConstants` value: `'NONE'` (default), `'ERROR'`, `'INFO'` or `'DEBUG'`. The engine's log lines (prefixed
   * `AZStack Log:`) go to logcat on Android (tag `AZStack`), to the unified log on iOS (Xcode's console shows them) and
   * to standard error on the Linux host; the process logs at the most verbose level any instance asked for.
   */
  logLevel?: string;
  /** The user to authenticate as; `connect` and `reconnect` may also pass it. */
  authenticatingData?: AuthenticatingData;
  /**
   * Extension: the server URL (`https://host:port`). Default `'https://www.azhub.xyz:9199'`. The instance property of
   * the same name may be reassigned before `connect()`.
   */
  masterSocketUri?: string;
  /** Extension: double the reconnection interval after each failed attempt (capped, with jitter). Default false. */
  autoReconnectBackoff?: boolean;
  /**
   * Extension: when the connection drops, let pending requests run into their timeout (the original behaviour)
   * instead of failing them at once with `ERR_SOCKET_NOT_CONNECTED`. Default false.
   */
  waitTimeoutOnDisconnect?: boolean;
  /**
   * Extension: milliseconds a connection may stay silent before it counts as lost (`onDisconnected`, pending requests
   * fail, auto-reconnect starts). After half of it without traffic the engine sends a WebSocket ping, which any
   * server answers; so a frozen server, a dropped route or a dead NAT mapping is noticed within this bound. A closed
   * connection is noticed at once, whatever this is. Default 10000; at least 500.
   */
  livenessTimeout?: number;
  /**
   * Extension: a directory the app owns (created when missing) where the engine keeps an SQLite database: the
   * persistent outbox and the catch-up cursor. With it, `newMessage` stores the message before anything goes out and
   * does not fail for a missing connection: the message is sent, in order per chat, as soon as a connection is up —
   * in this process or, after the app was killed, in the next one that connects the same `azStackUserId` with the
   * same `storagePath` — and removed from the outbox only after the server's ack. The call resolves on that ack; a
   * message whose call is gone reports it through `Delegates.onNewMessageReturn`. See `getOutbox`,
   * `cancelOutboxMessage` and `Delegates.onOutboxChanged`. An unusable directory is reported (`console.error`,
   * `onOutboxChanged` with the error) and the engine runs without storage. Without it the engine keeps nothing on
   * disk and behaves as the original SDK.
   */
  storagePath?: string;
}

/** The options of `connect` and `reconnect`. */
export interface ConnectOptions {
  /** Extension: replaces the constructor's `authenticatingData`. */
  authenticatingData?: AuthenticatingData;
  /** Extension: the server URL; defaults to the instance's `masterSocketUri` property. */
  masterSocketUri?: string;
}

/** The result of `connect`, `reconnect` and `onAutoReconnected`, as the server reports the user. */
export interface AuthenticatedUser {
  /** The unique string of the user. */
  azStackUserId: string;
  /** The user's numeric id, assigned by the server. */
  userId: number;
  /** The user's display name. */
  fullname: string;
}

/** The options of methods that take none (`disconnect`, `stopFreeCall`, ...); anything passed is ignored. */
export type NoOptions = Record<string, unknown>;

/** The result of extension methods that report nothing but success. */
export type EmptyResult = Record<string, never>;

// --- calls ------------------------------------------------------------------------------------------------------------

/** The options of `startFreeCall`. */
export interface StartFreeCallOptions {
  /** `CALL_MEDIA_TYPE_AUDIO` or `CALL_MEDIA_TYPE_VIDEO`. */
  mediaType: number;
  /** The user id to call. */
  toUserId: number;
}

/** The options of `startCallout`. */
export interface StartCalloutOptions {
  /** The phone number to call (digits, optional leading `+`). */
  toPhoneNumber: string;
  /** Extension: the caller id to present. */
  fromPhoneNumber?: string;
  /** Extension: a tag stored with the call log. */
  tags?: string;
}

/** The options of `answerCallin`, `rejectCallin` and `notAnsweredCallin`. */
export interface CallinOptions {
  /** Extension: a tag stored with the call log. */
  tags?: string;
}

/** The options of `toggleAudioState` and `toggleVideoState`. */
export interface ToggleStateOptions {
  /** `CALL_WEBRTC_*_STATE_ON` or `_OFF`; omitted inverts the current state. */
  state?: number;
}

/** The result of `toggleAudioState`. */
export interface AudioStateResult {
  /** `CALL_WEBRTC_AUDIO_STATE_ON` or `_OFF`. */
  audioState: number;
}

/** The result of `toggleVideoState`. */
export interface VideoStateResult {
  /** `CALL_WEBRTC_VIDEO_STATE_ON` or `_OFF`. */
  videoState: number;
}

/** The result of `switchCameraType`. */
export interface CameraTypeResult {
  /** `CALL_WEBRTC_CAMERA_TYPE_FRONT` (`'user'`) or `_BACK` (`'environment'`). */
  cameraType: string;
}

/** `onFreeCallStart`: a free call is ringing here. */
export interface FreeCallStart {
  /** `CALL_MEDIA_TYPE_AUDIO` or `CALL_MEDIA_TYPE_VIDEO`. */
  mediaType: number;
  /** The caller's user id. */
  fromUserId: number;
  /** The callee's user id (me). */
  toUserId: number;
}

/** `onFreeCallStatusChanged`, `onCalloutStatusChanged`, `onCallinStatusChanged` and their `...ByMe` variants. */
export interface CallStatus {
  /** A `CALL_STATUS_*` value of `callConstants`. */
  status: number;
  /** A human-readable description of the status. */
  message?: string;
}

/** `onCallinStart`: a phone call is ringing here. */
export interface CallinStart {
  /** The caller's phone number. */
  fromPhoneNumber: string;
  /** The number that was called. */
  toPhoneNumber: string;
}

/** `onLocalStreamArrived` and `onRemoteStreamArrived` (video calls). */
export interface StreamArrived {
  /** The stream; render it with `<AZStackVideoView streamURL={stream.toURL()} />`. */
  stream: AZStackMediaStream;
}

/** One paid call (callout or call-in): an item of `getPaidCallLogs` and the result of `onPaidCallLogReturn`. */
export interface PaidCallLog {
  /** The call's id. */
  callId: number;
  /** `CALL_PAID_LOG_CALL_TYPE_CALLOUT` or `_CALLIN`. */
  callType: number;
  /** A `CALL_PAID_LOG_CALL_STATUS_*` value. */
  callStatus: number;
  /** The user the call belongs to. */
  userId: number;
  /** The calling number. */
  fromPhoneNumber: string;
  /** The called number. */
  toPhoneNumber: string;
  /** Extension: the tag given when the call started or was answered. */
  tags?: string | null;
  /** Extension: the call's length in seconds. */
  duration?: number;
  /** When the recording was made. */
  recordTime?: number;
  /**
   * The recording's URL (a WAV file, the phone on the left channel and the app on the right), `""` when the call
   * was not recorded. With this project's server the link expires (24 h by default); `getPaidCallLogs` hands out
   * fresh ones.
   */
  recordUrl?: string;
}

/** The result of `getPaidCallLogs`. */
export interface PaidCallLogList {
  /** Always `GET_LIST_DONE`. */
  done: number;
  /** The call logs. */
  list: PaidCallLog[];
}

// --- messages ---------------------------------------------------------------------------------------------------------

/** Sticker content. The conversation list's last message carries an empty `{}`. */
export interface Sticker {
  /** The sticker's image name. */
  name?: string;
  /** The sticker pack id. */
  catId?: number;
  /** The image URL. */
  url?: string;
  /** Extension: pixels. */
  width?: number;
  /** Extension: pixels. */
  height?: number;
}

/** File content. The conversation list's last message carries only `{type}`. */
export interface FileContent {
  /** The file name. */
  name?: string;
  /** The size in bytes. */
  length?: number;
  /** A `MESSAGE_FILE_TYPE_*` value of `chatConstants`. */
  type?: number;
  /** Where the file can be downloaded. */
  url?: string;
  /** Extension: pixels (images, videos). */
  width?: number;
  /** Extension: pixels (images, videos). */
  height?: number;
  /** Extension: seconds (audio, video). */
  duration?: number;
}

/** Location content (extension). The conversation list's last message carries an empty `{}`. */
export interface Location {
  /** A human-readable address. */
  address?: string;
  /** Degrees. */
  longitude?: number;
  /** Degrees. */
  latitude?: number;
}

/** `createdGroup` of a `MESSAGE_TYPE_GROUP_CREATED` message. */
export interface CreatedGroup {
  /** `GROUP_TYPE_PRIVATE` or `GROUP_TYPE_PUBLIC` (absent in the conversation list). */
  type?: number;
  /** The group's id. */
  groupId: number;
  /** The creator, its first admin. */
  adminId?: number;
  /** The group's name. */
  name?: string;
  /** Every member, the creator included (absent in the conversation list). */
  memberIds?: number[];
  /** When the group was created. */
  created?: number;
}

/** `invited` of a `MESSAGE_TYPE_GROUP_INVITED` message. */
export interface Invited {
  /** The group's id. */
  groupId: number;
  /** The users who were added. */
  inviteIds?: number[];
}

/** `left` of a `MESSAGE_TYPE_GROUP_LEFT` message. */
export interface Left {
  /** The group's id. */
  groupId: number;
  /** The user who left or was removed. */
  leaveId?: number;
  /** The new admin, when the admin left. */
  newAdminId?: number;
}

/** `renamed` of a `MESSAGE_TYPE_GROUP_RENAMED` message. */
export interface Renamed {
  /** The group's id. */
  groupId: number;
  /** The group's new name. */
  newName?: string;
}

/** `adminChanged` of a `MESSAGE_TYPE_GROUP_ADMIN_CHANGED` message. */
export interface AdminChanged {
  /** The group's id. */
  groupId: number;
  /** The new admin. */
  newAdminId?: number;
}

/** `joined` of a `MESSAGE_TYPE_GROUP_PUBLIC_JOINED` message. */
export interface Joined {
  /** The group's id. */
  groupId: number;
  /** The user who joined. */
  joinId?: number;
}

/**
 * A message: the result of `newMessage`, of `onHasNewMessage`, `onMessageFromMe` and the group delegates, an item of
 * the message lists and a conversation's `lastMessage`. Exactly one content field is present (none for unknown types).
 */
export interface Message {
  /** `CHAT_TYPE_USER` or `CHAT_TYPE_GROUP`. */
  chatType: number;
  /** The other user's id in a user chat, the group's id in a group chat. */
  chatId: number;
  /** The author's user id (the actor for group system messages). */
  senderId: number;
  /** The recipient's user id, or the group's id. */
  receiverId: number;
  /** The message id, unique per conversation and sender. */
  msgId: number;
  /** A `MESSAGE_TYPE_*` value of `chatConstants`. */
  type: number;
  /** A `MESSAGE_STATUS_*` value of `chatConstants`. */
  status: number;
  /** `MESSAGE_DELETED_FALSE` or `_TRUE`. */
  deleted: number;
  /** When the message was created. */
  created: number;
  /** When the message last changed. */
  modified: number;
  /** `MESSAGE_TYPE_TEXT`: the text. */
  text?: string;
  /** `MESSAGE_TYPE_STICKER`: the sticker. */
  sticker?: Sticker;
  /** `MESSAGE_TYPE_FILE`: the file. */
  file?: FileContent;
  /** `MESSAGE_TYPE_LOCATION` (extension): the location. */
  location?: Location;
  /** `MESSAGE_TYPE_GROUP_CREATED`. */
  createdGroup?: CreatedGroup;
  /** `MESSAGE_TYPE_GROUP_INVITED`. */
  invited?: Invited;
  /** `MESSAGE_TYPE_GROUP_LEFT`. */
  left?: Left;
  /** `MESSAGE_TYPE_GROUP_RENAMED`. */
  renamed?: Renamed;
  /** `MESSAGE_TYPE_GROUP_ADMIN_CHANGED`. */
  adminChanged?: AdminChanged;
  /** `MESSAGE_TYPE_GROUP_PUBLIC_JOINED`. */
  joined?: Joined;
}

/** The options of `getModifiedConversations`. */
export interface GetModifiedConversationsOptions {
  /** The page, from 1. */
  page: number;
  /** Lists conversations modified at or before this time. Keep it fixed while paging. */
  lastCreated: number;
}

/** One conversation of `getModifiedConversations`. */
export interface Conversation {
  /** `CHAT_TYPE_USER` or `CHAT_TYPE_GROUP`. */
  chatType: number;
  /** The other user's id, or the group's id. */
  chatId: number;
  /** When the conversation last changed. */
  modified: number;
  /** How many messages from others I have not seen. */
  unread: number;
  /** `CONVERSATION_DELETED_FALSE` or `_TRUE`. */
  deleted: number;
  /** The latest message; its content is abridged (`sticker: {}`, `file: {type}`, ...). */
  lastMessage: Message;
}

/** The result of `getModifiedConversations`. */
export interface ConversationPage {
  /** `GET_LIST_DONE` on the last page. */
  done: number;
  /** The page returned. */
  page: number;
  /** The conversations, most recently modified first. */
  list: Conversation[];
}

/** The options of `deleteConversation`. */
export interface DeleteConversationOptions {
  /** `CHAT_TYPE_USER` or `CHAT_TYPE_GROUP`. */
  chatType: number;
  /** The other user's id, or the group's id. */
  chatId: number;
}

/** The result of `deleteConversation`. */
export interface DeletedConversation {
  /** `CHAT_TYPE_USER` or `CHAT_TYPE_GROUP`. */
  chatType: number;
  /** The other user's id, or the group's id. */
  chatId: number;
}

/** The options of `getUnreadMessages`. */
export interface GetUnreadMessagesOptions {
  /** The page, from 1. */
  page: number;
  /** `CHAT_TYPE_USER` or `CHAT_TYPE_GROUP`. */
  chatType: number;
  /** The other user's id, or the group's id. */
  chatId: number;
}

/** The options of `getModifiedMessages`. */
export interface GetModifiedMessagesOptions extends GetUnreadMessagesOptions {
  /** Lists messages created at or before this time. Keep it fixed while paging. */
  lastCreated: number;
}

/** The result of `getUnreadMessages` and `getModifiedMessages`. */
export interface MessagePage {
  /** `CHAT_TYPE_USER` or `CHAT_TYPE_GROUP`. */
  chatType: number;
  /** The other user's id, or the group's id. */
  chatId: number;
  /** `GET_LIST_DONE` on the last page. */
  done: number;
  /** The page returned. */
  page: number;
  /** The messages, newest first. */
  list: Message[];
}

/** The options of `getModifiedFiles`. `chatType` and `chatId` go together; without them every chat is searched. */
export interface GetModifiedFilesOptions {
  /** Lists files sent at or before this time. */
  lastCreated: number;
  /** `CHAT_TYPE_USER` or `CHAT_TYPE_GROUP`. */
  chatType?: number;
  /** The other user's id, or the group's id. */
  chatId?: number;
}

/** The result of `getModifiedFiles`: file messages, newest first. */
export interface FileList {
  /** Always `GET_LIST_DONE`. */
  done: number;
  /** The file messages. */
  list: Message[];
}

/** The options of `newMessage`. Give exactly one of `text`, `sticker`, `file`, `location`; the first given is sent. */
export interface NewMessageOptions {
  /** `CHAT_TYPE_USER` or `CHAT_TYPE_GROUP`. */
  chatType: number;
  /** The other user's id, or the group's id. */
  chatId: number;
  /** A text message. */
  text?: string;
  /** A sticker message. */
  sticker?: { name: string; catId: number; url: string; width?: number; height?: number };
  /** A file message; `type` is a `MESSAGE_FILE_TYPE_*` value. */
  file?: {
    name: string;
    length: number;
    type: number;
    url: string;
    width?: number;
    height?: number;
    duration?: number;
  };
  /** Extension: a location message. */
  location?: { address: string; longitude: number; latitude: number };
  /** Extension: the message id to use (e.g. to resend); a fresh one by default. */
  msgId?: number;
}

/** The options of `changeMessageStatus`. */
export interface ChangeMessageStatusOptions {
  /** `CHAT_TYPE_USER` or `CHAT_TYPE_GROUP`. */
  chatType: number;
  /** The other user's id, or the group's id. */
  chatId: number;
  /** The message's author. */
  messageSenderId: number;
  /** `MESSAGE_STATUS_DELIVERED` or `_SEEN` (about others' messages), `_CANCELLED` (recalls my own). */
  messageStatus: number;
  /** The message's id. */
  msgId: number;
}

/** The options of `deleteMessage` (deletes the message from my view only). */
export interface DeleteMessageOptions {
  /** `CHAT_TYPE_USER` or `CHAT_TYPE_GROUP`. */
  chatType: number;
  /** The other user's id, or the group's id. */
  chatId: number;
  /** The message's author. */
  messageSenderId: number;
  /** The message's id. */
  msgId: number;
}

/** The options of `sendTyping`. */
export interface SendTypingOptions {
  /** `CHAT_TYPE_USER` or `CHAT_TYPE_GROUP`. */
  chatType: number;
  /** The other user's id, or the group's id. */
  chatId: number;
}

/** `onMessageStatusChanged`: a message's status changed. */
export interface MessageStatusChange {
  /** `CHAT_TYPE_USER` or `CHAT_TYPE_GROUP`. */
  chatType: number;
  /** The conversation: the other user's id, or the group's id. */
  chatId: number;
  /** Who changed the status (me for the SENT acknowledgement). */
  senderId: number;
  /** The other party of the change. */
  receiverId: number;
  /** The message's id. */
  msgId: number;
  /** A `MESSAGE_STATUS_*` value of `chatConstants`. */
  messageStatus: number;
}

/** `onTyping`: someone is typing. */
export interface Typing {
  /** `CHAT_TYPE_USER` or `CHAT_TYPE_GROUP`. */
  chatType: number;
  /** The typing user's id, or the group's id. */
  chatId: number;
  /** The typing user's id. */
  senderId: number;
  /** Me, or the group's id. */
  receiverId: number;
}

// --- users ------------------------------------------------------------------------------------------------------------

/** The options of `getUsersInformation`: numeric ids or `azStackUserId`s (ids win when both are given). */
export interface GetUsersInformationOptions {
  /** User ids. */
  userIds?: number[];
  /** `azStackUserId`s. */
  azStackUserIds?: string[];
}

/** One user of `getUsersInformation` and of a group's `members`. */
export interface UserInfo {
  /** The user's id. */
  userId: number;
  /** The user's unique string. */
  azStackUserId: string;
  /** The user's display name. */
  fullname: string;
  /** `USER_STATUS_ONLINE` or `USER_STATUS_NOT_ONLINE`. */
  status: number;
  /** When the user was last seen, in epoch seconds. */
  lastVisitDate: number;
}

/** The result of `getUsersInformation`; unknown users are left out. */
export interface UserList {
  /** Always `GET_LIST_DONE`. */
  done: number;
  /** The users found. */
  list: UserInfo[];
}

// --- groups -----------------------------------------------------------------------------------------------------------

/** The options of `createGroup`. */
export interface CreateGroupOptions {
  /** `GROUP_TYPE_PRIVATE` or `GROUP_TYPE_PUBLIC`. */
  type: number;
  /** The group's name. */
  name: string;
  /** The members besides me. */
  memberIds: number[];
}

/** The result of `createGroup`. */
export interface GroupCreated {
  /** `GROUP_TYPE_PRIVATE` or `GROUP_TYPE_PUBLIC`. */
  type: number;
  /** The new group's id. */
  groupId: number;
  /** The id of the `MESSAGE_TYPE_GROUP_CREATED` message. */
  msgId: number;
  /** Me. */
  adminId: number;
  /** The group's name. */
  name: string;
  /** Every member, me included. */
  memberIds: number[];
  /** When the group was created. */
  created: number;
}

/** The options of `inviteGroup`. */
export interface InviteGroupOptions {
  /** The group's id. */
  groupId: number;
  /** The users to add. */
  inviteIds: number[];
}

/** The result of `inviteGroup`. */
export interface GroupInvitation {
  /** The group's id. */
  groupId: number;
  /** The id of the `MESSAGE_TYPE_GROUP_INVITED` message. */
  msgId: number;
  /** The users who were added. */
  inviteIds: number[];
  /** When they were added. */
  created: number;
}

/** The options of `leaveGroup`: leave (`leaveId` is me) or remove a member (admin only). */
export interface LeaveGroupOptions {
  /** The group's id. */
  groupId: number;
  /** The user who leaves. */
  leaveId: number;
  /** The next admin; required when the admin leaves a group with other members. */
  newAdminId?: number;
}

/** The result of `leaveGroup`. */
export interface GroupLeave {
  /** The group's id. */
  groupId: number;
  /** The id of the `MESSAGE_TYPE_GROUP_LEFT` message. */
  msgId: number;
  /** The user who left. */
  leaveId: number;
  /** When the user left. */
  created: number;
}

/** The options of `renameGroup`. */
export interface RenameGroupOptions {
  /** The group's id. */
  groupId: number;
  /** The new name. */
  newName: string;
}

/** The result of `renameGroup`. */
export interface GroupRename {
  /** The group's id. */
  groupId: number;
  /** The id of the `MESSAGE_TYPE_GROUP_RENAMED` message. */
  msgId: number;
  /** The new name. */
  newName: string;
  /** When the group was renamed. */
  created: number;
}

/** The options of `changeAdminGroup`. */
export interface ChangeAdminGroupOptions {
  /** The group's id. */
  groupId: number;
  /** The member who becomes admin. */
  newAdminId: number;
}

/** The result of `changeAdminGroup`. */
export interface GroupAdminChange {
  /** The group's id. */
  groupId: number;
  /** The id of the `MESSAGE_TYPE_GROUP_ADMIN_CHANGED` message. */
  msgId: number;
  /** The new admin. */
  newAdminId: number;
  /** When the admin changed. */
  created: number;
}

/** The options of `joinPublicGroup` and `getDetailsGroup`. */
export interface GroupIdOptions {
  /** The group's id. */
  groupId: number;
}

/** The result of `joinPublicGroup`. */
export interface GroupJoin {
  /** The group's id. */
  groupId: number;
  /** The id of the `MESSAGE_TYPE_GROUP_PUBLIC_JOINED` message. */
  msgId: number;
  /** Me. */
  joinId: number;
  /** When I joined. */
  created: number;
}

/** The result of `getDetailsGroup`. */
export interface GroupDetails {
  /** `GROUP_TYPE_PRIVATE` or `GROUP_TYPE_PUBLIC`. */
  type: number;
  /** The group's id. */
  groupId: number;
  /** The group's name. */
  name: string;
  /** The admin's user id. */
  adminId: number;
  /** The members' user ids. */
  memberIds: number[];
  /** The members. */
  members: UserInfo[];
}

/** The options of `getListGroups`. */
export interface GetListGroupsOptions {
  /** `GROUP_TYPE_PRIVATE` (my private groups) or `GROUP_TYPE_PUBLIC` (the public directory). */
  groupType: number;
}

/** One group of `getListGroups`. */
export interface GroupSummary {
  /** `GROUP_TYPE_PRIVATE` or `GROUP_TYPE_PUBLIC`. */
  type: number;
  /** The group's id. */
  groupId: number;
  /** The group's name. */
  name: string;
  /** The admin's user id. */
  adminId: number;
  /** How many members the group has. */
  membersCount: number;
  /** `GROUP_IS_IN` or `GROUP_IS_NOT_IN`. */
  isIn: number;
  /** `GROUP_IS_AUTO_JOIN` or `GROUP_IS_NOT_AUTO_JOIN`. */
  isAutojoin: number;
}

/** The result of `getListGroups`. */
export interface GroupList {
  /** Always `GET_LIST_DONE`. */
  done: number;
  /** The groups. */
  list: GroupSummary[];
}

// --- extensions -------------------------------------------------------------------------------------------------------

/** The options of `changeApplicationState`. */
export interface ChangeApplicationStateOptions {
  /** `APPLICATION_STATE_BACKGROUND` or `APPLICATION_STATE_FOREGROUND`. */
  state: number;
}

/** The options of `notificationRegisterDevice`. */
export interface NotificationRegisterDeviceOptions {
  /** The push token (FCM or APNs). */
  deviceToken: string;
  /** `PLATFORM_ANDROID` or `PLATFORM_IOS`. */
  devicePlatformOS: number;
  /** The application's bundle id or package name. */
  applicationBundleId: string;
}

/** The options of `notificationUnregisterDevice`. */
export interface NotificationUnregisterDeviceOptions {
  /** The push token to forget. */
  deviceToken: string;
}

/** The options of `parseNotification`. */
export interface ParseNotificationOptions {
  /** The push notification's data. */
  notification: { pushPacketType: string; appId: string; [key: string]: unknown };
}

/** The result of `parseNotification`. */
export interface ParsedNotification {
  /** The application the notification belongs to. */
  appId: string;
  /** A `NOTIFICATION_TYPE_*` value of `notificationConstants`. */
  type: number;
}

// --- calls that ring a sleeping phone (extension) ----------------------------------------------------------------

/** The options of `registerForCallNotifications`. */
export interface RegisterForCallNotificationsOptions {
  /**
   * How long (ms) a call shown in the system UI may ring before the SDK ends it as unanswered when the app has not
   * received its offer; it also bounds an answer given before the offer arrived. Default 45000, the server's default
   * ring timeout: set it to the server's `limits.ring_timeout_secs`.
   */
  ringTimeout?: number;
}

/** The result of `registerForCallNotifications`: the token registered with the server for call pushes. */
export interface CallNotificationRegistration {
  /** PushKit's VoIP token (iOS, hex) or FCM's registration token (Android). */
  deviceToken: string;
  /** `PLATFORM_ANDROID` or `PLATFORM_IOS`. */
  devicePlatformOS: number;
}

/** The options of `getStickersList`. */
export interface GetStickersListOptions {
  /** The default packs (`true`) or the others (`false`). */
  isDefault: boolean;
}

/** One sticker pack of `getStickersList`. */
export interface StickerPack {
  /** The pack id, the `catId` of its stickers. */
  catId: number;
  /** The pack's name. */
  name: string;
  /** The pack's images and archive. */
  urls: { fullCover: string; miniCover: string; download: string };
}

/** The result of `getStickersList`. */
export interface StickerPackList {
  /** Always `GET_LIST_DONE`. */
  done: number;
  /** The packs. */
  list: StickerPack[];
}

/** The options of `cancelOutboxMessage`. */
export interface CancelOutboxMessageOptions {
  /** The `msgId` of the waiting message to remove. */
  msgId: number;
}

/** The result of `getOutbox`: the messages waiting to be sent, oldest first, each with status `MESSAGE_STATUS_SENDING`. */
export interface OutboxList {
  list: Message[];
}

/** What `onOutboxChanged` receives. */
export interface OutboxChange {
  /** How many messages wait in the outbox. */
  pending: number;
}

/** A camera or microphone permission: `blocked` is a refusal only the system settings can undo. */
export type PermissionState = 'granted' | 'denied' | 'blocked';

/** The options of `requestMediaPermissions`: which devices to ask for (each `true` unless `false`). */
export interface RequestMediaPermissionsOptions {
  /** The microphone (`RECORD_AUDIO` on Android, `AVAudioSession` record permission on iOS). */
  audio?: boolean;
  /** The camera (`CAMERA` on Android, `AVCaptureDevice` video access on iOS). */
  video?: boolean;
}

/** The result of `requestMediaPermissions`: each device's state, `null` for one not asked for. */
export interface MediaPermissions {
  audio: PermissionState | null;
  video: PermissionState | null;
}

/** The options of `setSpeakerphoneOn`. */
export interface SetSpeakerphoneOnOptions {
  /** `true`: the loudspeaker; `false`: the earpiece (or a connected headset). */
  on: boolean;
}

/** The result of `setSpeakerphoneOn`: where call audio plays now; `none` when no call plays audio yet. */
export interface AudioRouteResult {
  route: 'speaker' | 'earpiece' | 'none';
}

/**
 * The options of `uploadFile` (extension): a file on this device, by `path` or by `file://` `uri` (other URI schemes,
 * such as Android's `content://`, must be copied to a file first).
 */
export interface UploadFileOptions {
  /** The file's path. One of `path` and `uri` is required; `path` wins when both are given. */
  path?: string;
  /** The file's `file://` URI. */
  uri?: string;
  /** The name stored with the file (default: the file's own name). */
  name?: string;
  /** The type claimed (default `application/octet-stream`); the server stores the sniffed type when the bytes say. */
  mimeType?: string;
}

/** The result of `uploadFile`: what a file message's `file: {url, name, length, type}` needs. */
export interface UploadedFile {
  /** The signed download link, valid for the server's `link_ttl_secs`. */
  url: string;
  /** The bytes stored. */
  fileLength: number;
  /** The type the server stored. */
  mimeType: string;
  /** The name stored. */
  name: string;
}

/** What `onUploadFileProgress` receives. */
export interface UploadProgress {
  /** The `name` of the upload. */
  name: string;
  /** Bytes handed to the connection so far. */
  sent: number;
  /** The file's size. */
  total: number;
}
