/**
 * `AZStackCore`: the API of the AZStack SDK (seed README), over the Rust engine.
 *
 * This layer is deliberately thin. Every method makes one native call with its name and options; the engine validates
 * the options, talks to the server and produces the result or the error, with the original's codes and texts. Here the
 * outcome is only delivered, in the original's order (PROTOCOL.md §3.0): the per-call callback, then the returned
 * Promise, then the method's return delegate. Events the engine reports on its own go to `Delegates[name]`.
 */
import {
  applicationStateConstants,
  callConstants,
  chatConstants,
  errorCodes,
  groupConstants,
  listConstants,
  logLevelConstants,
  notificationConstants,
  platformConstants,
  stickerConstants,
  userConstants,
} from './constants';
import { callGuarded } from './callGuarded';
import { SYSTEM_CALL_ACTION_EVENT, SystemCalls } from './callNotifications';
import { createDelegates, type DelegateResults, type Delegates } from './delegates';
import { withMediaStream } from './mediaStream';
import { RETURN_DELEGATE_OF_METHOD, type MethodName, type ReturnDelegateOf } from './methods';
import { callEngine, createEngine, destroyEngine, listen, stopListening, type Outcome } from './nativeEngine';
import type {
  AudioStateResult,
  AuthenticatedUser,
  AudioRouteResult,
  AZStackCoreConfig,
  AZStackError,
  Callback,
  CancelOutboxMessageOptions,
  CallinOptions,
  CameraTypeResult,
  CallNotificationRegistration,
  ChangeAdminGroupOptions,
  ChangeApplicationStateOptions,
  ChangeMessageStatusOptions,
  ConnectOptions,
  ConversationPage,
  CreateGroupOptions,
  DeleteConversationOptions,
  DeletedConversation,
  DeleteMessageOptions,
  EmptyResult,
  FileList,
  GetListGroupsOptions,
  GetModifiedConversationsOptions,
  GetModifiedFilesOptions,
  GetModifiedMessagesOptions,
  GetStickersListOptions,
  GetUnreadMessagesOptions,
  GetUsersInformationOptions,
  GroupAdminChange,
  GroupCreated,
  GroupDetails,
  GroupIdOptions,
  GroupInvitation,
  GroupJoin,
  GroupLeave,
  GroupList,
  GroupRename,
  InviteGroupOptions,
  LeaveGroupOptions,
  MediaPermissions,
  Message,
  MessagePage,
  NewMessageOptions,
  NoOptions,
  NotificationRegisterDeviceOptions,
  NotificationUnregisterDeviceOptions,
  OutboxList,
  PaidCallLogList,
  ParsedNotification,
  ParseNotificationOptions,
  RegisterForCallNotificationsOptions,
  RenameGroupOptions,
  RequestMediaPermissionsOptions,
  SetSpeakerphoneOnOptions,
  SendTypingOptions,
  StartCalloutOptions,
  StartFreeCallOptions,
  StickerPackList,
  UploadedFile,
  UploadFileOptions,
  ToggleStateOptions,
  UserList,
  VideoStateResult,
} from './types';

/** The server the original SDK connects to; every real deployment sets `masterSocketUri`. */
export const DEFAULT_MASTER_SOCKET_URI = 'https://www.azhub.xyz:9199';

/** The longest delay a JavaScript timer keeps (2^31 − 1 ms); a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** The result type of method `M`: what its return delegate receives. */
type ResultOf<M extends MethodName> = DelegateResults[ReturnDelegateOf<M>];

/**
 * A client of an AZStack server: one connection, one user. Create it with the constructor options of the seed README,
 * then `connect()`.
 *
 * Every method takes `(options, callback)` and returns a Promise; the outcome reaches all three of the callback, the
 * Promise and the method's return delegate in `Delegates`, so any of the three styles of the seed README works.
 * The returned Promise is marked handled: an application that uses only callbacks or delegates is not reported for an
 * unhandled rejection, while `await`, `.then` and `.catch` on it behave as usual.
 */
