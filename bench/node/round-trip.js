'use strict';
// The original SDK's transport (socket.io-client 2.x, Engine.IO 3, jsencrypt) measured against azstack-server:
// one sender, one receiver, N user text messages sent one at a time. For each message it records the time from
// the emit of svc 72 to its SENT ack (svc 72 with `r`) and to the receiver's svc 73. Then N users-information
// round trips (svc 164, nothing written to disk), which isolate the client and transport from the server's commit.
// Prints one JSON line:
//   {"count": N, "ack_us": [p50, p99], "deliver_us": [p50, p99], "users_us": [p50, p99]}
//
//   node bench/node/round-trip.js <server-url> <appId> <publicKey> [count]
//
// Started by `azstack-bench engine`, which compares it with the Rust engine in the same run.

const lib = require('../../tests/compat/lib.js');

function percentile(sorted, q) {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

async function main() {
  const [url, appId, publicKey, countArg] = process.argv.slice(2);
  if (!url || !appId || !publicKey) {
    console.error('usage: node bench/node/round-trip.js <server-url> <appId> <publicKey> [count]');
    process.exit(2);
  }
  const count = Number(countArg || 10000);
  const server = { url, appId, publicKey };
  const sender = await lib.authenticate(server, { transport: 'v2', azStackUserId: 'bench-node-sender' });
  const receiver = await lib.authenticate(server, { transport: 'v2', azStackUserId: 'bench-node-receiver' });
  const to = receiver.auth.userId;
  lib.seedIds(Math.round(Date.now() / 1000));
  const ack = [];
  const deliver = [];
  for (let i = 0; i < count; i++) {
    const msgId = lib.nextId();
    const t0 = process.hrtime.bigint();
    const acked = lib.waitFor(sender.client, 72, (b) => b && b.msgId === msgId && 'r' in b)
      .then(() => Number(process.hrtime.bigint() - t0) / 1000);
    const delivered = lib.waitFor(receiver.client, 73, (b) => b && b.msgId === msgId)
      .then(() => Number(process.hrtime.bigint() - t0) / 1000);
    sender.client.send(72, { msgId, to, msg: `bench ${i}` });
    const [a, d] = await Promise.all([acked, delivered]);
    ack.push(a);
    deliver.push(d);
    // The inboxes only keep packets nobody waited for (status pushes); drop them.
    sender.client.inbox.length = 0;
    receiver.client.inbox.length = 0;
    sender.client.received.length = 0;
    receiver.client.received.length = 0;
  }
  const users = [];
  for (let i = 0; i < count; i++) {
    const purpose = i % 100000;
    const t0 = process.hrtime.bigint();
    const replied = lib.waitFor(sender.client, 164, (b) => b && b.purpose === purpose);
    sender.client.send(164, { purpose, userIdList: [to] });
    await replied;
    users.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  users.sort((x, y) => x - y);
  ack.sort((x, y) => x - y);
  deliver.sort((x, y) => x - y);
  console.log(JSON.stringify({
    count,
    ack_us: [percentile(ack, 0.5), percentile(ack, 0.99)],
    deliver_us: [percentile(deliver, 0.5), percentile(deliver, 0.99)],
    users_us: [percentile(users, 0.5), percentile(users, 0.99)],
  }));
  lib.closeAllClients();
  process.exit(0);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
