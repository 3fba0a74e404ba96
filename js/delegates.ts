/**
 * The `Delegates` object of `AZStackCore` (PROTOCOL.md §7.6): one `(error, result) => void` entry per delegate name,
 * pre-filled with a no-op, for the application to overwrite (`core.Delegates.onHasNewMessage = (error, result) => ...`).
 *
 * Return delegates receive the outcome of a method call (after its callback and Promise); event delegates receive what
 * the engine reports without being asked (PROTOCOL.md §4).
 */
import { RETURN_DELEGATE_OF_METHOD, type MethodName, type ReturnDelegateOf } from './methods';
import type {
  AudioStateResult,
  AuthenticatedUser,
  CallinStart,
  CallNotificationRegistration,
  CallStatus,
  Callback,
  CameraTypeResult,
  ConversationPage,
  DeletedConversation,
  EmptyResult,
  FileList,
  FreeCallStart,
  AudioRouteResult,
  MediaPermissions,
  GroupAdminChange,
  GroupCreated,
  GroupDetails,
  GroupInvitation,
  GroupJoin,
  GroupLeave,
  GroupList,
  GroupRename,
  Message,
  MessagePage,
  MessageStatusChange,
  OutboxChange,
  OutboxList,
  PaidCallLog,
  PaidCallLogList,
  ParsedNotification,
  StickerPackList,
  StreamArrived,
  Typing,
  UploadedFile,
  UploadProgress,
  UserList,
  VideoStateResult,
} from './types';

/** The result each delegate receives on success. */
export interface DelegateResults {
  // return delegates
  onConnectReturn: AuthenticatedUser;
  onReconnectReturn: AuthenticatedUser;
  onDisconnectReturn: null;
  onStartFreeCallReturn: null;
  onStopFreeCallReturn: null;
  onAnswerFreeCallReturn: null;
  onRejectFreeCallReturn: null;
  onNotAnswerFreeCallReturn: null;
  onStartCalloutReturn: null;
  onStopCalloutReturn: null;
  onAnswerCallinReturn: null;
  onRejectCallinReturn: null;
  onNotAnsweredCallinReturn: null;
  onStopCallinReturn: null;
  onToggleAudioStateReturn: AudioStateResult;
  onToggleVideoStateReturn: VideoStateResult;
  onSwitchCameraTypeReturn: CameraTypeResult;
  onGetPaidCallLogsReturn: PaidCallLogList;
  onGetModifiedConversationsReturn: ConversationPage;
  onDeleteConversationReturn: DeletedConversation;
  onGetUnreadMessagesReturn: MessagePage;
  onGetModifiedMessagesReturn: MessagePage;
  onGetModifiedFilesReturn: FileList;
  onNewMessageReturn: Message;
  onChangeMessageStatusReturn: null;
  onMessageDeleted: null;
  onSendTypingReturn: null;
  onGetUsersInformationReturn: UserList;
  onGroupCreateReturn: GroupCreated;
  onGroupInviteReturn: GroupInvitation;
  onGroupLeaveReturn: GroupLeave;
  onGroupRenameReturn: GroupRename;
  onGroupAdminChangeReturn: GroupAdminChange;
  onGroupJoinPublicReturn: GroupJoin;
  onGroupGetDetailsReturn: GroupDetails;
  onGroupGetListReturn: GroupList;
  onApplicationChangeStateReturn: EmptyResult;
  onNotificationRegisterDeviceReturn: EmptyResult;
  onNotificationUnregisterDeviceReturn: EmptyResult;
  onNotificationParseReturn: ParsedNotification;
  onGetStickersListReturn: StickerPackList;
  onGetOutboxReturn: OutboxList;
  onCancelOutboxMessageReturn: null;
  onUploadFileReturn: UploadedFile;
  onRequestMediaPermissionsReturn: MediaPermissions;
  onSetSpeakerphoneOnReturn: AudioRouteResult;
  onRegisterForCallNotificationsReturn: CallNotificationRegistration;

