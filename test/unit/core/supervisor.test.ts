// The supervisor with fake edges: a spawner that hands out fake children, process groups that are
// empty once their leader exited, and timers driven by hand. Fast, and exact about ordering.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { AppConfig, ProcessConfig } from '../../../src/config/model';
import type { InstanceIO } from '../../../src/core/instance';
import { Supervisor, type TransitionRecord } from '../../../src/core/supervisor';
import type { ExitStatus } from '../../../src/core/states';
import type { ProcessGroups, SpawnRequest, SpawnResult, TimerHandle } from '../../../src/os/ports';

function processConfig(name: string, more: Partial<ProcessConfig> = {}): ProcessConfig {
  return {
    name, command: `run-${name}`, cwd: '/app', env: {}, instances: 1, basePort: 5000, dependsOn: {}, ready: null,
    restart: 'always', stopSignal: 'SIGTERM', stopTimeoutMs: 10_000, stopScope: 'main', reloadSignal: null,
    maxRestarts: 5, restartWindowMs: 60_000, ...more,
  };
}

class FakeWorld {
  now = 0;
  private nextPid = 100;
  readonly alive = new Map<number, { exit: (s: ExitStatus) => void; request: SpawnRequest }>();
  readonly signals: string[] = [];
  private timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  readonly probes = new Map<string, (passed: boolean, reason: string) => void>();

  /** Commands that fail to spawn, as a missing program would. */
  readonly missing = new Set<string>();

  spawn = (request: SpawnRequest): SpawnResult => {
    if (this.missing.has(request.argv[0]!)) return { ok: false, reason: `${request.argv[0]} not found (ENOENT)` };
    const pid = this.nextPid++;
    let onExit: (s: ExitStatus) => void = () => undefined;
    this.alive.set(pid, { exit: (s) => onExit(s), request });
    return {
      ok: true,
      child: { pid, stdout: new PassThrough(), stderr: new PassThrough(), onExit: (fn) => (onExit = fn), onOutputClosed: (fn) => fn() },
    };
  };

  groups: ProcessGroups = {
    signalProcess: (pid, signal) => (this.signals.push(`${signal} ${pid}`), this.alive.has(pid)),
    signalGroup: (pgid, signal) => (this.signals.push(`${signal} -${pgid}`), this.alive.has(pgid)),
    liveMembers: (pgid) => (this.alive.has(pgid) ? [pgid] : []),
    whenEmpty: (_pgid, cb) => (queueMicrotask(cb), { cancel: () => undefined }),
  };

  after = (ms: number, fn: () => void): TimerHandle => {
    const t = { at: this.now + ms, fn, cancelled: false };
    this.timers.push(t);
    return { cancel: () => (t.cancelled = true) };
  };

  advance(ms: number): void {
    this.now += ms;
    for (const t of this.timers.filter((t) => !t.cancelled && t.at <= this.now)) {
      t.cancelled = true;
      t.fn();
    }
  }

  exit(pid: number, status: ExitStatus = { code: 0, signal: null }): void {
    const child = this.alive.get(pid);
    assert.ok(child, `pid ${pid} is alive`);
    this.alive.delete(pid);
    child.exit(status);
  }
}

function setup(processes: ProcessConfig[]) {
  const world = new FakeWorld();
  const config: AppConfig = { root: '/app', processes };
  const notes: string[] = [];
  const supervisor = new Supervisor({
    config,
    services: { clock: { now: () => world.now }, timers: { after: world.after }, spawner: { spawn: world.spawn }, groups: world.groups },
    inheritedEnv: { HOME: '/home/x' },
    toArgv: (command) => command.split(' '),
    createIO: (name): InstanceIO => ({
      note: (text) => notes.push(`${name}: ${text}`),
      attachOutput: () => undefined,
      lastLines: () => [],
      startProbe: (_p, _env, report) => (world.probes.set(name, report), { cancel: () => world.probes.delete(name) }),
      close: () => undefined,
    }),
  });
  const transitions: TransitionRecord[] = [];
  supervisor.onTransition((t) => transitions.push(t));
  const pidOf = (name: string) => supervisor.find(name)!.runtime.pid!;
  return { world, supervisor, transitions, notes, pidOf };
}
const flush = () => new Promise((r) => setImmediate(r));

test('dependents are spawned only once their dependency is ready', () => {
  const { world, supervisor, pidOf } = setup([
    processConfig('redis', { ready: { kind: 'connect', target: '/app/redis.sock', timeoutMs: 1000 } }),
    processConfig('web', { dependsOn: { redis: 'ready' } }),
  ]);
  supervisor.startAll();
  assert.equal(supervisor.find('redis')!.state, 'running');
  assert.equal(supervisor.find('web')!.state, 'starting');
  assert.equal(world.alive.size, 1);
  world.probes.get('redis')!(true, '');
  assert.equal(supervisor.find('web')!.state, 'ready');
  assert.ok(pidOf('web') > pidOf('redis'));
});

