/**
 * `azstack-react-native/jest`: the package for Jest, where no native module exists.
 *
 * ```js
 * jest.mock('azstack-react-native', () => require('azstack-react-native/jest'));
 * const { setMockResult } = require('azstack-react-native/jest');
 * setMockResult('newMessage', (options) => ({ ...options, msgId: 1, status: 1 }));
 * ```
 *
 * It is the package's own JavaScript (`AZStackCore`, constants, `AZStackVideoView`) over a scripted native module
 * (`nativeStandIn.ts`): methods validate nothing and resolve with what `setMockResult` says (default `null`), callbacks,
 * Promises and `Delegates` fire in the package's real order, and `emitMockEvent` plays an event. `npm pack` builds it
 * into `jest/index.js` (CommonJS, so Jest needs no transform of the package).
 */
export * from '../index';
export { emitMockEvent, resetMockResults, setMockResult } from './nativeStandIn';