  // event delegates
  /** The connection dropped without `disconnect()`; `(null, null)`. */
  onDisconnected: null;
  /** Extension: the first automatic reconnection attempt is scheduled; `(null, null)`. */
  onAutoReconnectStart: null;
  /** An automatic reconnection attempt succeeded (the user) or failed (the error). */
  onAutoReconnected: AuthenticatedUser;
  /** Extension: automatic reconnection gave up after `autoReconnectLimitTries`; `(error, null)`. */
  onAutoReconnectedStop: null;
  onFreeCallStart: FreeCallStart;
  onFreeCallStatusChanged: CallStatus;
  onFreeCallStatusChangedByMe: CallStatus;
  onLocalStreamArrived: StreamArrived;
  onRemoteStreamArrived: StreamArrived;
  onCalloutStatusChanged: CallStatus;
  onCallinStart: CallinStart;
  onCallinStatusChanged: CallStatus;
  onCallinStatusChangedByMe: CallStatus;
  onPaidCallLogReturn: PaidCallLog;
  onHasNewMessage: Message;
  onMessageFromMe: Message;
  onMessageStatusChanged: MessageStatusChange;
  onTyping: Typing;
  onGroupCreated: Message;
  onGroupInvited: Message;
  onGroupLeft: Message;
  onGroupRenamed: Message;
  onGroupAdminChanged: Message;
  onGroupPublicJoined: Message;
  /**
   * Extension (`storagePath`): the number of messages waiting in the outbox changed (`{pending}`), or the outbox
   * cannot be used (the error; also right after construction when `storagePath` is unusable).
   */
  onOutboxChanged: OutboxChange;
  /**
   * Extension: the phone's audio session was interrupted (a phone call, Siri, another app took audio focus); `(null,
   * null)`. Until `onAudioResumed` the call sends silence and plays nothing; the peer is not told (no toggle).
   */
  onAudioInterrupted: null;
  /** Extension: the interruption ended and the call's audio flows again both ways; `(null, null)`. */
  onAudioResumed: null;
  /**
   * Extension: `uploadFile` progress, `{name, sent, total}` bytes handed to the connection; at most about once per
   * percent, and always once with `sent === total` before the upload's result.
   */
  onUploadFileProgress: UploadProgress;
}

/** The name of a delegate. */
export type DelegateName = keyof DelegateResults;

/** The `Delegates` object: one callback per delegate name. */
export type Delegates = { [N in DelegateName]: Callback<DelegateResults[N]> };

/** The delegates the engine fires on its own (PROTOCOL.md §4), as opposed to the return delegates of methods. */
type EventDelegateName = Exclude<DelegateName, ReturnDelegateOf<MethodName>>;

/** Every event delegate; a `Record` so that the compiler checks the list is complete. */
const EVENT_DELEGATES: Record<EventDelegateName, true> = {
  onDisconnected: true,
  onAutoReconnectStart: true,
  onAutoReconnected: true,
  onAutoReconnectedStop: true,
  onFreeCallStart: true,
  onFreeCallStatusChanged: true,
  onFreeCallStatusChangedByMe: true,
  onLocalStreamArrived: true,
  onRemoteStreamArrived: true,
  onCalloutStatusChanged: true,
  onCallinStart: true,
  onCallinStatusChanged: true,
  onCallinStatusChangedByMe: true,
  onPaidCallLogReturn: true,
  onHasNewMessage: true,
  onMessageFromMe: true,
  onMessageStatusChanged: true,
  onTyping: true,
  onGroupCreated: true,
  onGroupInvited: true,
  onGroupLeft: true,
  onGroupRenamed: true,
  onGroupAdminChanged: true,
  onGroupPublicJoined: true,
  onOutboxChanged: true,
  onAudioInterrupted: true,
  onAudioResumed: true,
  onUploadFileProgress: true,
};

/** Every delegate name: the return delegates of all methods, then the event delegates. */
const DELEGATE_NAMES: readonly DelegateName[] = [
  ...Object.values(RETURN_DELEGATE_OF_METHOD),
  ...(Object.keys(EVENT_DELEGATES) as EventDelegateName[]),
];

/** A fresh `Delegates` object with a no-op for every name. */
export function createDelegates(): Delegates {
  const delegates: Partial<Record<DelegateName, Callback<never>>> = {};
  for (const name of DELEGATE_NAMES) {
    delegates[name] = () => {};
  }
  return delegates as Delegates;
}
