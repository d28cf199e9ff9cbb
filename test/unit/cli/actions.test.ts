// start / stop / restart / reload / signal: the request each sends, its output, its exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runMuster, sendError, sendJson, startFakeApi, type FakeApi, type Handler } from './fake-api';

async function api(t: { after: (fn: () => unknown) => void }, handler: Handler): Promise<FakeApi> {
  const a = await startFakeApi({ 'POST /v1/actions': handler });
  t.after(() => a.close());
  return a;
}

const RESTARTED = { action: 'restart', ok: true, results: [
  { name: 'web', outcome: 'done', state: 'ready', pid: 4242, message: 'restarted' },
  { name: 'nginx', outcome: 'done', state: 'ready', pid: 4300, message: 'restarted (depends on web)' },
] };

test('restart --with-dependents --no-wait: the request, then one line per instance, exit 0', async (t) => {
  const a = await api(t, (_req, res) => sendJson(res, 200, RESTARTED));
  const run = await runMuster(a.dir, 'restart', 'web', '--with-dependents', '--no-wait');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(a.requests[0]!.body, { action: 'restart', names: ['web'], with_dependents: true, wait: false });
  assert.equal(run.stdout, 'web: restarted, ready, pid 4242\nnginx: restarted (depends on web), ready, pid 4300\n');
});

test('start waits by default and sends no with_dependents; --json prints the answer', async (t) => {
  const answer = { action: 'start', ok: true, results: [{ name: 'worker.1', outcome: 'done', state: 'ready', pid: 7, message: 'started' }] };
  const a = await api(t, (_req, res) => sendJson(res, 200, answer));
  const run = await runMuster(a.dir, 'start', 'worker', '--json');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(a.requests[0]!.body, { action: 'start', names: ['worker'], wait: true });
  assert.deepEqual(JSON.parse(run.stdout), answer);
});

test('ok false: exit 1, the failed instance says why', async (t) => {
  const answer = { action: 'start', ok: false, results: [
    { name: 'web', outcome: 'done', state: 'ready', pid: 1, message: 'started' },
    { name: 'worker.1', outcome: 'failed', state: 'fatal', pid: null, message: 'exited 6 times within 60s' },
  ] };
  const a = await api(t, (_req, res) => sendJson(res, 200, answer));
  const human = await runMuster(a.dir, 'start', 'all');
  assert.equal(human.code, 1);
  assert.equal(human.stdout.split('\n')[1], 'worker.1: failed: exited 6 times within 60s, fatal');
  const json = await runMuster(a.dir, 'start', 'all', '--json');
  assert.equal(json.code, 1);
  assert.equal(JSON.parse(json.stdout).ok, false);
});

test('stop --with-dependents is accepted; an action without a name is a usage error (nothing sent)', async (t) => {
  const a = await api(t, (_req, res) => sendJson(res, 200, { action: 'stop', ok: true, results: [] }));
  assert.equal((await runMuster(a.dir, 'stop', 'redis', '--with-dependents')).code, 0);
  assert.deepEqual(a.requests[0]!.body, { action: 'stop', names: ['redis'], with_dependents: true, wait: true });
  const cases = [['stop'], ['restart', '--json'], ['signal', 'HUP'], ['signal']];
  const runs = await Promise.all(cases.map((args) => runMuster(a.dir, ...args)));
  runs.forEach((run, i) => {
    assert.equal(run.code, 2, cases[i]!.join(' '));
    assert.match(run.stderr, /usage: muster/);
  });
  assert.equal(a.requests.length, 1);
});

test('reload of a process without reload_signal: exit 2 with the API message', async (t) => {
  const a = await api(t, (_req, res) => sendError(res, 409, 'no_reload_signal', 'worker has no reload_signal; nothing was sent'));
  const run = await runMuster(a.dir, 'reload', 'worker');
  assert.equal(run.code, 2);
  assert.deepEqual(a.requests[0]!.body, { action: 'reload', names: ['worker'], wait: true });
  assert.equal(run.stderr, 'muster: worker has no reload_signal; nothing was sent\n');
});

test('signal: names are made canonical, numbers stay numbers, bad ones never reach the API', async (t) => {
  const a = await api(t, (_req, res) => sendJson(res, 200, { action: 'signal', ok: true, results: [
    { name: 'worker.1', outcome: 'sent', state: 'ready', pid: 9, message: 'sent SIGUSR1' },
    { name: 'worker.2', outcome: 'skipped', state: 'stopped', pid: null, message: 'no process' },
  ] }));
  const run = await runMuster(a.dir, 'signal', 'usr1', 'worker');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(a.requests[0]!.body, { action: 'signal', names: ['worker'], signal: 'SIGUSR1', wait: true });
  assert.equal(run.stdout, 'worker.1: sent SIGUSR1, ready, pid 9\nworker.2: skipped: no process, stopped\n');
  assert.equal((await runMuster(a.dir, 'signal', '10', 'worker')).code, 0);
  assert.equal((a.requests[1]!.body as { signal: unknown }).signal, 10);
  const bad = await runMuster(a.dir, 'signal', 'TREM', 'worker');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown signal "TREM": did you mean "TERM"/);
  assert.equal(a.requests.length, 2);
});

test('an action while the supervisor shuts down: exit 1', async (t) => {
  const a = await api(t, (_req, res) => sendError(res, 409, 'shutting_down', 'the supervisor is stopping every process'));
  const run = await runMuster(a.dir, 'restart', 'web');
  assert.equal(run.code, 1);
  assert.equal(run.stderr, 'muster: the supervisor is stopping every process\n');
});
