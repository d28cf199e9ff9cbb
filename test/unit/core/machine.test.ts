import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_RUNTIME, transition, type Effect, type InstanceRuntime, type InstanceSettings } from '../../../src/core/machine';
import type { InstanceEvent } from '../../../src/core/states';

const settings: InstanceSettings = {
  hasProbe: true, stopSignal: 'SIGTERM', stopTimeoutMs: 10_000, stopScope: 'main',
  restart: 'always', maxRestarts: 5, restartWindowMs: 60_000,
};

function run(events: InstanceEvent[], s: InstanceSettings = settings, from: InstanceRuntime = INITIAL_RUNTIME) {
  let rt = from;
  const effects: Effect[][] = [];
  for (const e of events) {
    const step = transition(rt, e, s);
    rt = step.runtime;
    effects.push([...step.effects]);
  }
  return { rt, effects };
}
const types = (effects: readonly Effect[]) => effects.map((e) => e.type);

test('start -> deps-met -> spawned -> probe-passed ends ready', () => {
  const { rt, effects } = run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawned', pid: 42, at: 0 }, { type: 'probe-passed' }]);
  assert.equal(rt.state, 'ready');
  assert.equal(rt.pid, 42);
  assert.deepEqual(types(effects[1]!), ['spawn']);
  assert.deepEqual(types(effects[2]!), ['start-probe']);
});

test('without a probe an instance is ready as soon as it is spawned', () => {
  const { rt } = run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawned', pid: 1, at: 0 }], { ...settings, hasProbe: false });
  assert.equal(rt.state, 'ready');
});

test('a failed spawn is fatal at once, never a restart loop', () => {
  const { rt } = run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawn-failed', reason: '/x not found (ENOENT)' }]);
  assert.equal(rt.state, 'fatal');
  assert.match(rt.reason ?? '', /ENOENT/);
});

test('stop sends the stop signal once, and the stop ends only when the group is empty', () => {
  const ready = run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawned', pid: 7, at: 0 }, { type: 'probe-passed' }]).rt;
  const stop = transition(ready, { type: 'stop' }, settings);
  assert.equal(stop.runtime.state, 'stopping');
  assert.deepEqual(stop.effects.filter((e) => e.type === 'send-stop-signal'), [{ type: 'send-stop-signal', signal: 'SIGTERM', scope: 'main' }]);
  assert.ok(stop.effects.some((e) => e.type === 'start-timer' && e.timer === 'stop' && e.ms === 10_000));
  // a second stop request changes nothing and sends nothing
  assert.deepEqual(transition(stop.runtime, { type: 'stop' }, settings).effects, []);
  const exited = transition(stop.runtime, { type: 'exited', status: { code: 0, signal: null }, at: 5 }, settings);
  assert.equal(exited.runtime.state, 'stopping');
  assert.deepEqual(types(exited.effects), ['signal-leftovers', 'watch-group']);
  const empty = transition(exited.runtime, { type: 'group-empty', at: 6 }, settings);
  assert.equal(empty.runtime.state, 'stopped');
  assert.deepEqual(empty.runtime.lastExit, { code: 0, signal: null });
});

test('stop_scope group signals the group and sends nothing more when the main exits', () => {
  const s = { ...settings, stopScope: 'group' as const, hasProbe: false };
  const ready = run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawned', pid: 7, at: 0 }], s).rt;
  const stop = transition(ready, { type: 'stop' }, s);
  assert.ok(stop.effects.some((e) => e.type === 'send-stop-signal' && e.scope === 'group'));
  assert.deepEqual(types(transition(stop.runtime, { type: 'exited', status: { code: 0, signal: null }, at: 1 }, s).effects), ['watch-group']);
});

test('the stop timeout SIGKILLs the group once; the result is recorded as killed', () => {
  const ready = run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawned', pid: 7, at: 0 }, { type: 'probe-passed' }]).rt;
  const { rt, effects } = run([{ type: 'stop' }, { type: 'stop-timeout' }, { type: 'stop-timeout' }, { type: 'exited', status: { code: null, signal: 'SIGKILL' }, at: 1 }, { type: 'group-empty', at: 2 }], settings, ready);
  assert.deepEqual(types(effects[1]!), ['kill-group', 'watch-group']);
  assert.deepEqual(effects[2], []);
  assert.deepEqual(types(effects[3]!), ['watch-group']); // killed: no graceful signal to leftovers any more
  assert.equal(rt.state, 'stopped');
  assert.deepEqual(rt.lastExit, { code: null, signal: 'SIGKILL' });
});

