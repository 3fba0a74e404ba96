/**
 * azstack-react-native: the AZStack SDK's `AZStackCore` API (chat, groups, users, calls) over a Rust engine.
 *
 * ```ts
 * import { AZStackCore } from 'azstack-react-native';
 * const core = new AZStackCore({ authenticatingData: { appId, publicKey, azStackUserId, fullname } });
 * core.connect({}).then((user) => console.log(user.userId));
 * ```
 */
export { AZStackCore, DEFAULT_MASTER_SOCKET_URI } from './AZStackCore';
export { AZStackVideoView, type AZStackVideoViewProps } from './AZStackVideoView';
export { AZStackMediaStream } from './mediaStream';
export {
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
export type { DelegateName, DelegateResults, Delegates } from './delegates';
export type { MethodName } from './methods';
export type * from './types';