export class AZStackCore {
  /** `logLevelConstants`: the values of the `logLevel` option. */
  readonly logLevelConstants = logLevelConstants;
  /** `errorCodes`: the `code` of error objects. */
  readonly errorCodes = errorCodes;
  /** `callConstants`: media types and call statuses. */
  readonly callConstants = callConstants;
  /** `listConstants`: the `done` flag of lists. */
  readonly listConstants = listConstants;
  /** `chatConstants`: chat types, message types, statuses and file types. */
  readonly chatConstants = chatConstants;
  /** `userConstants`: online statuses. */
  readonly userConstants = userConstants;
  /** `groupConstants`: group types and flags. */
  readonly groupConstants = groupConstants;
  /** `platformConstants` (extension). */
  readonly platformConstants = platformConstants;
  /** `applicationStateConstants` (extension). */
  readonly applicationStateConstants = applicationStateConstants;
  /** `notificationConstants` (extension). */
  readonly notificationConstants = notificationConstants;
  /** `stickerConstants` (extension). */
  readonly stickerConstants = stickerConstants;

  /**
   * The delegates: assign a function to an entry to receive that delegate (`Delegates.onHasNewMessage = ...`). Every
   * entry starts as a no-op.
   */
  Delegates: Delegates = createDelegates();

  /**
   * The server URL `connect()` and `reconnect()` use. Starts as the constructor's `masterSocketUri` (or the original
   * server's URL); assign it before `connect()` to use another server, as with the original SDK.
   */
  masterSocketUri: string;

  private readonly handle: number;

  /** What the system call UI's actions mean for this core's calls (`registerForCallNotifications`). */
  private readonly systemCalls = new SystemCalls({
    run: (method) => this.request(method as MethodName, null, undefined).then(() => true, () => false),
    endSystemCall: (key, reason) => void callEngine(this.handle, 'endSystemCall', { key, reason }),
  });

  /** @param config - the constructor options of the seed README §3.2.2, plus the extensions of {@link AZStackCoreConfig}. */
  constructor(config?: AZStackCoreConfig) {
    const configured = config?.masterSocketUri;
    this.masterSocketUri = typeof configured === 'string' && configured !== '' ? configured : DEFAULT_MASTER_SOCKET_URI;
    this.handle = createEngine(config);
    listen(this.handle, (delegateName, outcome) => {
      if (delegateName === SYSTEM_CALL_ACTION_EVENT) {
        this.systemCalls.action(outcome.result);
        return;
      }
      this.systemCalls.engineEvent(delegateName, outcome.result);
      const delegate = (this.Delegates as unknown as Record<string, unknown>)[delegateName];
      const delivered = outcome.error ? outcome : { error: null, result: withMediaStream(outcome.result) };
      callGuarded(delegate, delivered, `Delegates.${delegateName}`);
    });
    if (typeof config?.storagePath === 'string' && config.storagePath !== '') {
      this.reportUnusableStorage();
    }
  }

  /**
   * Extension: closes the connection and releases the native engine. The instance receives no more events, and later
   * method calls fail with `ERR_UNEXPECTED_DATA`.
   */
  destroy(): void {
    stopListening(this.handle);
    destroyEngine(this.handle);
  }

  // --- connection ---------------------------------------------------------------------------------------------------

  /** Connects and authenticates (seed README §3.4.1). Return delegate `onConnectReturn`. */
  connect(options?: ConnectOptions, callback?: Callback<AuthenticatedUser>): Promise<AuthenticatedUser> {
    return this.request('connect', this.withMasterSocketUri(options), callback);
  }

  /** Connects again after a disconnection (§3.4.2). Return delegate `onReconnectReturn`. */
  reconnect(options?: ConnectOptions, callback?: Callback<AuthenticatedUser>): Promise<AuthenticatedUser> {
    return this.request('reconnect', this.withMasterSocketUri(options), callback);
  }

  /** Disconnects; no automatic reconnection follows (§3.4.3). Return delegate `onDisconnectReturn`. */
  disconnect(options?: NoOptions, callback?: Callback<null>): Promise<null> {
    return this.request('disconnect', options, callback);
  }

