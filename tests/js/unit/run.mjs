// Runs the unit tests of the JavaScript layer in Node: bundles AZStackCore.test.ts with esbuild, with
// 'azstack-react-native' resolving to js/index.ts and 'react-native' to the scripted native module, and gives the
// bundle the globals of the Linux JSI host (`host.env`, `host.exit`). An unhandled rejection fails the run.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');

const bundle = await build({
  entryPoints: [path.join(here, 'AZStackCore.test.ts')],
  bundle: true,
  write: false,
  format: 'iife',
  platform: 'neutral',
  alias: {
    'azstack-react-native': path.join(root, 'js', 'index.ts'),
    'react-native': path.join(here, 'fakeReactNative.ts'),
  },
  logLevel: 'warning',
});

let unhandled = 0;
process.on('unhandledRejection', (reason) => {
  unhandled += 1;
  console.log('unhandled rejection:', reason);
});

globalThis.host = {
  env: (name) => process.env[name],
  exit: (code) => {
    // Let Node report rejections that became unhandled in the last task before deciding.
    setTimeout(() => process.exit(code !== 0 || unhandled > 0 ? 1 : 0), 0);
  },
};

new Function(bundle.outputFiles[0].text)();
