'use strict';
// store: a tiny in-memory key-value server on a unix socket (run/store.sock).
// It waits STORE_WARMUP_MS (1 s) before listening, so muster's readiness probe has something to wait for.
// Protocol, one line each way: PING -> PONG | GET k -> value or (nil) | SET k v -> OK | INCR k -> n
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { makeLog } = require('./lib/log');
const { STORE_SOCKET } = require('./lib/store-client');

const log = makeLog('store');
const warmupMs = Number(process.env.STORE_WARMUP_MS || 1000);
const data = new Map();
const clients = new Set();
let commands = 0;

function handle(line) {
  const [cmd, key, ...rest] = line.trim().split(' ');
  commands++;
  switch ((cmd || '').toUpperCase()) {
    case 'PING': return 'PONG';
    case 'GET': return data.has(key) ? data.get(key) : '(nil)';
    case 'SET': data.set(key, rest.join(' ')); return 'OK';
    case 'INCR': {
      const n = Number(data.get(key) || 0) + 1;
      data.set(key, String(n));
      return String(n);
    }
    default: return `ERR unknown command ${cmd}`;
  }
}

const server = net.createServer((sock) => {
  clients.add(sock);
  sock.on('close', () => clients.delete(sock));
  sock.on('error', () => {});
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (chunk) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      sock.write(`${handle(buf.slice(0, nl))}\n`);
      buf = buf.slice(nl + 1);
    }
  });
});

fs.mkdirSync(path.dirname(STORE_SOCKET), { recursive: true });
fs.rmSync(STORE_SOCKET, { force: true }); // a socket file left by a killed store would block listen()
log.info(`warming up for ${warmupMs / 1000} s before listening (pid ${process.pid})`);
const warmup = setTimeout(() => {
  server.listen(STORE_SOCKET, () => log.info(`ready: listening on ${STORE_SOCKET}`));
}, warmupMs);

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  log.info(`${signal} received, closing`);
  clearTimeout(warmup);
  const done = () => {
    log.info(`stopped (${commands} commands served, ${data.size} keys dropped)`);
    process.exit(0);
  };
  if (!server.listening) return done(); // still warming up
  for (const sock of clients) sock.end();
  server.close(done); // close() also unlinks the socket file, so the next start begins clean
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
