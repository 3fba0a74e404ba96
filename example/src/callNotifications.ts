/**
 * Calls that ring this phone while the app sleeps: after each login, Android 13+ is asked for the notification
 * permission the ringing notification needs, then `registerForCallNotifications` registers the VoIP (iOS) or FCM
 * (Android) token with the server and turns the system call UI on. It fails — logged, not shown — where the setup of
 * the README's "Calls that ring a sleeping phone" is missing (a simulator, no Firebase configuration).
 */
import { PermissionsAndroid, Platform } from 'react-native';
import type { AZStackCore } from 'azstack-react-native';

export async function enableCallNotifications(core: AZStackCore): Promise<void> {
  if (Platform.OS === 'android' && Number(Platform.Version) >= 33) {
    await PermissionsAndroid.request('android.permission.POST_NOTIFICATIONS');
  }
  try {
    await core.registerForCallNotifications({});
  } catch (error) {
    console.warn('Calls will not ring while the app sleeps:', error);
  }
}
