// After kill -9 of the supervisor, the next `muster up` also stops the processes whose environment
// no longer shows muster's marks: redis-server writes its process title over /proc/PID/environ,
// `env -i` clears it. They are found through the run record (.muster/instances.jsonl): the process
// group muster made for each instance. A record that cannot be trusted, or is another app's (a
// copied folder), or whose supervisor still runs, or whose groups are gone (pids reused since),
// never gets anyone stopped.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findLeftovers } from '../../src/os/leftovers';
import { startTimeOf } from '../../src/os/proc-stat';
import { bootId, readRunRecord, ticksSinceBoot, type RunRecord } from '../../src/os/run-record';
import { groupMembers, pidsMatching, tempApp, waitUntil } from '../support/up';
import { cmdlineOf, environOf, isAlive, waitUntilAsync } from '../support/proc';
import { killAll, sleeps, uniqueSeconds } from '../support/sleeps';
import { muster, readMusterLog, readSupervisorPid, statusJson, upDetached } from '../support/control';

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
  assert.deepEqual(readRunRecord(recordOf(dir), { root: fs.realpathSync(dir), app: null }).record?.groups, [], 'a clean stop leaves no group recorded');
});

const recordOf = (dir: string) => path.join(dir, '.muster', 'instances.jsonl');

async function killSupervisor(dir: string): Promise<void> {
  const supervisor = readSupervisorPid(dir)!;
  process.kill(supervisor, 'SIGKILL');
  await waitUntil(() => !isAlive(supervisor), 5000, 'the supervisor is gone');
}