  /**
   * Extension: tells the engine that the device's network changed (Wi-Fi ↔ cellular, airplane mode off, a VPN). The
   * Android and iOS glue call it from `ConnectivityManager` / `NWPathMonitor`; apps may call it too. An open connection
   * is checked at once: when no answer arrives within 3 s (or half of `livenessTimeout`, if shorter) it counts as lost (`onDisconnected`)
   * and auto-reconnect, when enabled, tries again without waiting its interval; an auto-reconnect waiting for its next
   * attempt tries now. During an answered free call between two engines of this SDK, it also restarts ICE (a new offer
   * in svc 187 type 1), so the media finds a new path (a new TURN relay if needed) without ending the call. It has no
   * outcome and no return delegate.
   */
  networkChanged(): void {
    void callEngine(this.handle, 'networkChanged', null);
  }

  /**
   * Extension (`storagePath`): the messages waiting in the persistent outbox, oldest first (status SENDING); an empty
   * list without `storagePath`. Return delegate `onGetOutboxReturn`.
   */
  getOutbox(options?: NoOptions, callback?: Callback<OutboxList>): Promise<OutboxList> {
    return this.request('getOutbox', options, callback);
  }

  /**
   * Extension (`storagePath`): removes a waiting message from the outbox; its `newMessage` call fails. A message
   * already on its way may still arrive. Return delegate `onCancelOutboxMessageReturn`.
   */
  cancelOutboxMessage(options: CancelOutboxMessageOptions, callback?: Callback<null>): Promise<null> {
    return this.request('cancelOutboxMessage', options, callback);
  }

  // --- free calls ---------------------------------------------------------------------------------------------------

  /** Calls a user (§3.5.1.1). Progress arrives on `onFreeCallStatusChanged`. Return delegate `onStartFreeCallReturn`. */
  startFreeCall(options: StartFreeCallOptions, callback?: Callback<null>): Promise<null> {
    return this.request('startFreeCall', options, callback);
  }

  /** Hangs up or cancels the current free call. Return delegate `onStopFreeCallReturn`. */
  stopFreeCall(options?: NoOptions, callback?: Callback<null>): Promise<null> {
    return this.request('stopFreeCall', options, callback);
  }

  /** Answers the free call ringing here. Return delegate `onAnswerFreeCallReturn`. */
  answerFreeCall(options?: NoOptions, callback?: Callback<null>): Promise<null> {
    return this.request('answerFreeCall', options, callback);
  }

  /** Rejects the free call ringing here. Return delegate `onRejectFreeCallReturn`. */
  rejectFreeCall(options?: NoOptions, callback?: Callback<null>): Promise<null> {
    return this.request('rejectFreeCall', options, callback);
  }

  /** Reports the free call ringing here as not answered. Return delegate `onNotAnswerFreeCallReturn`. */
  notAnswerFreeCall(options?: NoOptions, callback?: Callback<null>): Promise<null> {
    return this.request('notAnswerFreeCall', options, callback);
  }

  // --- callout and call-in ------------------------------------------------------------------------------------------

  /** Calls a phone number (§3.5.2.1). A failed start's error has a `status`. Return delegate `onStartCalloutReturn`. */
  startCallout(options: StartCalloutOptions, callback?: Callback<null>): Promise<null> {
    return this.request('startCallout', options, callback);
  }

  /** Hangs up the current callout. Return delegate `onStopCalloutReturn`. */
  stopCallout(options?: NoOptions, callback?: Callback<null>): Promise<null> {
    return this.request('stopCallout', options, callback);
  }

  /** Answers the phone call ringing here. Return delegate `onAnswerCallinReturn`. */
  answerCallin(options?: CallinOptions, callback?: Callback<null>): Promise<null> {
    return this.request('answerCallin', options, callback);
  }

  /** Rejects the phone call ringing here. Return delegate `onRejectCallinReturn`. */
  rejectCallin(options?: CallinOptions, callback?: Callback<null>): Promise<null> {
    return this.request('rejectCallin', options, callback);
  }

  /** Reports the phone call ringing here as not answered. Return delegate `onNotAnsweredCallinReturn`. */
  notAnsweredCallin(options?: CallinOptions, callback?: Callback<null>): Promise<null> {
    return this.request('notAnsweredCallin', options, callback);
  }

  /** Hangs up the current call-in. Return delegate `onStopCallinReturn`. */
  stopCallin(options?: NoOptions, callback?: Callback<null>): Promise<null> {
    return this.request('stopCallin', options, callback);
  }

  // --- call utilities -----------------------------------------------------------------------------------------------

