import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { DEFAULTS } from '../../../src/config/model';
import { loadOk, proc } from './app-fixture';

test('merge: one process per name; Procfile order, then muster.toml-only processes in TOML order', () => {
  const config = loadOk({
    Procfile: 'web: python3 app.py\nworker: celery worker\n',
    'muster.toml': '[process.redis]\ncommand = "redis-server"\n[process.worker]\ninstances = 3\n[process.2]\ncommand = "true"\n[process.beat]\ncommand = "celery beat"\n',
  });
  assert.deepEqual(config.processes.map((p) => p.name), ['web', 'worker', 'redis', '2', 'beat']);
  assert.equal(proc(config, 'worker').instances, 3);
  assert.equal(proc(config, 'worker').command, 'celery worker');
});

test('a muster.toml alone is a valid app; defaults fill every key', () => {
  const config = loadOk({ 'muster.toml': '[process.web]\ncommand = "node web.js"\n' });
  const web = proc(config, 'web');
  assert.equal(web.cwd, config.root);
  assert.ok(path.isAbsolute(config.root));
  assert.deepEqual({ ...web, env: undefined, command: undefined, cwd: undefined, name: undefined }, {
    name: undefined, command: undefined, cwd: undefined, env: undefined,
    instances: DEFAULTS.instances, basePort: 5000, dependsOn: {}, ready: null, restart: DEFAULTS.restart,
    stopSignal: DEFAULTS.stopSignal, stopTimeoutMs: DEFAULTS.stopTimeoutMs, stopScope: DEFAULTS.stopScope,
    reloadSignal: null, maxRestarts: DEFAULTS.maxRestarts, restartWindowMs: DEFAULTS.restartWindowMs, sockets: [],
  });
});

test('a UTF-8 byte order mark at the start of muster.toml is ignored (as in .env and Procfile)', () => {
  const config = loadOk({ 'muster.toml': '\uFEFF[process.web]\ncommand = "node web.js"\n' });
  assert.equal(proc(config, 'web').command, 'node web.js');
});

test('every key of a process table, resolved', () => {
  const config = loadOk({
    Procfile: 'redis: redis-server --unixsocket run/redis.sock\nweb: uwsgi --ini uwsgi.ini\n',
    'backend/.keep': '',
    'muster.toml': [
      '[process.redis]',
      'ready = { connect = "run/redis.sock" }',
      'restart = "on-failure"',
      '[process.web]',
      'cwd = "backend"',
      'instances = 2',
      'depends_on = ["redis"]',
      'ready = { http = "http://127.0.0.1:5100/health", timeout = "1m30s" }',
      'stop_signal = "int"',
      'reload_signal = "SIGHUP"',
      'stop_timeout = "1h30m"',
      'stop_scope = "group"',
      'max_restarts = 0',
      'restart_window = "500ms"',
    ].join('\n'),
  });
  const redis = proc(config, 'redis');
  assert.deepEqual(redis.ready, { kind: 'connect', target: path.join(config.root, 'run/redis.sock'), timeoutMs: 60_000 });
  assert.equal(redis.restart, 'on-failure');
  const web = proc(config, 'web');
  assert.equal(web.cwd, path.join(config.root, 'backend'));
  assert.equal(web.instances, 2);
  assert.deepEqual(web.dependsOn, { redis: 'ready' });
  assert.deepEqual(web.ready, { kind: 'http', url: 'http://127.0.0.1:5100/health', timeoutMs: 90_000 });
  assert.equal(web.stopSignal, 'SIGINT');
  assert.equal(web.reloadSignal, 'SIGHUP');
  assert.equal(web.stopTimeoutMs, 5_400_000);
  assert.equal(web.stopScope, 'group');
  assert.equal(web.maxRestarts, 0);
  assert.equal(web.restartWindowMs, 500);
});

