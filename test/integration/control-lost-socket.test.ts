// A supervisor whose control socket file was removed (`rm -rf .muster` while it runs) still runs
// the app: a second `up` must not start the processes again beside it, and it must not remove,
// when it exits, a control socket or pid file that is no longer its own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { controlSocket, muster, processesPerInstance, readSupervisorPid, statusJson, upDetached } from '../support/control';
import { isAlive } from '../support/proc';
import { tempApp, waitUntil } from '../support/up';

// $T in the command: the cleanup finds the instance by its command line even without the pid file.
const APP = { 'muster.toml': '[process.web]\ncommand = "python3 $HELPERS/slowstop.py --drain 0 --marker $T/web-stopped"\n' };

test('up (detached or not) refuses while a supervisor whose .muster was removed runs the app, and names its pid', { timeout: 60_000 }, async (t) => {
  const dir = tempApp(APP);
  await upDetached(t, dir);
  const supervisor = readSupervisorPid(dir)!;
  const [web] = await statusJson(dir);
  fs.rmSync(path.join(dir, '.muster'), { recursive: true });

  assert.equal((await muster(dir, ['status'])).code, 3, 'no command can reach it any more');
  for (const args of [['up', '-d'], ['up']]) {
    const r = await muster(dir, args, 30_000);
    assert.equal(r.code, 1, `muster ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`already runs this app .* as pid ${supervisor}, but its control socket .* was removed .*kill -TERM ${supervisor}`));
    assert.equal(fs.existsSync(controlSocket(dir)), false, `the refused muster ${args.join(' ')} took its socket away again`);
  }
  assert.deepEqual([...processesPerInstance(dir)], [['web#1', [web!.pid]]], 'web runs once, started by the first supervisor');

  // It still does what it is told, as its message says.
  process.kill(supervisor, 'SIGTERM');
  await waitUntil(() => !isAlive(supervisor), 20_000, 'the supervisor exits on SIGTERM');
  assert.equal(isAlive(web!.pid!), false);
});

test('an exiting supervisor leaves alone a control socket and pid file that are no longer its own', { timeout: 60_000 }, async (t) => {
  const dir = tempApp(APP);
  await upDetached(t, dir);
  const supervisor = readSupervisorPid(dir)!;
  const state = path.join(dir, '.muster');
  fs.rmSync(state, { recursive: true });
  fs.mkdirSync(state);
  // Another supervisor's files, made since: a listening socket at the same path, and a pid file
  // (with the same text, even: a copy put back is still not the file it wrote).
  const other = net.createServer((c) => c.end());
  await new Promise<void>((resolve) => other.listen(controlSocket(dir), resolve));
  t.after(() => other.close());
  const pidFile = path.join(state, 'muster.pid');
  fs.writeFileSync(pidFile, `${supervisor}\n`);

  process.kill(supervisor, 'SIGTERM');
  await waitUntil(() => !isAlive(supervisor), 20_000, 'the supervisor exits on SIGTERM');
  assert.equal(fs.lstatSync(controlSocket(dir)).isSocket(), true, 'the other control socket is still there');
  await new Promise<void>((resolve, reject) => net.connect(controlSocket(dir)).once('connect', resolve).once('error', reject));
  assert.equal(fs.readFileSync(pidFile, 'utf8'), `${supervisor}\n`, 'the other pid file is still there');
});
