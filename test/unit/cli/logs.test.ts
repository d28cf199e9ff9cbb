// `muster logs` and `muster logs -f` against a fake control API: the query, the line format,
// --json, following an event stream (chunked, events cut anywhere), Ctrl-C, the supervisor leaving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as http from 'node:http';
import { clockTime } from '../../../src/logs/line-style';
import { runMuster, sendJson, spawnMuster, sseEvent, startEvents, startFakeApi, type FakeApi, type Handler } from './fake-api';

const T = Date.UTC(2026, 11, 3, 17, 2, 27, 384);
const APP = { root: '/srv/shop', pid: 1, version: '0.1.0', started_at: T, stopping: false, processes: ['web', 'worker'], instances: ['web', 'worker.1', 'worker.2'] };
const LINES = [
  { instance: 'web', stream: 'muster', time: T, text: 'starting -> ready (pid 4242)' },
  { instance: 'worker.1', stream: 'output', time: T + 27, text: 'spawned uWSGI worker 1 (pid: 4245)' },
  { instance: 'web', stream: 'output', time: null, text: 'from before any time stamp' },
];

async function fake(t: { after: (fn: () => unknown) => void }, routes: Record<string, Handler>): Promise<FakeApi> {
  const api = await startFakeApi({ 'GET /v1/app': (_q, res) => sendJson(res, 200, APP), 'GET /v1/logs': (_q, res) => sendJson(res, 200, LINES), ...routes });
  t.after(() => api.close());
  return api;
}

/** Resolves once the CLI's stdout holds `text`. */
function outputHas(stdout: () => string, text: string): Promise<void> {
  const deadline = Date.now() + 5000;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (stdout().includes(text)) resolve();
      else if (Date.now() > deadline) reject(new Error(`no "${text}" in ${JSON.stringify(stdout())}`));
      else setTimeout(check, 5);
    };
    check();
  });
}

test('logs: 20 lines by default, -n and --since become lines and since_ms, lines shown as `up` shows them', async (t) => {
  const api = await fake(t, {});
  const run = await runMuster(api.dir, 'logs');
  assert.equal(run.code, 0, run.stderr);
  const logsRequests = () => api.requests.filter((r) => r.path === '/v1/logs');
  assert.equal(logsRequests()[0]!.query.toString(), 'lines=20');
  assert.equal(run.stdout, [
    `${clockTime(T)} web      = starting -> ready (pid 4242)`,
    `${clockTime(T + 27)} worker.1 | spawned uWSGI worker 1 (pid: 4245)`,
    `${' '.repeat(12)} web      | from before any time stamp`,
    '',
  ].join('\n'));
  assert.doesNotMatch(run.stdout, /\x1b\[/, 'no colour when stdout is not a terminal');
  assert.equal((await runMuster(api.dir, 'logs', 'web', 'worker.2', '-n', '5', '--since', '10m')).code, 0);
  assert.equal(logsRequests()[1]!.query.toString(), 'name=web&name=worker.2&lines=5&since_ms=600000');
});

test('logs --json prints the API array; bad -n or --since is exit 2', async (t) => {
  const api = await fake(t, {});
  const run = await runMuster(api.dir, 'logs', '--json');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), LINES);
  const cases = [['-n', 'x'], ['-n', '10001'], ['--since', '10']];
  const runs = await Promise.all(cases.map((args) => runMuster(api.dir, 'logs', ...args)));
  runs.forEach((bad, i) => assert.equal(bad.code, 2, cases[i]!.join(' ')));
});

