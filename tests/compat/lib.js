'use strict';
// Helpers for the compatibility tests and the demo: start azstack-server, and
// drive it the way the original AZStack SDK core does (PROTOCOL.md §1–§2), with
// socket.io-client 2.x (the original transport, Engine.IO 3) or 4.x (Engine.IO 4).

const { execFileSync, spawn } = require('node:child_process');
const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const ioV2 = require('socket.io-client'); // 2.x: the original SDK's transport (EIO3)
const ioV4 = require('socket.io-client-v4'); // 4.x: what the new engine speaks (EIO4)
const JSEncrypt = loadJSEncrypt();

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_TIMEOUT_MS = 10_000;
const SERVER_START_TIMEOUT_MS = 60_000;

// jsencrypt 3.0.0-rc.1 is the version the original core shipped (`^3.0.0-rc.1`).
// It is a browser bundle: at load time it reads `navigator.appName` and
// `window.crypto`, and assigns `window.JSEncrypt`. Node 20 has neither global, so
// provide both while the module loads, then remove them again: engine.io-client 3.x
// decides at its own load time whether it runs in a browser (`typeof window`), and a
// leftover `window` would make socket.io-client 2.x look for a browser WebSocket.
// After loading, jsencrypt needs neither (its random pool is filled at load time,
// here from Node's Web Crypto).
function loadJSEncrypt() {
  const added = [];
  if (typeof globalThis.window === 'undefined') {
    globalThis.window = { crypto: globalThis.crypto };
    added.push('window');
  }
  if (typeof globalThis.navigator === 'undefined') {
    globalThis.navigator = { appName: 'Netscape', userAgent: 'node' };
    added.push('navigator');
  }
  try {
    const mod = require('jsencrypt');
    return mod.JSEncrypt || mod.default || mod;
  } finally {
    for (const name of added) delete globalThis[name];
  }
}

// ---------------------------------------------------------------------------------
// The server

const runningServers = new Set();

