/**
 * The constant objects of `AZStackCore` (seed README §3.3, PROTOCOL.md §7), with the seed README's names and values.
 *
 * Each object is also a property of every `AZStackCore` instance (`core.chatConstants.CHAT_TYPE_USER`, ...), as in the
 * original SDK. Where the seed README and the last published core disagree, the README wins (PROTOCOL.md D8): message
 * types are TEXT 1 ... GROUP_PUBLIC_JOINED 9, and the extension `MESSAGE_TYPE_LOCATION` is 11. Constants only the last
 * published core has (location, extra callout statuses, platform, application state, notification and sticker
 * constants) carry that core's values. The Rust crate `azstack-protocol` holds the same table;
 * `tests/js/check-constants.mjs` compares the two and the README.
 */

/** `logLevelConstants`: the values of the `logLevel` option. */
export const logLevelConstants = Object.freeze({
  LOG_PREFIX: 'AZStack Log:',
  /** No log (default). */
  LOG_LEVEL_NONE: 'NONE',
  /** Only errors. */
  LOG_LEVEL_ERROR: 'ERROR',
  /** Errors and the progress of operations. */
  LOG_LEVEL_INFO: 'INFO',
  /** Errors, progress and the data sent and received. */
  LOG_LEVEL_DEBUG: 'DEBUG',
} as const);

/** `errorCodes`: the `code` of every error object, plus the values of `r` that mean success in server replies. */
export const errorCodes = Object.freeze({
  /** Cannot connect to the socket. */
  ERR_SOCKET_CONNECT: 'ERR_SOCKET_CONNECT',
  /** Cannot parse a socket packet's body. */
  ERR_SOCKET_PARSE_BODY: 'ERR_SOCKET_PARSE_BODY',
  /** Unknown socket packet service. */
  ERR_SOCKET_UNKNOWN_SERVICE: 'ERR_SOCKET_UNKNOWN_SERVICE',
  /** The socket is not connected. */
  ERR_SOCKET_NOT_CONNECTED: 'ERR_SOCKET_NOT_CONNECTED',
  /** The request timed out. */
  ERR_REQUEST_TIMEOUT: 'ERR_REQUEST_TIMEOUT',
  /** The current state does not allow the operation. */
  ERR_UNEXPECTED_DATA: 'ERR_UNEXPECTED_DATA',
  /** Invalid parameters. */
  ERR_UNEXPECTED_SEND_DATA: 'ERR_UNEXPECTED_SEND_DATA',
  /** Invalid or negative data received. */
  ERR_UNEXPECTED_RECEIVED_DATA: 'ERR_UNEXPECTED_RECEIVED_DATA',
  /** Camera, microphone or peer connection failure (extension). */
  ERR_WEBRTC: 'ERR_WEBRTC',
  REQUEST_SUCCESS_FROM_SERVER: 1,
  DELETE_CONVERSATION_SUCCESS_FROM_SERVER: 0,
  CHANGE_STATUS_MESSAGE_SUCCESS_FROM_SERVER: 0,
  DELETE_MESSAGE_SUCCESS_FROM_SERVER: 0,
  GROUP_INVITE_SUCCESS_FROM_SERVER: 0,
  GROUP_LEAVE_SUCCESS_FROM_SERVER: 0,
  GROUP_RENAME_SUCCESS_FROM_SERVER: 0,
  GROUP_CHANGE_ADMIN_SUCCESS_FROM_SERVER: 0,
  GROUP_JOIN_PUBLIC_SUCCESS_FROM_SERVER: 0,
  GROUP_GET_DETAILS_SUCCESS_FROM_SERVER: 0,
} as const);

