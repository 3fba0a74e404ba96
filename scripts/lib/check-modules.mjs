#!/usr/bin/env node
// check-modules.mjs — the module graph of a crate has no cycle.
//
//   node scripts/lib/check-modules.mjs [--report] CRATE_SRC...     e.g. rust/server/src rust/engine/src
//
// A crate's top-level modules (`src/hub.rs`, `src/calls/…`) should depend one way: a module that is used by another
// must not use it back, or neither can be understood, tested or moved into its own crate alone. This script reads every
// `.rs` file under each source directory, takes the paths it names (`crate::x…`, `use crate::{x, y::z}`, and `super::`
// chains that climb to the crate root), and reports each strongly connected set of top-level modules (Tarjan) with the
// file and line of every edge inside it. Test code is not part of the graph: `tests.rs` files and everything after a
// `#[cfg(test)]` module are skipped, since a unit test may well use a module above the one it tests.
//
// `--report` prints the graph and the cycles but exits 0 (for looking); without it a cycle fails the run.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const args = process.argv.slice(2);
const reportOnly = args.includes('--report');
const roots = args.filter((a) => a !== '--report');
if (roots.length === 0) {
  console.error('usage: check-modules.mjs [--report] CRATE_SRC...');
  process.exit(2);
}

function rustFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...rustFiles(path));
    else if (name.endsWith('.rs')) out.push(path);
  }
  return out;
}

// The module path of a file relative to the crate's src/: src/a/b.rs → [a, b]; src/a/mod.rs → [a]; lib.rs → [].
function modulePath(src, file) {
  const parts = relative(src, file).split(sep);
  const last = parts.pop().replace(/\.rs$/, '');
  if (last !== 'mod' && last !== 'lib' && last !== 'main') parts.push(last);
  return parts;
}

// Source text without comments, string literals and test modules.
function codeOf(text) {
  const cut = text.search(/#\[cfg\(test\)\]\s*(pub(\(\w+\))?\s+)?mod\s/);
  if (cut >= 0) text = text.slice(0, cut);
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/\/\/[^\n]*/g, '')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

// The top-level idents of a `{a, b::c, d::{e, f}}` group starting at text[open] === '{'.
function groupHeads(text, open) {
  const heads = [];
  let depth = 0;
  let token = '';
  let atStart = true;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '{') {
      depth++;
      if (depth === 1) atStart = true;
      continue;
    }
    if (c === '}') {
      depth--;
      if (depth === 0) break;
      continue;
    }
    if (depth !== 1) continue;
    if (c === ',') {
      atStart = true;
      token = '';
      continue;
    }
    if (/\w/.test(c)) {
      if (atStart) token += c;
    } else if (token) {
      heads.push(token);
      token = '';
      atStart = false;
    }
  }
  return heads;
}

function lineAt(text, index) {
  return text.slice(0, index).split('\n').length;
}

function graphOf(src) {
  const edges = new Map(); // from → Map(to → [where])
  const tops = new Set();
  for (const file of rustFiles(src)) {
    const path = modulePath(src, file);
    if (path.length === 0) continue; // lib.rs / main.rs: the root declares modules, it is not one
    if (file.endsWith(`${sep}tests.rs`)) continue;
    const from = path[0];
    tops.add(from);
    const code = codeOf(readFileSync(file, 'utf8'));
    const add = (to, index) => {
      if (!to || to === from || to === 'self' || to === 'super' || to === 'crate') return;
      if (!edges.has(from)) edges.set(from, new Map());
      const m = edges.get(from);
      if (!m.has(to)) m.set(to, []);
      m.get(to).push(`${relative(process.cwd(), file)}:${lineAt(code, index)}`);
    };
    for (const m of code.matchAll(/\bcrate::(\{|\w+)/g)) {
      if (m[1] === '{') for (const head of groupHeads(code, m.index + m[0].length - 1)) add(head, m.index);
      else add(m[1], m.index);
    }
    // super:: chains: from a file at depth d (its own module path), k supers climb k levels.
    const own = file.endsWith(`${sep}mod.rs`) ? path : path; // mod.rs is its directory's module
    for (const m of code.matchAll(/\b((?:super::)+)(\{|\w+)/g)) {
      const climbs = m[1].length / 'super::'.length;
      const base = own.slice(0, own.length - climbs);
      if (base.length > 0) continue; // stays inside a top-level module
      if (m[2] === '{') for (const head of groupHeads(code, m.index + m[0].length - 1)) add(head, m.index);
      else add(m[2], m.index);
    }
  }
  // Only edges to real top-level modules (not to items re-exported at the root, macros, or extern crates).
  for (const [from, m] of edges) for (const to of [...m.keys()]) if (!tops.has(to)) m.delete(to);
  return { tops, edges };
}

function cycles({ tops, edges }) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const sccs = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) sccs.push(scc.sort());
    }
  };
  for (const v of [...tops].sort()) if (!idx.has(v)) visit(v);
  return sccs;
}

let failed = false;
for (const src of roots) {
  const graph = graphOf(src);
  const found = cycles(graph);
  if (reportOnly) {
    console.log(`${src}: modules and what they use`);
    for (const v of [...graph.tops].sort()) console.log(`  ${v} → ${[...(graph.edges.get(v)?.keys() ?? [])].sort().join(', ')}`);
  }
  if (found.length === 0) {
    console.log(`${src}: ${graph.tops.size} top-level modules, no cycle`);
    continue;
  }
  failed = true;
  for (const scc of found) {
    console.log(`${src}: modules in a cycle: ${scc.join(' ↔ ')}`);
    const inside = new Set(scc);
    for (const from of scc)
      for (const [to, where] of graph.edges.get(from) ?? [])
        if (inside.has(to)) console.log(`  ${from} → ${to}: ${where.slice(0, 3).join(', ')}${where.length > 3 ? ` (+${where.length - 3})` : ''}`);
  }
}
process.exit(failed && !reportOnly ? 1 : 0);
