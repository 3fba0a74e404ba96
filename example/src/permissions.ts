/**
 * The camera and microphone permissions a video call needs, asked for before the call starts or is answered.
 *
 * Android asks at run time (`PermissionsAndroid`; the manifest declares both). iOS asks the first time the engine opens
 * the camera or the microphone, with the texts of `NSCameraUsageDescription` and `NSMicrophoneUsageDescription` in
 * `ios/AZStackExample/Info.plist`; a refusal there gives a call without that device.
 */
import { PermissionsAndroid, Platform } from 'react-native';

export async function ensureCallPermissions(): Promise<boolean> {
  if (Platform.OS !== 'android') {
    return true;
  }
  const wanted = [PermissionsAndroid.PERMISSIONS.CAMERA, PermissionsAndroid.PERMISSIONS.RECORD_AUDIO];
  const granted = await PermissionsAndroid.requestMultiple(wanted);
  return wanted.every((permission) => granted[permission] === PermissionsAndroid.RESULTS.GRANTED);
}
