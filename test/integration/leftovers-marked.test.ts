// After kill -9 of the supervisor, the next `muster up` stops what the dead one left before it
// starts anything, even a process that works outside the app folder (cd /, redis --dir, celery
// --workdir) and an app given through a symlink: leftovers are told by MUSTER_APP_ROOT (the app
// folder, symlinks resolved), not by their working folder. Otherwise every process runs twice.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { findLeftovers } from '../../src/os/leftovers';
import { tempApp, waitUntil } from '../support/up';
import { cmdlineOf, environOf, isAlive } from '../support/proc';
import { muster, readMusterLog, readSupervisorPid, statusJson, upDetached } from '../support/control';
import { killSleepsAfter, sleeps, uniqueSeconds } from '../support/sleeps';

/** kill -9 of the app's supervisor, then `muster up -d` again through `dir`. */
async function killSupervisorAndUpAgain(dir: string): Promise<string> {
  const supervisor = readSupervisorPid(dir);
  assert.ok(supervisor !== null, 'muster.pid names the supervisor');
  process.kill(supervisor, 'SIGKILL');
  await waitUntil(() => !isAlive(supervisor), 5000, `supervisor ${supervisor} gone`);
  const again = await muster(dir, ['up', '-d']);
  assert.equal(again.code, 0, `second up -d exited ${again.code}; stderr:\n${again.stderr}\n${again.stdout}`);
  return readMusterLog(dir);
}

test('kill -9 of the supervisor: the next up -d stops a leftover whose working folder is outside the app (no second copy)', { timeout: 60_000 }, async (t) => {
  const away = uniqueSeconds();
  const home = uniqueSeconds();
  const dir = tempApp({
    'muster.toml': [
      '[process.away]',
      `command = "sh -c 'cd / && exec sleep ${away}'"`,
      '[process.home]',
      `command = "sleep ${home}"`,
      '',
    ].join('\n'),
  });
  killSleepsAfter(t, away, home);
  await upDetached(t, dir);
  const [oldAway] = sleeps(away);
  assert.ok(oldAway !== undefined, `sleep ${away} runs`);
  assert.equal(fs.readlinkSync(`/proc/${oldAway}/cwd`), '/', 'it works outside the app');

  const log = await killSupervisorAndUpAgain(dir);
  assert.match(log, /died and left .*away/, log);
  assert.equal(isAlive(oldAway), false, 'the old away was stopped');
  assert.equal(sleeps(away).length, 1, `one sleep ${away}, not two`);
  assert.equal(sleeps(home).length, 1, `one sleep ${home}, not two`);
  assert.equal(environOf(sleeps(away)[0]!).MUSTER_APP_ROOT, fs.realpathSync(dir), 'marked with the app folder');
  const status = await statusJson(dir);
  assert.deepEqual(status.map((i) => i.state), ['ready', 'ready']);
});

test('kill -9 of the supervisor of an app given through a symlink: the next up -d through the link stops every leftover', { timeout: 60_000 }, async (t) => {
  const a = uniqueSeconds();
  const b = uniqueSeconds();
  const dir = tempApp({ Procfile: `a: sleep ${a}\nb: sleep ${b}\n` });
  const link = path.join(path.dirname(dir), 'link');
  fs.symlinkSync(dir, link);
  killSleepsAfter(t, a, b);
  await upDetached(t, link);
  const old = [...sleeps(a), ...sleeps(b)];
  assert.equal(old.length, 2);

  const log = await killSupervisorAndUpAgain(link);
  assert.match(log, /died and left /, log);
  for (const pid of old) assert.equal(isAlive(pid), false, `old pid ${pid} was stopped`);
  assert.equal(sleeps(a).length, 1, `one sleep ${a}, not two`);
  assert.equal(sleeps(b).length, 1, `one sleep ${b}, not two`);
});

test('under a host the app is its name: a leftover marked with an older folder of the app (a deploy moved current on) is found; in development the folder decides', async (t) => {
  const dead = spawnSync('true').pid!; // a supervisor that is gone
  const env = { MUSTER_PROCESS: 'web', MUSTER_INSTANCE: '1', MUSTER_APP: 'shop', MUSTER_APP_ROOT: '/srv/shop/releases/1', MUSTER_SUPERVISOR_PID: String(dead) };
  const child = spawn('sleep', ['300'], { detached: true, env, stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await waitUntil(() => { try { return cmdlineOf(child.pid!)[0] === 'sleep'; } catch { return false; } }, 5000, 'sleep started');
  const found = (filter: { root: string; app: string | null }) => findLeftovers(filter).filter((l) => l.pid === child.pid);
  assert.deepEqual(found({ root: '/srv/shop/releases/2', app: 'shop' }), [{ pid: child.pid, pgid: child.pid, process: 'web', instance: '1' }]);
  assert.deepEqual(found({ root: '/srv/shop/releases/1', app: 'other' }), [], 'another app');
  assert.deepEqual(found({ root: '/srv/shop/releases/2', app: null }), [], 'development: another folder');
});