  /** Mutes or unmutes the microphone; without `state`, toggles it. Return delegate `onToggleAudioStateReturn`. */
  toggleAudioState(options?: ToggleStateOptions, callback?: Callback<AudioStateResult>): Promise<AudioStateResult> {
    return this.request('toggleAudioState', options, callback);
  }

  /** Turns the camera on or off; without `state`, toggles it. Return delegate `onToggleVideoStateReturn`. */
  toggleVideoState(options?: ToggleStateOptions, callback?: Callback<VideoStateResult>): Promise<VideoStateResult> {
    return this.request('toggleVideoState', options, callback);
  }

  /** Switches between the front and back cameras. Return delegate `onSwitchCameraTypeReturn`. */
  switchCameraType(options?: NoOptions, callback?: Callback<CameraTypeResult>): Promise<CameraTypeResult> {
    return this.request('switchCameraType', options, callback);
  }

  /**
   * Extension: asks the user for the microphone and/or camera a call needs (`{audio, video}`, each `true` unless
   * `false`), showing the system prompt where it is still allowed: Android's runtime permission dialog through the
   * current Activity, iOS's `AVCaptureDevice` / `AVAudioSession` prompts. Resolves with each device's state, `granted`,
   * `denied` (ask again later) or `blocked` (only the system settings can change it), `null` for a device not asked
   * for. On Android without an Activity in the foreground the current states are answered without a dialog. Fails
   * (`ERR_UNEXPECTED_DATA`) only if the system gives no answer within five minutes. The Linux host's synthetic devices
   * are always granted. Return delegate `onRequestMediaPermissionsReturn`.
   */
  requestMediaPermissions(
    options?: RequestMediaPermissionsOptions,
    callback?: Callback<MediaPermissions>,
  ): Promise<MediaPermissions> {
    return this.request('requestMediaPermissions', options ?? {}, callback);
  }

  /**
   * Extension: plays call audio on the loudspeaker (`{on: true}`) or the earpiece (`{on: false}`). Without it a video
   * call plays on the loudspeaker and an audio call on the earpiece; the choice lasts until the call's audio stops (the
   * next call starts from the default), and one made before a call applies to that call. Resolves with the route now:
   * `{route: 'speaker' | 'earpiece' | 'none'}` (`none`: no call audio yet). Return delegate
   * `onSetSpeakerphoneOnReturn`.
   */
  setSpeakerphoneOn(options: SetSpeakerphoneOnOptions, callback?: Callback<AudioRouteResult>): Promise<AudioRouteResult> {
    return this.request('setSpeakerphoneOn', options, callback);
  }

  /** Lists my callouts and call-ins (§3.5.5.1). Return delegate `onGetPaidCallLogsReturn`. */
  getPaidCallLogs(options?: NoOptions, callback?: Callback<PaidCallLogList>): Promise<PaidCallLogList> {
    return this.request('getPaidCallLogs', options, callback);
  }

  // --- conversations ------------------------------------------------------------------------------------------------

  /** One page of my conversations (§3.6.1). Return delegate `onGetModifiedConversationsReturn`. */
  getModifiedConversations(
    options: GetModifiedConversationsOptions,
    callback?: Callback<ConversationPage>,
  ): Promise<ConversationPage> {
    return this.request('getModifiedConversations', options, callback);
  }

  /** Hides a conversation and its messages from me (§3.6.2). Return delegate `onDeleteConversationReturn`. */
  deleteConversation(
    options: DeleteConversationOptions,
    callback?: Callback<DeletedConversation>,
  ): Promise<DeletedConversation> {
    return this.request('deleteConversation', options, callback);
  }

  // --- messages -----------------------------------------------------------------------------------------------------

  /** One page of a conversation's messages I have not seen (§3.7.1.1). Return delegate `onGetUnreadMessagesReturn`. */
  getUnreadMessages(options: GetUnreadMessagesOptions, callback?: Callback<MessagePage>): Promise<MessagePage> {
    return this.request('getUnreadMessages', options, callback);
  }

