import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runConfigCommand } from '../../../src/cli/config-command';
import { makeApp } from './app-fixture';

function run(dir: string, json: boolean) {
  let out = '';
  let err = '';
  const code = runConfigCommand({ dir, json, out: (s) => { out += s; }, err: (s) => { err += s; }, environ: { DB: 'shop' } });
  return { code, out, err };
}

const APP = {
  Procfile: 'redis: redis-server --unixsocket run/redis.sock\nweb: gunicorn app\n',
  '.env': 'DATABASE=${DB}\n',
  'muster.toml': '[process.redis]\nready = { connect = "run/redis.sock" }\n[process.web]\ndepends_on = ["redis"]\nstop_timeout = "30s"\n',
};

test('muster config --json: exit 0 and the documented shape', () => {
  const dir = makeApp(APP);
  const { code, out, err } = run(dir, true);
  assert.equal(code, 0);
  assert.equal(err, '');
  const parsed = JSON.parse(out);
  assert.deepEqual(Object.keys(parsed.processes), ['redis', 'web']);
  const web = parsed.processes.web;
  for (const key of ['command', 'cwd', 'env', 'instances', 'depends_on', 'restart', 'stop_signal', 'stop_timeout_ms', 'stop_scope', 'reload_signal', 'ready', 'port', 'max_restarts', 'restart_window_ms']) {
    assert.ok(key in web, key);
  }
  assert.equal(web.command, 'gunicorn app');
  assert.equal(web.cwd, dir);
  assert.deepEqual(web.env, { DATABASE: 'shop' });
  assert.deepEqual(web.depends_on, { redis: 'ready' });
  assert.equal(web.stop_timeout_ms, 30_000);
  assert.equal(web.stop_signal, 'SIGTERM');
  assert.equal(web.port, 5100);
  assert.equal(web.ready, null);
  assert.deepEqual(web.exec, { shell: false, argv: ['gunicorn', 'app'] });
  assert.deepEqual(parsed.processes.redis.ready, { kind: 'connect', target: path.join(dir, 'run/redis.sock'), timeout_ms: 60_000 });
});

test('muster config (human): exit 0, one block per process', () => {
  const { code, out } = run(makeApp(APP), false);
  assert.equal(code, 0);
  assert.match(out, /^\[redis\]$/m);
  assert.match(out, /^\[web\]$/m);
  assert.match(out, /depends on\s+redis \(ready\)/);
});

test('muster config: exit 2 and ALL diagnostics on err; --json adds them as JSON on out', () => {
  const dir = makeApp({ Procfile: 'web: w\nbad line\n', 'muster.toml': '[process.web]\nstop_timout = "1s"\n' });
  const human = run(dir, false);
  assert.equal(human.code, 2);
  assert.equal(human.out, '');
  assert.match(human.err, /^Procfile:2:1: line has no "name: command" form/m);
  assert.match(human.err, /^muster\.toml:2:1: unknown key "stop_timout" in \[process\.web\]\n  hint: did you mean "stop_timeout"\?$/m);
  assert.match(human.err, /2 problems/);
  const json = run(dir, true);
  assert.equal(json.code, 2);
  const parsed = JSON.parse(json.out);
  assert.deepEqual(parsed.diagnostics.map((d: { file: string; line: number }) => `${d.file}:${d.line}`), ['Procfile:2', 'muster.toml:2']);
});
