// The control socket under abuse: malformed, truncated, huge, slow and numerous requests while
// processes run. The supervisor must stay up, keep supervising, and keep answering.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { api, controlSocket, raw } from '../support/control';
import { isAlive } from '../support/proc';
import { tempApp } from '../support/up';
import { upRunner } from '../support/proc';

function app() {
  return tempApp({
    'muster.toml': `
[process.sleeper]
command = "sleep 600"
instances = 2

[process.chatty]
command = "sh -c 'while :; do echo tick; sleep 0.05; done'"
`,
  });
}

async function stillFine(dir: string, musterPid: number, what: string) {
  assert.ok(isAlive(musterPid), `muster died after ${what}`);
  const status = await api(dir, 'GET', '/v1/instances', undefined, 5000);
  assert.equal(status.status, 200, `status after ${what}`);
  assert.deepEqual(status.body.map((i: { name: string; state: string }) => `${i.name}:${i.state}`), ['sleeper.1:ready', 'sleeper.2:ready', 'chatty:ready'], `after ${what}`);
}

test('the control socket is 0600 and refuses malformed, truncated, huge and slow requests without harm', async (t) => {
  const dir = app();
  const up = upRunner(t, dir)();
  await up.waitFor(/chatty\s+= starting -> ready/);
  const pid = up.child.pid!;
  assert.equal(fs.statSync(controlSocket(dir)).mode & 0o777, 0o600);

  // Not HTTP at all: 400 and the connection closes.
  const garbage = await raw(dir, Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10, 7, 7]));
  assert.match(garbage, /^HTTP\/1\.1 400 .*"code":"bad_request"/s);
  await stillFine(dir, pid, 'garbage');

  // HTTP/1.1 without a Host header (meaningless on a unix socket): answered, not Node's bare 400.
  assert.match(await raw(dir, 'GET /v1/app HTTP/1.1\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /);
  // CONNECT and upgrades: a JSON 405, not a silently dropped connection.
  assert.match(await raw(dir, 'CONNECT x:80 HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 405 .*"code":"method_not_allowed"/s);
  assert.match(await raw(dir, 'GET /v1/app HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'), /^HTTP\/1\.1 405 /);
  await stillFine(dir, pid, 'no Host, CONNECT, Upgrade');

  // Random bytes, many times.
  for (let k = 0; k < 30; k++) {
    const bytes = Buffer.alloc(1 + Math.floor(Math.random() * 3000));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(Math.random() * 256);
    await raw(dir, bytes, 300, true);
  }
  await stillFine(dir, pid, 'random bytes');

  // Truncated: a request line and half a header, then the client hangs up.
  await raw(dir, 'POST /v1/actions HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"action":"sto', 300, true);
  await stillFine(dir, pid, 'a truncated body');

  // Headers over 16 KiB: 431.
  const hugeHeader = await raw(dir, `GET /v1/app HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
  assert.match(hugeHeader, /^HTTP\/1\.1 431 /);
  // A body over 64 KiB: 413, declared or not.
  const big = JSON.stringify({ action: 'stop', names: ['x'.repeat(200_000)] });
  const declared = await raw(dir, `POST /v1/actions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n${big}`);
  assert.match(declared, /^HTTP\/1\.1 413 .*"code":"too_large"/s);
  const chunked = await raw(dir, `POST /v1/actions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`);
  assert.match(chunked, /^HTTP\/1\.1 413 /);
  await stillFine(dir, pid, 'huge requests');

  // Wrong JSON and wrong types get 400 with a stable code; an unknown name lists the valid ones.
  assert.equal((await api(dir, 'POST', '/v1/actions', [1, 2])).body.error.code, 'bad_request');
  assert.equal((await api(dir, 'POST', '/v1/actions', { action: 'explode', names: ['all'] })).body.error.code, 'bad_request');
  assert.equal((await api(dir, 'POST', '/v1/actions', { action: 'stop', names: 'all' })).body.error.code, 'bad_request');
  assert.equal((await api(dir, 'POST', '/v1/wait', { names: ['all'], timeout_ms: -5 })).body.error.code, 'bad_request');
  assert.equal((await api(dir, 'GET', '/v1/logs?lines=abc')).body.error.code, 'bad_request');
  const unknown = await api(dir, 'POST', '/v1/actions', { action: 'restart', names: ['sleepr'] });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'unknown_name');
  assert.deepEqual(unknown.body.error.valid, ['all', 'sleeper', 'sleeper.1', 'sleeper.2', 'chatty']);
  assert.equal((await api(dir, 'GET', '/v1/nothing')).body.error.code, 'not_found');
  assert.equal((await api(dir, 'PUT', '/v1/instances')).body.error.code, 'method_not_allowed');

  // Slow: headers that never finish are cut off after 5 s (plus the 1 s check), while others are served.
  const slow = Array.from({ length: 20 }, () => raw(dir, 'GET /v1/app HTTP/1.1\r\nHost: x\r\n', 9000));
  const started = Date.now();
  await stillFine(dir, pid, 'slow clients connecting');
  const slowAnswers = await Promise.all(slow);
  assert.ok(Date.now() - started < 8900, 'slow clients were dropped before the test gave up on them');
  for (const a of slowAnswers) assert.match(a, /^(HTTP\/1\.1 408 [^]*"code":"timeout"[^]*|)$/);
  await stillFine(dir, pid, 'slow requests');

  // Many connections at once, each hanging up at a different point.
  await Promise.all(Array.from({ length: 300 }, (_, k) => raw(dir, 'GET /v1/instances HTTP/1.1\r\nHost: x\r\n\r\n'.slice(0, k % 45), 200, true)));
  await stillFine(dir, pid, '300 connections');

  // Connections that never send anything are closed after 10 s, so they cannot lock clients out.
  const idle = Array.from({ length: 520 }, () => raw(dir, '', 20_000));
  const idleSince = Date.now();
  await Promise.all(idle);
  assert.ok(Date.now() - idleSince < 16_000, `idle connections were closed after ${Date.now() - idleSince} ms`);
  await stillFine(dir, pid, '520 idle connections');

  // Supervision went on the whole time: chatty's output still reaches its log.
  const before = fs.statSync(`${dir}/.muster/logs/chatty.log`).size;
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(fs.statSync(`${dir}/.muster/logs/chatty.log`).size > before);
  up.signal('SIGINT');
  assert.equal(await up.exited(), 0);
  assert.equal(fs.existsSync(controlSocket(dir)), false, 'the socket is removed at exit');
});

test('one supervisor per app folder: a second up names the first; a dead one\'s socket is replaced; a non-socket is left alone', async (t) => {
  const dir = app();
  const run = upRunner(t, dir);
  const first = run();
  await first.waitFor(/chatty\s+= starting -> ready/);
  const second = run();
  assert.equal(await second.exited(), 1);
  assert.match(second.output(), new RegExp(`muster already runs this app as pid ${first.child.pid}`));
  assert.ok(isAlive(first.child.pid!));
  assert.equal((await api(dir, 'GET', '/v1/app')).body.pid, first.child.pid);

  // A supervisor that dies leaves its socket file; the next one replaces it, and stops the processes
  // the dead one left running before it starts its own (no duplicates).
  const instances = (await api(dir, 'GET', '/v1/instances')).body as Array<{ name: string; pid: number }>;
  first.child.kill('SIGKILL');
  await first.exited();
  assert.ok(fs.existsSync(controlSocket(dir)), 'the dead supervisor left its socket');
  const third = run();
  await third.waitFor(/chatty\s+= starting -> ready/);
  assert.equal((await api(dir, 'GET', '/v1/app')).body.pid, third.child.pid);
  const warning = /a previous supervisor of this app \(pid (\d+)\) died and left (.*) running; muster stops them/.exec(third.output());
  assert.ok(warning, third.output());
  assert.equal(Number(warning[1]), first.child.pid);
  // (chatty died of SIGPIPE with its reader; the sleepers print nothing and live on until stopped.)
  for (const i of instances.filter((x) => x.name.startsWith('sleeper'))) {
    assert.match(warning[2]!, new RegExp(`${i.name.replace('.', '\\.')} \\(pid ${i.pid}\\)`));
    assert.equal(isAlive(i.pid), false, `the old ${i.name} was stopped`);
  }
  const stoppedAt = third.output().indexOf('leftover sleeper.2 stopped');
  assert.ok(stoppedAt > 0 && stoppedAt < third.output().indexOf('sleeper.1 = stopped -> starting'), 'stopped before anything started');
  third.signal('SIGTERM');
  assert.equal(await third.exited(), 0);

  fs.writeFileSync(controlSocket(dir), 'precious');
  const fourth = run();
  assert.equal(await fourth.exited(), 1);
  assert.match(fourth.output(), /control\.sock exists and is not a socket; muster leaves it alone/);
  assert.equal(fs.readFileSync(controlSocket(dir), 'utf8'), 'precious');
  assert.equal(fourth.output().includes('-> ready'), false, 'nothing was started');
});
