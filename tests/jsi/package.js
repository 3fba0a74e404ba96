// The npm package itself (`azstack-react-native` → js/) in the host, without a server: it loads (with its React
// component and the react-native shim), creates an engine, runs a local method in the Promise and callback styles,
// and releases the engine; the host then runs dry and exits 0 by itself.
import { AZStackCore, AZStackVideoView, notificationConstants } from 'azstack-react-native';
import { assertEqual, run, test, within } from './lib/harness.js';

test('the package loads in the host', () => {
  assertEqual(typeof AZStackCore, 'function', 'AZStackCore');
  assertEqual(typeof AZStackVideoView, 'function', 'AZStackVideoView');
});

test('an AZStackCore runs a local method in both styles and is destroyed', async () => {
  const core = new AZStackCore({ masterSocketUri: 'http://127.0.0.1:9' });
  try {
    const options = { notification: { pushPacketType: '5', appId: 'x' } };
    const parsed = await within(core.parseNotification(options), 5000, 'parseNotification (Promise)');
    assertEqual(parsed, { appId: 'x', type: notificationConstants.NOTIFICATION_TYPE_MESSAGE }, 'Promise result');
    const viaCallback = await within(
      new Promise((resolve) => core.parseNotification(options, (error, result) => resolve({ error, result }))),
      5000,
      'parseNotification (callback)',
    );
    assertEqual(viaCallback, { error: null, result: parsed }, 'callback arguments');
  } finally {
    core.destroy();
  }
});

run();