  /**
   * The seed README's example for `getUnreadMessages` swaps the method's and the delegate's names; this alias keeps
   * that example running. It is `getUnreadMessages`, and reports to `Delegates.onGetUnreadMessagesReturn`.
   *
   * @deprecated Use {@link AZStackCore.getUnreadMessages}.
   */
  onGetUnreadMessagesReturn(options: GetUnreadMessagesOptions, callback?: Callback<MessagePage>): Promise<MessagePage> {
    return this.getUnreadMessages(options, callback);
  }

  /** One page of a conversation's history (§3.7.1.2). Return delegate `onGetModifiedMessagesReturn`. */
  getModifiedMessages(options: GetModifiedMessagesOptions, callback?: Callback<MessagePage>): Promise<MessagePage> {
    return this.request('getModifiedMessages', options, callback);
  }

  /** File messages, of one conversation or all (§3.7.1.3). Return delegate `onGetModifiedFilesReturn`. */
  getModifiedFiles(options: GetModifiedFilesOptions, callback?: Callback<FileList>): Promise<FileList> {
    return this.request('getModifiedFiles', options, callback);
  }

  /**
   * Sends a text, sticker, file or (extension) location message (§3.7.2.1). Settles once the server has accepted the
   * message, with status `MESSAGE_STATUS_SENT`. Return delegate `onNewMessageReturn`.
   */
  newMessage(options: NewMessageOptions, callback?: Callback<Message>): Promise<Message> {
    return this.request('newMessage', options, callback);
  }

  /**
   * Reports a message DELIVERED or SEEN, or recalls (CANCELLED) one of mine (§3.7.2.2). Return delegate
   * `onChangeMessageStatusReturn`.
   */
  changeMessageStatus(options: ChangeMessageStatusOptions, callback?: Callback<null>): Promise<null> {
    return this.request('changeMessageStatus', options, callback);
  }

  /** Deletes a message from my view (§3.7.2.3). Return delegate `onMessageDeleted`. */
  deleteMessage(options: DeleteMessageOptions, callback?: Callback<null>): Promise<null> {
    return this.request('deleteMessage', options, callback);
  }

  /** Tells the other party that I am typing (§3.7.2.4). Return delegate `onSendTypingReturn`. */
  sendTyping(options: SendTypingOptions, callback?: Callback<null>): Promise<null> {
    return this.request('sendTyping', options, callback);
  }

  // --- users --------------------------------------------------------------------------------------------------------

  /** Looks users up by id or `azStackUserId` (§3.8.1). Return delegate `onGetUsersInformationReturn`. */
  getUsersInformation(options: GetUsersInformationOptions, callback?: Callback<UserList>): Promise<UserList> {
    return this.request('getUsersInformation', options, callback);
  }

  // --- groups -------------------------------------------------------------------------------------------------------

  /** Creates a group with me as admin (§3.9.1.1). Return delegate `onGroupCreateReturn`. */
  createGroup(options: CreateGroupOptions, callback?: Callback<GroupCreated>): Promise<GroupCreated> {
    return this.request('createGroup', options, callback);
  }

  /** Adds members to a group (§3.9.1.2). Return delegate `onGroupInviteReturn`. */
  inviteGroup(options: InviteGroupOptions, callback?: Callback<GroupInvitation>): Promise<GroupInvitation> {
    return this.request('inviteGroup', options, callback);
  }

  /** Leaves a group, or removes a member as admin (§3.9.1.3). Return delegate `onGroupLeaveReturn`. */
  leaveGroup(options: LeaveGroupOptions, callback?: Callback<GroupLeave>): Promise<GroupLeave> {
    return this.request('leaveGroup', options, callback);
  }

  /** Renames a group (§3.9.1.4). Return delegate `onGroupRenameReturn`. */
  renameGroup(options: RenameGroupOptions, callback?: Callback<GroupRename>): Promise<GroupRename> {
    return this.request('renameGroup', options, callback);
  }

  /** Hands a group's admin role to another member (§3.9.1.5). Return delegate `onGroupAdminChangeReturn`. */
  changeAdminGroup(options: ChangeAdminGroupOptions, callback?: Callback<GroupAdminChange>): Promise<GroupAdminChange> {
    return this.request('changeAdminGroup', options, callback);
  }

  /**
   * Joins a public group (§3.9.1.6); `onGroupPublicJoined` fires for my own join too. Return delegate
   * `onGroupJoinPublicReturn`.
   */
  joinPublicGroup(options: GroupIdOptions, callback?: Callback<GroupJoin>): Promise<GroupJoin> {
    return this.request('joinPublicGroup', options, callback);
  }

