/**
 * The camera and microphone permissions a video call needs, asked for before the call starts or is answered, with the
 * package's `requestMediaPermissions` (Android's runtime dialog, iOS's prompts; the texts of
 * `NSCameraUsageDescription` and `NSMicrophoneUsageDescription` are in `ios/AZStackExample/Info.plist`).
 *
 * A `blocked` permission can only be changed in the system settings, so the user is sent there.
 */
import { Alert, Linking } from 'react-native';
import type { AZStackCore } from 'azstack-react-native';

export async function ensureCallPermissions(core: AZStackCore): Promise<boolean> {
  const states = await core.requestMediaPermissions({ audio: true, video: true });
  if (states.audio === 'granted' && states.video === 'granted') {
    return true;
  }
  if (states.audio === 'blocked' || states.video === 'blocked') {
    Alert.alert('Camera and microphone', 'Calls need the camera and the microphone. Allow them in Settings.', [
      { text: 'Cancel', style: 'cancel' },
      { text: 'Settings', onPress: () => void Linking.openSettings() },
    ]);
  }
  return false;
}
