import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AppConfig, ProcessConfig } from '../../../src/config/model';
import { changedSockets, isEmptyPlan, planApply } from '../../../src/core/plan';

function p(name: string, more: Partial<ProcessConfig> = {}): ProcessConfig {
  return {
    name, command: `run-${name}`, cwd: '/app', env: { GREETING: 'hello' }, instances: 1, basePort: 5000, dependsOn: {}, ready: null,
    restart: 'always', stopSignal: 'SIGTERM', stopTimeoutMs: 10_000, stopScope: 'main', reloadSignal: null,
    maxRestarts: 5, restartWindowMs: 60_000, sockets: [], ...more,
  };
}
const app = (...processes: ProcessConfig[]): AppConfig => ({ root: '/app', processes, sockets: [] });

test('no change: an empty plan, every process unchanged', () => {
  const plan = planApply(app(p('web'), p('worker')), app(p('web'), p('worker')));
  assert.ok(isEmptyPlan(plan));
  assert.deepEqual(plan.unchanged, ['web', 'worker']);
});

test('a changed command marks exactly that process, naming the key', () => {
  const plan = planApply(app(p('web'), p('worker')), app(p('web'), p('worker', { command: 'run-worker --concurrency 4' })));
  assert.deepEqual(plan.changed, [{ name: 'worker', why: ['command'] }]);
  assert.deepEqual(plan.unchanged, ['web']);
});

test('an environment change names the variable; structural values compare by content', () => {
  const plan = planApply(
    app(p('web', { ready: { kind: 'http', url: 'http://x/', timeoutMs: 1 } }), p('beat')),
    app(p('web', { ready: { kind: 'http', url: 'http://x/', timeoutMs: 1 }, env: { GREETING: 'hi' } }), p('beat', { env: { GREETING: 'hello', NEW: '1' } })),
  );
  assert.deepEqual(plan.changed, [{ name: 'web', why: ['env GREETING'] }, { name: 'beat', why: ['env NEW'] }]);
});

test('added, removed and scaled processes are told apart; from or to one instance renames them, so it is a change', () => {
  const plan = planApply(app(p('web'), p('old'), p('worker', { instances: 2 }), p('beat')), app(p('web'), p('worker', { instances: 4 }), p('beat', { instances: 3, stopSignal: 'SIGINT' }), p('extra')));
  assert.deepEqual(plan.added, ['extra']);
  assert.deepEqual(plan.removed, ['old']);
  assert.deepEqual(plan.scaled, [{ name: 'worker', from: 2, to: 4 }]);
  assert.deepEqual(plan.changed, [{ name: 'beat', why: ['instances', 'stop_signal'], instances: { from: 1, to: 3 } }]);
});

test('a changed process whose instance count differs too says so: the plan shows every instance that will start or stop', () => {
  const plan = planApply(app(p('worker', { instances: 2 })), app(p('worker', { instances: 3, env: { GREETING: 'hello', DEBUG: '1' } })));
  assert.deepEqual(plan.changed, [{ name: 'worker', why: ['env DEBUG'], instances: { from: 2, to: 3 } }]);
  assert.deepEqual(plan.scaled, []);
});

test('settings muster applies itself are updated in place, without a restart', () => {
  const plan = planApply(app(p('web'), p('worker', { instances: 2 })), app(p('web', { stopTimeoutMs: 30_000, reloadSignal: 'SIGHUP' }), p('worker', { instances: 3, dependsOn: { web: 'ready' } })));
  assert.deepEqual(plan.changed, []);
  assert.deepEqual(plan.updated, [{ name: 'web', why: ['stop_timeout', 'reload_signal'] }, { name: 'worker', why: ['depends_on'] }]);
  assert.deepEqual(plan.scaled, [{ name: 'worker', from: 2, to: 3 }]);
  assert.deepEqual(plan.unchanged, []);
});

test('sockets: added and removed tables are in the plan, the processes that take or drop one restart; a changed table is not planned but reported', () => {
  const sock = (name: string, mode = 0o660) => ({ name, kind: 'unix' as const, path: `/app/run/${name}.sock`, mode, backlog: 511 });
  const before: AppConfig = { root: '/app', processes: [p('web', { sockets: ['web'] }), p('admin', { sockets: ['admin'] })], sockets: [sock('web'), sock('admin')] };
  const after: AppConfig = { root: '/app', processes: [p('web', { sockets: ['web', 'api'] }), p('admin')], sockets: [sock('web'), sock('api')] };
  const plan = planApply(before, after);
  assert.deepEqual(plan.sockets, { added: ['api'], removed: ['admin'] });
  assert.deepEqual(plan.changed.map((c) => `${c.name}:${c.why.join(',')}`), ['web:sockets', 'admin:sockets']);
  assert.deepEqual(changedSockets(before, after), []);
  const sockOnly = planApply(before, { ...before, sockets: [...before.sockets, sock('spare')] });
  assert.equal(isEmptyPlan(sockOnly), false, 'a socket alone is something to do');
  assert.deepEqual(changedSockets(before, { ...before, sockets: [sock('web', 0o600), sock('admin')] }), ['web']);
});