/** `callConstants`: media types, WebRTC states and the statuses of free calls, callouts and call-ins. */
export const callConstants = Object.freeze({
  CALL_TYPE_FREE_CALL: 'CALL_TYPE_FREE_CALL',
  CALL_TYPE_CALLOUT: 'CALL_TYPE_CALLOUT',
  CALL_TYPE_CALLIN: 'CALL_TYPE_CALLIN',

  CALL_WEBRTC_AUDIO_STATE_OFF: 0,
  CALL_WEBRTC_AUDIO_STATE_ON: 1,
  CALL_WEBRTC_VIDEO_STATE_OFF: 0,
  CALL_WEBRTC_VIDEO_STATE_ON: 1,
  CALL_WEBRTC_DATA_TYPE_SESSION_DESCRIPTION: 1,
  CALL_WEBRTC_DATA_TYPE_ICE_CANDIDATE: 2,
  /** Front camera. */
  CALL_WEBRTC_CAMERA_TYPE_FRONT: 'user',
  /** Back camera. */
  CALL_WEBRTC_CAMERA_TYPE_BACK: 'environment',
  /** The original spelling. */
  CALL_WEBRTC_BUNBLE_POLICY_TYPE_BALANCED: 'balanced',

  CALL_MEDIA_TYPE_AUDIO: 1,
  CALL_MEDIA_TYPE_VIDEO: 2,

  CALL_STATUS_FREE_CALL_UNKNOWN: 0,
  CALL_STATUS_FREE_CALL_CONNECTING: 100,
  CALL_STATUS_FREE_CALL_RINGING: 180,
  CALL_STATUS_FREE_CALL_ANSWERED: 200,
  CALL_STATUS_FREE_CALL_BUSY: 600,
  CALL_STATUS_FREE_CALL_REJECTED: 603,
  CALL_STATUS_FREE_CALL_STOP: 700,
  CALL_STATUS_FREE_CALL_NOT_ANSWERED: 400,

  CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_SUCCESS: 100,
  CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_ERROR_CHARGING: 402,
  CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_ERROR_FROM_NUMBER: 404,

  CALL_STATUS_CALLOUT_INITIAL_UNKNOWN: 0,
  CALL_STATUS_CALLOUT_INITIAL_BUSY: -3,
  CALL_STATUS_CALLOUT_INITIAL_NOT_ENOUGH_BALANCE: -4,
  /** The seed README's name for -5. */
  CALL_STATUS_CALLOUT_INITIAL_INVALID_NUMBER: -5,
  /** The last published core's name for -5. */
  CALL_STATUS_CALLOUT_INITIAL_INVALID_TO_NUMBER: -5,
  CALL_STATUS_CALLOUT_INITIAL_INVALID_FROM_NUMBER: -6,

  CALL_STATUS_CALLOUT_STATUS_UNKNOWN: 0,
  CALL_STATUS_CALLOUT_STATUS_CONNECTING: 100,
  CALL_STATUS_CALLOUT_STATUS_RINGING: 183,
  CALL_STATUS_CALLOUT_STATUS_RINGING_OTHER: 180,
  CALL_STATUS_CALLOUT_STATUS_ANSWERED: 200,
  CALL_STATUS_CALLOUT_STATUS_REJECTED: 403,
  CALL_STATUS_CALLOUT_STATUS_USER_NOT_AVAILABLE: 408,
  CALL_STATUS_CALLOUT_STATUS_BUSY: 486,
  CALL_STATUS_CALLOUT_STATUS_TERMINAL: 487,
  CALL_STATUS_CALLOUT_STATUS_NO_SIGNAL: 503,
  CALL_STATUS_CALLOUT_STATUS_NOT_ANSWERED: 480,
  CALL_STATUS_CALLOUT_STATUS_STOP: 700,
  CALL_STATUS_CALLOUT_STATUS_NOT_ENOUGH_BALANCE: 702,

  CALL_STATUS_CALLIN_STATUS_UNKNOWN: 0,
  CALL_STATUS_CALLIN_STATUS_RINGING: 183,
  CALL_STATUS_CALLIN_STATUS_ANSWERED: 200,
  CALL_STATUS_CALLIN_STATUS_BUSY: 486,
  CALL_STATUS_CALLIN_STATUS_NOT_ANSWERED: 403,
  CALL_STATUS_CALLIN_STATUS_RINGING_STOP: 702,
  CALL_STATUS_CALLIN_STATUS_STOP: 700,

  CALL_PAID_LOG_CALL_TYPE_CALLOUT: 1,
  CALL_PAID_LOG_CALL_TYPE_CALLIN: 2,
  CALL_PAID_LOG_CALL_STATUS_ANSWERED: 0,
  CALL_PAID_LOG_CALL_STATUS_REJECTED: 1,
  CALL_PAID_LOG_CALL_STATUS_NOT_ANSWERED: 2,
} as const);

/** `listConstants`: the `done` flag of list results. */
export const listConstants = Object.freeze({
  GET_LIST_DONE: 1,
  GET_LIST_UNDONE: 0,
} as const);

