// `muster status` against a fake control API: --json is the API's array, the table, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { runMuster, sendError, sendJson, startFakeApi, tempApp } from './fake-api';

const MiB = 2 ** 20;

export const INSTANCES = [
  { name: 'redis', process: 'redis', state: 'ready', pid: 4100, ready: true, restarts: 0, uptime_ms: 93_600_000, last_exit: null, killed: false, reason: null, stopped_by_operator: false, cpu_percent: 0.1, rss_bytes: 8 * MiB, members: [4100] },
  { name: 'web', process: 'web', state: 'running', pid: 4242, ready: false, restarts: 2, uptime_ms: 252_000, last_exit: { code: 0, signal: null }, killed: false, reason: null, stopped_by_operator: false, cpu_percent: 12.54, rss_bytes: 12.5 * MiB, members: [4242, 4245] },
  { name: 'worker.1', process: 'worker', state: 'fatal', pid: null, ready: false, restarts: 5, uptime_ms: null, last_exit: { code: null, signal: 'SIGKILL' }, killed: true, reason: 'exited 6 times within 60s', stopped_by_operator: false, cpu_percent: null, rss_bytes: null, members: [] },
  { name: 'worker.2', process: 'worker', state: 'stopped', pid: null, ready: false, restarts: 0, uptime_ms: null, last_exit: null, killed: false, reason: null, stopped_by_operator: true, cpu_percent: null, rss_bytes: null, members: [] },
];

test('status --json prints the API array as it came, and asks for the names given', async (t) => {
  const api = await startFakeApi({ 'GET /v1/instances': (_req, res) => sendJson(res, 200, INSTANCES.slice(1, 2)) });
  t.after(() => api.close());
  const run = await runMuster(api.dir, 'status', 'web', 'worker.2', '--json');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), INSTANCES.slice(1, 2));
  assert.deepEqual(api.requests[0]!.query.getAll('name'), ['web', 'worker.2']);
});

test('status: one row per instance with human units, and the reason of a fatal one', async (t) => {
  const api = await startFakeApi({ 'GET /v1/instances': (_req, res) => sendJson(res, 200, INSTANCES) });
  t.after(() => api.close());
  const run = await runMuster(api.dir, 'status');
  assert.equal(run.code, 0, run.stderr);
  const rows = run.stdout.trimEnd().split('\n').map((line) => line.split(/ {2,}/));
  assert.deepEqual(rows[0], ['INSTANCE', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST-EXIT', 'READY', 'CPU', 'MEM', 'REASON']);
  assert.deepEqual(rows[1], ['redis', 'ready', '4100', '1d2h', '0', '-', 'yes', '0.1%', '8M']);
  assert.deepEqual(rows[2], ['web', 'running', '4242', '4m12s', '2', 'exit 0', 'no', '12.5%', '12.5M']);
  assert.deepEqual(rows[3], ['worker.1', 'fatal', '-', '-', '5', 'SIGKILL', '-', '-', '-', 'exited 6 times within 60s']);
  assert.deepEqual(rows[4], ['worker.2', 'stopped', '-', '-', '0', '-', '-', '-', '-']);
  // Columns line up: each header starts where its cells start.
  const lines = run.stdout.split('\n');
  assert.equal(lines[2]!.indexOf('4m12s'), lines[0]!.indexOf('UPTIME'));
  assert.equal(lines[3]!.indexOf('exited 6'), lines[0]!.indexOf('REASON'));
});

test('status of an unknown name: exit 2 and the API message listing the valid names', async (t) => {
  const message = 'no process or instance named "wrker"; valid names: all, web, worker, worker.1, worker.2';
  const api = await startFakeApi({ 'GET /v1/instances': (_req, res) => sendError(res, 404, 'unknown_name', message, { valid: ['all', 'web'] }) });
  t.after(() => api.close());
  const run = await runMuster(api.dir, 'status', 'wrker');
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, `muster: ${message}\n`);
});

test('a server error is exit 1 with its message', async (t) => {
  const api = await startFakeApi({ 'GET /v1/instances': (_req, res) => sendError(res, 500, 'internal', 'a bug in muster') });
  t.after(() => api.close());
  const run = await runMuster(api.dir, 'status');
  assert.equal(run.code, 1);
  assert.equal(run.stderr, 'muster: a bug in muster\n');
});

test('no control socket: exit 3, saying how to start a supervisor', async () => {
  const dir = tempApp();
  const run = await runMuster(dir, 'status');
  assert.equal(run.code, 3);
  assert.equal(run.stderr, `muster: no supervisor is running for ${dir} (start one with: muster -C ${dir} up -d)\n`);
});

test('a stale socket nobody listens on (the supervisor was SIGKILLed): exit 3', async () => {
  const dir = tempApp();
  const sock = path.join(dir, '.muster', 'control.sock');
  // A listener killed with SIGKILL leaves its socket file behind.
  const holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.stdout.write('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => holder.stdout!.once('data', resolve));
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
  assert.ok(fs.statSync(sock).isSocket(), 'the socket file is still there');
  const run = await runMuster(dir, 'status', '--json');
  assert.equal(run.code, 3);
  assert.match(run.stderr, /no supervisor is running for .* \(start one with: muster -C .* up -d\)/);
  assert.equal(run.stdout, '');
});

test('an app folder with a space is quoted in the hint', async () => {
  const dir = path.join(tempApp(), 'my app');
  fs.mkdirSync(dir);
  const run = await runMuster(dir, 'down');
  assert.equal(run.code, 3);
  assert.match(run.stderr, new RegExp(`muster -C '${dir}' up -d`));
});

test('usage errors are exit 2 before anything is asked: unknown option, option of another command', async () => {
  const dir = tempApp();
  const cases = [['status', '--follow'], ['start', 'web', '--with-dependents'], ['status', '--bogus'], ['frobnicate']];
  const runs = await Promise.all(cases.map((args) => runMuster(dir, ...args)));
  runs.forEach((run, i) => {
    assert.equal(run.code, 2, cases[i]!.join(' '));
    assert.match(run.stderr, /^muster: /);
  });
});

test('an option given without its value names the option, not the parser', async () => {
  const dir = tempApp();
  const run = await runMuster(dir, 'logs', 'web', '-n');
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^muster: -n\/--lines needs a value\n/);
});
