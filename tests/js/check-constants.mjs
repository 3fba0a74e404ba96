// Checks every constant of the JavaScript package (js/constants.ts) against
//   (a) the seed README (tests/js/seed/AZStack-README.txt, §3.3), with PROTOCOL.md D8's message type values, and
//   (b) the Rust crate azstack-protocol (`cargo run -q -p azstack-protocol --example constants_json`),
// in both directions: a constant missing on either side is a mismatch too. Prints each mismatch and a summary;
// exits 1 on any mismatch.
//
//   node tests/js/check-constants.mjs
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const mismatches = [];

// --- the JavaScript constants ---------------------------------------------------------------------------------------

async function loadJsConstants() {
  const bundle = await build({
    entryPoints: [path.join(root, 'js', 'constants.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    logLevel: 'warning',
  });
  const module = await import(`data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`);
  return Object.fromEntries(Object.entries(module).map(([group, entries]) => [group, { ...entries }]));
}

// --- the seed README ------------------------------------------------------------------------------------------------

// The README's constant subsections (3.3.N) and the object each one documents.
const README_SECTION_GROUPS = {
  '3.3.1': 'logLevelConstants',
  '3.3.2': 'errorCodes',
  '3.3.3': 'callConstants',
  '3.3.4': 'listConstants',
  '3.3.5': 'chatConstants',
  '3.3.6': 'userConstants',
  '3.3.7': 'groupConstants',
};

// PROTOCOL.md D8: the message type values of the JS API, which override the README's where they differ, and the
// extension MESSAGE_TYPE_LOCATION that the README does not have.
const D8_MESSAGE_TYPES = {
  MESSAGE_TYPE_TEXT: 1,
  MESSAGE_TYPE_STICKER: 2,
  MESSAGE_TYPE_FILE: 3,
  MESSAGE_TYPE_GROUP_CREATED: 4,
  MESSAGE_TYPE_GROUP_INVITED: 5,
  MESSAGE_TYPE_GROUP_LEFT: 6,
  MESSAGE_TYPE_GROUP_RENAMED: 7,
  MESSAGE_TYPE_GROUP_ADMIN_CHANGED: 8,
  MESSAGE_TYPE_GROUP_PUBLIC_JOINED: 9,
  MESSAGE_TYPE_LOCATION: 11,
};

/**
 * The README's constants as {group: {NAME: value}}. Lines look like `- CALL_STATUS_FREE_CALL_RINGING(180): ...`;
 * values are numbers or quoted strings (the README writes `('environment)` without its closing quote). Log levels and
 * error codes are listed without values: a log level's value is its name without `LOG_LEVEL_` (the `logLevel` option's
 * values, README §3.2.2), an error code's value is its name.
 */
function readmeConstants() {
  const text = readFileSync(path.join(root, 'tests', 'js', 'seed', 'AZStack-README.txt'), 'utf8');
  const section = text.slice(text.indexOf('\n3.3. Constants'), text.indexOf('\n3.4. Connection'));
  const groups = {};
  let group = null;
  for (const line of section.split('\n')) {
    const heading = /^(3\.3\.\d+)\.?\s/.exec(line);
    if (heading) {
      group = README_SECTION_GROUPS[heading[1]] ?? group;
      continue;
    }
    const constant = /^- ([A-Z][A-Z0-9_]+)(?:\((.*?)\))?:/.exec(line);
    if (!constant || !group) {
      continue;
    }
    const [, name, raw] = constant;
    groups[group] ??= {};
    groups[group][name] = raw === undefined ? valueOfUnvalued(group, name) : parseValue(raw);
  }
  return groups;
}

function valueOfUnvalued(group, name) {
  if (group === 'logLevelConstants') {
    return name.replace(/^LOG_LEVEL_/, '');
  }
  if (group === 'errorCodes') {
    return name;
  }
  throw new Error(`README constant ${group}.${name} has no value`);
}

function parseValue(raw) {
  if (raw.startsWith("'")) {
    return raw.replace(/^'|'$/g, '');
  }
  const number = Number(raw);
  if (Number.isNaN(number)) {
    throw new Error(`cannot read the README value (${raw})`);
  }
  return number;
}

// --- the Rust constants ---------------------------------------------------------------------------------------------

function rustConstants() {
  const cargo = spawnSync('cargo', ['run', '-q', '-p', 'azstack-protocol', '--example', 'constants_json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (cargo.status !== 0) {
    console.error(cargo.stderr);
    throw new Error(`cargo run --example constants_json failed (status ${cargo.status})`);
  }
  return JSON.parse(cargo.stdout);
}

// --- comparison -----------------------------------------------------------------------------------------------------

function show(value) {
  return value === undefined ? 'missing' : JSON.stringify(value);
}

/** Compares `expected` with the JS constants; with `bothWays`, JS constants absent from `expected` are mismatches too. */
function compareWith(source, expected, js, { bothWays }) {
  let compared = 0;
  for (const [group, entries] of Object.entries(expected)) {
    for (const [name, value] of Object.entries(entries)) {
      compared += 1;
      const actual = js[group]?.[name];
      if (!Object.is(actual, value)) {
        mismatches.push(`${source}: ${group}.${name} is ${show(value)}, JS has ${show(actual)}`);
      }
    }
  }
  if (bothWays) {
    for (const [group, entries] of Object.entries(js)) {
      for (const name of Object.keys(entries)) {
        if (expected[group]?.[name] === undefined) {
          mismatches.push(`${source}: JS has ${group}.${name} = ${show(entries[name])}, ${source} does not`);
        }
      }
    }
  }
  return compared;
}

const js = await loadJsConstants();
const readme = readmeConstants();
for (const [name, value] of Object.entries(D8_MESSAGE_TYPES)) {
  readme.chatConstants[name] = value;
}
const rust = rustConstants();

const jsCount = Object.values(js).reduce((n, entries) => n + Object.keys(entries).length, 0);
const readmeCount = compareWith('seed README (with D8)', readme, js, { bothWays: false });
const rustCount = compareWith('Rust azstack-protocol', rust, js, { bothWays: true });

for (const mismatch of mismatches) {
  console.log(`MISMATCH ${mismatch}`);
}
console.log(
  `${jsCount} JS constants in ${Object.keys(js).length} objects; ${readmeCount} checked against the seed README ` +
    `(with D8), ${rustCount} against Rust; ${mismatches.length} mismatches`,
);
process.exit(mismatches.length === 0 ? 0 : 1);