test('an unexpected exit kills what the main process left in its group and restarts', () => {
  const ready = run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawned', pid: 7, at: 0 }, { type: 'probe-passed' }]).rt;
  const step = transition(ready, { type: 'exited', status: { code: null, signal: 'SIGKILL' }, at: 60_000 }, settings);
  assert.equal(step.runtime.state, 'starting');
  assert.equal(step.runtime.restarts, 1);
  assert.ok(step.effects.some((e) => e.type === 'kill-group'));
});

test('a quick exit goes to backoff with a timer; stop during backoff cancels it', () => {
  const ready = run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawned', pid: 7, at: 0 }, { type: 'probe-passed' }]).rt;
  const backoff = transition(ready, { type: 'exited', status: { code: 1, signal: null }, at: 10 }, settings);
  assert.equal(backoff.runtime.state, 'backoff');
  assert.ok(backoff.effects.some((e) => e.type === 'start-timer' && e.timer === 'backoff' && e.ms === 1000));
  const stopped = transition(backoff.runtime, { type: 'stop' }, settings);
  assert.equal(stopped.runtime.state, 'stopped');
  assert.deepEqual(stopped.effects, [{ type: 'cancel-timer', timer: 'backoff' }]);
  assert.equal(transition(backoff.runtime, { type: 'backoff-elapsed' }, settings).runtime.state, 'starting');
});

test('restart = "never": a one-shot that finishes is exited; start again from fatal resets the counters', () => {
  const s = { ...settings, restart: 'never' as const, hasProbe: false };
  const { rt } = run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawned', pid: 3, at: 0 }, { type: 'exited', status: { code: 0, signal: null }, at: 5 }], s);
  assert.equal(rt.state, 'exited');
  const fatal: InstanceRuntime = { ...rt, state: 'fatal', restarts: 4 };
  const again = transition(fatal, { type: 'start' }, s).runtime;
  assert.equal(again.state, 'starting');
  assert.equal(again.restarts, 0);
});

test('a probe that never passes stops the instance and counts as a failure', () => {
  const running = run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawned', pid: 7, at: 0 }]).rt;
  const { rt } = run([{ type: 'probe-failed', reason: 'timeout' }, { type: 'exited', status: { code: 0, signal: null }, at: 30_000 }, { type: 'group-empty', at: 30_001 }], settings, running);
  assert.equal(rt.state, 'starting'); // ran 30 s, so restarted at once through the gate
  assert.equal(rt.restarts, 1);
});

test('force-kill from any live state kills the group', () => {
  const ready = run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawned', pid: 7, at: 0 }]).rt;
  const step = transition(ready, { type: 'force-kill' }, settings);
  assert.equal(step.runtime.state, 'stopping');
  assert.ok(step.effects.some((e) => e.type === 'kill-group'));
  assert.equal(transition(INITIAL_RUNTIME, { type: 'force-kill' }, settings).runtime.state, 'stopped');
});

test('events that do not apply leave the state alone', () => {
  for (const e of [{ type: 'probe-passed' }, { type: 'stop-timeout' }, { type: 'backoff-elapsed' }, { type: 'group-empty', at: 0 }, { type: 'exited', status: { code: 0, signal: null }, at: 0 }] as InstanceEvent[]) {
    assert.deepEqual(transition(INITIAL_RUNTIME, e, settings), { runtime: INITIAL_RUNTIME, effects: [] });
  }
});

// ---- operator restarts (issue 3) ----

const readyRuntime = () => run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawned', pid: 7, at: 0 }, { type: 'probe-passed' }]).rt;

test('restart of a ready instance stops it with its stop signal, then starts it again once the group is empty', () => {
  const r = transition(readyRuntime(), { type: 'restart' }, settings);
  assert.equal(r.runtime.state, 'stopping');
  assert.ok(r.runtime.restartAfter);
  assert.deepEqual(r.effects.filter((e) => e.type === 'send-stop-signal'), [{ type: 'send-stop-signal', signal: 'SIGTERM', scope: 'main' }]);
  const { rt } = run([{ type: 'exited', status: { code: 0, signal: null }, at: 5 }, { type: 'group-empty', at: 6 }], settings, r.runtime);
  assert.equal(rt.state, 'starting');
  assert.equal(rt.restarts, 0, 'an operator restart is not counted as a crash restart');
  assert.equal(rt.restartAfter, false);
});

