// Runs the unit tests of the JavaScript layer in Node: bundles AZStackCore.test.ts with esbuild, with
// 'azstack-react-native' resolving to js/index.ts and 'react-native' to the scripted native module, and gives the
// bundle the globals of the Linux JSI host (`host.env`, `host.exit`). An unhandled rejection fails the run.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');

/** Bundles `entry` (build options) with 'azstack-react-native' as the package's sources and 'react-native' as `reactNative`. */
async function bundleWith(entry, reactNative) {
  const result = await build({
    ...entry,
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    alias: {
      'azstack-react-native': path.join(root, 'js', 'index.ts'),
      'react-native': path.join(here, reactNative),
    },
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

const bundle = await bundleWith({ entryPoints: [path.join(here, 'AZStackCore.test.ts')] }, 'fakeReactNative.ts');

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

// An app binary without the native module (Expo Go, Jest without a mock): importing the package throws an error
// that says what to do, not React Native's invariant.
const withoutModule = await bundleWith(
  { stdin: { contents: "import { AZStackCore } from 'azstack-react-native'; globalThis.imported = AZStackCore;", resolveDir: here } },
  'reactNativeWithoutModule.ts',
);
let importError;
try {
  new Function(withoutModule)();
} catch (error) {
  importError = error;
}
if (!(importError instanceof Error) || !/native module 'NativeAZStack' is not in this app's binary.*Expo Go/s.test(importError.message)) {
  console.log(`FAIL importing without the native module: expected the explanatory error, got ${importError}`);
  process.exit(1);
}
console.log('ok - importing without the native module throws the explanatory error');

new Function(bundle)();
