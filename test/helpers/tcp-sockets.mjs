// Opens TCP sockets in known states on loopback and holds them until stdin closes. Run inside a
// private network namespace (`ip netns exec NS node tcp-sockets.mjs PLAN`) so the counts are exact.
//
// PLAN (JSON, argv[2]): a list of listeners, each
//   {listen: "127.0.0.1" | "::1" | "::", connect: "127.0.0.1" | "::1", port,
//    established, clientClose, serverClose, halfClose}
// and for each listener, that many client connections:
//   established  both ends ESTABLISHED
//   clientClose  the client closes first: its end (an ephemeral local port) goes to TIME_WAIT
//   serverClose  the server closes first: its end (local port `port`) goes to TIME_WAIT
//   halfClose    the client shuts down writing, the server never does: client FIN_WAIT2,
//                server CLOSE_WAIT
// Prints "ready" when every socket has reached its state, as far as node's events can tell.
import net from 'node:net';
import { once } from 'node:events';

const plan = JSON.parse(process.argv[2] ?? '[]');
const held = [];

function serve(socket) {
  held.push(socket);
  socket.once('data', (data) => {
    const mode = data.toString('latin1')[0];
    if (mode === 'C') socket.once('end', () => socket.end());
    if (mode === 'S') socket.end();
    socket.emit(`mode-${mode}`);
  });
  socket.on('error', (err) => fail(err));
}

function fail(err) {
  console.error(err.stack ?? String(err));
  process.exit(1);
}

async function connection(l, mode) {
  const client = net.connect({ host: l.connect, port: l.port, allowHalfOpen: mode === 'H' });
  held.push(client);
  client.on('error', (err) => fail(err));
  await once(client, 'connect');
  const serverSide = l.accepted.shift() ?? (await new Promise((resolve) => l.waiting.push(resolve)));
  client.write(mode);
  await once(serverSide, `mode-${mode}`);
  if (mode === 'E') return;
  if (mode === 'C') {
    client.end();
    await Promise.all([once(client, 'close'), once(serverSide, 'close')]);
  } else if (mode === 'S') {
    await Promise.all([once(client, 'close'), once(serverSide, 'close')]);
  } else if (mode === 'H') {
    const ended = once(serverSide, 'end');
    client.end();
    await ended;
  }
}

for (const l of plan) {
  // Accepted sockets and clients waiting for theirs: whichever comes first waits for the other.
  l.accepted = [];
  l.waiting = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    serve(socket);
    const waiter = l.waiting.shift();
    if (waiter) waiter(socket);
    else l.accepted.push(socket);
  });
  server.on('error', (err) => fail(err));
  server.listen({ host: l.listen, port: l.port, ipv6Only: false });
  await once(server, 'listening');
  // One connection at a time per listener, so each client is paired with the socket accepted for it.
  for (const [mode, n] of [
    ['E', l.established],
    ['C', l.clientClose],
    ['S', l.serverClose],
    ['H', l.halfClose],
  ]) {
    for (let i = 0; i < (n ?? 0); i++) await connection(l, mode);
  }
}

process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
