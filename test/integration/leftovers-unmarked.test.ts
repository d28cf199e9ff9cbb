// After kill -9 of the supervisor, the next `muster up` also stops the processes whose environment
// no longer shows muster's marks: redis-server writes its process title over /proc/PID/environ,
// `env -i` clears it. They are found through the run record (.muster/instances.json): the process
// group muster made for each instance. A record that cannot be trusted, or whose supervisor still
// runs, or whose groups are gone (pids reused since), never gets anyone stopped.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findLeftovers } from '../../src/os/leftovers';
import { readRunRecord, startTimeOf, type RunRecord } from '../../src/os/run-record';
import { groupMembers, pidsMatching, tempApp, waitUntil } from '../support/up';
import { cmdlineOf, environOf, isAlive } from '../support/proc';
import { muster, readMusterLog, readSupervisorPid, statusJson, upDetached } from '../support/control';

/** A sleep no other test runs: its argument names it. */
const uniqueSeconds = () => 100_000_000 + Math.floor(Math.random() * 800_000_000);

function sleeps(seconds: number): number[] {
  return pidsMatching(`sleep ${seconds}`).filter((pid) => {
    try {
      return cmdlineOf(pid)[0] === 'sleep';
    } catch {
      return false;
    }
  });
}

/** redis-server processes serving `socket` (their title names it). */
function redisOn(socket: string): number[] {
  return pidsMatching(`unixsocket:${socket}`).filter((pid) => {
    try {
      return cmdlineOf(pid)[0]!.startsWith('redis-server');
    } catch {
      return false;
    }
  });
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

test('kill -9 of the supervisor: the next up -d stops redis-server and an env -i process, whose environment has no marks left (no second copy)', { timeout: 60_000 }, async (t) => {
  const seconds = uniqueSeconds();
  const dir = tempApp({
    'muster.toml': [
      '[process.cache]',
      `command = "mkdir -p run && exec redis-server --dir run --unixsocket $T/app/run/redis.sock --port 0 --save '' --appendonly no --daemonize no --logfile ''"`,
      'ready = { connect = "run/redis.sock" }',
      '[process.bare]',
      `command = "env -i sleep ${seconds}"`,
      'instances = 2',
      '',
    ].join('\n'),
  });
  const socket = path.join(dir, 'run', 'redis.sock');
  t.after(() => killAll([...sleeps(seconds), ...redisOn(socket)]));
  await upDetached(t, dir);
  const [oldRedis] = redisOn(socket);
  const oldSleeps = sleeps(seconds);
  assert.ok(oldRedis !== undefined, 'redis-server runs');
  assert.equal(oldSleeps.length, 2);
  for (const pid of [oldRedis, ...oldSleeps]) assert.equal(environOf(pid).MUSTER_PROCESS, undefined, `pid ${pid} shows no marks: the case this test is about`);

  const supervisor = readSupervisorPid(dir)!;
  process.kill(supervisor, 'SIGKILL');
  await waitUntil(() => !isAlive(supervisor), 5000, 'the supervisor is gone');
  const again = await muster(dir, ['up', '-d']);
  assert.equal(again.code, 0, again.stderr);
  const log = readMusterLog(dir);
  assert.match(log, new RegExp(`died and left .*cache \\(pid ${oldRedis}\\)`), log);
  assert.match(log, /died and left .*bare\.1 .*bare\.2/, log);
  for (const pid of [oldRedis, ...oldSleeps]) assert.equal(isAlive(pid), false, `old pid ${pid} was stopped`);
  assert.equal(redisOn(socket).length, 1, 'one redis-server, not two');
  assert.equal(sleeps(seconds).length, 2, 'two bare instances, not four');
  assert.deepEqual((await statusJson(dir)).map((i) => i.state), ['ready', 'ready', 'ready']);
  assert.equal((await muster(dir, ['down'])).code, 0);
  assert.deepEqual(readRunRecord(path.join(dir, '.muster', 'instances.json'))?.groups, [], 'a clean stop leaves no group recorded');
});

/** A process in its own process group with an empty environment (like `env -i`): marks cannot find it. */
function unmarkedGroup(t: { after(fn: () => void): void }): number {
  const child = spawn('sleep', ['300'], { detached: true, env: {}, stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  return child.pid!;
}

/** pid and start time of a process that has exited: a supervisor that died. */
async function deadSupervisor(): Promise<RunRecord['supervisor']> {
  const child = spawn('sleep', ['0.2'], { stdio: 'ignore' });
  const startTime = startTimeOf(child.pid!)!;
  await new Promise((resolve) => child.once('exit', resolve));
  return { pid: child.pid!, startTime };
}

test('a recorded group counts only while it is the one recorded and its supervisor is gone', async (t) => {
  const leader = unmarkedGroup(t);
  await waitUntil(() => startTimeOf(leader) !== null && cmdlineOf(leader)[0] === 'sleep', 5000, 'sleep started');
  const filter = { root: fs.mkdtempSync(path.join(os.tmpdir(), 'muster-record-')), app: null };
  const group = { pgid: leader, startTime: startTimeOf(leader)!, instance: 'worker.3' };
  const dead = await deadSupervisor();

  assert.deepEqual(findLeftovers(filter, { supervisor: dead, groups: [group] }), [{ pid: leader, pgid: leader, process: 'worker', instance: '3' }]);
  assert.deepEqual(groupMembers(leader), [leader]);
  const alive = { pid: process.pid, startTime: startTimeOf(process.pid)! };
  assert.deepEqual(findLeftovers(filter, { supervisor: alive, groups: [group] }), [], 'its supervisor still runs: it keeps its processes');
  assert.deepEqual(findLeftovers(filter, { supervisor: dead, groups: [{ ...group, startTime: group.startTime - 1 }] }), [], 'another start time: the pid was reused since');
  assert.deepEqual(findLeftovers(filter, null), [], 'no record: only marks count');
});

test('a run record is trusted only when it is a regular file of ours that nobody else may write', { skip: process.getuid!() === 0 ? false : 'needs root (chowns a file to nobody)' }, async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-record-'));
  const file = path.join(folder, 'instances.json');
  const record: RunRecord = { supervisor: await deadSupervisor(), groups: [{ pgid: 4242, startTime: 7, instance: 'web' }] };
  fs.writeFileSync(file, JSON.stringify(record), { mode: 0o600 });
  assert.deepEqual(readRunRecord(file), record);

  fs.chmodSync(file, 0o620);
  assert.equal(readRunRecord(file), null, 'group-writable');
  fs.chmodSync(file, 0o600);
  fs.chownSync(file, 65534, 65534);
  assert.equal(readRunRecord(file), null, 'owned by nobody');
  fs.chownSync(file, 0, 0);
  const link = path.join(folder, 'link.json');
  fs.symlinkSync(file, link);
  assert.equal(readRunRecord(link), null, 'a symlink');
  fs.writeFileSync(file, '{"supervisor": {"pid": 1');
  assert.equal(readRunRecord(file), null, 'truncated (the malformed kinds: test/unit/os/run-record.test.ts)');
  fs.writeFileSync(file, ' '.repeat(2 << 20));
  assert.equal(readRunRecord(file), null, 'oversize');
  assert.equal(readRunRecord(path.join(folder, 'none.json')), null, 'missing');
});
