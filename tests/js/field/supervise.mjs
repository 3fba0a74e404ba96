#!/usr/bin/env node
// Field scenarios: the SDK on the Linux JSI host while its server is killed, frozen and restarted, and while the
// host itself is killed. A scenario (tests/js/field/*.ts) cannot do that to its own server or process, so this Node
// program supervises: for each scenario it starts its own `azstack-server dev` on a free port with a fresh data
// directory, bundles the scenario and runs it on the host binary, and reads its standard output line by line. Lines
// starting with `@` are orders and reports (see scenario.ts): it kills (SIGKILL), stops (SIGSTOP), continues
// (SIGCONT) or restarts the server when told, kills the host when a two-process scenario says its message was handed
// over, and times the reports against its own actions, checking the bounds the engine promises (a killed server
// noticed within 1 s, a frozen one within livenessTimeout, reconnected within 2 s of the restart). Every wait is
// bounded; a scenario that hangs is killed and fails.
//
//   node tests/js/field/supervise.mjs [--runs N] [NAME...]
//
// Environment: AZSTACK_SERVER_BIN (the server binary), AZSTACK_JSI_HOST (the host binary), AZSTACK_ROOT (the
// repository), FIELD_LIVENESS (the silent-loss scenario's livenessTimeout, ms; 3000). `--runs N` repeats the kill and freeze scenarios and prints p50/max (bench/RESULTS.md).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = process.env.AZSTACK_ROOT ?? resolve(import.meta.dirname, '../../..');
const SERVER_BIN = need('AZSTACK_SERVER_BIN');
const HOST_BIN = need('AZSTACK_JSI_HOST');
const HERE = join(ROOT, 'tests/js/field');
/** The longest one scenario process may run. */
const SCENARIO_SECONDS = 60;

