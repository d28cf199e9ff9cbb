// Issue 4's acceptance, end to end as root: `muster host` runs two registered apps, each as its own
// user with a uwsgi web process on a socket owned www-data:<app> 0660 and a worker; nginx (workers
// as www-data) proxies to both. Then: who every process runs as (/proc), who may reach which socket,
// an operator who is not root, restarts and kill -9 under a stream of requests, kill -9 of an app
// tier, an app config that asks to run as root, and SIGTERM of the host.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, isAlive, isListening, waitUntilAsync } from '../support/proc';
import {
  gidOfGroup, groupIdsOf, hostApps, isRoot, hostTree, idOf, makeGroup, makeUser, musterAsync, procEnviron, procStatus, processesOfApp,
  startHost, uniqueName, writeRootFile, type HostTree, type RunningHost,
} from '../support/host';
import { getUrl, notOk, requestStream } from '../support/requests';

const APP_PY = `import os
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%s %d\\n" % (os.environ.get("MUSTER_APP"), os.getpid())).encode()]
`;

const WORKER_PY = `import time
while True:
    print("working", flush=True)
    time.sleep(1)
`;

const MUSTER_TOML = `[process.web]
command = "uwsgi --plugin python3 --master --processes 2 --wsgi-file app.py --callable app --need-app --strict --hook-master-start 'unix_signal:15 gracefully_kill_them_all'"
sockets = ["web"]
ready = { log = "spawned uWSGI worker 1 ", timeout = "30s" }
stop_signal = "TERM"
stop_timeout = "10s"

[process.worker]
command = "/usr/bin/python3 -u worker.py"
stop_signal = "TERM"
stop_timeout = "5s"
`;

interface Setup {
  readonly tree: HostTree;
  readonly users: { a: string; b: string; c: string; operator: string };
  readonly opsGroup: string;
  readonly marks: string;
}

/** An app folder owned by root: its user can read and run the code, not change it. */
function appFolder(dir: string): void {
  writeRootFile(path.join(dir, 'app.py'), APP_PY);
  writeRootFile(path.join(dir, 'worker.py'), WORKER_PY);
  writeRootFile(path.join(dir, 'muster.toml'), MUSTER_TOML);
}

function registration(user: string, root: string, operators: string | null): string {
  return [
    `user = "${user}"`,
    ...(operators ? [`operators = "${operators}"`] : []),
    `root = "${root}"`,
    '',
    '[socket.web]',
    'path = "web.sock"',
    'owner = "www-data"',
    `group = "${user}"`,
    'mode = "0660"',
    '',
  ].join('\n');
}

