// Writes src/config.ts from a running `azstack-server dev`: its URL, appId and public key, read from the
// dev-app.json it keeps in its data directory (default: the repository's .azstack/).
//
//   node scripts/dev-server-config.mjs [DATA_DIR]      (npm run dev-server-config)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const example = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(process.argv[2] ?? path.join(example, '..', '.azstack'));
let app;
try {
  app = JSON.parse(readFileSync(path.join(dataDir, 'dev-app.json'), 'utf8'));
} catch (error) {
  console.error(`No dev server data in ${dataDir} (${error.message}). Start one first: cargo run -p azstack-server -- dev`);
  process.exit(1);
}
const configFile = path.join(example, 'src', 'config.ts');
let config = readFileSync(configFile, 'utf8');
const set = (key, value) => {
  const pattern = new RegExp(`(\\n  ${key}: )'[^']*'`);
  if (!pattern.test(config)) {
    console.error(`src/config.ts has no ${key}: '...' line to replace`);
    process.exit(1);
  }
  config = config.replace(pattern, `$1${JSON.stringify(value).replace(/^"|"$/g, "'")}`);
};
set('appId', app.appId);
set('publicKey', app.publicKey);
if (app.url) {
  // The app reaches the server on 127.0.0.1 (simulator, or `adb reverse`): keep the port the server chose.
  set('masterSocketUri', `http://127.0.0.1:${new URL(app.url).port}`);
}
writeFileSync(configFile, config);
console.log(`src/config.ts: appId ${app.appId}, the public key and the URL of the dev server in ${dataDir}`);