process.on('exit', () => {
  for (const server of runningServers) {
    try {
      server.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

function serverBinary() {
  if (process.env.AZSTACK_SERVER_BIN) return path.resolve(process.env.AZSTACK_SERVER_BIN);
  const targetDir = process.env.CARGO_TARGET_DIR
    ? path.resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR)
    : path.join(REPO_ROOT, 'target');
  return path.join(targetDir, 'debug', 'azstack-server');
}

/**
 * Start `azstack-server dev --port 0 --data <tmpdir>` and wait for its
 * `listening on http://…` line. Resolves to
 * `{url, appId, publicKey, dataDir, devApp, proc, logTail(), stop()}`.
 */
async function startServer({ bin = serverBinary(), dataDir, timeoutMs = SERVER_START_TIMEOUT_MS } = {}) {
  if (!fs.existsSync(bin)) {
    throw new Error(`azstack-server binary not found at ${bin} (build it with \`cargo build -p azstack-server\`, ` +
      'or set AZSTACK_SERVER_BIN)');
  }
  const ownDataDir = !dataDir;
  dataDir = dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'azstack-compat-'));
  const server = await spawnServer(bin, ['dev', '--port', '0', '--data', dataDir], { timeoutMs, dataDir, ownDataDir });

  const devAppPath = path.join(dataDir, 'dev-app.json');
  let devApp;
  try {
    devApp = JSON.parse(fs.readFileSync(devAppPath, 'utf8'));
  } catch (err) {
    await server.stop();
    throw new Error(`cannot read ${devAppPath} after the server said it was listening: ${err.message}`);
  }
  for (const key of ['appId', 'publicKey', 'url']) {
    if (typeof devApp[key] !== 'string' || !devApp[key]) {
      await server.stop();
      throw new Error(`${devAppPath} has no string "${key}": ${JSON.stringify(devApp)}`);
    }
  }
  return Object.assign(server, { appId: devApp.appId, publicKey: devApp.publicKey, devApp });
}

/**
 * Spawn `bin args…` and wait for its `listening on http://…` line. Resolves to
 * `{url, proc, dataDir, logTail(), stop()}`; `stop()` removes `dataDir` when `ownDataDir`.
 */
async function spawnServer(bin, args, { timeoutMs = SERVER_START_TIMEOUT_MS, dataDir, ownDataDir = false } = {}) {
  const proc = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { RUST_LOG: 'info', NO_COLOR: '1', ...process.env },
  });
  const lines = [];
  const remember = (line) => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
    if (process.env.AZSTACK_COMPAT_VERBOSE) process.stderr.write(`[server] ${line}\n`);
  };
  // Keep draining both pipes for the server's whole life, or it blocks on a full pipe.
  readline.createInterface({ input: proc.stderr }).on('line', remember);
  const stdout = readline.createInterface({ input: proc.stdout });

  const server = {
    proc,
    dataDir,
    logTail: (n = 40) => lines.slice(-n).join('\n'),
    stop: () => stopServer(server, ownDataDir),
  };
  runningServers.add(server);

  let url;
  try {
    url = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`azstack-server printed no "listening on" line within ${timeoutMs} ms`)),
        timeoutMs,
      );
      stdout.on('line', (line) => {
        remember(line);
        const m = /listening on (https?:\/\/\S+)/.exec(line);
        if (m && !url) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot start ${bin}: ${err.message}`));
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`azstack-server exited before listening (code ${code}, signal ${signal})`));
      });
    });
  } catch (err) {
    await server.stop();
    err.message += `\n--- server output ---\n${server.logTail()}`;
    throw err;
  }
  server.url = url;
  return server;
}

/** A TCP port free on 127.0.0.1 now (the node binds it right after). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Start `nodes` `azstack-server serve` processes of one cluster (`[cluster]`) on a fresh database of the
 * PostgreSQL server `postgresUrl` (created with psql) and the Redis at `redisUrl`, each on its own port, with
 * one application (`azstack-server app create`). Resolves to `{url, nodes, appId, publicKey, stop()}`, where
 * `url` is the master clients ask for a node (svc 29): the node started last, whose first heartbeat round found
 * the others live.
 */
async function startCluster({ postgresUrl, redisUrl, name, nodes: count = 3, bin = serverBinary() }) {
  if (!fs.existsSync(bin)) throw new Error(`azstack-server binary not found at ${bin}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'azstack-compat-cluster-'));
  const database = `compat_${name.replace(/[^a-z0-9_]/gi, '_')}`;
  execFileSync('psql', [postgresUrl, '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE DATABASE ${database}`]);
  const databaseUrl = postgresUrl.replace(/\/[^/]*$/, `/${database}`);
  const configs = [];
  for (let i = 1; i <= count; i++) {
    const port = await freePort();
    const config = path.join(dir, `node${i}.toml`);
    fs.writeFileSync(config, [
      `listen = "127.0.0.1:${port}"`,
      `database = "${databaseUrl}"`,
      'dev = true',
      '[cluster]',
      `redis_url = "${redisUrl}"`,
      `node_url = "http://127.0.0.1:${port}"`,
      `node_id = "${name}-${i}"`,
      '',
    ].join('\n'));
    configs.push(config);
  }
  const created = execFileSync(bin, ['app', 'create', '--name', name, '--config', configs[0]], { encoding: 'utf8' });
  const appId = /appId: (\S+)/.exec(created)?.[1];
  const publicKey = /publicKey: (\S+)/.exec(created)?.[1];
  if (!appId || !publicKey) throw new Error(`azstack-server app create printed no app: ${created}`);
  const cluster = { nodes: [], appId, publicKey };
  cluster.stop = async () => {
    await Promise.all(cluster.nodes.map((node) => node.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const config of configs) {
      cluster.nodes.push(await spawnServer(bin, ['serve', '--config', config]));
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  cluster.url = cluster.nodes[cluster.nodes.length - 1].url;
  return cluster;
}

async function stopServer(server, removeDataDir) {
  const { proc } = server;
  if (proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  runningServers.delete(server);
  if (removeDataDir) fs.rmSync(server.dataDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------
// The token (PROTOCOL.md §2.2)

/** jsencrypt-encrypt `{sdkVersion, namespace, azStackUserID, userCredentials}` (key order matters). */
function makeToken(publicKey, { sdkVersion = '2.2.4', namespace = '', azStackUserID, userCredentials = '' }) {
  const encrypt = new JSEncrypt();
  encrypt.setPublicKey(publicKey);
  const token = encrypt.encrypt(JSON.stringify({ sdkVersion, namespace, azStackUserID, userCredentials }));
  if (!token) throw new Error('jsencrypt could not encrypt the authenticating data (plaintext too long?)');
  return token;
}

// ---------------------------------------------------------------------------------
// Clients

const TRANSPORTS = {
  // Exactly the original core's options (handler/authentication.js), 2.x library.
  v2: (url) => ioV2(url, { transports: ['websocket'], reconnection: false, forceNew: true, autoConnect: false }),
  // The same, 4.x library (Engine.IO 4 / Socket.IO v5).
  v4: (url) => ioV4(url, { transports: ['websocket'], reconnection: false, forceNew: true, autoConnect: false }),
};

const openClients = new Set();

/**
 * One Socket.IO connection. Every received `WebPacket` is parsed (`body` is JSON
 * text inside the envelope) and kept in `inbox` until a `waitFor` takes it, so a
 * packet that arrives before anyone waits for it is not lost.
 */
class Client {
  constructor(transport, url, name) {
    if (!TRANSPORTS[transport]) throw new Error(`unknown transport ${transport}`);
    this.transport = transport;
    this.url = url;
    this.name = name || `${transport}-client`;
    this.inbox = [];
    this.received = []; // every packet, for diagnostics
    this.waiters = [];
    this.socket = TRANSPORTS[transport](url);
    this.socket.on('WebPacket', (raw) => this._receive(raw));
    openClients.add(this);
  }

  _receive(raw) {
    let body = null;
    if (raw && typeof raw.body === 'string' && raw.body) {
      try {
        body = JSON.parse(raw.body);
      } catch {
        body = null;
      }
    }
    const packet = { service: raw && raw.service, body, raw, at: Date.now() };
    this.received.push(packet);
    for (let i = 0; i < this.waiters.length; i++) {
      const waiter = this.waiters[i];
      if (waiter.matches(packet)) {
        this.waiters.splice(i, 1);
        waiter.resolve(packet);
        return;
      }
    }
    this.inbox.push(packet);
  }

  /** Open the socket and resolve on Socket.IO `connect`. */
  connect(timeoutMs = DEFAULT_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.socket.off('connect', onConnect);
        this.socket.off('connect_error', onError);
        this.socket.off('error', onError);
      };
      const onConnect = () => {
        cleanup();
        resolve(this);
      };
      const onError = (err) => {
        cleanup();
        reject(new Error(`${this.name}: cannot connect to ${this.url} (${(err && err.message) || err})`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name}: no Socket.IO connect from ${this.url} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.socket.on('connect', onConnect);
      this.socket.on('connect_error', onError);
      this.socket.on('error', onError);
      this.socket.open();
    });
  }

  /** Emit one `WebPacket` `{service, body: JSON.stringify(body)}`. */
  send(service, body = {}) {
    this.socket.emit('WebPacket', { service, body: JSON.stringify(body) });
  }

  get connected() {
    return this.socket.connected;
  }

  close() {
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(`${this.name}: closed while waiting`));
    this.socket.close();
    openClients.delete(this);
  }
}

/**
 * Resolve with the first packet on `client` whose service is `service` (`null`: any
 * service) and for which `predicate(body, packet)` is true — already received and
 * not yet taken, or arriving within `timeoutMs`. The packet is taken: a later
 * waitFor will not see it.
 */
function waitFor(client, service, predicate = () => true, timeoutMs = DEFAULT_TIMEOUT_MS) {
  const matches = (packet) => {
    if (service !== null && packet.service !== service) return false;
    try {
      return Boolean(predicate(packet.body, packet));
    } catch {
      return false;
    }
  };
  const index = client.inbox.findIndex(matches);
  if (index >= 0) return Promise.resolve(client.inbox.splice(index, 1)[0]);
  return new Promise((resolve, reject) => {
    const waiter = {
      matches,
      resolve: (packet) => {
        clearTimeout(timer);
        resolve(packet);
      },
      reject: (err) => {
        clearTimeout(timer);
        reject(err);
      },
    };
    const timer = setTimeout(() => {
      const at = client.waiters.indexOf(waiter);
      if (at >= 0) client.waiters.splice(at, 1);
      const seen = client.received.map((p) => p.service).join(', ') || 'nothing';
      reject(new Error(`${client.name}: no service ${service ?? '(any)'} packet matching ${predicate.name || 'the predicate'} ` +
        `within ${timeoutMs} ms (received so far: ${seen})${serverLogHint()}`));
    }, timeoutMs);
    client.waiters.push(waiter);
  });
}

function serverLogHint() {
  const tails = [...runningServers].map((s) => s.logTail(15)).filter(Boolean);
  return tails.length ? `\n--- last server output ---\n${tails.join('\n')}` : '';
}

// ---------------------------------------------------------------------------------
// The original connection flow (PROTOCOL.md §1.3, §2)

/** Socket A: connect, send svc 29 `{azStackUserId}`, take the first WebPacket, close A. */
async function discover(transport, url, azStackUserId, { name } = {}) {
  const master = new Client(transport, url, `${name || azStackUserId} (master)`);
  try {
    await master.connect();
    master.send(29, { azStackUserId });
    // The original takes the first WebPacket of any service and fails unless it is 29.
    const reply = await waitFor(master, null);
    if (reply.service !== 29) throw new Error(`master socket answered svc ${reply.service}, not 29`);
    if (!reply.body) throw new Error(`svc 29 reply has no JSON body: ${JSON.stringify(reply.raw)}`);
    return reply.body; // {ip, port}
  } finally {
    master.close();
  }
}

// Client-side ids as the original generates them (§6.2): seeded from epoch seconds,
// +1 per use, never behind the wall clock.
let uniqueId = Math.round(Date.now() / 1000);
function nextId() {
  uniqueId = Math.max(uniqueId + 1, Math.round(Date.now() / 1000));
  return uniqueId;
}
/** Restart the id counter at `seed`. */
function seedIds(seed) {
  uniqueId = seed;
}

/**
 * The whole original login: svc 29 on socket A, then socket B with svc 179; resolves
 * with `{client, auth}` where `auth` is the parsed svc 162 body. Options:
 * transport ('v2' | 'v4'), azStackUserId, fullname, userCredentials, namespace,
 * sdkVersion, token (to send a given token instead of a fresh one), beforeAuth(client)
 * (called on socket B after connect, before svc 179 is sent), followDiscovery (open socket B
 * on the node svc 29 named rather than on `server.url`: a cluster).
 */
async function login(server, {
  transport = 'v2',
  azStackUserId,
  fullname = azStackUserId,
  userCredentials = '',
  namespace = '',
  sdkVersion = '2.2.4',
  token,
  beforeAuth,
  name,
  followDiscovery = false,
} = {}) {
  if (!azStackUserId) throw new Error('login: azStackUserId is required');
  name = name || azStackUserId;
  const slave = await discover(transport, server.url, azStackUserId, { name });
  // The original connects socket B to the node svc 29 named; a single server names itself.
  const url = followDiscovery ? `http://${slave.ip}:${slave.port}` : server.url;
  const client = new Client(transport, url, name);
  try {
    await client.connect();
    if (beforeAuth) await beforeAuth(client);
    client.send(179, {
      slaveIp: slave.ip,
      slavePort: slave.port,
      token: token || makeToken(server.publicKey, { sdkVersion, namespace, azStackUserID: azStackUserId, userCredentials }),
      fullname,
      namespace,
      appId: server.appId,
      sdkVersion,
      screenSize: '411x731',
    });
    const reply = await waitFor(client, 162);
    return { client, auth: reply.body, reply, slave };
  } catch (err) {
    client.close();
    throw err;
  }
}

/** login() and insist on a successful svc 162 (what the original client needs, §2.4). */
async function authenticate(server, options) {
  const result = await login(server, options);
  const { auth } = result;
  if (!auth || typeof auth.userId !== 'number' || !Array.isArray(auth.ice_server)) {
    result.client.close();
    throw new Error(`authentication of ${options.azStackUserId} failed: svc 162 ${JSON.stringify(result.reply.raw)}`);
  }
  return result;
}

function closeAllClients() {
  for (const client of [...openClients]) client.close();
}

module.exports = {
  DEFAULT_TIMEOUT_MS,
  Client,
  JSEncrypt,
  authenticate,
  closeAllClients,
  discover,
  login,
  makeToken,
  nextId,
  seedIds,
  serverBinary,
  startCluster,
  startServer,
  waitFor,
};
