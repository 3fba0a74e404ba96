#!/usr/bin/env node
// The NAT test: a free video call between two SDKs that cannot reach each other, through azstack-server's embedded
// TURN server. scripts/lib/nat.sh makes the network (each peer behind its own symmetric NAT that forwards only to the
// server); this program runs inside the "public" namespace beside the server. It starts `azstack-server serve` with
// `[turn]`, runs tests/nat/peer.ts on the Linux JSI host in each peer's namespace (callee first, then the caller), reads
// their `@` lines, and then checks from outside what only a relayed call can show: the TURN server holds allocations
// and has relayed the call's media. Then the caller's NAT moves to another public address mid-call (every mapping
// breaks, as when a phone changes networks): after `networkChanged()` the caller must see and hear the callee again,
// which only an ICE restart over a new TURN relay can bring; then the callee's NAT moves too, and nobody calls
// `networkChanged()`: the callee's engine finds its connection dead by itself and the call recovers again. Every wait
// is bounded.
//
//   ip netns exec azn-pub node tests/nat/run.mjs
//
// Environment: AZSTACK_SERVER_BIN, AZSTACK_ROOT, NAT_SERVER_IP, NAT_NS_A, NAT_NS_B.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = process.env.AZSTACK_ROOT ?? resolve(import.meta.dirname, '../..');
const SERVER_BIN = need('AZSTACK_SERVER_BIN');
const SERVER_IP = need('NAT_SERVER_IP');
const [NS_A, NS_B] = [need('NAT_NS_A'), need('NAT_NS_B')];
const PEER_SECONDS = 200;

function need(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`nat: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

/** Lines of a child's stdout, each handed to `onLine`; resolves with its exit code. */
function watch(child, label, onLine) {
  createInterface({ input: child.stdout }).on('line', (line) => {
    console.log(`[${label}] ${line}`);
    onLine(line);
  });
  return new Promise((done) => child.on('exit', (code, signal) => done(code ?? 128 + (signal ? 9 : 0))));
}

function within(ms, what, promise) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

const data = mkdtempSync(join(tmpdir(), 'azstack-nat-'));
const children = [];
process.on('exit', () => {
  for (const child of children) {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  rmSync(data, { recursive: true, force: true });
});

async function main() {
  const config = join(data, 'azstack.toml');
  writeFileSync(
    config,
    `listen = "${SERVER_IP}:0"
database = "sqlite://${data}/azstack.db"
dev = true

[admin]
listen = "${SERVER_IP}:0"

[turn]
listen = "${SERVER_IP}:3478"
public_ip = "${SERVER_IP}"
relay_ports = [50000, 50999]
`,
  );
  const created = execFileSync(SERVER_BIN, ['app', 'create', '--name', 'nat', '--config', config], { encoding: 'utf8' });
  const appId = /appId: (\S+)/.exec(created)?.[1];
  const publicKey = /publicKey: (\S+)/.exec(created)?.[1];
  if (!appId || !publicKey) throw new Error(`app create printed no credentials: ${created}`);

  const server = spawn(SERVER_BIN, ['serve', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1' } });
  children.push(server);
  let url;
  let metricsUrl;
  const listening = new Promise((ok) =>
    watch(server, 'server', (line) => {
      if (line.startsWith('listening on ')) url = line.slice('listening on '.length).trim();
      if (line.startsWith('metrics on ')) metricsUrl = line.slice('metrics on '.length).trim();
      if (url && metricsUrl) ok();
    }),
  );
  await within(30_000, 'the server listening', listening);

  const peer = (ns, role, extra = {}) => {
    const child = spawn(
      'ip',
      ['netns', 'exec', ns, join(ROOT, 'scripts/jsi-run'), join(ROOT, 'tests/nat/peer.ts'), '--timeout', String(PEER_SECONDS)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: {
          ...process.env,
          AZSTACK_JSI_NO_BUILD: '1',
          AZSTACK_URL: url,
          AZSTACK_APP_ID: appId,
          AZSTACK_PUBLIC_KEY: publicKey,
          NAT_ROLE: role,
          ...extra,
        },
      },
    );
    children.push(child);
    return child;
  };

  const reports = { callee: null, caller: null };
  let calleeId;
  const callee = peer(NS_B, 'callee');
  const calleeReady = new Promise((ok) => {
    const exited = watch(callee, 'callee', (line) => {
      const ready = /^@ready (\d+)/.exec(line);
      if (ready) {
        calleeId = ready[1];
        ok();
      }
      if (line.startsWith('@media ')) reports.callee = line;
    });
    reports.calleeExit = exited;
  });
  await within(60_000, 'the callee connected', calleeReady);
  const natBreak = `source ${join(ROOT, 'scripts/lib/nat.sh')} && nat_switch_address a`;
  const natBreakQuiet = `source ${join(ROOT, 'scripts/lib/nat.sh')} && nat_switch_address b`;
  const caller = peer(NS_A, 'caller', { NAT_CALLEE_ID: calleeId, NAT_BREAK: natBreak, NAT_BREAK_QUIET: natBreakQuiet });
  const callerExit = watch(caller, 'caller', (line) => {
    if (line.startsWith('@media ')) reports.caller = line;
    if (line.startsWith('@recovered ')) reports.recovered = line;
    if (line.startsWith('@recovered-quiet ')) reports.recoveredQuiet = line;
  });
  const [callerCode, calleeCode] = await within((PEER_SECONDS + 10) * 1000, 'both peers done', Promise.all([callerExit, reports.calleeExit]));
  if (callerCode !== 0 || calleeCode !== 0) throw new Error(`peers exited with caller ${callerCode}, callee ${calleeCode}`);
  if (!reports.caller || !reports.callee) throw new Error('a peer exited without reporting media');
  if (!reports.recovered) throw new Error('the caller exited without recovering from the network change');
  if (!reports.recoveredQuiet) throw new Error('the caller exited without recovering from the unannounced network change');

  const metrics = await (await fetch(metricsUrl)).text();
  const value = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  const relayed = value('azstack_turn_relayed_bytes_total');
  const droppedPeer = value('azstack_turn_dropped_peer_total');
  console.log(`nat: relayed ${relayed} bytes through TURN; ${droppedPeer} packets refused by the peer rule`);
  // No direct path exists, so every packet the peers received came through the relay: the relay must have carried at
  // least their audio packets (each at least 40 bytes of SRTP), both ways counted once out of and once into a relay.
  const audioPackets = [reports.caller, reports.callee].reduce((sum, line) => sum + Number(line.split(' ')[2]), 0);
  if (!(relayed >= 40 * audioPackets && relayed > 0)) {
    throw new Error(`the TURN server relayed ${relayed} bytes for ${audioPackets} audio packets: the call did not go through it`);
  }
  console.log('nat: ok — a free video call between two NATed peers connected through the embedded TURN server');
  console.log('nat: ok — the call recovered (ICE restart) after the caller\'s NAT changed its public address');
  console.log('nat: ok — and again after the callee\'s NAT changed its address without anyone being told');
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`nat: FAILED: ${error.message}`);
    process.exit(1);
  },
);
