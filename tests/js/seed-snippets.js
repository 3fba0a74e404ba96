// The seed README's code snippets (tests/js/seed/AZStack-README.txt), pasted verbatim and run one by one against a
// server, each checked to complete: a snippet that calls a method completes when that method's return delegate is
// called (whichever delegate the snippet installed is wrapped, so the snippet's own handler still runs); a snippet
// that only installs a delegate completes when the delegate is a function.
//
// The snippets' lines are kept exactly as the README prints them (unindented). The only changes:
//   - §3.2.1 imports from 'azstack-react-native' instead of '{path_to_libs}/azstack/';
//   - §3.2.2 takes appId and publicKey from the environment and adds `masterSocketUri` (the server URL), and has the
//     comma the README leaves out after `autoReconnectIntervalTime: 5000` (without it the snippet is a syntax error).
// `this` in the snippets is the README's app component; here it is `app`, which also carries `chatConstants` because
// the §3.7.2.1 snippets read `this.chatConstants.MESSAGE_FILE_TYPE_IMAGE`.
//
// Order: the README's, except that §3.4.3 (disconnect) and then §3.4.2 (reconnect) run last, so that the other
// snippets run connected. Run with scripts/jsi-run; needs AZSTACK_URL, AZSTACK_APP_ID and AZSTACK_PUBLIC_KEY.

// §3.2.1
import { AZStackCore } from 'azstack-react-native';
import { chatConstants } from 'azstack-react-native';
import { assert, deepEqual, run, test, waitForDelegate } from './harness';

/** How long a snippet's method may take (the README's config sets requestTimeout to 60 s; the server answers fast). */
const SNIPPET_DEADLINE_MS = 25_000;

/** What the snippets call `this`. */
const app = { chatConstants };

/**
 * The snippets: `section` of the README, `awaits` the return delegate of the method the snippet calls, or `installs`
 * the delegate a snippet only installs.
 */