test('logs -f: recent lines, then a line sent after it started (events cut mid-way), then Ctrl-C exits 0', async (t) => {
  let stream: http.ServerResponse | null = null;
  const api = await fake(t, { 'GET /v1/events': (_q, res) => (startEvents(res), (stream = res)) });
  const cli = spawnMuster(['-C', api.dir, 'logs', '-f', 'web']);
  t.after(() => cli.child.kill('SIGKILL'));
  const events = await api.next('GET /v1/events');
  assert.equal(events.query.toString(), 'name=web&lines=1');
  await outputHas(cli.stdout, 'from before any time stamp');
  const wire = sseEvent('line', { instance: 'web', stream: 'err', time: T + 1000, text: 'a new line ✓' }) + ': keep-alive\n\n' +
    sseEvent('dropped', { lines: 120 });
  // One event split in three writes (three chunks), a multi-byte character cut in two.
  const bytes = Buffer.from(wire);
  const cut = bytes.indexOf(Buffer.from('✓')) + 1;
  stream!.write(bytes.subarray(0, 10));
  await new Promise((r) => setTimeout(r, 20));
  stream!.write(bytes.subarray(10, cut));
  await new Promise((r) => setTimeout(r, 20));
  stream!.write(bytes.subarray(cut));
  await outputHas(cli.stdout, '120 lines were skipped');
  assert.ok(cli.stdout().includes(`${clockTime(T + 1000)} web      ! a new line ✓\n`), cli.stdout());
  cli.child.kill('SIGINT');
  const run = await cli.done;
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.signal, null);
});

test('logs -f: a line both among the recent ones and in the stream is shown once; the supervisor leaving ends it with 0', async (t) => {
  const early = LINES[1]!;
  const late = LINES[0]!;
  const api = await fake(t, {
    'GET /v1/events': (_q, res) => {
      startEvents(res);
      // Sent before the recent lines are even asked for: held back, then shown once.
      res.write(sseEvent('line', { ...early, stream: 'out' }));
      res.write(sseEvent('line', { instance: 'web', stream: 'out', time: T + 50, text: 'only in the stream' }));
      api.next('GET /v1/logs').then(() => setTimeout(() => {
        // Sent before the recent lines were read, but reaching the client after them.
        res.write(sseEvent('line', late));
        res.end(sseEvent('line', { ...late, time: T + 60 })); // same text, later: a new line
      }, 50));
    },
  });
  const run = await runMuster(api.dir, 'logs', '-f');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.split(early.text).length - 1, 1, run.stdout);
  assert.equal(run.stdout.split(late.text).length - 1, 2, run.stdout);
  const lines = run.stdout.trimEnd().split('\n');
  assert.match(lines.at(-3)!, / web {6}\| only in the stream$/);
  assert.equal(lines.at(-2)!, `${clockTime(T + 60)} web      = ${late.text}`);
  assert.match(lines.at(-1)!, / muster {3}= the supervisor went away/);
});

test('logs -f --json: one JSON object per line (NDJSON), dropped included', async (t) => {
  const live = { instance: 'worker.2', stream: 'out', time: T + 2000, text: 'live' };
  const api = await fake(t, {
    'GET /v1/events': (_q, res) => {
      startEvents(res);
      api.next('GET /v1/logs').then(() => setTimeout(() => {
        res.write(sseEvent('state', { instance: 'web', from: 'ready', to: 'stopping', pid: 4242, at: T }));
        res.write(sseEvent('line', live));
        res.end(sseEvent('dropped', { lines: 3 }));
      }, 50));
    },
  });
  const run = await runMuster(api.dir, 'logs', '-f', '--json');
  assert.equal(run.code, 0, run.stderr);
  const objects = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(objects, [...LINES, live, { dropped: 3 }]);
  assert.match(run.stderr, /the supervisor went away/);
});

test('logs -f whose reader went away (| head) ends quietly with 0 at the next line', async (t) => {
  let stream: http.ServerResponse | null = null;
  const api = await fake(t, { 'GET /v1/events': (_q, res) => (startEvents(res), (stream = res)) });
  const cli = spawnMuster(['-C', api.dir, 'logs', '-f']);
  t.after(() => cli.child.kill('SIGKILL'));
  await outputHas(cli.stdout, 'from before any time stamp');
  cli.child.stdout!.destroy();
  // The first write after the close may still land in the pipe buffer's ghost; keep sending.
  const timer = setInterval(() => stream!.write(sseEvent('line', { instance: 'web', stream: 'out', time: T, text: 'x' })), 20);
  const run = await cli.done;
  clearInterval(timer);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
});
