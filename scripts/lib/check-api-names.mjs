#!/usr/bin/env node
// check-api-names.mjs — the JavaScript package and the Rust engine know the same methods and delegates.
//
//   node scripts/lib/check-api-names.mjs
//
// Rust's side is printed by `cargo run -q -p azstack-ffi --example api_names`: the method names the engine's
// `dispatch` takes (its one method table) and the delegate names its events fire (`Event::delegate`). The JavaScript
// side is `js/methods.ts` (every method and its return delegate), the methods `AZStackCore.ts` hands to the engine
// by a literal name (`callEngine(handle, 'networkChanged', …)`), and `js/delegates.ts` (every `Delegates` entry; the
// event delegates are those that are no method's return delegate). A method or an event delegate on one side only is
// a mismatch, named with the side that lacks it; an engine event whose delegate is not a `Delegates` entry is one
// too. Exits 1 on any mismatch.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function load(file) {
  const bundle = await build({
    entryPoints: [path.join(root, file)],
    bundle: true,
    write: false,
    format: 'esm',
    logLevel: 'warning',
  });
  return import(`data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`);
}

const cargo = spawnSync('cargo', ['run', '-q', '-p', 'azstack-ffi', '--example', 'api_names'], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (cargo.status !== 0) {
  console.error(`cargo run -p azstack-ffi --example api_names failed (status ${cargo.status})`);
  process.exit(1);
}
const rust = JSON.parse(cargo.stdout);

const { RETURN_DELEGATE_OF_METHOD } = await load('js/methods.ts');
const { createDelegates } = await load('js/delegates.ts');
const core = readFileSync(path.join(root, 'js', 'AZStackCore.ts'), 'utf8');
const literalCalls = [...core.matchAll(/callEngine\(\s*[\w.]+\s*,\s*'(\w+)'/g)].map((m) => m[1]);

const jsMethods = new Set([...Object.keys(RETURN_DELEGATE_OF_METHOD), ...literalCalls]);
const jsDelegates = new Set(Object.keys(createDelegates()));
const returnDelegates = new Set(Object.values(RETURN_DELEGATE_OF_METHOD));
const jsEventDelegates = new Set([...jsDelegates].filter((d) => !returnDelegates.has(d)));
const rustMethods = new Set(rust.methods);
const rustDelegates = new Set(rust.delegates);

const mismatches = [];
for (const m of rustMethods) if (!jsMethods.has(m)) mismatches.push(`method ${m}: in the engine's dispatch, not in js/methods.ts or AZStackCore.ts`);
for (const m of jsMethods) if (!rustMethods.has(m)) mismatches.push(`method ${m}: in the JavaScript package, not in the engine's dispatch`);
for (const d of rustDelegates) if (!jsDelegates.has(d)) mismatches.push(`delegate ${d}: fired by an engine event, not in js/delegates.ts`);
for (const d of jsEventDelegates) if (!rustDelegates.has(d)) mismatches.push(`delegate ${d}: an event delegate in js/delegates.ts that no engine event fires`);

for (const m of mismatches) console.error(`mismatch: ${m}`);
console.log(
  `api names: ${rustMethods.size} methods, ${rustDelegates.size} event delegates checked against js/; ${mismatches.length} mismatch(es)`,
);
process.exit(mismatches.length ? 1 : 0);