const SNIPPETS = [
  {
    section: '3.2.2 Config',
    run() {
this.AZStackCore = new AZStackCore({
masterSocketUri: host.env('AZSTACK_URL'),
requestTimeout: 60000,
intervalPingTime: 60000,
autoReconnect: false,
autoReconnectLimitTries: 0,
autoReconnectIntervalTime: 5000,
logLevel: 'NONE',
authenticatingData: {
appId: host.env('AZSTACK_APP_ID'),
publicKey: host.env('AZSTACK_PUBLIC_KEY'),
azStackUserId: 'test_user_1',
userCredentials: '',
fullname: 'Test User 1',
namespace: ''
}
});
    },
  },
  {
    section: '3.4.1 Connect', awaits: 'onConnectReturn',
    run() {
this.AZStackCore.connect({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.4.1 Connect', awaits: 'onConnectReturn',
    run() {
this.AZStackCore.connect({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.4.1 Connect', awaits: 'onConnectReturn',
    run() {
this.AZStackCore.Delegates.onConnectReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.connect({});
    },
  },
  {
    section: '3.4.2 Reconnect', awaits: 'onReconnectReturn',
    run() {
this.AZStackCore.reconnect({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.4.2 Reconnect', awaits: 'onReconnectReturn',
    run() {
this.AZStackCore.reconnect({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.4.2 Reconnect', awaits: 'onReconnectReturn',
    run() {
this.AZStackCore.Delegates.onReconnectReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.reconnect({});
    },
  },
  {
    section: '3.4.3 Disconnect', awaits: 'onDisconnectReturn',
    run() {
this.AZStackCore.disconnect({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.4.3 Disconnect', awaits: 'onDisconnectReturn',
    run() {
this.AZStackCore.disconnect({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.4.3 Disconnect', awaits: 'onDisconnectReturn',
    run() {
this.AZStackCore.Delegates.onDisconnectReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.disconnect({});
    },
  },
  {
    section: '3.4.4.1 Auto reconnected', installs: 'onAutoReconnected',
    run() {
this.AZStackCore.Delegates.onAutoReconnected = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.4.4.2 Disconnected', installs: 'onDisconnected',
    run() {
this.AZStackCore.Delegates.onDisconnected = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.5.1.1 Start function', awaits: 'onStartFreeCallReturn',
    run() {
this.AZStackCore.startFreeCall({
mediaType: this.AZStackCore.callConstants.CALL_MEDIA_TYPE_AUDIO,
toUserId: 1234
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.1.1 Start function', awaits: 'onStartFreeCallReturn',
    run() {
this.AZStackCore.startFreeCall({
mediaType: this.AZStackCore.callConstants.CALL_MEDIA_TYPE_AUDIO,
toUserId: 1234
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.1.1 Start function', awaits: 'onStartFreeCallReturn',
    run() {
this.AZStackCore.Delegates.onStartFreeCallReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.startFreeCall({
mediaType: this.AZStackCore.callConstants.CALL_MEDIA_TYPE_AUDIO,
toUserId: 1234
});
    },
  },
  {
    section: '3.5.1.2 Stop function', awaits: 'onStopFreeCallReturn',
    run() {
this.AZStackCore.stopFreeCall({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.1.2 Stop function', awaits: 'onStopFreeCallReturn',
    run() {
this.AZStackCore.stopFreeCall({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.1.2 Stop function', awaits: 'onStopFreeCallReturn',
    run() {
this.AZStackCore.Delegates.onStopFreeCallReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.stopFreeCall({});
    },
  },
  {
    section: '3.5.1.3 Answer function', awaits: 'onAnswerFreeCallReturn',
    run() {
this.AZStackCore.answerFreeCall({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.1.3 Answer function', awaits: 'onAnswerFreeCallReturn',
    run() {
this.AZStackCore.answerFreeCall({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.1.3 Answer function', awaits: 'onAnswerFreeCallReturn',
    run() {
this.AZStackCore.Delegates.onAnswerFreeCallReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.answerFreeCall({});
    },
  },
  {
    section: '3.5.1.4 Reject function', awaits: 'onRejectFreeCallReturn',
    run() {
this.AZStackCore.rejectFreeCall({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.1.4 Reject function', awaits: 'onRejectFreeCallReturn',
    run() {
this.AZStackCore.rejectFreeCall({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.1.4 Reject function', awaits: 'onRejectFreeCallReturn',
    run() {
this.AZStackCore.Delegates.onRejectFreeCallReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.rejectFreeCall({});
    },
  },
  {
    section: '3.5.1.5 Not answer function', awaits: 'onNotAnswerFreeCallReturn',
    run() {
this.AZStackCore.notAnswerFreeCall({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.1.5 Not answer function', awaits: 'onNotAnswerFreeCallReturn',
    run() {
this.AZStackCore.notAnswerFreeCall({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.1.5 Not answer function', awaits: 'onNotAnswerFreeCallReturn',
    run() {
this.AZStackCore.Delegates.onNotAnswerFreeCallReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.notAnswerFreeCall({});
    },
  },
  {
    section: '3.5.1.6 Delegates', installs: 'onFreeCallStart',
    run() {
this.AZStackCore.Delegates.onFreeCallStart = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.5.1.6 Delegates', installs: 'onFreeCallStatusChanged',
    run() {
this.AZStackCore.Delegates.onFreeCallStatusChanged = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.5.1.6 Delegates', installs: 'onFreeCallStatusChangedByMe',
    run() {
this.AZStackCore.Delegates.onFreeCallStatusChangedByMe = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.5.1.6 Delegates', installs: 'onLocalStreamArrived',
    run() {
this.AZStackCore.Delegates.onLocalStreamArrived = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.5.1.6 Delegates', installs: 'onLocalStreamArrived',
    run() {
this.AZStackCore.Delegates.onLocalStreamArrived = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.5.2.1 Start function', awaits: 'onStartCalloutReturn',
    run() {
this.AZStackCore.startCallout({
toPhoneNumber: '123456789'
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.2.1 Start function', awaits: 'onStartCalloutReturn',
    run() {
this.AZStackCore.startCallout({
toPhoneNumber: '123456789'
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.2.1 Start function', awaits: 'onStartCalloutReturn',
    run() {
this.AZStackCore.Delegates.onStartCalloutReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.startCallout({
toPhoneNumber: '123456789'
});
    },
  },
  {
    section: '3.5.2.2 Stop function', awaits: 'onStopCalloutReturn',
    run() {
this.AZStackCore.stopCallout({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.2.2 Stop function', awaits: 'onStopCalloutReturn',
    run() {
this.AZStackCore.stopCallout({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.2.2 Stop function', awaits: 'onStopCalloutReturn',
    run() {
this.AZStackCore.Delegates.onStopCalloutReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.stopCallout({});
    },
  },
  {
    section: '3.5.2.3 Delegates', installs: 'onCalloutStatusChanged',
    run() {
this.AZStackCore.Delegates.onCalloutStatusChanged = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.5.3.1 Answer function', awaits: 'onAnswerCallinReturn',
    run() {
this.AZStackCore.answerCallin({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.3.1 Answer function', awaits: 'onAnswerCallinReturn',
    run() {
this.AZStackCore.answerCallin({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.3.1 Answer function', awaits: 'onAnswerCallinReturn',
    run() {
this.AZStackCore.Delegates.onAnswerCallinReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.answerCallin({});
    },
  },
  {
    section: '3.5.3.2 Reject function', awaits: 'onRejectCallinReturn',
    run() {
this.AZStackCore.rejectCallin({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.3.2 Reject function', awaits: 'onRejectCallinReturn',
    run() {
this.AZStackCore.rejectCallin({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.3.2 Reject function', awaits: 'onRejectCallinReturn',
    run() {
this.AZStackCore.Delegates.onRejectCallinReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.rejectCallin({});
    },
  },
  {
    section: '3.5.3.3 Not Answered function', awaits: 'onNotAnsweredCallinReturn',
    run() {
this.AZStackCore.notAnsweredCallin({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.3.3 Not Answered function', awaits: 'onNotAnsweredCallinReturn',
    run() {
this.AZStackCore.notAnsweredCallin({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.3.3 Not Answered function', awaits: 'onNotAnsweredCallinReturn',
    run() {
this.AZStackCore.Delegates.onNotAnsweredCallinReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.notAnsweredCallin({});
    },
  },
  {
    section: '3.5.3.4 Stop function', awaits: 'onStopCallinReturn',
    run() {
this.AZStackCore.stopCallin({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.3.4 Stop function', awaits: 'onStopCallinReturn',
    run() {
this.AZStackCore.stopCallin({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.3.4 Stop function', awaits: 'onStopCallinReturn',
    run() {
this.AZStackCore.Delegates.onStopCallinReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.stopCallin({});
    },
  },
  {
    section: '3.5.3.5 Delegates', installs: 'onCallinStart',
    run() {
this.AZStackCore.Delegates.onCallinStart = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.5.3.5 Delegates', installs: 'onCallinStatusChanged',
    run() {
this.AZStackCore.Delegates.onCallinStatusChanged = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.5.3.5 Delegates', installs: 'onCallinStatusChangedByMe',
    run() {
this.AZStackCore.Delegates.onCallinStatusChangedByMe = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.5.4.1 Toggle audio state function', awaits: 'onToggleAudioStateReturn',
    run() {
this.AZStackCore.toggleAudioState({
state: this.AZStackCore.callConstants.CALL_WEBRTC_AUDIO_STATE_OFF
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.4.1 Toggle audio state function', awaits: 'onToggleAudioStateReturn',
    run() {
this.AZStackCore.toggleAudioState({
state: this.AZStackCore.callConstants.CALL_WEBRTC_AUDIO_STATE_OFF
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.4.1 Toggle audio state function', awaits: 'onToggleAudioStateReturn',
    run() {
this.AZStackCore.Delegates.onToggleAudioStateReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.toggleAudioState({
state: this.AZStackCore.callConstants.CALL_WEBRTC_AUDIO_STATE_OFF
});
    },
  },
  {
    section: '3.5.4.2 Toggle video state function', awaits: 'onToggleVideoStateReturn',
    run() {
this.AZStackCore.toggleVideoState({
state: this.AZStackCore.callConstants.CALL_WEBRTC_VIDEO_STATE_OFF
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.4.2 Toggle video state function', awaits: 'onToggleVideoStateReturn',
    run() {
this.AZStackCore.toggleVideoState({
state: this.AZStackCore.callConstants.CALL_WEBRTC_VIDEO_STATE_OFF
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.4.2 Toggle video state function', awaits: 'onToggleVideoStateReturn',
    run() {
this.AZStackCore.Delegates.onToggleVideoStateReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.toggleVideoState({
state: this.AZStackCore.callConstants.CALL_WEBRTC_VIDEO_STATE_OFF
});
    },
  },
  {
    section: '3.5.4.3 Switch camera type function', awaits: 'onSwitchCameraTypeReturn',
    run() {
this.AZStackCore.switchCameraType({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.4.3 Switch camera type function', awaits: 'onSwitchCameraTypeReturn',
    run() {
this.AZStackCore.switchCameraType({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.4.3 Switch camera type function', awaits: 'onSwitchCameraTypeReturn',
    run() {
this.AZStackCore.Delegates.onSwitchCameraTypeReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.switchCameraType({});
    },
  },
  {
    section: '3.5.5.1 Get paid call logs', awaits: 'onGetPaidCallLogsReturn',
    run() {
this.AZStackCore.getPaidCallLogs({}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.5.5.1 Get paid call logs', awaits: 'onGetPaidCallLogsReturn',
    run() {
this.AZStackCore.getPaidCallLogs({}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.5.5.1 Get paid call logs', awaits: 'onGetPaidCallLogsReturn',
    run() {
this.AZStackCore.Delegates.onGetPaidCallLogsReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.getPaidCallLogs({});
    },
  },
  {
    section: '3.5.5.2 Delegates', installs: 'onPaidCallLogReturn',
    run() {
this.AZStackCore.Delegates.onPaidCallLogReturn = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.6.1 Get modified conversations', awaits: 'onGetModifiedConversationsReturn',
    run() {
this.AZStackCore.getModifiedConversations({
page: 1,
lastCreated: new Date().getTime()
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.6.1 Get modified conversations', awaits: 'onGetModifiedConversationsReturn',
    run() {
this.AZStackCore.getModifiedConversations({
page: 1,
lastCreated: new Date().getTime()
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.6.1 Get modified conversations', awaits: 'onGetModifiedConversationsReturn',
    run() {
this.AZStackCore.Delegates.onGetModifiedConversationsReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.getModifiedConversations({
page: 1,
lastCreated: new Date().getTime()
});
    },
  },
  {
    section: '3.6.2 Delete conversation', awaits: 'onDeleteConversationReturn',
    run() {
this.AZStackCore.deleteConversation({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_GROUP,
chatId: 1234
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.6.2 Delete conversation', awaits: 'onDeleteConversationReturn',
    run() {
this.AZStackCore.deleteConversation({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_GROUP,
chatId: 1234
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.6.2 Delete conversation', awaits: 'onDeleteConversationReturn',
    run() {
this.AZStackCore.Delegates.onDeleteConversationReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.deleteConversation({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_GROUP,
chatId: 1234
});
    },
  },
  {
    section: '3.7.1.1 Get unread messages', awaits: 'onGetUnreadMessagesReturn',
    run() {
this.AZStackCore.getUnreadMessages({
page: 1,
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.7.1.1 Get unread messages', awaits: 'onGetUnreadMessagesReturn',
    run() {
this.AZStackCore.getUnreadMessages({
page: 1,
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.7.1.1 Get unread messages', awaits: 'onGetUnreadMessagesReturn',
    run() {
this.AZStackCore.Delegates.getUnreadMessages = (error, result) => {
console.log(error, result);
};
this.AZStackCore.onGetUnreadMessagesReturn({
page: 1,
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345
});
    },
  },
  {
    section: '3.7.1.2 Get modified messages', awaits: 'onGetModifiedMessagesReturn',
    run() {
this.AZStackCore.getModifiedMessages({
page: 1,
lastCreated: new Date().getTime(),
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.7.1.2 Get modified messages', awaits: 'onGetModifiedMessagesReturn',
    run() {
this.AZStackCore.getModifiedMessages({
page: 1,
lastCreated: new Date().getTime(),
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.7.1.2 Get modified messages', awaits: 'onGetModifiedMessagesReturn',
    run() {
this.AZStackCore.Delegates.onGetModifiedMessagesReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.getModifiedMessages({
page: 1,
lastCreated: new Date().getTime(),
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345
});
    },
  },
  {
    section: '3.7.1.3 Get modified files', awaits: 'onGetModifiedFilesReturn',
    run() {
this.AZStackCore.getModifiedFiles({
lastCreated: new Date().getTime(),
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.7.1.3 Get modified files', awaits: 'onGetModifiedFilesReturn',
    run() {
this.AZStackCore.getModifiedFiles({
lastCreated: new Date().getTime(),
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.7.1.3 Get modified files', awaits: 'onGetModifiedFilesReturn',
    run() {
this.AZStackCore.Delegates.onGetModifiedFilesReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.getModifiedFiles({
lastCreated: new Date().getTime(),
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345
});
    },
  },
  {
    section: '3.7.2.1 New message', awaits: 'onNewMessageReturn',
    run() {
this.AZStackCore.newMessage({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345,
text: 'text',
sticker: {
name: 'name',
catId: 1,
url: 'http://azstack.com/api/public_html/sticker/1/002.png'
},
file: {
name: 'logo.png',
length: 5183,
type: this.chatConstants.MESSAGE_FILE_TYPE_IMAGE,
url: 'https://azstack.com/static/images/logo.png'
}
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.7.2.1 New message', awaits: 'onNewMessageReturn',
    run() {
this.AZStackCore.newMessage({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345,
text: 'text',
sticker: {
name: 'name',
catId: 1,
url: 'http://azstack.com/api/public_html/sticker/1/002.png'
},
file: {
name: 'logo.png',
length: 5183,
type: this.chatConstants.MESSAGE_FILE_TYPE_IMAGE,
url: 'https://azstack.com/static/images/logo.png'
}
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.7.2.1 New message', awaits: 'onNewMessageReturn',
    run() {
this.AZStackCore.Delegates.onNewMessageReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.newMessage({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345,
text: 'text',
sticker: {
name: 'name',
catId: 1,
url: 'http://azstack.com/api/public_html/sticker/1/002.png'
},
file: {
name: 'logo.png',
length: 5183,
type: this.chatConstants.MESSAGE_FILE_TYPE_IMAGE,
url: 'https://azstack.com/static/images/logo.png'
}
});
    },
  },
  {
    section: '3.7.2.2 Change message status', awaits: 'onChangeMessageStatusReturn',
    run() {
this.AZStackCore.changeMessageStatus({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345,
messageSenderId: 1111,
messageStatus: this.AZStackCore.chatConstants.MESSAGE_STATUS_DELIVERED,
msgId: 54321
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.7.2.2 Change message status', awaits: 'onChangeMessageStatusReturn',
    run() {
this.AZStackCore.changeMessageStatus({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345,
messageSenderId: 1111,
messageStatus: this.AZStackCore.chatConstants.MESSAGE_STATUS_DELIVERED,
msgId: 54321
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.7.2.2 Change message status', awaits: 'onChangeMessageStatusReturn',
    run() {
this.AZStackCore.Delegates.onChangeMessageStatusReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.changeMessageStatus({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345,
messageSenderId: 1111,
messageStatus: this.AZStackCore.chatConstants.MESSAGE_STATUS_DELIVERED,
msgId: 54321
});
    },
  },
  {
    section: '3.7.2.3 Delete message', awaits: 'onMessageDeleted',
    run() {
this.AZStackCore.deleteMessage({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345,
messageSenderId: 1111,
msgId: 54321
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.7.2.3 Delete message', awaits: 'onMessageDeleted',
    run() {
this.AZStackCore.deleteMessage({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345,
messageSenderId: 1111,
msgId: 54321
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.7.2.3 Delete message', awaits: 'onMessageDeleted',
    run() {
this.AZStackCore.Delegates.onMessageDeleted = (error, result) => {
console.log(error, result);
};
this.AZStackCore.deleteMessage({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345,
messageSenderId: 1111,
msgId: 54321
});
    },
  },
  {
    section: '3.7.2.4 Send typing', awaits: 'onSendTypingReturn',
    run() {
this.AZStackCore.sendTyping({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.7.2.4 Send typing', awaits: 'onSendTypingReturn',
    run() {
this.AZStackCore.sendTyping({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.7.2.4 Send typing', awaits: 'onSendTypingReturn',
    run() {
this.AZStackCore.Delegates.onSendTypingReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.sendTyping({
chatType: this.AZStackCore.chatConstants.CHAT_TYPE_USER,
chatId: 12345
});
    },
  },
  {
    section: '3.7.3.1 On new message', installs: 'onHasNewMessage',
    run() {
this.AZStackCore.Delegates.onHasNewMessage = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.7.3.2 On message from me', installs: 'onMessageFromMe',
    run() {
this.AZStackCore.Delegates.onMessageFromMe = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.7.3.3 On message status changed', installs: 'onMessageStatusChanged',
    run() {
this.AZStackCore.Delegates.onMessageStatusChanged = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.7.3.4 On typing', installs: 'onTyping',
    run() {
this.AZStackCore.Delegates.onTyping = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.8.1 Get users information', awaits: 'onGetUsersInformationReturn',
    run() {
this.AZStackCore.getUsersInformation({
userIds: [123],
azStackUserIds: ['abcd']
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.8.1 Get users information', awaits: 'onGetUsersInformationReturn',
    run() {
this.AZStackCore.getUsersInformation({
userIds: [123],
azStackUserIds: ['abcd']
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.8.1 Get users information', awaits: 'onGetUsersInformationReturn',
    run() {
this.AZStackCore.Delegates.onGetUsersInformationReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.getUsersInformation({
userIds: [123],
azStackUserIds: ['abcd']
});
    },
  },
  {
    section: '3.9.1.1 Create group', awaits: 'onGroupCreateReturn',
    run() {
this.AZStackCore.createGroup({
type: this.AZStackCore.groupConstants.GROUP_TYPE_PRIVATE,
name: 'Group name',
memberIds: [1234, 4321]
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.9.1.1 Create group', awaits: 'onGroupCreateReturn',
    run() {
this.AZStackCore.createGroup({
type: this.AZStackCore.groupConstants.GROUP_TYPE_PRIVATE,
name: 'Group name',
memberIds: [1234, 4321]
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.9.1.1 Create group', awaits: 'onGroupCreateReturn',
    run() {
this.AZStackCore.Delegates.onGroupCreateReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.createGroup({
type: this.AZStackCore.groupConstants.GROUP_TYPE_PRIVATE,
name: 'Group name',
memberIds: [1234, 4321]
});
    },
  },
  {
    section: '3.9.1.2 Invite group', awaits: 'onGroupInviteReturn',
    run() {
this.AZStackCore.inviteGroup({
groupId: 1234,
inviteIds: [4321]
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.9.1.2 Invite group', awaits: 'onGroupInviteReturn',
    run() {
this.AZStackCore.inviteGroup({
groupId: 1234,
inviteIds: [4321]
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.9.1.2 Invite group', awaits: 'onGroupInviteReturn',
    run() {
this.AZStackCore.Delegates.onGroupInviteReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.inviteGroup({
groupId: 1234,
inviteIds: [4321]
});
    },
  },
  {
    section: '3.9.1.3 Leave group', awaits: 'onGroupLeaveReturn',
    run() {
this.AZStackCore.leaveGroup({
groupId: 1234,
leaveId: 4321,
newAdminId: 1122
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.9.1.3 Leave group', awaits: 'onGroupLeaveReturn',
    run() {
this.AZStackCore.leaveGroup({
groupId: 1234,
leaveId: 4321,
newAdminId: 1122
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.9.1.3 Leave group', awaits: 'onGroupLeaveReturn',
    run() {
this.AZStackCore.Delegates.onGroupLeaveReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.leaveGroup({
groupId: 1234,
leaveId: 4321,
newAdminId: 1122
});
    },
  },
  {
    section: '3.9.1.4 Rename group', awaits: 'onGroupRenameReturn',
    run() {
this.AZStackCore.renameGroup({
groupId: 1234,
newName: 'Test Group'
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.9.1.4 Rename group', awaits: 'onGroupRenameReturn',
    run() {
this.AZStackCore.renameGroup({
groupId: 1234,
newName: 'Test Group'
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.9.1.4 Rename group', awaits: 'onGroupRenameReturn',
    run() {
this.AZStackCore.Delegates.onGroupRenameReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.renameGroup({
groupId: 1234,
newName: 'Test Group'
});
    },
  },
  {
    section: '3.9.1.5 Change admin group', awaits: 'onGroupAdminChangeReturn',
    run() {
this.AZStackCore.changeAdminGroup({
groupId: 1234,
newAdminId: 4321
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.9.1.5 Change admin group', awaits: 'onGroupAdminChangeReturn',
    run() {
this.AZStackCore.changeAdminGroup({
groupId: 1234,
newAdminId: 4321
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.9.1.5 Change admin group', awaits: 'onGroupAdminChangeReturn',
    run() {
this.AZStackCore.Delegates.onGroupAdminChangeReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.changeAdminGroup({
groupId: 1234,
newAdminId: 4321
});
    },
  },
  {
    section: '3.9.1.6 Join public group', awaits: 'onGroupJoinPublicReturn',
    run() {
this.AZStackCore.joinPublicGroup({
groupId: 1234
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.9.1.6 Join public group', awaits: 'onGroupJoinPublicReturn',
    run() {
this.AZStackCore.joinPublicGroup({
groupId: 1234
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.9.1.6 Join public group', awaits: 'onGroupJoinPublicReturn',
    run() {
this.AZStackCore.Delegates.onGroupJoinPublicReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.joinPublicGroup({
groupId: 1234
});
    },
  },
  {
    section: '3.9.2.1 Get group details', awaits: 'onGroupGetDetailsReturn',
    run() {
this.AZStackCore.getDetailsGroup({
groupId: 1234
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.9.2.1 Get group details', awaits: 'onGroupGetDetailsReturn',
    run() {
this.AZStackCore.getDetailsGroup({
groupId: 1234
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.9.2.1 Get group details', awaits: 'onGroupGetDetailsReturn',
    run() {
this.AZStackCore.Delegates.onGroupGetDetailsReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.getDetailsGroup({
groupId: 1234
});
    },
  },
  {
    section: '3.9.2.2 Get groups list', awaits: 'onGroupGetListReturn',
    run() {
this.AZStackCore.getListGroups({
groupType: this.AZStackCore.groupConstants.GROUP_TYPE_PRIVATE
}, (error, result) => {
console.log(error);
console.log(result);
});
    },
  },
  {
    section: '3.9.2.2 Get groups list', awaits: 'onGroupGetListReturn',
    run() {
this.AZStackCore.getListGroups({
groupType: this.AZStackCore.groupConstants.GROUP_TYPE_PRIVATE
}).then((result) => {
console.log(result);
}).catch((error) => {
console.log(error);
});
    },
  },
  {
    section: '3.9.2.2 Get groups list', awaits: 'onGroupGetListReturn',
    run() {
this.AZStackCore.Delegates.onGroupGetListReturn = (error, result) => {
console.log(error, result);
};
this.AZStackCore.getListGroups({
groupType: this.AZStackCore.groupConstants.GROUP_TYPE_PRIVATE
});
    },
  },
  {
    section: '3.9.3.1 On group created', installs: 'onGroupCreated',
    run() {
this.AZStackCore.Delegates.onGroupCreated = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.9.3.2 On group invited', installs: 'onGroupInvited',
    run() {
this.AZStackCore.Delegates.onGroupInvited = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.9.3.3 On group left', installs: 'onGroupLeft',
    run() {
this.AZStackCore.Delegates.onGroupLeft = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.9.3.4 On group renamed', installs: 'onGroupRenamed',
    run() {
this.AZStackCore.Delegates.onGroupRenamed = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.9.3.5 On group admin changed', installs: 'onGroupAdminChanged',
    run() {
this.AZStackCore.Delegates.onGroupAdminChanged = (error, result) => {
console.log(error, result);
};
    },
  },
  {
    section: '3.9.3.6 On group public joined', installs: 'onGroupPublicJoined',
    run() {
this.AZStackCore.Delegates.onGroupPublicJoined = (error, result) => {
console.log(error, result);
};
    },
  },
];

/** The README order, with the disconnect and then the reconnect snippets moved to the end. */
function runOrder(snippets) {
  const movedLast = ['3.4.3 ', '3.4.2 '];
  const inSection = (prefix) => (snippet) => snippet.section.startsWith(prefix);
  const early = snippets.filter((snippet) => !movedLast.some((prefix) => inSection(prefix)(snippet)));
  return [...early, ...movedLast.flatMap((prefix) => snippets.filter(inSection(prefix)))];
}

/** The snippet whose connect must succeed, or nothing after it means anything. */
const FIRST_CONNECT = SNIPPETS.find((snippet) => snippet.awaits === 'onConnectReturn');

const outcomes = [];

for (const [i, snippet] of runOrder(SNIPPETS).entries()) {
  test(`${String(i + 1).padStart(3)} §${snippet.section}`, async () => {
    if (snippet.awaits) {
      snippet.run.call(app);
      const { error } = await waitForDelegate(app.AZStackCore, snippet.awaits, SNIPPET_DEADLINE_MS);
      outcomes.push(error ? error.code : 'ok');
      if (snippet === FIRST_CONNECT) {
        deepEqual(error, null, 'the first connect');
      }
    } else {
      snippet.run.call(app);
      if (snippet.installs) {
        assert(typeof app.AZStackCore.Delegates[snippet.installs] === 'function', `Delegates.${snippet.installs} installed`);
      } else {
        assert(app.AZStackCore instanceof AZStackCore, 'this.AZStackCore created');
      }
    }
  });
}

test('summary of the outcomes of the snippets that call a method', () => {
  const counts = {};
  for (const outcome of outcomes) {
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  console.log(`snippet outcomes: ${JSON.stringify(counts)}`);
  deepEqual(outcomes.length, SNIPPETS.filter((s) => s.awaits).length, 'snippets that completed');
});

test('disconnect at the end', async () => {
  await app.AZStackCore.disconnect({});
});

void run();
