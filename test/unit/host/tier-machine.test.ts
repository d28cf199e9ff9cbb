// The app tier's life under the host tier: backoff 1 s doubling to 30 s, reset after a 10 s run,
// code 2 backs off too and says where to look, a stop reaches the tier in every state.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initialStatus, transition, type TierEffect, type TierEvent, type TierStatus } from '../../../src/host/tier-machine';

const ctx = { app: 'appa', tierLog: '/var/log/muster/appa/muster.log' };

function run(events: TierEvent[], start: TierStatus = initialStatus(0)): { status: TierStatus; effects: TierEffect[] } {
  let status = start;
  const effects: TierEffect[] = [];
  for (const e of events) {
    const t = transition(status, e, ctx);
    status = t.status;
    effects.push(...t.effects);
  }
  return { status, effects };
}

const timers = (effects: TierEffect[]) => effects.flatMap((e) => (e.kind === 'startTimer' ? [e.ms] : []));

test('idle -> starting -> running: a spawn, then the pid is recorded', () => {
  const { status, effects } = run([{ type: 'start', now: 0 }, { type: 'spawned', pid: 42, now: 5 }]);
  assert.equal(status.state, 'running');
  assert.equal(status.pid, 42);
  assert.equal(status.since, 5);
  assert.deepEqual(effects[0], { kind: 'spawn' });
});

test('quick exits back off 1, 2, 4, 8, 16, 30, 30 s; restarts are counted', () => {
  const events: TierEvent[] = [{ type: 'start', now: 0 }];
  let now = 0;
  for (let i = 0; i < 7; i++) {
    events.push({ type: 'spawned', pid: 100 + i, now: ++now }, { type: 'exited', exit: { code: 1, signal: null }, now: ++now }, { type: 'timer', now: ++now });
  }
  const { status, effects } = run(events);
  assert.deepEqual(timers(effects), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.equal(status.state, 'starting');
  assert.equal(status.restarts, 7);
});

test('a tier that ran 10 s starts the backoff over at 1 s', () => {
  const { effects } = run([
    { type: 'start', now: 0 }, { type: 'spawned', pid: 1, now: 0 }, { type: 'exited', exit: { code: 1, signal: null }, now: 100 },
    { type: 'timer', now: 1100 }, { type: 'spawned', pid: 2, now: 1100 }, { type: 'exited', exit: { code: 1, signal: null }, now: 1200 },
    { type: 'timer', now: 3200 }, { type: 'spawned', pid: 3, now: 3200 }, { type: 'exited', exit: { code: null, signal: 'SIGKILL' }, now: 13_200 },
  ]);
  assert.deepEqual(timers(effects), [1000, 2000, 1000]);
});

test('exit code 2 backs off too, and the problem says the config is broken and where to look', () => {
  const { status, effects } = run([{ type: 'start', now: 0 }, { type: 'spawned', pid: 1, now: 0 }, { type: 'exited', exit: { code: 2, signal: null }, now: 50 }]);
  assert.equal(status.state, 'backoff');
  assert.match(status.problem!, /config is broken; see \/var\/log\/muster\/appa\/muster\.log/);
  assert.deepEqual(status.lastExit, { code: 2, signal: null });
  assert.deepEqual(timers(effects), [1000]);
  assert.ok(effects.some((e) => e.kind === 'log' && /config is broken/.test(e.text)));
});

test('a spawn that fails backs off like an exit', () => {
  const { status, effects } = run([{ type: 'start', now: 0 }, { type: 'spawnFailed', reason: 'EAGAIN', now: 1 }]);
  assert.equal(status.state, 'backoff');
  assert.deepEqual(timers(effects), [1000]);
});

test('stop: running -> stopping (SIGTERM to the tier) -> stopped on its exit', () => {
  const { status, effects } = run([{ type: 'start', now: 0 }, { type: 'spawned', pid: 7, now: 0 }, { type: 'stop', now: 1 }, { type: 'exited', exit: { code: 0, signal: null }, now: 2 }]);
  assert.equal(status.state, 'stopped');
  assert.ok(effects.some((e) => e.kind === 'signal' && e.pid === 7 && e.signal === 'SIGTERM'));
  assert.equal(effects.at(-1)!.kind, 'stopped');
});

test('stop in backoff cancels the timer; stop while starting signals the tier as soon as it exists', () => {
  const a = run([{ type: 'start', now: 0 }, { type: 'spawnFailed', reason: 'x', now: 0 }, { type: 'stop', now: 1 }]);
  assert.equal(a.status.state, 'stopped');
  assert.ok(a.effects.some((e) => e.kind === 'cancelTimer'));
  const b = run([{ type: 'start', now: 0 }, { type: 'stop', now: 1 }, { type: 'spawned', pid: 9, now: 2 }]);
  assert.equal(b.status.state, 'stopping');
  assert.ok(b.effects.some((e) => e.kind === 'signal' && e.pid === 9));
  const c = run([{ type: 'start', now: 0 }, { type: 'stop', now: 1 }, { type: 'spawnFailed', reason: 'x', now: 2 }]);
  assert.equal(c.status.state, 'stopped');
});
