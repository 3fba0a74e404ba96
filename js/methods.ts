/**
 * Every API method and the return delegate that receives its outcome (PROTOCOL.md §3, §7.6, §10).
 *
 * The keys are the method names exactly as the engine's `dispatch` takes them (the audio-session extensions
 * `requestMediaPermissions` and `setSpeakerphoneOn`, and `registerForCallNotifications`, are answered by azstack-ffi,
 * beside the engine); the values are the `Delegates` entries
 * `AZStackCore` calls when the method settles. Most return delegates are named `on<Method>Return`, but not all:
 * `deleteMessage` reports to `onMessageDeleted`, the group actions to `onGroup<Action>Return`, and the extensions
 * `changeApplicationState` and `parseNotification` to `onApplicationChangeStateReturn` and `onNotificationParseReturn`.
 */
import type { DelegateName } from './delegates';

export const RETURN_DELEGATE_OF_METHOD = {
  connect: 'onConnectReturn',
  reconnect: 'onReconnectReturn',
  disconnect: 'onDisconnectReturn',

  startFreeCall: 'onStartFreeCallReturn',
  stopFreeCall: 'onStopFreeCallReturn',
  answerFreeCall: 'onAnswerFreeCallReturn',
  rejectFreeCall: 'onRejectFreeCallReturn',
  notAnswerFreeCall: 'onNotAnswerFreeCallReturn',
  startCallout: 'onStartCalloutReturn',
  stopCallout: 'onStopCalloutReturn',
  answerCallin: 'onAnswerCallinReturn',
  rejectCallin: 'onRejectCallinReturn',
  notAnsweredCallin: 'onNotAnsweredCallinReturn',
  stopCallin: 'onStopCallinReturn',
  toggleAudioState: 'onToggleAudioStateReturn',
  toggleVideoState: 'onToggleVideoStateReturn',
  switchCameraType: 'onSwitchCameraTypeReturn',
  getPaidCallLogs: 'onGetPaidCallLogsReturn',

  getModifiedConversations: 'onGetModifiedConversationsReturn',
  deleteConversation: 'onDeleteConversationReturn',
  getUnreadMessages: 'onGetUnreadMessagesReturn',
  getModifiedMessages: 'onGetModifiedMessagesReturn',
  getModifiedFiles: 'onGetModifiedFilesReturn',
  newMessage: 'onNewMessageReturn',
  changeMessageStatus: 'onChangeMessageStatusReturn',
  deleteMessage: 'onMessageDeleted',
  sendTyping: 'onSendTypingReturn',

  getUsersInformation: 'onGetUsersInformationReturn',

  createGroup: 'onGroupCreateReturn',
  inviteGroup: 'onGroupInviteReturn',
  leaveGroup: 'onGroupLeaveReturn',
  renameGroup: 'onGroupRenameReturn',
  changeAdminGroup: 'onGroupAdminChangeReturn',
  joinPublicGroup: 'onGroupJoinPublicReturn',
  getDetailsGroup: 'onGroupGetDetailsReturn',
  getListGroups: 'onGroupGetListReturn',

  changeApplicationState: 'onApplicationChangeStateReturn',
  notificationRegisterDevice: 'onNotificationRegisterDeviceReturn',
  notificationUnregisterDevice: 'onNotificationUnregisterDeviceReturn',
  parseNotification: 'onNotificationParseReturn',
  getStickersList: 'onGetStickersListReturn',
  getOutbox: 'onGetOutboxReturn',
  cancelOutboxMessage: 'onCancelOutboxMessageReturn',
  uploadFile: 'onUploadFileReturn',

  requestMediaPermissions: 'onRequestMediaPermissionsReturn',
  setSpeakerphoneOn: 'onSetSpeakerphoneOnReturn',

  registerForCallNotifications: 'onRegisterForCallNotificationsReturn',
} as const satisfies Record<string, DelegateName>;

/** The name of an API method, as the engine's `dispatch` takes it. */
export type MethodName = keyof typeof RETURN_DELEGATE_OF_METHOD;

/** The return delegate of method `M`. */
export type ReturnDelegateOf<M extends MethodName> = (typeof RETURN_DELEGATE_OF_METHOD)[M];
