// Writes THIRD_PARTY_NOTICES.md: what an app that links the engine (azstack-ffi) contains from others — every Rust
// crate compiled into it (normal dependencies for every target, no build tools or proc-macros) with its version,
// licence and source, and the C/C++ libraries some of them bundle.
//
//   node scripts/lib/third-party-notices.mjs           rewrite the file
//   node scripts/lib/third-party-notices.mjs --check   fail if it is not what Cargo.lock gives (scripts/test js)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const file = path.join(root, 'THIRD_PARTY_NOTICES.md');

// C/C++ code compiled from a crate's sources, with the licence of that code (not of the crate's Rust wrapper).
const BUNDLED = {
  'openh264-sys2': [
    'OpenH264 (Cisco)',
    'BSD-2-Clause',
    'H.264 is patent-encumbered. Cisco pays the royalties only for its own OpenH264 binaries downloaded at run time; ' +
      'this engine compiles OpenH264 from source into the app, so whoever distributes the app is responsible for any ' +
      'H.264 patent licence its markets require (for example through Via LA).',
  ],
  'opusic-sys': ['libopus (Xiph.Org Foundation)', 'BSD-3-Clause', ''],
  ring: ['ring\'s C and assembly (BoringSSL and OpenSSL derived)', 'ISC AND OpenSSL', ''],
  'libsqlite3-sys': ['SQLite', 'blessing (public domain)', ''],
  'aws-lc-sys': ['AWS-LC', 'ISC AND (Apache-2.0 OR ISC) AND OpenSSL', ''],
  'webpki-roots': ['Mozilla\'s CA certificate list', 'CDLA-Permissive-2.0', ''],
};

const cargo = (args) => execFileSync('cargo', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const linked = new Set(
  cargo(['tree', '--locked', '-p', 'azstack-ffi', '-e', 'normal', '--target', 'all', '--prefix', 'none', '--format', '{p}'])
    .split('\n')
    .filter((line) => line && !line.includes('(proc-macro)'))
    .map((line) => line.replace(' (*)', '').split(' ').slice(0, 2).join(' ')),
);
const metadata = JSON.parse(cargo(['metadata', '--locked', '--format-version', '1']));
const crates = metadata.packages
  .filter((p) => linked.has(`${p.name} v${p.version}`) && !p.name.startsWith('azstack-'))
  .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version, undefined, { numeric: true }));

const lines = [
  '# Third-party notices',
  '',
  'The engine an app links (`azstack-ffi`, with `azstack-engine` and `azstack-protocol`, MIT) is built from the crates',
  'below. Generated from `Cargo.lock` by `scripts/lib/third-party-notices.mjs`; `scripts/test js` checks it is current.',
  'The JavaScript of the npm package has no runtime dependencies; React and React Native are the app\'s own.',
  '',
  '## C and C++ libraries compiled into the engine',
  '',
  '| library | licence | from crate | note |',
  '|---|---|---|---|',
];
for (const p of crates) {
  const bundled = BUNDLED[p.name];
  if (bundled) lines.push(`| ${bundled[0]} | ${bundled[1]} | \`${p.name}\` ${p.version} | ${bundled[2]} |`);
}
lines.push('', `## Rust crates (${crates.length})`, '', '| crate | version | licence | source |', '|---|---|---|---|');
for (const p of crates) {
  lines.push(`| \`${p.name}\` | ${p.version} | ${p.license ?? p.license_file ?? 'see source'} | ${p.repository ?? ''} |`);
}
const text = `${lines.join('\n')}\n`;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {}
  if (current !== text) {
    console.log('THIRD_PARTY_NOTICES.md is out of date: run node scripts/lib/third-party-notices.mjs');
    process.exit(1);
  }
  console.log(`THIRD_PARTY_NOTICES.md is up to date (${crates.length} crates)`);
} else {
  writeFileSync(file, text);
  console.log(`THIRD_PARTY_NOTICES.md: ${crates.length} crates`);
}