function setUp(t: { after(fn: () => void): void }): Setup {
  const opsGroup = makeGroup(t, uniqueName('ops'));
  // Runtime users without a login shell, as `muster audit` wants them; the operator is a person.
  const runtime = (suffix: string) => makeUser(t, uniqueName(suffix), [], '/usr/sbin/nologin');
  const users = { a: runtime('a'), b: runtime('b'), c: runtime('c'), operator: makeUser(t, uniqueName('o'), [opsGroup]) };
  const tree = hostTree(t);
  appFolder(path.join(tree.base, 'appa'));
  appFolder(path.join(tree.base, 'appb'));
  // appc's config asks to run as root; its worker would leave a mark if anything of it ran.
  const marks = path.join(tree.base, 'marks');
  fs.mkdirSync(marks, { mode: 0o777 });
  fs.chmodSync(marks, 0o777);
  writeRootFile(path.join(tree.base, 'appc', 'muster.toml'), `user = "root"\n\n[process.worker]\ncommand = "touch ${marks}/appc-ran; sleep 1000"\n`);
  writeRootFile(path.join(tree.apps, 'appa.toml'), registration(users.a, path.join(tree.base, 'appa'), opsGroup));
  writeRootFile(path.join(tree.apps, 'appb.toml'), registration(users.b, path.join(tree.base, 'appb'), null));
  writeRootFile(path.join(tree.apps, 'appc.toml'), `user = "${users.c}"\nroot = "${path.join(tree.base, 'appc')}"\n`);
  // Whatever happens, nothing of these apps outlives the test.
  t.after(() => {
    for (const app of ['appa', 'appb', 'appc']) for (const pid of processesOfApp(app)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  });
  return { tree, users, opsGroup, marks };
}

function tierPid(s: Setup, app: string): number | null {
  try {
    return Number(fs.readFileSync(path.join(s.tree.state, app, 'muster.pid'), 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

async function statusOf(s: Setup, app: string, user?: string): Promise<Array<{ name: string; pid: number | null; state: string; ready: boolean }>> {
  const r = await musterAsync(s.tree, ['--app', app, 'status', '--json'], user);
  assert.equal(r.code, 0, `status of ${app}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function waitReady(s: Setup, app: string, host: RunningHost, timeoutMs = 60_000): Promise<void> {
  let last = '';
  await waitUntilAsync(async () => {
    const r = await musterAsync(s.tree, ['--app', app, 'wait', 'all', '--for', 'ready', '--timeout', '5s']);
    last = r.stderr + r.stdout;
    return r.code === 0;
  }, timeoutMs, `${app} ready (last answer: ${last})\nhost output:\n${host.output()}`);
}

function run(command: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function inode(file: string): number {
  const stat = fs.lstatSync(file);
  assert.ok(stat.isSocket(), `${file} is a socket`);
  return stat.ino;
}

/** Every live process of `pid`'s tree (the pid itself first), through /proc/PID/task/TID/children. */
function tree(pid: number): number[] {
  const out: number[] = [];
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.shift()!;
    if (!isAlive(next)) continue;
    out.push(next);
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${next}/task`);
    } catch { /* gone */ }
    for (const task of tasks) {
      try {
        for (const child of fs.readFileSync(`/proc/${next}/task/${task}/children`, 'utf8').split(' ')) if (child.trim()) pending.push(Number(child));
      } catch { /* gone */ }
    }
  }
  return out;
}

/** The top process of each instance of `app` (a process whose parent is not of the same instance),
 * counted per instance: exactly one each means no duplicate survived. */
function copiesPerInstance(app: string): Map<string, number> {
  const pids = processesOfApp(app);
  const instanceOf = new Map(pids.map((pid) => {
    try {
      return [pid, procEnviron(pid).MUSTER_PROCESS];
    } catch {
      return [pid, undefined];
    }
  }));
  const counts = new Map<string, number>();
  for (const pid of pids) {
    const instance = instanceOf.get(pid);
    if (!instance) continue; // the tier itself
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (instanceOf.get(ppid) === instance) continue;
    counts.set(instance, (counts.get(instance) ?? 0) + 1);
  }
  return counts;
}

function startNginx(t: { after(fn: () => void): void }, s: Setup, port: number): void {
  const dir = path.join(s.tree.base, 'nginx');
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  const upstream = (app: string) => `unix:${path.join(s.tree.run, app, 'web.sock')}`;
  const conf = `daemon off;
master_process on;
worker_processes 1;
user www-data;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    location /a/ { include /etc/nginx/uwsgi_params; uwsgi_pass ${upstream('appa')}; }
    location /b/ { include /etc/nginx/uwsgi_params; uwsgi_pass ${upstream('appb')}; }
  }
}
`;
  writeRootFile(path.join(dir, 'nginx.conf'), conf);
  const nginx = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: 'ignore' });
  t.after(() => {
    nginx.kill('SIGTERM');
  });
}

test('two apps under muster host: isolated users, sockets www-data:<app> 0660, operators, no request lost, tiers restarted', { skip: isRoot() ? false : 'needs root (creates users, starts the host tier); CI runs as root', timeout: 300_000 }, async (t) => {
  const s = setUp(t);
  // Root's own variables, as under sudo: none of them may reach an app (case B24).
  const host = startHost(t, s.tree, { SUDO_USER: 'someone', SUDO_UID: '1000', MAIL: '/var/mail/root', XDG_RUNTIME_DIR: '/run/user/0' });
  await waitReady(s, 'appa', host);
  await waitReady(s, 'appb', host);
  const port = await freePort();
  startNginx(t, s, port);
  await waitUntilAsync(async () => isListening(port), 10_000, 'nginx listening');
  const url = (app: 'a' | 'b') => `http://127.0.0.1:${port}/${app}/`;

  const webSocket = path.join(s.tree.run, 'appa', 'web.sock');
  const controlSocket = path.join(s.tree.run, 'appa', 'control.sock');
  const webInode = inode(webSocket);

  await t.test('nginx as www-data gets 200 from each app', async () => {
    const a = await getUrl(url('a'), 10_000);
    const b = await getUrl(url('b'), 10_000);
    assert.ok('status' in a && 'status' in b, JSON.stringify([a, b]));
    assert.deepEqual([a.status, b.status], [200, 200]);
    assert.match(a.body, /^appa \d+\n$/);
    assert.match(b.body, /^appb \d+\n$/);
  });

  await t.test('the sockets: web www-data:<app> 0660, control <app>:operators 0660', () => {
    const web = fs.statSync(webSocket);
    assert.deepEqual([web.uid, web.gid, web.mode & 0o777], [idOf('-u', 'www-data'), idOf('-g', s.users.a), 0o660]);
    const control = fs.statSync(controlSocket);
    assert.deepEqual([control.uid, control.gid, control.mode & 0o777], [idOf('-u', s.users.a), gidOfGroup(s.opsGroup), 0o660]);
  });

  await t.test('every process of appa runs as appa: uids, gids, its groups exactly, no new privileges, no capabilities, its HOME and USER', async () => {
    const [uid, gid, groups] = [idOf('-u', s.users.a), idOf('-g', s.users.a), groupIdsOf(s.users.a)];
    const tier = tierPid(s, 'appa');
    assert.ok(tier !== null, 'the tier wrote its pid');
    const status = await statusOf(s, 'appa');
    const pids = [...tree(tier!), ...status.flatMap((i) => (i.pid === null ? [] : tree(i.pid)))];
    assert.ok(pids.length >= 5, `the tier, uwsgi master and 2 workers, the worker: ${pids.join(' ')}`);
    for (const pid of new Set(pids)) {
      let c: ReturnType<typeof procStatus>;
      let env: Record<string, string>;
      try {
        [c, env] = [procStatus(pid), procEnviron(pid)];
      } catch {
        continue; // ended meanwhile (a uwsgi worker recycled)
      }
      assert.deepEqual(c.uid, [uid, uid, uid, uid], `pid ${pid} uids`);
      assert.deepEqual(c.gid, [gid, gid, gid, gid], `pid ${pid} gids`);
      assert.deepEqual(c.groups, groups, `pid ${pid} supplementary groups are appa's memberships`);
      assert.equal(c.noNewPrivs, 1, `pid ${pid} NoNewPrivs`);
      assert.equal(c.capEff, '0000000000000000', `pid ${pid} CapEff`);
      assert.equal(c.capBnd, '0000000000000000', `pid ${pid} CapBnd`);
      assert.equal(env.HOME, `/home/${s.users.a}`, `pid ${pid} HOME`);
      assert.equal(env.USER, s.users.a, `pid ${pid} USER`);
      assert.deepEqual(Object.keys(env).filter((k) => k.startsWith('SUDO_') || k === 'MAIL' || k === 'XDG_RUNTIME_DIR'), [], `pid ${pid}: nothing of root's environment`);
    }
  });

  await t.test("appb's user reaches neither appa's web socket nor its control socket", async () => {
    for (const socket of [webSocket, controlSocket]) {
      const r = await run('/usr/sbin/runuser', ['-u', s.users.b, '--', '/usr/bin/python3', '-c', `import socket; socket.socket(socket.AF_UNIX).connect(${JSON.stringify(socket)})`]);
      assert.notEqual(r.code, 0, `${s.users.b} connected to ${socket}`);
      assert.match(r.stderr, /PermissionError|Permission denied/);
    }
    const status = await musterAsync(s.tree, ['--app', 'appa', 'status'], s.users.b);
    assert.equal(status.code, 1);
    assert.match(status.stderr, new RegExp(`permission denied.*you are not in group "${s.opsGroup}"`));
  });

  await t.test("an operator of appa (not root) can status and restart web; refused for appb", async (st) => {
    const before = await statusOf(s, 'appa', s.users.operator);
    const web = before.find((i) => i.name === 'web')!;
    const worker = before.find((i) => i.name === 'worker')!;
    const stream = requestStream(() => getUrl(url('a'), 30_000), 10);
    const restart = await musterAsync(s.tree, ['--app', 'appa', 'restart', 'web'], s.users.operator);
    const answers = await stream.stop();
    assert.equal(restart.code, 0, restart.stderr);
    const after = await statusOf(s, 'appa', s.users.operator);
    assert.notEqual(after.find((i) => i.name === 'web')!.pid, web.pid, 'web has a new pid');
    assert.equal(after.find((i) => i.name === 'worker')!.pid, worker.pid, 'the worker was left alone');
    assert.ok(answers.length > 20, `${answers.length} requests were sent during the restart`);
    assert.deepEqual(notOk(answers), [], 'every request during restart web got 200');
    st.diagnostic(`restart web as an operator: ${answers.length} requests through nginx, all 200`);
    assert.equal(inode(webSocket), webInode);

    const refused = await musterAsync(s.tree, ['--app', 'appb', 'status'], s.users.operator);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /permission denied.*you are not in group/);
  });

  await t.test('kill -9 of the uwsgi master: at most the requests inside it fail; the rest wait and succeed; same inode', async (st) => {
    const [web] = (await statusOf(s, 'appa')).filter((i) => i.name === 'web');
    const stream = requestStream(() => getUrl(url('a'), 30_000), 10);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(web!.pid!, 'SIGKILL');
    await waitUntilAsync(async () => {
      const now = (await statusOf(s, 'appa')).find((i) => i.name === 'web')!;
      return now.pid !== web!.pid && now.ready;
    }, 30_000, 'web restarted and ready');
    await new Promise((r) => setTimeout(r, 300));
    const answers = await stream.stop();
    const failed = notOk(answers);
    st.diagnostic(`kill -9 of the uwsgi master: ${failed.length} of ${answers.length} requests failed`);
    // Two uwsgi workers, one request each at most when the master was killed.
    assert.ok(failed.length <= 2, `${failed.length} of ${answers.length} failed: ${JSON.stringify(failed.slice(0, 5))}`);
    assert.ok(answers.length > 40, `${answers.length} requests were sent`);
    assert.equal(inode(webSocket), webInode);
  });

  await t.test("kill -9 of appa's tier: the host starts a new one, one copy of each process, appb undisturbed", async () => {
    const appbTier = tierPid(s, 'appb');
    const appbPids = (await statusOf(s, 'appb')).map((i) => i.pid);
    const old = tierPid(s, 'appa')!;
    process.kill(old, 'SIGKILL');
    await waitUntilAsync(async () => {
      const now = tierPid(s, 'appa');
      return now !== null && now !== old && isAlive(now);
    }, 30_000, 'a new appa tier');
    await waitReady(s, 'appa', host);
    await waitUntilAsync(async () => [...copiesPerInstance('appa').values()].every((n) => n === 1), 15_000, 'the old tier\'s processes stopped');
    assert.deepEqual(Object.fromEntries(copiesPerInstance('appa')), { web: 1, worker: 1 });
    assert.deepEqual(notOk([await getUrl(url('a'), 10_000)]), []);
    assert.equal(inode(webSocket), webInode, 'the socket survived the tier');
    assert.equal(tierPid(s, 'appb'), appbTier);
    assert.deepEqual((await statusOf(s, 'appb')).map((i) => i.pid), appbPids);
  });

  await t.test('an app config that sets user = "root" is refused, naming the key; nothing of that app runs', async () => {
    const log = path.join(s.tree.log, 'appc', 'muster.log');
    await waitUntilAsync(async () => fs.existsSync(log) && /"user"/.test(fs.readFileSync(log, 'utf8')), 20_000, 'appc refused');
    assert.match(fs.readFileSync(log, 'utf8'), /muster\.toml:1:1: "user" in the top level: this belongs to the host registration/);
    assert.equal(fs.existsSync(path.join(s.marks, 'appc-ran')), false, 'nothing of appc ran');
    assert.deepEqual(processesOfApp('appc').filter((pid) => pid !== tierPid(s, 'appc')), [], 'no process of appc runs');
    const apps = hostApps(s.tree);
    assert.deepEqual(apps.filter((a) => a.name !== 'appc').map((a) => `${a.name}:${a.state}`), ['appa:running', 'appb:running']);
    assert.notEqual(apps.find((a) => a.name === 'appc')?.state, 'running');
  });

  await t.test('muster audit finds nothing to report on this setup', async () => {
    const r = await musterAsync(s.tree, ['audit', 'appa', '--json', '--apps', s.tree.apps, '--run-dir', s.tree.run, '--state-dir', s.tree.state, '--log-dir', s.tree.log]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.apps.map((a: { app: string; findings: unknown[] }) => [a.app, a.findings]), [['appa', []]], r.stdout);
    assert.deepEqual([report.severe, report.warnings], [0, 0]);
  });

  await t.test("down is refused under the host (it would only restart the tier); stop all keeps the processes stopped", async () => {
    const tier = tierPid(s, 'appa');
    const down = await musterAsync(s.tree, ['--app', 'appa', 'down'], s.users.operator);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /runs under the host tier.*muster stop all/);
    assert.equal(tierPid(s, 'appa'), tier);
    assert.equal(isAlive(tier!), true);
    const stop = await musterAsync(s.tree, ['--app', 'appa', 'stop', 'all'], s.users.operator);
    assert.equal(stop.code, 0, stop.stderr);
    assert.deepEqual((await statusOf(s, 'appa')).map((i) => `${i.name}:${i.state}`), ['web:stopped', 'worker:stopped']);
    assert.deepEqual(Object.fromEntries(copiesPerInstance('appa')), {});
  });

  await t.test('SIGTERM to the host stops every app gracefully and removes the sockets', async () => {
    host.child.kill('SIGTERM');
    const end = await Promise.race([host.exited, new Promise((r) => setTimeout(() => r('timeout'), 60_000))]);
    assert.deepEqual(end, { code: 0, signal: null }, host.output());
    assert.deepEqual(processesOfApp('appa'), []);
    assert.deepEqual(processesOfApp('appb'), []);
    assert.equal(fs.existsSync(webSocket), false);
    assert.equal(fs.existsSync(controlSocket), false);
  });
});