function need(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`supervise: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

function now() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** A dev server of our own: start, kill, stop, continue, restart on the same port and data. */
class Server {
  constructor() {
    this.data = mkdtempSync(join(tmpdir(), 'azstack-field-'));
    this.port = 0;
  }

  async start() {
    this.child = spawn(SERVER_BIN, ['dev', '--port', String(this.port), '--data', this.data], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    const url = await new Promise((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error('the server printed no "listening on" line within 30 s')), 30_000);
      createInterface({ input: this.child.stdout }).on('line', (line) => {
        if (line.startsWith('listening on ')) {
          clearTimeout(timer);
          resolveUrl(line.slice('listening on '.length).trim());
        }
      });
      this.child.on('exit', () => reject(new Error('the server exited during its start')));
    });
    this.url = url;
    this.port = Number(url.split(':').pop());
    this.listeningAt = now();
    const app = JSON.parse(readFileSync(join(this.data, 'dev-app.json'), 'utf8'));
    this.appId = app.appId;
    this.publicKey = app.publicKey;
  }

  signal(name) {
    if (this.child && this.child.exitCode === null) {
      process.kill(this.child.pid, name);
    }
  }

  async kill() {
    const child = this.child;
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise((done) => child.once('exit', done));
    }
  }

  async dispose() {
    await this.kill();
    rmSync(this.data, { recursive: true, force: true });
  }
}

function bundle(name) {
  const out = join(mkdtempSync(join(tmpdir(), 'azstack-field-bundle-')), `${name}.js`);
  execFileSync('bash', ['-c', 'source "$1/scripts/lib/jsi.sh" && jsi_bundle "$2" "$3"', '_', ROOT, join(HERE, `${name}.ts`), out], {
    stdio: 'inherit',
  });
  return out;
}

/**
 * Runs scenario `name` on the host against `server`; `onLine(line, host)` handles its `@` lines. Resolves with the
 * exit code (or the signal name).
 */
function runScenario(name, server, env, onLine) {
  const script = bundle(name);
  const host = spawn(HOST_BIN, ['--timeout', String(SCENARIO_SECONDS), script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      ...env,
      AZSTACK_URL: server.url,
      AZSTACK_APP_ID: server.appId,
      AZSTACK_PUBLIC_KEY: server.publicKey,
    },
  });
  const exited = new Promise((done) => host.on('exit', (code, signal) => done(code ?? signal)));
  const handled = [];
  createInterface({ input: host.stdout }).on('line', (line) => {
    if (line.startsWith('@')) {
      handled.push(Promise.resolve(onLine(line.slice(1), host)).catch((error) => {
        console.log(`supervise: ${name}: ${error.message}`);
        host.kill('SIGKILL');
      }));
    } else {
      console.log(`  ${line}`);
    }
  });
  const guard = setTimeout(() => host.kill('SIGKILL'), (SCENARIO_SECONDS + 10) * 1000);
  return exited.then(async (code) => {
    clearTimeout(guard);
    await Promise.all(handled);
    rmSync(script, { force: true });
    return code;
  });
}

/** The usual orders on the server; `times` gets the moments of the actions and reports. */
function serverOrders(server, times) {
  return async (line) => {
    const [word, ...rest] = line.split(' ');
    if (word === 'kill-server') {
      times.killed = now();
      await server.kill();
    } else if (word === 'stop-server') {
      times.stopped = now();
      server.signal('SIGSTOP');
    } else if (word === 'cont-server') {
      times.continued = now();
      server.signal('SIGCONT');
    } else if (word === 'restart-server') {
      await server.start();
      times.restarted = server.listeningAt;
    } else if (word === 'event') {
      times[rest.join(' ')] = now();
    } else {
      throw new Error(`unknown order @${line}`);
    }
  };
}

/** One scenario with its own server; returns the times of its orders and reports. */
async function single(name, env = {}) {
  const server = new Server();
  const times = {};
  try {
    await server.start();
    const code = await runScenario(name, server, env, serverOrders(server, times));
    if (code !== 0) {
      throw new Error(`${name} ended with ${code}`);
    }
  } finally {
    await server.dispose();
  }
  return times;
}

function withStorage(body) {
  const storage = mkdtempSync(join(tmpdir(), 'azstack-field-storage-'));
  writeFileSync(join(storage, 'not-a-directory'), 'a file where a directory should be');
  return Promise.resolve(body({ FIELD_STORAGE: storage })).finally(() => rmSync(storage, { recursive: true, force: true }));
}

function bound(what, ms, limit) {
  if (!(ms < limit)) {
    throw new Error(`${what}: ${ms.toFixed(0)} ms, the bound is ${limit} ms`);
  }
  return ms;
}

const SCENARIOS = {
  async 'kill-restart'() {
    const t = await single('kill-restart');
    return {
      'kill -9 → onDisconnected (both clients)': bound('kill → onDisconnected', t.disconnected - t.killed, 1000),
      'restart → auto-reconnected (both)': bound('restart → reconnected', t.reconnected - t.restarted, 2000),
    };
  },
  async 'silent-loss'() {
    const liveness = Number(process.env.FIELD_LIVENESS ?? 3000);
    const t = await single('silent-loss', { FIELD_LIVENESS: String(liveness) });
    const what = `SIGSTOP → onDisconnected (livenessTimeout ${liveness} ms)`;
    return { [what]: bound('stop → onDisconnected', t.disconnected - t.stopped, liveness + 1500) };
  },
  async 'outbox-down'() {
    await withStorage((env) => single('outbox-down', env));
    return {};
  },
  async 'outbox-kill'() {
    // Phase 1 is killed with kill -9 as soon as it says newMessage returned; phase 2 delivers the message.
    await withStorage(async (env) => {
      const server = new Server();
      const stamp = Date.now().toString(36);
      const users = { FIELD_USER_A: `alice-k${stamp}`, FIELD_USER_B: `bob-k${stamp}` };
      try {
        await server.start();
        const killed = await runScenario('outbox-writer', server, { ...env, ...users }, (line, host) => {
          if (!line.startsWith('returned ')) {
            throw new Error(`unexpected @${line}`);
          }
          host.kill('SIGKILL');
        });
        if (killed !== 'SIGKILL') {
          throw new Error(`outbox-writer ended with ${killed}, not killed after newMessage returned`);
        }
        const code = await runScenario('outbox-reader', server, { ...env, ...users }, () => {});
        if (code !== 0) {
          throw new Error(`outbox-reader ended with ${code}`);
        }
      } finally {
        await server.dispose();
      }
    });
    return {};
  },
  async 'catch-up'() {
    await single('catch-up');
    return {};
  },
  async 'bad-storage'() {
    await withStorage((env) => single('bad-storage', env));
    return {};
  },
};

function percentile(values, p) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

async function main() {
  const args = process.argv.slice(2);
  let runs = 1;
  const names = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--runs') {
      runs = Number(args[++i]);
    } else {
      names.push(args[i]);
    }
  }
  const chosen = names.length > 0 ? names : Object.keys(SCENARIOS);
  const failed = [];
  const figures = {};
  for (const name of chosen) {
    if (!SCENARIOS[name]) {
      console.error(`supervise: no scenario ${name} (${Object.keys(SCENARIOS).join(', ')})`);
      process.exit(2);
    }
    const repeat = name === 'kill-restart' || name === 'silent-loss' ? runs : 1;
    for (let run = 0; run < repeat; run++) {
      const started = now();
      try {
        const measured = await SCENARIOS[name]();
        for (const [what, ms] of Object.entries(measured)) {
          (figures[what] ??= []).push(ms);
        }
        const shown = Object.entries(measured).map(([what, ms]) => `${what} ${ms.toFixed(0)} ms`).join('; ');
        console.log(`ok   ${name} (${(now() - started).toFixed(0)} ms)${shown ? `: ${shown}` : ''}`);
      } catch (error) {
        failed.push(name);
        console.log(`FAIL ${name}: ${error.message}`);
      }
    }
  }
  if (runs > 1) {
    for (const [what, values] of Object.entries(figures)) {
      console.log(`${what}: p50 ${percentile(values, 0.5).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms (${values.length} runs)`);
    }
  }
  if (failed.length > 0) {
    console.log(`${failed.length} field scenario(s) failed: ${failed.join(', ')}`);
    process.exit(1);
  }
  console.log(`all ${chosen.length} field scenarios passed`);
}

await main();
