/**
 * Where the app connects, and as which AZStack application: the login screen starts with these values and lets you
 * change them. `npm run dev-server-config` (example/README.md) writes them from a running `azstack-server dev`.
 */
export const SERVER = {
  /**
   * The server URL, as `azstack-server` prints it (`listening on ...`). 127.0.0.1 reaches a dev server on your computer
   * from the iOS simulator, and from an Android emulator or USB device after `adb reverse tcp:9199 tcp:9199`.
   */
  masterSocketUri: 'http://127.0.0.1:9199',
  /** The application id (`dev-app.json` of a dev server). */
  appId: 'bd7095762179b886c094c31b8f5e4646',
  /** The application's public key: base64 of its SubjectPublicKeyInfo. */
  publicKey: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...',
};
