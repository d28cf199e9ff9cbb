// Stopping what a dead supervisor left running: one stop per process group, with the process's own
// stop settings (or SIGTERM and 10 s for a process no longer in the config), then SIGKILL to the
// group after the timeout; done once every group is empty. Fake groups and timers, no processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessConfig } from '../../../src/config/model';
import { planLeftoverStops, stopLeftovers, type LeftoverProcess } from '../../../src/core/leftovers';
import type { ProcessGroups, TimerHandle } from '../../../src/os/ports';

function processConfig(name: string, more: Partial<ProcessConfig> = {}): ProcessConfig {
  return {
    name, command: `run-${name}`, cwd: '/app', env: {}, instances: 1, basePort: 5000, dependsOn: {}, ready: null,
    restart: 'always', stopSignal: 'SIGTERM', stopTimeoutMs: 10_000, stopScope: 'main', reloadSignal: null,
    maxRestarts: 5, restartWindowMs: 60_000, sockets: [], ...more,
  };
}

const CONFIG = [
  processConfig('web', { stopSignal: 'SIGQUIT', stopTimeoutMs: 30_000 }),
  processConfig('worker', { instances: 2, stopTimeoutMs: 7_200_000 }),
  processConfig('nginx', { stopSignal: 'SIGQUIT', stopScope: 'group' }),
];

const left = (pid: number, pgid: number, process: string, instance: string | null = '1'): LeftoverProcess => ({ pid, pgid, process, instance });

test('one stop per group, named as the dead supervisor named the instance, with the process settings', () => {
  const stops = planLeftoverStops([
    left(301, 300, 'worker', '2'), left(300, 300, 'worker', '2'), // a celery worker and its pool process
    left(100, 100, 'web'),
    left(200, 200, 'nginx'), left(201, 200, 'nginx'),
  ], CONFIG);
  assert.deepEqual(stops, [
    { pgid: 100, instance: 'web', pids: [100], signal: 'SIGQUIT', target: 'leader', timeoutMs: 30_000, inConfig: true },
    { pgid: 200, instance: 'nginx', pids: [200, 201], signal: 'SIGQUIT', target: 'group', timeoutMs: 10_000, inConfig: true },
    { pgid: 300, instance: 'worker.2', pids: [300, 301], signal: 'SIGTERM', target: 'leader', timeoutMs: 7_200_000, inConfig: true },
  ]);
});

test('a process no longer in the config gets SIGTERM and 10 s; a group whose leader is gone gets the signal itself', () => {
  const stops = planLeftoverStops([left(400, 400, 'cron', '1'), left(502, 500, 'worker', '1')], CONFIG);
  assert.deepEqual(stops, [
    { pgid: 400, instance: 'cron', pids: [400], signal: 'SIGTERM', target: 'leader', timeoutMs: 10_000, inConfig: false },
    { pgid: 500, instance: 'worker.1', pids: [502], signal: 'SIGTERM', target: 'group', timeoutMs: 7_200_000, inConfig: true },
  ]);
  assert.equal(planLeftoverStops([left(600, 600, 'old', '3')], CONFIG)[0]!.instance, 'old.3');
});

/** Groups that empty when the test says so; timers driven by hand. */
class FakeWorld {
  now = 0;
  readonly members = new Map<number, number[]>();
  readonly sent: string[] = [];
  private readonly emptyWaiters = new Map<number, () => void>();
  private pending: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];

  groups: ProcessGroups = {
    signalProcess: (pid, signal) => (this.sent.push(`${signal} ${pid}`), (this.members.get(pid) ?? []).includes(pid)),
    signalGroup: (pgid, signal) => {
      this.sent.push(`${signal} -${pgid}`);
      if (signal === 'SIGKILL') this.empty(pgid);
      return true;
    },
    liveMembers: (pgid) => this.members.get(pgid) ?? [],
    processTree: () => [],
    samples: () => [],
    strays: () => [],
    whenEmpty: (pgid, cb) => (this.emptyWaiters.set(pgid, cb), { cancel: () => this.emptyWaiters.delete(pgid) }),
  };

  timers = {
    after: (ms: number, fn: () => void): TimerHandle => {
      const t = { at: this.now + ms, fn, cancelled: false };
      this.pending.push(t);
      return { cancel: () => (t.cancelled = true) };
    },
  };

  empty(pgid: number): void {
    this.members.delete(pgid);
    const cb = this.emptyWaiters.get(pgid);
    this.emptyWaiters.delete(pgid);
    cb?.();
  }

  advance(ms: number): void {
    this.now += ms;
    for (const t of this.pending.filter((x) => !x.cancelled && x.at <= this.now)) {
      t.cancelled = true;
      t.fn();
    }
  }
}

test('the stop signal goes out at once; a group still there at its stop_timeout gets SIGKILL; done when all are empty', async () => {
  const world = new FakeWorld();
  world.members.set(100, [100]);
  world.members.set(300, [300, 301]);
  const lines: string[] = [];
  const stops = planLeftoverStops([left(100, 100, 'web'), left(300, 300, 'worker', '2'), left(301, 300, 'worker', '2')], CONFIG);
  const stopping = stopLeftovers(stops, world.groups, world.timers, (l) => lines.push(l));
  let done = false;
  void stopping.done.then(() => (done = true));
  assert.deepEqual(world.sent, ['SIGQUIT 100', 'SIGTERM 300'], 'to the main processes only: celery\'s pool must not get TERM');

  world.empty(100); // web stops in time
  world.advance(7_200_000);
  assert.deepEqual(world.sent.slice(2), ['SIGKILL -300'], 'only the worker outlived its stop_timeout');
  await stopping.done;
  assert.ok(done);
  assert.match(lines.join('\n'), /stopping leftover web of a previous supervisor \(process group 100: pid 100\): SIGQUIT \(its stop_signal\) to pid 100, SIGKILL after 30 s/);
  assert.match(lines.join('\n'), /leftover worker\.2: still running 7200 s after SIGTERM: SIGKILL to process group 300 \(pid 300, 301\)/);
  assert.match(lines.join('\n'), /leftover web stopped \(process group 100 is empty\)/);
});

test('a leader gone between the scan and the signal: its group gets the signal; killNow SIGKILLs what is left', async () => {
  const world = new FakeWorld();
  world.members.set(100, [101]); // the leader 100 exited; 101 is left
  const stopping = stopLeftovers(planLeftoverStops([left(100, 100, 'web')], CONFIG), world.groups, world.timers, () => undefined);
  assert.deepEqual(world.sent, ['SIGQUIT 100', 'SIGQUIT -100']);
  stopping.killNow();
  assert.deepEqual(world.sent.slice(2), ['SIGKILL -100']);
  await stopping.done;
});
