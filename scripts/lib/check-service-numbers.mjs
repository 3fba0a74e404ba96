#!/usr/bin/env node
// check-service-numbers.mjs — service numbers are written in one place, azstack-protocol's `Service` enum.
//
//   node scripts/lib/check-service-numbers.mjs [--allow FILE]...
//
// Reads the numbers from rust/protocol/src/service.rs (`NAME = N,` inside `services! { … }`) and scans every
// `rust/*/src/**/*.rs` outside rust/protocol, and `bench/src`, for one of them written as a literal where a service
// number goes. Such a place is, in code (comments and string literals left out):
//   * a field, binding or constant named like a service or a kind — `service`, `service_type`, `svc…`, `kind`,
//     `…_kind`, `KIND_…` — given, compared with or matched against the number (`service: 186`, `kind == 146`,
//     `const KIND_LEFT: i64 = 145`);
//   * a call that takes a service number: `Service::from_number(73)`, `Envelope::raw(72, …)`;
//   * an arm `143 =>` (or `143 | 144 =>`) of a `match` whose scrutinee names a service or a kind;
// and, inside string literals (SQL), `kind = 146` and `kind IN (121, 146)`.
// The same number elsewhere (a status code, a length, a count) is not a service number and is not matched; JSON and
// frames in test strings (`{"service":1,…}`) are wire text, not literals standing for a service, and are not matched
// either. Each hit prints as `file:line: <number> (<Service name>) in "<code>"`.
//
// `--allow FILE` reports the hits in FILE as allowed instead of failing on them (for files another change removes
// the literals from). Exits 1 when a hit is not allowed.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const allowed = new Set();
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--allow' && args[i + 1]) allowed.add(args[++i]);
  else {
    console.error('usage: check-service-numbers.mjs [--allow FILE]...');
    process.exit(2);
  }
}

// --- the numbers ----------------------------------------------------------------------------------------------------

const serviceSource = readFileSync(join(root, 'rust/protocol/src/service.rs'), 'utf8');
const table = serviceSource.slice(serviceSource.indexOf('services! {'));
const services = new Map(); // number → name
for (const m of table.matchAll(/^\s+([A-Z][A-Z0-9_]*)\s*=\s*(\d+),/gm)) services.set(Number(m[2]), m[1]);
if (services.size < 50) {
  console.error(`read only ${services.size} service numbers from rust/protocol/src/service.rs; has its format changed?`);
  process.exit(2);
}

// --- the files ------------------------------------------------------------------------------------------------------

function rustFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...rustFiles(p));
    else if (name.endsWith('.rs')) out.push(p);
  }
  return out;
}

const dirs = readdirSync(join(root, 'rust'))
  .filter((crate) => crate !== 'protocol')
  .map((crate) => join(root, 'rust', crate, 'src'))
  .filter((dir) => existsSync(dir));
dirs.push(join(root, 'bench', 'src'));
const files = dirs.flatMap(rustFiles).sort();

// Code with comments blanked and string literals cut out (kept aside, with their offsets). Lengths are kept so
// offsets map to lines.
function split(text) {
  const strings = [];
  let code = text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '));
  code = code.replace(/r(#*)"[\s\S]*?"\1|"(?:[^"\\]|\\[\s\S])*"|\/\/[^\n]*|'(?:[^'\\]|\\.)'/g, (m, _h, offset) => {
    if (m.startsWith('//')) return ' '.repeat(m.length);
    if (m.startsWith('"') || m.startsWith('r')) strings.push({ text: m, offset });
    return m.replace(/[^\n]/g, ' ');
  });
  return { code, strings };
}

const NAME = String.raw`(?:\w*service\w*|\w*svc\w*|kind|\w+_kind|KIND_\w*|\w*Kind)`;
const TYPE = String.raw`(?:\s*:\s*(?:i64|u16|i32|u32|u64|usize))?`;
const ASSIGN = new RegExp(String.raw`\b${NAME}${TYPE}\s*(?::|==|!=|=)\s*(\d+)\b`, 'gi');
const CALLS = /\b(?:Service::from_number|Envelope::raw)\(\s*(\d+)\b/g;
const MATCH = new RegExp(String.raw`\bmatch\s+[^{;]*?\b${NAME}\b[^{;]*\{`, 'gi');
const ARM = /^\s*(\d+(?:\s*\|\s*\d+)*)\s*=>/gm;
const SQL = /\bkind\s*(?:=\s*(\d+)\b|IN\s*\(([\d,\s]+)\))/gi;

const lineOf = (text, offset) => text.slice(0, offset).split('\n').length;
const hits = [];

function hit(file, text, offset, number) {
  const n = Number(number);
  if (!services.has(n)) return;
  const line = lineOf(text, offset);
  hits.push({ file, line, n, code: text.split('\n')[line - 1].trim() });
}

// The body of a block opening at text[open] === '{'.
function blockEnd(code, open) {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '{') depth++;
    else if (code[i] === '}' && --depth === 0) return i;
  }
  return code.length;
}

for (const path of files) {
  const file = relative(root, path);
  const text = readFileSync(path, 'utf8');
  const { code, strings } = split(text);
  for (const m of code.matchAll(ASSIGN)) hit(file, text, m.index, m[1]);
  for (const m of code.matchAll(CALLS)) hit(file, text, m.index, m[1]);
  for (const m of code.matchAll(MATCH)) {
    const open = m.index + m[0].length - 1;
    const end = blockEnd(code, open);
    // Only the match's own arms: blank nested blocks.
    let body = code.slice(open + 1, end);
    let nested;
    while ((nested = /\{[^{}]*\}/.exec(body))) body = body.replace(nested[0], nested[0].replace(/[^\n]/g, ' '));
    for (const arm of body.matchAll(ARM)) {
      for (const n of arm[1].split('|')) hit(file, text, open + 1 + arm.index + arm[0].search(/\d/), n.trim());
    }
  }
  for (const s of strings) {
    for (const m of s.text.matchAll(SQL)) {
      for (const n of (m[1] ?? m[2]).split(',')) if (n.trim()) hit(file, text, s.offset + m.index, n.trim());
    }
  }
}

// One line per place (a line may match twice, e.g. a `kind ==` inside a matched arm).
const seen = new Set();
let failing = 0;
let allowedHits = 0;
for (const h of hits.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.n - b.n)) {
  const key = `${h.file}:${h.line}:${h.n}`;
  if (seen.has(key)) continue;
  seen.add(key);
  const ok = allowed.has(h.file);
  if (ok) allowedHits++;
  else failing++;
  console[ok ? 'log' : 'error'](
    `${ok ? 'allowed' : 'literal'}: ${h.file}:${h.line}: ${h.n} (Service::${services.get(h.n)}) in "${h.code}"`,
  );
}
console.log(
  `service numbers: ${services.size} from azstack-protocol, ${files.length} files scanned; ` +
    `${failing} literal(s) outside it${allowedHits ? `, ${allowedHits} allowed` : ''}`,
);
process.exit(failing ? 1 : 0);