/** `chatConstants`: chat types, message types, statuses, deletion flags and file types. */
export const chatConstants = Object.freeze({
  CHAT_TYPE_USER: 1,
  CHAT_TYPE_GROUP: 2,

  CONVERSATION_DELETED_FALSE: 0,
  CONVERSATION_DELETED_TRUE: 1,

  MESSAGE_TYPE_TEXT: 1,
  MESSAGE_TYPE_STICKER: 2,
  MESSAGE_TYPE_FILE: 3,
  MESSAGE_TYPE_GROUP_CREATED: 4,
  MESSAGE_TYPE_GROUP_INVITED: 5,
  MESSAGE_TYPE_GROUP_LEFT: 6,
  MESSAGE_TYPE_GROUP_RENAMED: 7,
  MESSAGE_TYPE_GROUP_ADMIN_CHANGED: 8,
  MESSAGE_TYPE_GROUP_PUBLIC_JOINED: 9,
  /** Extension (PROTOCOL.md D8). */
  MESSAGE_TYPE_LOCATION: 11,

  MESSAGE_STATUS_SENDING: 0,
  MESSAGE_STATUS_SENT: 1,
  MESSAGE_STATUS_DELIVERED: 2,
  MESSAGE_STATUS_SEEN: 3,
  MESSAGE_STATUS_CANCELLED: 6,

  MESSAGE_DELETED_FALSE: 0,
  MESSAGE_DELETED_TRUE: 1,

  MESSAGE_FILE_TYPE_UNKNOWN: 0,
  MESSAGE_FILE_TYPE_IMAGE: 1,
  MESSAGE_FILE_TYPE_AUDIO: 2,
  MESSAGE_FILE_TYPE_VIDEO: 3,
  MESSAGE_FILE_TYPE_EXCEL: 4,
  MESSAGE_FILE_TYPE_WORD: 5,
  MESSAGE_FILE_TYPE_POWERPOINT: 6,
  MESSAGE_FILE_TYPE_PDF: 7,
  MESSAGE_FILE_TYPE_TEXT: 8,
  MESSAGE_FILE_TYPE_CODE: 9,
  MESSAGE_FILE_TYPE_ARCHIVE: 10,
} as const);

/** `userConstants`: a user's online status. */
export const userConstants = Object.freeze({
  USER_STATUS_ONLINE: 1,
  USER_STATUS_NOT_ONLINE: 0,
} as const);

/** `groupConstants`: group types, membership and auto-join flags. */
export const groupConstants = Object.freeze({
  GROUP_TYPE_PRIVATE: 0,
  GROUP_TYPE_PUBLIC: 1,
  GROUP_IS_NOT_IN: 0,
  GROUP_IS_IN: 1,
  GROUP_IS_NOT_AUTO_JOIN: 0,
  GROUP_IS_AUTO_JOIN: 1,
} as const);

/** `platformConstants` (extension): the `devicePlatformOS` of `notificationRegisterDevice`. */
export const platformConstants = Object.freeze({
  PLATFORM_ANDROID: 1,
  PLATFORM_IOS: 2,
  PLATFORM_WEB: 3,
} as const);

/** `applicationStateConstants` (extension): the `state` of `changeApplicationState`. */
export const applicationStateConstants = Object.freeze({
  APPLICATION_STATE_BACKGROUND: 1,
  APPLICATION_STATE_FOREGROUND: 2,
} as const);

/** `notificationConstants` (extension): the `type` of a parsed push notification. */
export const notificationConstants = Object.freeze({
  NOTIFICATION_TYPE_UNKNOWN: 0,
  NOTIFICATION_TYPE_MESSAGE: 1,
  NOTIFICATION_TYPE_FREE_CALL: 2,
  NOTIFICATION_TYPE_CALLIN: 3,
} as const);

/** `stickerConstants` (extension): the `isDefault` flag of sticker packs and the catalogue's id remapping. */
export const stickerConstants = Object.freeze({
  STICKER_TYPE_DEFAULT: 1,
  STICKER_TYPE_NOT_DEFAULT: 0,
  STICKER_DEFAULT_CATID_2_ORIGINAL: 2,
  STICKER_DEFAULT_CATID_2_FAKE: 12,
  STICKER_DEFAULT_CATID_3_ORIGINAL: 3,
  STICKER_DEFAULT_CATID_3_FAKE: 13,
  STICKER_DEFAULT_CATID_4_ORIGINAL: 4,
  STICKER_DEFAULT_CATID_4_FAKE: 15,
  STICKER_DEFAULT_CATID_5_ORIGINAL: 5,
  STICKER_DEFAULT_CATID_5_FAKE: 16,
} as const);
