// apply, wait and down against a fake control API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { runMuster, sendError, sendJson, startFakeApi, tempApp, type Handler } from './fake-api';

async function fake(t: { after: (fn: () => unknown) => void }, routes: Record<string, Handler>) {
  const api = await startFakeApi(routes);
  t.after(() => api.close());
  return api;
}

const PLAN = { added: ['extra'], removed: ['old'], changed: [{ name: 'worker', why: ['command', 'env GREETING'] }], scaled: [{ name: 'web', from: 2, to: 4 }], unchanged: ['redis', 'beat'] };

test('apply --dry-run: sends dry_run, prints the plan, changes nothing', async (t) => {
  const api = await fake(t, { 'POST /v1/apply': (_q, res) => sendJson(res, 200, { applied: false, ok: true, plan: PLAN, results: [] }) });
  const run = await runMuster(api.dir, 'apply', '--dry-run');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(api.requests[0]!.body, { dry_run: true });
  const lines = run.stdout.trimEnd().split('\n').map((l) => l.trim().split(/ {2,}/));
  assert.deepEqual(lines, [
    ['plan (dry run: nothing was changed):'],
    ['add', 'extra', '(new in the config)'],
    ['remove', 'old', '(no longer in the config)'],
    ['change', 'worker', '(command, env GREETING): restarts'],
    ['scale', 'web', '2 -> 4 instances'],
    ['2 processes unchanged'],
  ]);
});

test('apply --dry-run: a changed process whose instance count differs too shows the new count', async (t) => {
  const plan = { ...PLAN, added: [], removed: [], scaled: [], changed: [{ name: 'worker', why: ['env DEBUG'], instances: { from: 2, to: 3 } }] };
  const api = await fake(t, { 'POST /v1/apply': (_q, res) => sendJson(res, 200, { applied: false, ok: true, plan, results: [] }) });
  const run = await runMuster(api.dir, 'apply', '--dry-run');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /change +worker +\(env DEBUG\): restarts, 2 -> 3 instances\n/);
});

test('apply: the plan then the results; ok false is exit 1; --json is the answer', async (t) => {
  const answer = { applied: true, ok: false, plan: { ...PLAN, removed: [], scaled: [] }, results: [
    { name: 'extra', outcome: 'done', state: 'ready', pid: 10, message: 'started' },
    { name: 'worker', outcome: 'failed', state: 'fatal', pid: null, message: 'exited 6 times within 60s' },
  ] };
  const api = await fake(t, { 'POST /v1/apply': (_q, res) => sendJson(res, 200, answer) });
  const run = await runMuster(api.dir, 'apply');
  assert.equal(run.code, 1);
  assert.deepEqual(api.requests[0]!.body, { dry_run: false });
  assert.match(run.stdout, /^plan:\n/);
  assert.match(run.stdout, /\n\nextra: started, ready, pid 10\nworker: failed: exited 6 times within 60s, fatal\n$/);
  const json = await runMuster(api.dir, 'apply', '--json');
  assert.equal(json.code, 1);
  assert.deepEqual(JSON.parse(json.stdout), answer);
});

test('apply with nothing to do says so', async (t) => {
  const empty = { added: [], removed: [], changed: [], scaled: [], unchanged: ['web'] };
  const api = await fake(t, { 'POST /v1/apply': (_q, res) => sendJson(res, 200, { applied: true, ok: true, plan: empty, results: [] }) });
  const run = await runMuster(api.dir, 'apply');
  assert.equal(run.code, 0);
  assert.equal(run.stdout, 'nothing to do: the config is unchanged since the supervisor started or last applied it\n');
});

test('apply with nothing to do names the instances that gave up, which it leaves alone', async (t) => {
  const empty = { added: [], removed: [], changed: [], scaled: [], unchanged: ['web', 'worker'] };
  const api = await fake(t, {
    'POST /v1/apply': (_q, res) => sendJson(res, 200, { applied: false, ok: true, plan: empty, results: [] }),
    'GET /v1/instances': (_q, res) => sendJson(res, 200, [{ name: 'web', state: 'ready' }, { name: 'worker', state: 'fatal' }]),
  });
  const run = await runMuster(api.dir, 'apply');
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^nothing to do: the config is unchanged/);
  assert.match(run.stdout, /\nworker is fatal \(gave up restarting\); apply does not start it again: muster start worker\n$/);
});