  /** A group with its members (§3.9.2.1). Return delegate `onGroupGetDetailsReturn`. */
  getDetailsGroup(options: GroupIdOptions, callback?: Callback<GroupDetails>): Promise<GroupDetails> {
    return this.request('getDetailsGroup', options, callback);
  }

  /** My private groups, or the public groups (§3.9.2.2). Return delegate `onGroupGetListReturn`. */
  getListGroups(options: GetListGroupsOptions, callback?: Callback<GroupList>): Promise<GroupList> {
    return this.request('getListGroups', options, callback);
  }

  // --- extensions (PROTOCOL.md §10) ---------------------------------------------------------------------------------

  /**
   * Extension: tells the server whether the app is in the foreground, which decides push notifications. Return
   * delegate `onApplicationChangeStateReturn`.
   */
  changeApplicationState(options: ChangeApplicationStateOptions, callback?: Callback<EmptyResult>): Promise<EmptyResult> {
    return this.request('changeApplicationState', options, callback);
  }

  /** Extension: registers this device's push token. Return delegate `onNotificationRegisterDeviceReturn`. */
  notificationRegisterDevice(
    options: NotificationRegisterDeviceOptions,
    callback?: Callback<EmptyResult>,
  ): Promise<EmptyResult> {
    return this.request('notificationRegisterDevice', options, callback);
  }

  /** Extension: forgets a push token. Return delegate `onNotificationUnregisterDeviceReturn`. */
  notificationUnregisterDevice(
    options: NotificationUnregisterDeviceOptions,
    callback?: Callback<EmptyResult>,
  ): Promise<EmptyResult> {
    return this.request('notificationUnregisterDevice', options, callback);
  }

  /** Extension: what a received push notification is about. Return delegate `onNotificationParseReturn`. */
  parseNotification(options: ParseNotificationOptions, callback?: Callback<ParsedNotification>): Promise<ParsedNotification> {
    return this.request('parseNotification', options, callback);
  }

  // --- calls that ring a sleeping phone (extension) --------------------------------------------------------------

  /**
   * Extension: rings this device for calls while the app sleeps or is killed. Asks the platform for its call-push
   * token (iOS: PushKit's VoIP token; Android: FCM's token), registers it with the server as
   * `notificationRegisterDevice` does (iOS: `applicationBundleId` `<bundle id>.voip`, the topic of VoIP pushes;
   * Android: the package name), and turns the system call UI on (CallKit; Android's self-managed
   * `ConnectionService`). From then on a call push rings in the system UI even when the app is killed, and the SDK
   * maps the user's answer there to `answerFreeCall` — also when it comes before this core has connected and received
   * the call's offer: it is made when the offer arrives, within `ringTimeout` — and a decline to `rejectFreeCall`;
   * the system call ends when the call ends (hung up, cancelled, answered on another device). Call it once connected,
   * on every start of the app (a cold start by a push included: actions taken in the system UI before it wait for
   * it). Needs the platform setup in the README ("Calls that ring a sleeping phone"); fails with
   * `ERR_UNEXPECTED_DATA` without it. Resolves with `{deviceToken, devicePlatformOS}`. Return delegate
   * `onRegisterForCallNotificationsReturn`.
   */
  registerForCallNotifications(
    options?: RegisterForCallNotificationsOptions,
    callback?: Callback<CallNotificationRegistration>,
  ): Promise<CallNotificationRegistration> {
    return this.settle('registerForCallNotifications', this.registerCalls(options), callback);
  }

  /** Extension: the sticker catalogue. Return delegate `onGetStickersListReturn`. */
  getStickersList(options: GetStickersListOptions, callback?: Callback<StickerPackList>): Promise<StickerPackList> {
    return this.request('getStickersList', options, callback);
  }

  // --- file uploads (extension) ------------------------------------------------------------------------------------

  /**
   * Extension: streams a file to the server's file store for a file message, with `onUploadFileProgress` events;
   * the result's `url` and `fileLength` go into `newMessage`'s `file: {url, name, length, type}`. Return delegate
   * `onUploadFileReturn`.
   */
  uploadFile(options: UploadFileOptions, callback?: Callback<UploadedFile>): Promise<UploadedFile> {
    return this.request('uploadFile', options, callback);
  }

