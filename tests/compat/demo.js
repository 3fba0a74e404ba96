'use strict';
// A short chat between two users, printed as a transcript. alice uses
// socket.io-client 2.x (the original AZStack SDK's transport), bob socket.io-client
// 4.x; both speak the original wire protocol (PROTOCOL.md) to azstack-server.
//
//   node tests/compat/demo.js <server-url> <dev-app.json>
//
// scripts/demo starts the server and runs this.

const fs = require('node:fs');
const { authenticate, closeAllClients, nextId, seedIds, waitFor } = require('./lib');

const CHAT_TYPE_USER = 1;
const CHAT_TYPE_GROUP = 2;
const GROUP_TYPE_PRIVATE = 0;

function usage() {
  console.error('usage: node tests/compat/demo.js <server-url> <dev-app.json>');
  process.exit(2);
}

const say = (line = '') => console.log(line);

async function main() {
  const [url, devAppPath] = process.argv.slice(2);
  if (!url || !devAppPath) usage();
  const devApp = JSON.parse(fs.readFileSync(devAppPath, 'utf8'));
  const server = { url, appId: devApp.appId, publicKey: devApp.publicKey };
  // alice and bob live on between runs (./.azstack), and the server treats a repeated
  // (sender, chat, msgId) as a retransmission (D7). Ids seeded from seconds, as the
  // original's are, could repeat the previous run's; milliseconds cannot.
  seedIds(Date.now());

  say(`AZStack demo — server ${url}, application ${server.appId}`);
  say();

  // --- log in: svc 29 on a master socket, then svc 179 → 162 on the slave socket ---
  const alice = await authenticate(server, { transport: 'v2', azStackUserId: 'alice', fullname: 'Alice' });
  say(`alice logged in as userId ${alice.auth.userId} (socket.io-client 2.x, Engine.IO 3 — the original SDK)`);
  const bob = await authenticate(server, { transport: 'v4', azStackUserId: 'bob', fullname: 'Bob' });
  say(`bob   logged in as userId ${bob.auth.userId} (socket.io-client 4.x, Engine.IO 4)`);
  say();

  const users = { [alice.auth.userId]: 'alice', [bob.auth.userId]: 'bob' };
  const people = { alice, bob };

  // --- 1:1 text (72 → ack 72 + push 73), delivered (167) and seen (153) ---
  async function text(fromName, toName, msg) {
    const from = people[fromName];
    const to = people[toName];
    const msgId = nextId();
    from.client.send(72, { msgId, to: to.auth.userId, msg });
    const push = await waitFor(to.client, 73, (b) => b && b.msgId === msgId);
    say(`[${users[push.body.from]} → ${toName}] ${push.body.msg}`);
    const ack = await waitFor(from.client, 72, (b) => b && b.msgId === msgId);
    say(`    ✓ sent (server ack, r ${ack.body.r})`);

    // The recipient's device reports DELIVERED, then SEEN; the sender hears both.
    to.client.send(167, { to: from.auth.userId, msgId });
    await waitFor(from.client, 167, (b) => b && b.msgId === msgId);
    say(`    ✓ delivered to ${toName}`);
    to.client.send(153, { type: CHAT_TYPE_USER, chatId: from.auth.userId, senderId: from.auth.userId, msgId });
    await waitFor(to.client, 153, (b) => b && b.msgId === msgId && b.r !== undefined);
    await waitFor(from.client, 153, (b) => b && b.msgId === msgId && b.r === undefined);
    say(`    ✓ seen by ${toName}`);
  }

  async function typing(fromName, toName) {
    people[fromName].client.send(142, { to: people[toName].auth.userId });
    const push = await waitFor(people[toName].client, 142, (b) => b && b.from === people[fromName].auth.userId);
    say(`${users[push.body.from]} is typing…`);
  }

  await text('alice', 'bob', 'hello bob');
  await typing('bob', 'alice');
  await text('bob', 'alice', 'hi alice! 👋 this is the new server');
  await text('alice', 'bob', 'the original SDK works against it too');
  say();

  // --- a group: create (42 → 143 to every member), typing (149), message (45 → 146) ---
  const createMsgId = nextId();
  const name = 'weekend plans';
  alice.client.send(42, { msgId: createMsgId, type: GROUP_TYPE_PRIVATE, name, members: [bob.auth.userId] });
  const created = await waitFor(alice.client, 42, (b) => b && b.msgId === createMsgId);
  if (created.body.r !== 1) throw new Error(`create group failed: ${created.raw.body}`);
  const group = created.body.group;
  const members = (created.body.members || []).map((id) => users[id] || id).join(', ');
  say(`alice created group #${group} "${name}" (members: ${members})`);
  await waitFor(bob.client, 143, (b) => b && b.group === group);
  say(`    bob was told about the new group (svc 143)`);

  bob.client.send(149, { group });
  await waitFor(alice.client, 149, (b) => b && b.group === group);
  say(`bob is typing in "${name}"…`);

  for (const [fromName, msg] of [['bob', 'saturday hike?'], ['alice', "I'm in"]]) {
    const from = people[fromName];
    const other = fromName === 'alice' ? bob : alice;
    const msgId = nextId();
    from.client.send(45, { msgId, group, msg });
    const push = await waitFor(other.client, 146, (b) => b && b.msgId === msgId);
    say(`[${users[push.body.from]} → "${name}"] ${push.body.msg}`);
    const ack = await waitFor(from.client, 45, (b) => b && b.msgId === msgId);
    say(`    ✓ sent (server ack, r ${ack.body.r})`);
    other.client.send(153, { type: CHAT_TYPE_GROUP, chatId: group, senderId: from.auth.userId, msgId });
    await waitFor(from.client, 153, (b) => b && b.msgId === msgId && b.r === undefined);
    say(`    ✓ seen by ${fromName === 'alice' ? 'bob' : 'alice'}`);
  }

  say();
  say('done.');
}

main()
  .then(() => {
    closeAllClients();
  })
  .catch((err) => {
    console.error(`demo failed: ${err.message}`);
    closeAllClients();
    process.exitCode = 1;
  });
