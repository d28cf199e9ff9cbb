'use strict';
// Client for store.js: one connection per command, one line out, one line back.
const net = require('node:net');

const STORE_SOCKET = process.env.STORE_SOCKET || 'run/store.sock';

function storeCommand(line, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(STORE_SOCKET);
    let buf = '';
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`store timed out after ${timeoutMs} ms`)));
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${line}\n`));
    sock.on('data', (chunk) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        sock.end();
        resolve(buf.slice(0, nl));
      }
    });
    sock.on('error', reject);
    sock.on('close', () => reject(new Error('store closed the connection')));
  });
}

module.exports = { storeCommand, STORE_SOCKET };