  // --- plumbing -----------------------------------------------------------------------------------------------------

  /**
   * One native call, then the outcome goes to the callback, the Promise and the return delegate, in that order.
   *
   * The Promise gets a no-op rejection handler before it is returned. This marks that same Promise object as handled
   * and changes nothing else: it still rejects, and every `.then`/`.catch`/`await` the application attaches sees the
   * error. Without it, the seed README's callback and delegate styles, which ignore the returned Promise, would raise
   * an unhandled rejection for every failed call although the error was delivered.
   */
  private request<M extends MethodName>(
    method: M,
    options: unknown,
    callback: Callback<ResultOf<M>> | undefined,
  ): Promise<ResultOf<M>> {
    return this.settle(method, callEngine(this.handle, method, options), callback);
  }

  /** Delivers the outcome of method `method` to the callback, the Promise and the return delegate (see `request`). */
  private settle<M extends MethodName>(
    method: M,
    outcomes: Promise<Outcome>,
    callback: Callback<ResultOf<M>> | undefined,
  ): Promise<ResultOf<M>> {
    const delegateName = RETURN_DELEGATE_OF_METHOD[method];
    const promise = new Promise<ResultOf<M>>((resolve, reject: (error: AZStackError) => void) => {
      void outcomes.then((outcome) => {
        this.systemCalls.methodSettled(method, !outcome.error);
        callGuarded(callback, outcome, `the callback of ${method}`);
        if (outcome.error) {
          reject(outcome.error);
        } else {
          resolve(outcome.result as ResultOf<M>);
        }
        callGuarded(this.Delegates[delegateName], outcome, `Delegates.${delegateName}`);
      });
    });
    promise.catch(() => {});
    return promise;
  }

  /** `registerForCallNotifications`: the platform's token (azstack-ffi asks it), then svc 38 with it. */
  private async registerCalls(options: RegisterForCallNotificationsOptions | undefined): Promise<Outcome> {
    const ringTimeout = options?.ringTimeout;
    const usable = typeof ringTimeout === 'number' && ringTimeout > 0 && ringTimeout <= MAX_TIMER_MS;
    if (ringTimeout !== undefined && !usable) {
      return { error: { code: errorCodes.ERR_UNEXPECTED_SEND_DATA, message: 'ringTimeout must be a positive number' }, result: null };
    }
    this.systemCalls.configure(ringTimeout);
    const token = await callEngine(this.handle, 'registerForCallNotifications', options ?? {});
    if (token.error) {
      return token;
    }
    const { deviceToken, devicePlatformOS } = (token.result ?? {}) as Partial<CallNotificationRegistration>;
    if (typeof deviceToken !== 'string' || typeof devicePlatformOS !== 'number') {
      return { error: { code: errorCodes.ERR_UNEXPECTED_RECEIVED_DATA, message: 'registerForCallNotifications: no token' }, result: null };
    }
    const registered = await callEngine(this.handle, 'notificationRegisterDevice', token.result);
    if (registered.error) {
      return registered;
    }
    return { error: null, result: { deviceToken, devicePlatformOS } };
  }

  /**
   * A `storagePath` the engine could not use is reported at construction: `console.error` and `onOutboxChanged` with
   * the error (after the constructor returned, so a delegate assigned right after `new` receives it).
   */
  private reportUnusableStorage(): void {
    void callEngine(this.handle, 'getOutbox', null).then((outcome) => {
      if (outcome.error) {
        console.error(`AZStackCore: ${outcome.error.message}`);
        callGuarded(this.Delegates.onOutboxChanged, outcome, 'Delegates.onOutboxChanged');
      }
    });
  }

  /** `connect`/`reconnect` options with the `masterSocketUri` property added, unless the options name one. */
  private withMasterSocketUri(options: ConnectOptions | undefined): unknown {
    if (options === undefined || options === null) {
      return { masterSocketUri: this.masterSocketUri };
    }
    if (typeof options !== 'object' || Array.isArray(options)) {
      return options;
    }
    return { masterSocketUri: this.masterSocketUri, ...options };
  }
}
