// The supervisor with fake edges: a spawner that hands out fake children, process groups that are
// empty once their leader exited, and timers driven by hand. Fast, and exact about ordering.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { AppConfig, ProcessConfig } from '../../../src/config/model';
import type { InstanceIO } from '../../../src/core/instance';
import { Supervisor, type TransitionRecord } from '../../../src/core/supervisor';
import { planApply } from '../../../src/core/plan';
import type { ExitStatus } from '../../../src/core/states';
import type { ProcessGroups, SpawnRequest, SpawnResult, TimerHandle } from '../../../src/os/ports';

function processConfig(name: string, more: Partial<ProcessConfig> = {}): ProcessConfig {
  return {
    name, command: `run-${name}`, cwd: '/app', env: {}, instances: 1, basePort: 5000, dependsOn: {}, ready: null,
    restart: 'always', stopSignal: 'SIGTERM', stopTimeoutMs: 10_000, stopScope: 'main', reloadSignal: null,
    maxRestarts: 5, restartWindowMs: 60_000, sockets: [], ...more,
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
    processTree: (pid) => (this.alive.has(pid) ? [{ pid, cpuMs: 0, rssBytes: 0 }] : []),
    samples: (pids) => pids.map((pid) => ({ pid, cpuMs: 0, rssBytes: 0 })),
    strays: () => [],
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
  const config: AppConfig = { root: '/app', processes, sockets: [] };
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

// ---- operator requests (issue 3) ----

const outcomes = (results: Array<{ instance: { name: string }; outcome: string }>) => results.map((r) => `${r.instance.name}:${r.outcome}`);
const live = (world: FakeWorld, name: string) => [...world.alive.values()].filter((c) => c.request.env.MUSTER_PROCESS === name).length;

function redisWebWorker() {
  return setup([
    processConfig('redis', { ready: { kind: 'connect', target: '/x', timeoutMs: 1000 } }),
    processConfig('web', { dependsOn: { redis: 'ready' } }),
    processConfig('worker', { dependsOn: { redis: 'ready' } }),
  ]);
}

async function settle(world: FakeWorld, rounds = 5) {
  for (let k = 0; k < rounds; k++) await flush();
  void world;
}

test('restart of one process leaves its dependents alone (default)', async () => {
  const { world, supervisor, pidOf } = redisWebWorker();
  supervisor.startAll();
  world.probes.get('redis')!(true, '');
  const [redis, web, worker] = ['redis', 'web', 'worker'].map(pidOf);
  const pending = supervisor.restart([supervisor.find('redis')!], false);
  assert.deepEqual(world.signals, [`SIGTERM ${redis}`]);
  world.exit(redis!);
  await settle(world);
  world.probes.get('redis')!(true, '');
  assert.deepEqual(outcomes(await pending), ['redis:done']);
  assert.notEqual(pidOf('redis'), redis);
  assert.equal(pidOf('web'), web);
  assert.equal(pidOf('worker'), worker);
});

test('restart --with-dependents: dependents stop first, the dependency restarts, dependents start once it is ready', async () => {
  const { world, supervisor, pidOf, notes } = redisWebWorker();
  supervisor.startAll();
  world.probes.get('redis')!(true, '');
  const [redis, web, worker] = ['redis', 'web', 'worker'].map(pidOf);
  const pending = supervisor.restart([supervisor.find('redis')!], true);
  assert.deepEqual(world.signals, [`SIGTERM ${web}`, `SIGTERM ${worker}`], 'redis waits for its dependents');
  world.exit(web!);
  world.exit(worker!);
  await settle(world);
  assert.deepEqual(world.signals.slice(2), [`SIGTERM ${redis}`]);
  assert.equal(supervisor.find('web')!.state, 'starting', 'web waits for the new redis');
  assert.equal(live(world, 'web'), 0);
  world.exit(redis!);
  await settle(world);
  assert.equal(live(world, 'web'), 0, 'not before redis is ready again');
  world.probes.get('redis')!(true, '');
  world.advance(1000); // without a probe, started means still running a second after the spawn
  assert.deepEqual(outcomes(await pending), ['redis:done', 'web:done', 'worker:done']);
  assert.equal(live(world, 'web'), 1);
  assert.equal(live(world, 'redis'), 1);
  assert.ok(notes.some((n) => /^web: waiting for redis/.test(n)));
});

test('start also starts the stopped dependencies of what it starts', async () => {
  const { world, supervisor } = redisWebWorker();
  const pending = supervisor.start([supervisor.find('web')!]);
  assert.equal(supervisor.find('redis')!.state, 'running');
  assert.equal(supervisor.find('worker')!.state, 'stopped', 'only what web needs');
  world.probes.get('redis')!(true, '');
  world.advance(999);
  await settle(world);
  let settled = false;
  void pending.then(() => (settled = true));
  await settle(world);
  assert.equal(settled, false, 'web has run for less than a second: not started yet');
  world.advance(1);
  assert.deepEqual(outcomes(await pending), ['redis:done', 'web:done'], 'the dependency it started is reported too');
});

test('start of a probe-less instance that exits at once reports failure, a one-shot that exits 0 success', async () => {
  const { world, supervisor, pidOf } = setup([processConfig('crashy', { restart: 'never' }), processConfig('migrate', { restart: 'never' })]);
  const crashy = supervisor.start([supervisor.find('crashy')!]);
  world.advance(100);
  world.exit(pidOf('crashy'), { code: 1, signal: null });
  assert.deepEqual(outcomes(await crashy), ['crashy:failed']);
  const migrate = supervisor.start([supervisor.find('migrate')!]);
  world.advance(100);
  world.exit(pidOf('migrate'), { code: 0, signal: null });
  assert.deepEqual(outcomes(await migrate), ['migrate:done']);
});

test('stop of one process stops only it, even with running dependents; with dependents, they go first', async () => {
  const { world, supervisor, pidOf } = redisWebWorker();
  supervisor.startAll();
  world.probes.get('redis')!(true, '');
  const redis = pidOf('redis');
  const web = pidOf('web');
  const alone = supervisor.stop([supervisor.find('web')!], false);
  assert.deepEqual(world.signals, [`SIGTERM ${web}`]);
  world.exit(web);
  assert.deepEqual(outcomes(await alone), ['web:done']);
  assert.ok(supervisor.find('web')!.runtime.stoppedByOperator);
  const worker = pidOf('worker');
  const all = supervisor.stop([supervisor.find('redis')!], true);
  assert.deepEqual(world.signals.slice(1), [`SIGTERM ${worker}`]);
  world.exit(worker);
  await settle(world);
  assert.deepEqual(world.signals.slice(2), [`SIGTERM ${redis}`]);
  world.exit(redis);
  assert.deepEqual(outcomes(await all), ['redis:done', 'web:done', 'worker:done']);
});

test('a restart during a stop, two restarts in a row, a stop while waiting for a dependency: one copy each, defined end', async () => {
  const { world, supervisor, pidOf } = redisWebWorker();
  supervisor.startAll();
  // web waits for redis; stopping it leaves it stopped, never spawned
  const stopWaiting = supervisor.stop([supervisor.find('web')!], false);
  assert.deepEqual(outcomes(await stopWaiting), ['web:done']);
  world.probes.get('redis')!(true, '');
  assert.equal(live(world, 'web'), 0);
  const worker = pidOf('worker');
  const stop = supervisor.stop([supervisor.find('worker')!], false);
  const restart1 = supervisor.restart([supervisor.find('worker')!], false);
  const restart2 = supervisor.restart([supervisor.find('worker')!], false);
  assert.deepEqual(world.signals, [`SIGTERM ${worker}`], 'one stop signal');
  world.exit(worker);
  await settle(world);
  world.advance(1000);
  assert.deepEqual(outcomes(await stop), ['worker:superseded']);
  assert.deepEqual(outcomes(await restart1), ['worker:done'], 'two restarts in a row are one: both callers see its end');
  assert.deepEqual(outcomes(await restart2), ['worker:done']);
  assert.equal(live(world, 'worker'), 1);
});

test('down during a start: everything ends stopped, nothing is spawned after it', async () => {
  const { world, supervisor, pidOf } = redisWebWorker();
  supervisor.startAll();
  const done = supervisor.stopAll();
  world.exit(pidOf('redis'));
  await settle(world);
  await done;
  assert.ok(supervisor.instances.every((i) => i.state === 'stopped'));
  assert.equal(world.alive.size, 0);
});

test('wait times out, and reports fatal as failed', async () => {
  const { world, supervisor } = redisWebWorker();
  world.missing.add('run-worker');
  supervisor.startAll();
  const waiting = supervisor.wait(supervisor.instances, 'ready', 500);
  world.advance(500);
  assert.deepEqual(outcomes(await waiting), ['redis:timeout', 'web:timeout', 'worker:timeout']);
  world.probes.get('redis')!(true, '');
  world.advance(1000);
  assert.deepEqual(outcomes(await supervisor.wait(supervisor.instances, 'ready', 500)), ['redis:done', 'web:done', 'worker:failed']);
});

// ---- apply ----

function applied(supervisor: Supervisor, processes: ProcessConfig[]) {
  const next: AppConfig = { root: '/app', processes, sockets: [] };
  return supervisor.apply(next, planApply(supervisor.appConfig, next));
}

test('apply: a changed command restarts only that process, with the new command', async () => {
  const { world, supervisor, pidOf } = setup([processConfig('web'), processConfig('worker')]);
  supervisor.startAll();
  const web = pidOf('web');
  const worker = pidOf('worker');
  const pending = applied(supervisor, [processConfig('web'), processConfig('worker', { command: 'run-worker --concurrency 4' })]);
  assert.deepEqual(world.signals, [`SIGTERM ${worker}`], 'stopped with the settings it was started with');
  world.exit(worker);
  await settle(world);
  world.advance(1000);
  assert.deepEqual(outcomes(await pending), ['worker:done']);
  assert.equal(pidOf('web'), web);
  assert.deepEqual(world.alive.get(pidOf('worker'))!.request.argv, ['run-worker', '--concurrency', '4']);
});

test('apply: added processes start, removed ones stop and disappear, scaled ones gain or lose instances only', async () => {
  const { world, supervisor, pidOf } = setup([processConfig('web'), processConfig('old'), processConfig('worker', { instances: 3 })]);
  supervisor.startAll();
  const web = pidOf('web');
  const old = pidOf('old');
  const [w1, w2, w3] = ['worker.1', 'worker.2', 'worker.3'].map(pidOf);
  const pending = applied(supervisor, [processConfig('web'), processConfig('worker', { instances: 2 }), processConfig('extra')]);
  assert.equal(live(world, 'extra'), 1);
  assert.deepEqual(world.signals.sort(), [`SIGTERM ${old}`, `SIGTERM ${w3}`].sort());
  world.exit(old!);
  world.exit(w3!);
  await settle(world);
  world.advance(1000);
  const results = outcomes(await pending).sort();
  assert.deepEqual(results, ['extra:done', 'old:done', 'worker.3:done']);
  assert.deepEqual(supervisor.instances.map((i) => i.name), ['web', 'worker.1', 'worker.2', 'extra']);
  assert.deepEqual([pidOf('web'), pidOf('worker.1'), pidOf('worker.2')], [web, w1, w2]);
  assert.equal(supervisor.select(['old']).ok, false);
});

test('apply: going from 1 to 2 instances renames them; the new ones wait until the old one is gone', async () => {
  const { world, supervisor, pidOf } = setup([processConfig('web')]);
  supervisor.startAll();
  const web = pidOf('web');
  const pending = applied(supervisor, [processConfig('web', { instances: 2 })]);
  assert.equal(live(world, 'web'), 1, 'web.1 and web.2 wait for the old web to stop (they would share its port)');
  world.exit(web);
  await settle(world);
  world.advance(1000);
  assert.deepEqual(outcomes(await pending).sort(), ['web.1:done', 'web.2:done', 'web:done']);
  assert.equal(live(world, 'web'), 2);
  assert.deepEqual(supervisor.instances.map((i) => i.name), ['web.1', 'web.2']);
});

test('apply: an updated stop_timeout is taken on by the running instance, which keeps its pid', async () => {
  const { world, supervisor, pidOf } = setup([processConfig('worker', { stopTimeoutMs: 10_000 })]);
  supervisor.startAll();
  const worker = pidOf('worker');
  assert.deepEqual(outcomes(await applied(supervisor, [processConfig('worker', { stopTimeoutMs: 2000 })])), []);
  assert.equal(pidOf('worker'), worker);
  void supervisor.stop([supervisor.find('worker')!], false);
  world.advance(2000);
  assert.deepEqual(world.signals, [`SIGTERM ${worker}`, `SIGKILL -${worker}`], 'killed after the new 2 s');
});

test('apply: a process stopped by an operator takes the new config and stays stopped', async () => {
  const { world, supervisor, pidOf } = setup([processConfig('web'), processConfig('beat')]);
  supervisor.startAll();
  const beat = pidOf('beat');
  const stopping = supervisor.stop([supervisor.find('beat')!], false);
  world.exit(beat);
  await stopping;
  assert.deepEqual(outcomes(await applied(supervisor, [processConfig('web'), processConfig('beat', { command: 'run-beat -v' })])), []);
  assert.equal(supervisor.find('beat')!.state, 'stopped');
  assert.equal(supervisor.find('beat')!.process.command, 'run-beat -v');
});

test('stop and down while an instance stops for not being ready: it ends stopped and the request ends', async () => {
  for (const request of ['stop', 'down'] as const) {
    const { world, supervisor, pidOf } = setup([processConfig('web', { ready: { kind: 'connect', target: '/app/web.sock', timeoutMs: 1000 } })]);
    supervisor.startAll();
    const web = pidOf('web');
    world.advance(1000);
    world.probes.get('web')!(false, 'timed out');
    assert.equal(supervisor.find('web')!.state, 'stopping');
    let outcome = 'pending';
    if (request === 'stop') void supervisor.stop([supervisor.find('web')!], false).then((r) => (outcome = outcomes(r).join()));
    else void supervisor.stopAll().then(() => (outcome = 'web:done'));
    world.exit(web);
    await settle(world);
    assert.equal(supervisor.find('web')!.state, 'stopped', request);
    assert.equal(world.alive.size, 0, `${request}: not spawned again`);
    assert.equal(outcome, 'web:done', request);
  }
});

// ---- start pulls in what its dependencies need ----

test('start while a dependency is stopping: the dependency starts again once stopped, then the start ends', async () => {
  const { world, supervisor, pidOf } = redisWebWorker();
  supervisor.startAll();
  world.probes.get('redis')!(true, '');
  const web = pidOf('web');
  const redis = pidOf('redis');
  const stopWeb = supervisor.stop([supervisor.find('web')!], false);
  world.exit(web);
  await stopWeb;
  const stopping = supervisor.stop([supervisor.find('redis')!], false);
  assert.equal(supervisor.find('redis')!.state, 'stopping');
  const starting = supervisor.start([supervisor.find('web')!]);
  world.exit(redis);
  await settle(world);
  assert.deepEqual(outcomes(await stopping), ['redis:superseded'], 'the later start changed its course');
  world.probes.get('redis')!(true, '');
  world.advance(1000);
  assert.deepEqual(outcomes(await starting), ['redis:done', 'web:done']);
  assert.equal(live(world, 'redis'), 1);
});

test('start while a dependency waits to stop (its dependents still stopping): its stop is called off', async () => {
  const { world, supervisor, pidOf } = redisWebWorker();
  supervisor.startAll();
  world.probes.get('redis')!(true, '');
  const [redis, web] = [pidOf('redis'), pidOf('web')];
  const stopping = supervisor.stop([supervisor.find('redis')!], true);
  assert.equal(supervisor.find('redis')!.state, 'ready', 'waits for web and worker');
  const starting = supervisor.start([supervisor.find('web')!]);
  world.exit(web);
  world.exit(pidOf('worker'));
  await settle(world);
  world.advance(1000);
  assert.deepEqual(outcomes(await starting), ['redis:done', 'web:done']);
  assert.equal(pidOf('redis'), redis, 'never stopped');
  assert.deepEqual(outcomes(await stopping), ['redis:superseded', 'web:superseded', 'worker:done']);
});

test('start when a dependency exited and will not come back by itself: it is started again', async () => {
  const { world, supervisor, pidOf } = setup([processConfig('cache', { restart: 'on-failure' }), processConfig('web', { dependsOn: { cache: 'started' } })]);
  supervisor.startAll();
  world.advance(5000);
  const web = pidOf('web');
  void supervisor.stop([supervisor.find('web')!], false);
  world.exit(web);
  world.exit(pidOf('cache'), { code: 0, signal: null });
  await settle(world);
  assert.equal(supervisor.find('cache')!.state, 'exited');
  const starting = supervisor.start([supervisor.find('web')!]);
  world.advance(1000);
  assert.deepEqual(outcomes(await starting), ['cache:done', 'web:done']);
});

test('start does not run again a one-shot that already succeeded, when that is what is needed', async () => {
  const { world, supervisor, pidOf } = setup([processConfig('migrate', { restart: 'never' }), processConfig('web', { dependsOn: { migrate: 'succeeded' } })]);
  supervisor.startAll();
  world.exit(pidOf('migrate'), { code: 0, signal: null });
  await settle(world);
  const web = pidOf('web');
  void supervisor.stop([supervisor.find('web')!], false);
  world.exit(web);
  await settle(world);
  const starting = supervisor.start([supervisor.find('web')!]);
  world.advance(1000);
  assert.deepEqual(outcomes(await starting), ['web:done']);
  assert.equal(live(world, 'migrate'), 0);
});

test('start whose dependency another request stops meanwhile fails, naming the dependency', async () => {
  const { world, supervisor, pidOf } = redisWebWorker();
  supervisor.startAll();
  world.probes.get('redis')!(true, '');
  const stopWeb = supervisor.stop([supervisor.find('web')!], false);
  world.exit(pidOf('web'));
  await stopWeb;
  void supervisor.restart([supervisor.find('redis')!], false);
  world.exit(pidOf('redis'));
  await settle(world);
  assert.equal(supervisor.find('redis')!.state, 'running', 'its probe has not passed yet');
  const starting = supervisor.start([supervisor.find('web')!]);
  assert.equal(supervisor.find('web')!.state, 'starting');
  void supervisor.stop([supervisor.find('redis')!], false);
  world.exit(pidOf('redis'));
  await settle(world);
  const [result] = await starting;
  assert.equal(result!.outcome, 'failed');
  assert.match(result!.detail ?? '', /redis \(ready\).*stopped/);
  assert.equal(supervisor.find('web')!.state, 'starting', 'it still waits, as depends_on says');
});

test('apply: removed processes stop dependents first, also before a kept dependency restarts', async () => {
  const { world, supervisor, pidOf } = setup([
    processConfig('redis'),
    processConfig('web', { dependsOn: { redis: 'started' } }),
    processConfig('beat', { dependsOn: { web: 'started' } }),
  ]);
  supervisor.startAll();
  const [redis, web, beat] = ['redis', 'web', 'beat'].map(pidOf);
  const pending = applied(supervisor, [processConfig('redis', { command: 'run-redis --v2' })]);
  assert.deepEqual(world.signals, [`SIGTERM ${beat}`], 'web waits for beat, redis for web');
  world.exit(beat!);
  await settle(world);
  assert.deepEqual(world.signals.slice(1), [`SIGTERM ${web}`]);
  world.exit(web!);
  await settle(world);
  assert.deepEqual(world.signals.slice(2), [`SIGTERM ${redis}`]);
  world.exit(redis!);
  await settle(world);
  world.advance(1000);
  assert.deepEqual(outcomes(await pending).sort(), ['beat:done', 'redis:done', 'web:done']);
  assert.deepEqual(supervisor.instances.map((i) => i.name), ['redis']);
});

test('stopAll keeps dependents-first order when a dependent comes before its dependency in the config', async () => {
  const { world, supervisor, pidOf } = setup([processConfig('web', { dependsOn: { redis: 'started' } }), processConfig('redis')]);
  supervisor.startAll();
  const [web, redis] = ['web', 'redis'].map(pidOf);
  const done = supervisor.stopAll();
  assert.deepEqual(world.signals, [`SIGTERM ${web}`], 'redis waits for web');
  world.exit(web!);
  await settle(world);
  assert.deepEqual(world.signals.slice(1), [`SIGTERM ${redis}`]);
  world.exit(redis!);
  await done;
});