test('instances get PORT, MUSTER_PROCESS, MUSTER_INSTANCE and the inherited environment', () => {
  const { world, supervisor } = setup([processConfig('web'), processConfig('worker', { instances: 2, basePort: 5100, env: { A: 'b' } })]);
  supervisor.startAll();
  const envs = [...world.alive.values()].map((c) => c.request.env);
  assert.deepEqual(envs.map((e) => [e.PORT, e.MUSTER_PROCESS, e.MUSTER_INSTANCE]), [['5000', 'web', '1'], ['5100', 'worker', '1'], ['5101', 'worker', '2']]);
  assert.equal(envs[1]!.A, 'b');
  assert.equal(envs[0]!.HOME, '/home/x');
});

test('stopAll stops dependents first and what they depend on only once they are stopped', async () => {
  const { world, supervisor, pidOf } = setup([
    processConfig('redis'),
    processConfig('web', { dependsOn: { redis: 'started' } }),
    processConfig('worker', { dependsOn: { redis: 'started' } }),
  ]);
  supervisor.startAll();
  const [redis, web, worker] = ['redis', 'web', 'worker'].map(pidOf);
  const done = supervisor.stopAll();
  assert.deepEqual(world.signals, [`SIGTERM ${web}`, `SIGTERM ${worker}`], 'web and worker together, redis not yet');
  world.exit(web!);
  await flush();
  assert.equal(world.signals.length, 2, 'redis waits for worker too');
  world.exit(worker!);
  await flush();
  assert.deepEqual(world.signals.slice(2), [`SIGTERM ${redis}`]);
  world.exit(redis!);
  await flush();
  await done;
  assert.ok(supervisor.instances.every((i) => i.state === 'stopped'));
});

test('the stop timeout SIGKILLs the group; a second stop request sends nothing', async () => {
  const { world, supervisor, pidOf } = setup([processConfig('worker', { stopTimeoutMs: 2000 })]);
  supervisor.startAll();
  const pid = pidOf('worker');
  void supervisor.stopAll();
  void supervisor.stopAll();
  world.advance(1999);
  assert.deepEqual(world.signals, [`SIGTERM ${pid}`]);
  world.advance(1);
  assert.deepEqual(world.signals, [`SIGTERM ${pid}`, `SIGKILL -${pid}`]);
  world.exit(pid, { code: null, signal: 'SIGKILL' });
  await flush();
  assert.deepEqual(supervisor.find('worker')!.runtime.lastExit, { code: null, signal: 'SIGKILL' });
});

test('a crash is restarted at once after a stable run, and after a backoff when quick', () => {
  const { world, supervisor, pidOf } = setup([processConfig('web')]);
  supervisor.startAll();
  world.advance(5000);
  const first = pidOf('web');
  world.exit(first, { code: 1, signal: null });
  const second = pidOf('web');
  assert.notEqual(second, first, 'respawned in the same turn');
  world.advance(10);
  world.exit(second, { code: 1, signal: null });
  assert.equal(supervisor.find('web')!.state, 'backoff');
  world.advance(999);
  assert.equal(supervisor.find('web')!.state, 'backoff');
  world.advance(1);
  assert.equal(supervisor.find('web')!.state, 'ready');
  assert.equal(supervisor.find('web')!.runtime.restarts, 2);
});

test('a fatal dependency makes its waiting dependents fatal, naming it', () => {
  const { world, supervisor, notes } = setup([
    processConfig('db', { ready: { kind: 'connect', target: '/x', timeoutMs: 1 } }),
    processConfig('web', { dependsOn: { db: 'ready' } }),
  ]);
  world.missing.add('run-db');
  supervisor.startAll();
  assert.equal(supervisor.find('db')!.state, 'fatal');
  assert.equal(supervisor.find('web')!.state, 'fatal');
  assert.ok(notes.some((n) => /^web: .*dependency db is fatal, needed ready/.test(n)), notes.join('\n'));
});

test('stopping while an instance waits for its dependency leaves it stopped, never spawned', async () => {
  const { world, supervisor, pidOf } = setup([
    processConfig('redis', { ready: { kind: 'connect', target: '/x', timeoutMs: 1000 } }),
    processConfig('web', { dependsOn: { redis: 'ready' } }),
  ]);
  supervisor.startAll();
  const done = supervisor.stopAll();
  assert.equal(supervisor.find('web')!.state, 'stopped');
  world.exit(pidOf('redis'));
  await flush();
  await done;
  assert.equal(world.alive.size, 0);
  assert.equal(supervisor.find('web')!.runtime.pid, null);
});