test('a copy of an app folder (with its .muster) does not stop the original\'s processes; the original\'s next up does', { timeout: 60_000 }, async (t) => {
  const seconds = uniqueSeconds();
  const dir = tempApp({ 'muster.toml': `[process.bare]\ncommand = "env -i sleep ${seconds}"\n` });
  t.after(() => killAll(sleeps(seconds)));
  await upDetached(t, dir);
  const [old] = sleeps(seconds);
  await killSupervisor(dir);
  const copy = `${dir}-copy`;
  execFileSync('cp', ['-a', dir, copy]); // as a user would: with .muster, its stale socket and the record
  t.after(() => void muster(copy, ['down']));
  const up = await muster(copy, ['up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  assert.equal(isAlive(old!), true, 'the original\'s process is not the copy\'s to stop');
  assert.doesNotMatch(readMusterLog(copy), /died and left/);
  assert.equal((await muster(copy, ['down'])).code, 0);

  assert.equal((await muster(dir, ['up', '-d'])).code, 0);
  assert.match(readMusterLog(dir), new RegExp(`died and left bare \\(pid ${old}\\)`));
  assert.equal(isAlive(old!), false);
  assert.equal(sleeps(seconds).length, 1);
});

test('each spawn is recorded before the next: a kill -9 in the middle of starting 150 instances leaves no copy of the first', { timeout: 60_000 }, async (t) => {
  const first = uniqueSeconds();
  const rest = uniqueSeconds();
  const dir = tempApp({ 'muster.toml': `[process.bare]\ncommand = "env -i sleep ${first}"\n[process.many]\ncommand = "sleep ${rest}"\ninstances = 150\n` });
  t.after(() => killAll([...sleeps(first), ...sleeps(rest)]));
  const starting = muster(dir, ['up', '-d']);
  await waitUntil(() => sleeps(first).length === 1, 20_000, 'the first instance runs');
  await new Promise((r) => setTimeout(r, 20));
  await waitUntil(() => readSupervisorPid(dir) !== null, 5000, 'muster.pid');
  await killSupervisor(dir);
  await starting;
  const up = await muster(dir, ['up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  t.after(() => void muster(dir, ['down']));
  assert.equal(sleeps(first).length, 1, 'one bare, not two');
  assert.equal(sleeps(rest).length, 150);
});

/** A process in its own process group with an empty environment (like `env -i`): marks cannot find it. */
function unmarkedGroup(t: { after(fn: () => void): void }): number {
  const child = spawn('sleep', ['300'], { detached: true, env: {}, stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  return child.pid!;
}

/** A group whose leader has exited, leaving a sleep in it (a daemon's double fork, a pipeline). */
async function leaderlessGroup(t: { after(fn: () => void): void }): Promise<{ pgid: number; leaderStart: number; member: number }> {
  const leader = spawn('sh', ['-c', 'sleep 300 & echo $!; sleep 0.3'], { detached: true, env: {}, stdio: ['ignore', 'pipe', 'ignore'] });
  const leaderStart = startTimeOf(leader.pid!)!;
  const member = Number(await new Promise<string>((resolve) => leader.stdout!.once('data', (d: Buffer) => resolve(d.toString()))));
  t.after(() => process.kill(member, 'SIGKILL'));
  await new Promise((resolve) => leader.once('exit', resolve));
  return { pgid: leader.pid!, leaderStart, member };
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
  const group = { pgid: leader, startTime: startTimeOf(leader)!, process: 'worker', instance: '3' };
  const dead = await deadSupervisor();
  const record = (groups: RunRecord['groups'], supervisor = dead): RunRecord => ({ supervisor, groups, lastWrite: ticksSinceBoot() });

  assert.deepEqual(findLeftovers(filter, record([group])), [{ pid: leader, pgid: leader, process: 'worker', instance: '3' }]);
  assert.deepEqual(groupMembers(leader), [leader]);
  const alive = { pid: process.pid, startTime: startTimeOf(process.pid)! };
  assert.deepEqual(findLeftovers(filter, record([group], alive)), [], 'its supervisor still runs: it keeps its processes');
  assert.deepEqual(findLeftovers(filter, record([{ ...group, startTime: group.startTime - 1 }])), [], 'another start time: the pid was reused since');
  assert.deepEqual(findLeftovers(filter, null), [], 'no record: only marks count');
});

test('a recorded group without its leader counts only for members that started before the record\'s last write (the number may be reused since)', async (t) => {
  const { pgid, leaderStart, member } = await leaderlessGroup(t);
  assert.deepEqual(groupMembers(pgid), [member], 'the leader is gone, its sleep is still in the group');
  const filter = { root: fs.mkdtempSync(path.join(os.tmpdir(), 'muster-record-')), app: null };
  const supervisor = await deadSupervisor();
  const groups = [{ pgid, startTime: leaderStart, process: 'web', instance: '1' }];
  const memberStart = startTimeOf(member)!;
  assert.deepEqual(findLeftovers(filter, { supervisor, groups, lastWrite: memberStart }), [{ pid: member, pgid, process: 'web', instance: '1' }]);
  assert.deepEqual(findLeftovers(filter, { supervisor, groups, lastWrite: memberStart - 1 }), [], 'started after the last write: another group with the same number');
});

test('a run record is trusted only when it is a regular file of ours that nobody else may write', { skip: process.getuid!() === 0 ? false : 'needs root (chowns a file to nobody)' }, async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-record-'));
  const owner = { root: folder, app: null };
  const file = path.join(folder, 'instances.jsonl');
  const supervisor = await deadSupervisor();
  const group = { pgid: 4242, startTime: 7, process: 'web', instance: '1' };
  fs.writeFileSync(file, `${JSON.stringify({ boot: bootId(), root: folder, app: null, supervisor, at: 8 })}\n${JSON.stringify({ spawned: group, at: 9 })}\n`, { mode: 0o600 });
  assert.deepEqual(readRunRecord(file, owner), { record: { supervisor, groups: [group], lastWrite: 9 }, problem: null });
  const unused = (f: string, o = owner) => {
    const read = readRunRecord(f, o);
    assert.equal(read.record, null);
    return read.problem;
  };
  assert.match(unused(file, { root: `${folder}-copy`, app: null })!, /is of the app folder/, 'another app folder');

  fs.chmodSync(file, 0o620);
  assert.equal(unused(file), 'others than its owner may write it');
  fs.chmodSync(file, 0o600);
  fs.chownSync(file, 65534, 65534);
  assert.equal(unused(file), 'it belongs to uid 65534, not to the user muster runs as');
  fs.chownSync(file, 0, 0);
  const link = path.join(folder, 'link.jsonl');
  fs.symlinkSync(file, link);
  assert.equal(unused(link), 'it is a symbolic link');
  fs.writeFileSync(file, ' '.repeat(5 << 20));
  assert.match(unused(file)!, /larger than/, 'oversize (the malformed kinds: test/unit/os/run-record.test.ts)');
  fs.rmSync(file);
  fs.mkdirSync(file);
  assert.equal(unused(file), 'it is not a regular file');
  assert.equal(unused(path.join(folder, 'none.jsonl')), null, 'missing: nothing to say');
});

test('an instance that died and waits to start again (its dependency is stopped) is no longer recorded: its group number may be anyone\'s now', { timeout: 60_000 }, async (t) => {
  const dep = uniqueSeconds();
  const web = uniqueSeconds();
  const dir = tempApp({ 'muster.toml': `[process.dep]\ncommand = "sleep ${dep}"\n[process.web]\ncommand = "env -i sleep ${web}"\ndepends_on = ["dep"]\n` });
  t.after(() => killAll([...sleeps(dep), ...sleeps(web)]));
  await upDetached(t, dir);
  const owner = { root: fs.realpathSync(dir), app: null };
  const recorded = () => readRunRecord(recordOf(dir), owner).record!.groups.map((g) => g.process).sort();
  // The running supervisor's own record (its supervisor is alive, so it is only read here, never used).
  assert.deepEqual(recorded(), ['dep', 'web']);
  await new Promise((r) => setTimeout(r, 1200)); // ran over a second: restarted at once, through the dependency gate
  assert.equal((await muster(dir, ['stop', 'dep'])).code, 0);
  const [oldWeb] = sleeps(web);
  process.kill(oldWeb!, 'SIGKILL');
  await waitUntilAsync(async () => (await statusJson(dir, ['web']))[0]!.state === 'starting', 10_000, 'web waits for dep');
  assert.deepEqual(recorded(), [], 'neither dep (stopped) nor web (dead, waiting) is recorded');
});
