// Generates the C++ TurboModule spec (cpp/generated/<name>JSI.h) from the codegen specs in js/specs with React
// Native's own codegen (@react-native/codegen, the version in package-lock.json), exactly as an app build does from
// package.json's `codegenConfig`. The output is committed; `--check` regenerates it into a temporary directory and
// fails if the committed files differ (CI).
//
//   node scripts/lib/codegen.js [--check]
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const outDir = path.join(root, 'cpp', 'generated');
const check = process.argv.includes('--check');

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const config = pkg.codegenConfig;
if (!config || !config.name || !config.jsSrcsDir) {
  throw new Error('package.json: codegenConfig.name and codegenConfig.jsSrcsDir are required');
}

const { combineSchemasInFileList } = require('@react-native/codegen/lib/cli/combine/combine-js-to-schema.js');
const RNCodegen = require('@react-native/codegen/lib/generators/RNCodegen.js');

function generate(dir) {
  const schema = combineSchemasInFileList([path.join(root, config.jsSrcsDir)], null, null, config.name);
  fs.mkdirSync(dir, { recursive: true });
  const ok = RNCodegen.generate(
    { libraryName: config.name, schema, outputDirectory: dir, packageName: config.android?.javaPackageName },
    { generators: ['modulesCxx'] },
  );
  if (!ok) throw new Error('codegen failed');
  return fs.readdirSync(dir).sort();
}

if (!check) {
  fs.rmSync(outDir, { recursive: true, force: true });
  const files = generate(outDir);
  console.log(`codegen: wrote ${files.map((f) => path.join('cpp/generated', f)).join(', ')}`);
  process.exit(0);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'azstack-codegen-'));
try {
  const fresh = generate(tmp);
  const committed = fs.existsSync(outDir) ? fs.readdirSync(outDir).sort() : [];
  const problems = [];
  for (const f of new Set([...fresh, ...committed])) {
    if (!fresh.includes(f)) problems.push(`cpp/generated/${f} is no longer generated`);
    else if (!committed.includes(f)) problems.push(`cpp/generated/${f} is missing`);
    else if (!fs.readFileSync(path.join(tmp, f)).equals(fs.readFileSync(path.join(outDir, f)))) {
      problems.push(`cpp/generated/${f} differs from the codegen output`);
    }
  }
  if (problems.length) {
    console.error(`codegen: ${problems.join('; ')}. Run scripts/codegen and commit the result.`);
    process.exit(1);
  }
  console.log(`codegen: cpp/generated is up to date (${fresh.join(', ')})`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