test('two restarts in a row make one stop and one start', () => {
  const first = transition(readyRuntime(), { type: 'restart' }, settings);
  const second = transition(first.runtime, { type: 'restart' }, settings);
  assert.deepEqual(second.effects, [], 'no second stop signal');
  const { rt } = run([{ type: 'exited', status: { code: 0, signal: null }, at: 5 }, { type: 'group-empty', at: 6 }], settings, second.runtime);
  assert.equal(rt.state, 'starting');
});

test('a stop during a restart cancels the start; a start during a stop restarts after it', () => {
  const restarting = transition(readyRuntime(), { type: 'restart' }, settings).runtime;
  const stopped = run([{ type: 'stop' }, { type: 'exited', status: { code: 0, signal: null }, at: 5 }, { type: 'group-empty', at: 6 }], settings, restarting).rt;
  assert.equal(stopped.state, 'stopped');
  assert.ok(stopped.stoppedByOperator);
  const stopping = transition(readyRuntime(), { type: 'stop' }, settings).runtime;
  const started = run([{ type: 'start' }, { type: 'exited', status: { code: 0, signal: null }, at: 5 }, { type: 'group-empty', at: 6 }], settings, stopping).rt;
  assert.equal(started.state, 'starting');
  assert.equal(started.stoppedByOperator, false);
});

test('restart of a backing-off instance skips the rest of the delay; of a fatal one starts afresh', () => {
  let rt = run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawned', pid: 7, at: 0 }, { type: 'exited', status: { code: 1, signal: null }, at: 10 }]).rt;
  assert.equal(rt.state, 'backoff');
  const r = transition(rt, { type: 'restart' }, settings);
  assert.equal(r.runtime.state, 'starting');
  assert.deepEqual(r.effects, [{ type: 'cancel-timer', timer: 'backoff' }]);
  rt = run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawn-failed', reason: 'x' }]).rt;
  const again = transition(rt, { type: 'restart' }, settings).runtime;
  assert.equal(again.state, 'starting');
  assert.equal(again.reason, null);
});

test('force-kill during a restart leaves it stopped, not restarting', () => {
  const restarting = transition(readyRuntime(), { type: 'restart' }, settings).runtime;
  const { rt } = run([{ type: 'force-kill' }, { type: 'exited', status: { code: null, signal: 'SIGKILL' }, at: 5 }, { type: 'group-empty', at: 6 }], settings, restarting);
  assert.equal(rt.state, 'stopped');
});

test('every spawn is counted, so a waiter can tell the restarted process from the old one', () => {
  const restarted = run([{ type: 'restart' }, { type: 'exited', status: { code: 0, signal: null }, at: 5 }, { type: 'group-empty', at: 6 }, { type: 'deps-met' }, { type: 'spawned', pid: 8, at: 7 }], settings, readyRuntime()).rt;
  assert.equal(restarted.spawns, 2);
  assert.equal(restarted.pid, 8);
});

// ---- a stop during a stop for not being ready ----

const notReadyStopping = () => transition(run([{ type: 'start' }, { type: 'deps-met' }, { type: 'spawned', pid: 7, at: 0 }]).rt, { type: 'probe-failed', reason: 'timeout' }, settings).runtime;

test('a stop requested while it stops for not being ready leaves it stopped, not restarted', () => {
  const stopping = notReadyStopping();
  assert.equal(stopping.stopCause, 'not-ready');
  const { rt, effects } = run([{ type: 'stop' }, { type: 'exited', status: { code: 0, signal: null }, at: 30_000 }, { type: 'group-empty', at: 30_001 }], settings, stopping);
  assert.deepEqual(effects[0], [], 'the stop under way goes on: no second signal');
  assert.equal(rt.state, 'stopped');
  assert.ok(rt.stoppedByOperator);
  assert.equal(rt.restarts, 0, 'not counted as a crash restart');
});

test('force-kill while it stops for not being ready leaves it stopped, not restarted', () => {
  const { rt } = run([{ type: 'force-kill' }, { type: 'exited', status: { code: null, signal: 'SIGKILL' }, at: 30_000 }, { type: 'group-empty', at: 30_001 }], settings, notReadyStopping());
  assert.equal(rt.state, 'stopped');
});
