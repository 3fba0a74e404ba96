// Checks what `npm pack` puts in the package (run by scripts/test's js stage, and by `prepublishOnly`).
//
//   node scripts/lib/check-package.mjs            the file list: what an app's build needs is there, the repository's
//                                                 tests, tools and build output are not
//   node scripts/lib/check-package.mjs --publish  the same, as the guard before `npm publish`
//
// An app builds the engine from one of two things the package carries: the prebuilt engine (android/azstack-ffi/ for
// every ABI and ios/AZStackFFI.xcframework, written by scripts/build-mobile), or its Rust sources (rust-src/, written by
// scripts/pack-rust at pack time, with a pruned Cargo.lock). A package with neither fails in the app's first native
// build, so it is refused here. `npm pack --dry-run` runs `prepack` (the TypeScript build and scripts/pack-rust), so
// the list is the one `npm publish` would upload.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const publishing = process.argv.includes('--publish');

const REQUIRED = [
  'package.json',
  'README.md',
  'THIRD_PARTY_NOTICES.md',
  'react-native.config.js',
  'azstack-react-native.podspec',
  'lib/index.js',
  'lib/index.d.ts',
  'jest/index.js',
  'js/index.ts',
  'js/specs/NativeAZStack.ts',
  'js/specs/AZStackVideoViewNativeComponent.ts',
  'cpp/NativeAZStack.cpp',
  'cpp/sources.cmake',
  'cpp/generated/AZStackSpecJSI.h',
  'rust/ffi/include/azstack_ffi.h',
  'android/build.gradle',
  'android/src/main/jni/CMakeLists.txt',
  'ios/scripts/build-rust.sh',
  'docs/API.md',
  'docs/native-builds.md',
];

const ABIS = ['arm64-v8a', 'armeabi-v7a', 'x86', 'x86_64'];
const PREBUILT = [
  ...ABIS.map((abi) => `android/azstack-ffi/${abi}/libazstack_ffi.a`),
  'android/azstack-ffi/include/azstack-ffi/src/lib.rs.h',
  'android/azstack-ffi/include/rust/cxx.h',
  'ios/AZStackFFI.xcframework/Info.plist',
];
const SOURCES = [
  'rust-src/Cargo.toml',
  'rust-src/Cargo.lock',
  'rust-src/azstack-protocol/Cargo.toml',
  'rust-src/azstack-protocol/src/lib.rs',
  'rust-src/azstack-engine/Cargo.toml',
  'rust-src/azstack-engine/src/lib.rs',
  'rust-src/azstack-ffi/Cargo.toml',
  'rust-src/azstack-ffi/build.rs',
  'rust-src/azstack-ffi/src/lib.rs',
];

// The repository's tests, tools, apps and build output; none of them belongs in an app's node_modules.
const FORBIDDEN = [
  /^tests\//,
  /^bench\//,
  /^demo\//,
  /^example\//,
  /^fuzz\//,
  /^scripts\//,
  /^target\//,
  /^\.azstack\//,
  /(^|\/)node_modules\//,
  /^cpp\/linux-host\//,
  /^rust\/(?!ffi\/include\/)/,
  /^rust-src\/target\//,
  /^rust-src\/[^/]+\/(tests|examples)\//,
  /^android\/(build|\.cxx|\.gradle)\//,
  /^android\/local\.properties$/,
  /^ios\/build\//,
  /\.(log|orig|rej)$/,
  /(^|\/)\.DS_Store$/,
];

const output = execFileSync('npm', ['pack', '--dry-run', '--json'], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 64 * 1024 * 1024,
});
// npm prints the prepack scripts' output before the JSON on stdout.
const [pack] = JSON.parse(output.slice(output.indexOf('\n[') + 1 || output.indexOf('[')));
const files = new Set(pack.files.map((file) => file.path));

const problems = [];
for (const file of REQUIRED) {
  if (!files.has(file)) problems.push(`missing ${file}`);
}
const hasPrebuilt = PREBUILT.every((file) => files.has(file));
const hasSources = SOURCES.every((file) => files.has(file));
if (!hasPrebuilt && !hasSources) {
  problems.push(
    'the package carries neither the prebuilt engine (scripts/build-mobile: ' +
      PREBUILT.filter((file) => !files.has(file)).join(', ') +
      ' missing) nor its Rust sources (scripts/pack-rust: ' +
      SOURCES.filter((file) => !files.has(file)).join(', ') +
      ' missing); an app could not build it',
  );
}
for (const file of files) {
  if (FORBIDDEN.some((pattern) => pattern.test(file))) problems.push(`does not belong in the package: ${file}`);
}

if (problems.length > 0) {
  console.log(`${publishing ? 'refusing to publish' : 'npm pack'}: ${problems.length} problem(s)`);
  for (const problem of problems) console.log(`  ${problem}`);
  process.exit(1);
}
const engine = [hasPrebuilt && 'the prebuilt engine', hasSources && 'the engine sources'].filter(Boolean).join(' and ');
console.log(
  `npm pack: ${pack.entryCount} files, ${(pack.size / 1024).toFixed(0)} KiB packed ` +
    `(${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked), with ${engine}; no tests or build output`,
);