test('ready: connect path is relative to the cwd; host:port stays; exec and log kept', () => {
  const config = loadOk({
    'sub/.keep': '',
    'muster.toml': [
      '[process.a]\ncommand = "a"\ncwd = "sub"\nready = { connect = "a.sock" }',
      '[process.b]\ncommand = "b"\nready = { connect = "127.0.0.1:6379", timeout = "5s" }',
      '[process.c]\ncommand = "c"\nready = { exec = "redis-cli ping" }',
      '[process.d]\ncommand = "d"\nready = { log = "listening on \\\\d+" }',
    ].join('\n'),
  });
  assert.deepEqual(proc(config, 'a').ready, { kind: 'connect', target: path.join(config.root, 'sub', 'a.sock'), timeoutMs: 60_000 });
  assert.deepEqual(proc(config, 'b').ready, { kind: 'connect', target: '127.0.0.1:6379', timeoutMs: 5000 });
  assert.deepEqual(proc(config, 'c').ready, { kind: 'exec', command: 'redis-cli ping', timeoutMs: 60_000 });
  assert.deepEqual(proc(config, 'd').ready, { kind: 'log', pattern: 'listening on \\d+', timeoutMs: 60_000 });
});

test('depends_on list: "ready" when the dependency has a probe, else "started"; table form as written', () => {
  const config = loadOk({
    Procfile: 'redis: r\nmigrate: m\nweb: w\nworker: k\n',
    'muster.toml': [
      '[process.redis]\nready = { connect = "r.sock" }',
      '[process.migrate]\nrestart = "never"',
      '[process.web]\ndepends_on = ["redis", "migrate"]',
      '[process.worker]\ndepends_on = { migrate = "succeeded", redis = "started" }',
    ].join('\n'),
  });
  assert.deepEqual(proc(config, 'web').dependsOn, { redis: 'ready', migrate: 'started' });
  assert.deepEqual(proc(config, 'worker').dependsOn, { migrate: 'succeeded', redis: 'started' });
});

test('environment: .env, then each env_file, then env (later wins); ${VAR} in env from .env + environ', () => {
  const config = loadOk({
    Procfile: 'web: w\nworker: k\n',
    '.env': 'A=dotenv\nB=dotenv\nC=dotenv\nHOST=db\n',
    'one.env': 'B=one\nFROM_PREV=${A}-${HOST}\n',
    'two.env': 'C=two\n',
    'muster.toml': '[process.web]\nenv_file = ["one.env", "two.env"]\nenv = { C = "toml", URL = "pg://${HOST}/${DB_NAME:-app}", U = "${USER}" }\n',
  }, { USER: 'alice', A: 'environ-loses' });
  assert.deepEqual(proc(config, 'web').env, {
    A: 'dotenv', B: 'one', C: 'toml', HOST: 'db', FROM_PREV: 'dotenv-db', URL: 'pg://db/app', U: 'alice',
  });
  assert.deepEqual(proc(config, 'worker').env, { A: 'dotenv', B: 'dotenv', C: 'dotenv', HOST: 'db' });
  assert.equal(config.processes.some((p) => 'USER' in p.env), false, "muster's own environment is not copied in");
});

test('env_file may be a single string', () => {
  const config = loadOk({ Procfile: 'web: w\n', 'prod.env': 'X=1\n', 'muster.toml': '[process.web]\nenv_file = "prod.env"\n' });
  assert.deepEqual(proc(config, 'web').env, { X: '1' });
});

test('PORT: 5000 + 100 per process in file order, null when the app sets PORT', () => {
  let config = loadOk({ Procfile: 'web: w\nworker: k\nclock: c\n' });
  assert.deepEqual(config.processes.map((p) => p.basePort), [5000, 5100, 5200]);
  config = loadOk({ Procfile: 'web: w\nworker: k\n', '.env': 'PORT=8000\n' });
  assert.deepEqual(config.processes.map((p) => p.basePort), [null, null]);
  config = loadOk({ Procfile: 'web: w\nworker: k\n', 'muster.toml': '[process.worker]\nenv = { PORT = "9000" }\n' });
  assert.deepEqual(config.processes.map((p) => p.basePort), [5000, null]);
});

test('a variable named __proto__ is an ordinary key', () => {
  const config = loadOk({ Procfile: 'web: w\n', '.env': '__proto__=x\n' });
  assert.equal(Object.getOwnPropertyDescriptor(proc(config, 'web').env, '__proto__')?.value, 'x');
});
