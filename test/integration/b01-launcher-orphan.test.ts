// B01: a launcher that forks the real server (sh without exec). Stopping must take the
// port-holding grandchild too, so the next `muster up` can bind the port again.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { groupMembers, pidsMatching, reportedPids, tempApp } from '../support/up';
import { cmdlineOf, freePort, httpStatus, isAlive, isListening, waitUntilAsync, upRunner } from '../support/proc';
import { muster, statusJson, upDetached } from '../support/control';

function launcherToml(port: number): string {
  return [
    '[process.web]',
    // "; echo after" makes sh fork: python is sh's child, not sh itself.
    `command = "sh -c 'python3 -m http.server ${port}; echo after'"`,
    'stop_signal = "TERM"',
    'stop_timeout = "5s"',
    '',
  ].join('\n');
}

test('B01 foreground: SIGINT stops the launcher and its port-holding grandchild; a second muster up serves again', async (t) => {
  const port = await freePort();
  const dir = tempApp({ 'muster.toml': launcherToml(port) });
  const runUp = upRunner(t, dir);

  const first = runUp();
  await first.waitFor(/web\s+= starting -> ready \(pid \d+\)/);
  await waitUntilAsync(async () => (await httpStatus(port)) === 200, 10_000, `port ${port} answers`);

  const [shPid] = reportedPids(first.output(), 'web');
  assert.ok(shPid, 'muster reported the pid of web');
  assert.equal(cmdlineOf(shPid)[0], 'sh', 'the main process is the launcher');
  const server = groupMembers(shPid).filter((pid) => pid !== shPid && cmdlineOf(pid).includes('http.server'));
  assert.equal(server.length, 1, 'python runs as a separate process in the launcher\'s group');
  const serverPid = server[0]!;

  const signalledAt = Date.now();
  first.signal('SIGINT');
  const code = await first.exited(10_000);
  const tookMs = Date.now() - signalledAt;
  assert.equal(code, 0);
  assert.ok(tookMs < 5000, `muster exited ${tookMs} ms after SIGINT (limit 5000)`);

  assert.equal(isAlive(serverPid), false, `the python grandchild ${serverPid} is gone`);
  assert.deepEqual(pidsMatching(`http.server ${port}`), [], 'no http.server process is left');
  assert.deepEqual(groupMembers(shPid), [], `process group ${shPid} is empty`);
  assert.equal(isListening(port), false, `nothing listens on ${port}`);
  // How: the stop signal reached the launcher, then what it left in its group; no SIGKILL needed.
  assert.match(first.output(), new RegExp(`web\\s+= main process gone; sent SIGTERM to what it left in its group: pid ${serverPid}`));
  const log = fs.readFileSync(path.join(dir, '.muster', 'logs', 'web.log'), 'utf8');
  assert.match(log, /\[muster\] \S+ stopping -> stopped/);
  assert.doesNotMatch(log, /SIGKILL/);

  const second = runUp();
  await second.waitFor(/web\s+= starting -> ready \(pid \d+\)/);
  await waitUntilAsync(async () => (await httpStatus(port)) === 200, 10_000, `port ${port} answers again`);
  assert.doesNotMatch(second.output(), /Address already in use/);
  const [secondPid] = reportedPids(second.output(), 'web');
  second.signal('SIGINT');
  assert.equal(await second.exited(10_000), 0);
  assert.deepEqual(groupMembers(secondPid!), []);
  assert.equal(isListening(port), false);
});

test('B01 control: stop takes the grandchild and frees the port; start serves again; three restarts leave exactly one server', async (t) => {
  const port = await freePort();
  const dir = tempApp({ 'muster.toml': launcherToml(port) });
  await upDetached(t, dir);
  await waitUntilAsync(async () => (await httpStatus(port)) === 200, 10_000, `port ${port} answers`);
  const pgid = (await statusJson(dir, ['web']))[0]!.pid!;
  const started = Date.now();
  const stop = await muster(dir, ['stop', 'web']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.ok(Date.now() - started < 5000, `stop took ${Date.now() - started} ms`);
  assert.deepEqual(pidsMatching(`http.server ${port}`), []);
  assert.deepEqual(groupMembers(pgid), []);
  assert.equal(isListening(port), false);

  assert.equal((await muster(dir, ['start', 'web'])).code, 0);
  await waitUntilAsync(async () => (await httpStatus(port)) === 200, 10_000, `port ${port} answers again`);
  for (let k = 0; k < 3; k++) assert.equal((await muster(dir, ['restart', 'web'])).code, 0);
  await waitUntilAsync(async () => (await httpStatus(port)) === 200, 10_000, `port ${port} answers after the restarts`);
  // The launcher's own command line names the server too: count the python servers only.
  assert.equal(pidsMatching(`http.server ${port}`).filter((pid) => cmdlineOf(pid)[0] !== 'sh').length, 1);
});