test('apply of an invalid config: the diagnostics on stderr, exit 2', async (t) => {
  const diagnostics = [
    { file: 'muster.toml', line: 7, column: 1, message: 'unknown key "comand"', hint: 'did you mean "command"?' },
    'Procfile:3:1: empty process name',
  ];
  const api = await fake(t, { 'POST /v1/apply': (_q, res) => sendError(res, 422, 'config_invalid', 'the config has 2 errors; nothing changed', { diagnostics }) });
  const run = await runMuster(api.dir, 'apply');
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, 'muster.toml:7:1: unknown key "comand"\n  hint: did you mean "command"?\nProcfile:3:1: empty process name\nmuster: the config has 2 errors; nothing changed\n');
});

test('wait: --for, --timeout as timeout_ms; a timeout is exit 1; bad options exit 2', async (t) => {
  let ok = true;
  const api = await fake(t, { 'POST /v1/wait': (_q, res) => sendJson(res, 200, { ok, results: [{ name: 'web', outcome: ok ? 'done' : 'timeout', state: ok ? 'stopped' : 'stopping', pid: ok ? null : 5, message: ok ? 'stopped' : 'still stopping after 5s' }] }) });
  const run = await runMuster(api.dir, 'wait', 'web', '--for', 'stopped', '--timeout', '5s');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(api.requests[0]!.body, { names: ['web'], for: 'stopped', timeout_ms: 5000 });
  assert.equal(run.stdout, 'web: stopped\n');
  assert.equal((await runMuster(api.dir, 'wait', 'web')).code, 0);
  assert.deepEqual(api.requests[1]!.body, { names: ['web'], for: 'ready', timeout_ms: 30_000 });
  ok = false;
  const late = await runMuster(api.dir, 'wait', 'web', '--json');
  assert.equal(late.code, 1);
  assert.equal(JSON.parse(late.stdout).results[0].outcome, 'timeout');
  const cases = [['web', '--for', 'up'], ['web', '--timeout', 'soon'], []];
  const runs = await Promise.all(cases.map((args) => runMuster(api.dir, 'wait', ...args)));
  runs.forEach((bad, i) => assert.equal(bad.code, 2, cases[i]!.join(' ')));
  assert.equal(api.requests.length, 3);
});

test('down: shutdown, then it returns only once the supervisor process is gone', async (t) => {
  // The "supervisor" is a real process that exits a little after answering, as muster does.
  const supervisor = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => supervisor.kill('SIGKILL'));
  let exited = false;
  supervisor.on('exit', () => (exited = true));
  const api = await fake(t, {
    'GET /v1/app': (_q, res) => sendJson(res, 200, { root: '/srv/shop', pid: supervisor.pid, version: '0.1.0', started_at: 0, stopping: false, processes: ['web'], instances: ['web', 'worker.1'] }),
    'POST /v1/shutdown': (_q, res) => {
      sendJson(res, 200, { ok: true, stopped: ['web', 'worker.1'] });
      setTimeout(() => supervisor.kill('SIGTERM'), 200);
    },
  });
  const run = await runMuster(api.dir, 'down');
  assert.equal(run.code, 0, run.stderr);
  assert.ok(exited, 'muster down returned while the supervisor was still running');
  assert.equal(run.stdout, `web: stopped\nworker.1: stopped\nsupervisor (pid ${supervisor.pid}) of /srv/shop exited\n`);
});

test('down --json prints the shutdown answer; down without a supervisor is exit 3', async (t) => {
  const api = await fake(t, {
    // A pid that is not running: the exit watch ends at once.
    'GET /v1/app': (_q, res) => sendJson(res, 200, { root: '/x', pid: 2 ** 22 + 1, version: '0.1.0', started_at: 0, stopping: false, processes: [], instances: [] }),
    'POST /v1/shutdown': (_q, res) => sendJson(res, 200, { ok: true, stopped: [] }),
  });
  const run = await runMuster(api.dir, 'down', '--json');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { ok: true, stopped: [] });
  const none = await runMuster(tempApp(), 'down');
  assert.equal(none.code, 3);
  assert.match(none.stderr, /no supervisor is running/);
});

test('down while another down stops the supervisor: the same end, said so, exit 0', async (t) => {
  const api = await fake(t, {
    'GET /v1/app': (_q, res) => sendJson(res, 200, { root: '/x', pid: 2 ** 22 + 1, version: '0.1.0', started_at: 0, stopping: true, processes: [], instances: [] }),
    'POST /v1/shutdown': (_q, res) => sendJson(res, 200, { ok: true, already_stopping: true }),
  });
  const run = await runMuster(api.dir, 'down');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'another muster down (or a signal) was already stopping every process\nsupervisor (pid 4194305) of /x exited\n');
});
