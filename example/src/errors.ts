import { Alert } from 'react-native';

/** Shows a failure to the user: an SDK error `{code, message}` or any other exception. */
export function showError(what: string, error: unknown): void {
  if (typeof error === 'object' && error !== null && 'code' in error && 'message' in error) {
    Alert.alert(what, `${String(error.message)} (${String(error.code)})`);
  } else {
    Alert.alert(what, error instanceof Error ? error.message : String(error));
  }
}
