/** Where the app connects, and as which AZStack application. Replace with your server's values. */
export const SERVER = {
  /** The server URL, as `azstack-server` prints it (`listening on ...`). */
  masterSocketUri: 'http://10.0.2.2:9199',
  /** The application id (`dev-app.json` of a dev server). */
  appId: 'bd7095762179b886c094c31b8f5e4646',
  /** The application's public key: base64 of its SubjectPublicKeyInfo. */
  publicKey: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...',
};
