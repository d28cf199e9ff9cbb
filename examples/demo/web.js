'use strict';
// web: an HTTP server on $PORT. GET / counts a hit in the store and shows the counters;
// GET /health answers 200 only while the store answers PING (muster's ready probe).
const http = require('node:http');
const { makeLog } = require('./lib/log');
const { storeCommand } = require('./lib/store-client');

const log = makeLog('web');
const port = Number(process.env.PORT || 5100);
const host = process.env.HOST || '127.0.0.1';

async function route(req) {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/health') {
    return [200, `${await storeCommand('PING')}\n`];
  }
  if (url.pathname === '/') {
    const hits = await storeCommand('INCR hits');
    const jobs = await storeCommand('GET jobs');
    return [200, `hello from the muster demo: hits=${hits} jobs=${jobs === '(nil)' ? 0 : jobs}\n`];
  }
  return [404, 'not found\n'];
}

const server = http.createServer((req, res) => {
  route(req)
    .catch((err) => [503, `store unavailable: ${err.code || err.message}\n`])
    .then(([status, body]) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
      // the health probe is not logged, so output stays readable
      if (!req.url.startsWith('/health')) log.info(`${req.method} ${req.url} -> ${status}`);
    });
});

server.listen(port, host, () => log.info(`listening on http://${host}:${port} (pid ${process.pid})`));

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  log.info(`${signal} received, closing`);
  server.close(() => {
    log.info('stopped');
    process.exit(0);
  });
  server.closeIdleConnections(); // keep-alive clients would otherwise hold close() open
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
