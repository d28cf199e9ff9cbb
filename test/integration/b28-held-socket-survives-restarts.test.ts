// B28: a socket muster holds survives restart, stop and start of the process that serves it: the
// same inode throughout, every request answered (those made while nothing runs wait in the
// backlog), LISTEN_* describe the instance itself, and only `muster down` unlinks the path.
// Host variant (root): the same through `muster --app`, with the registration's socket (mode 0660),
// and across kill -9 of the app tier; the host unlinks it when it stops.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { muster, statusJson, upDetached } from '../support/control';
import { CASE_HELPERS } from '../support/paths';
import { environOf, isAlive, waitUntilAsync } from '../support/proc';
import { tempApp } from '../support/up';
import { hostTree, isRoot, makeUser, musterAsync, startHost, uniqueName, waitForApp, waitForInstance, writeRootFile } from '../support/host';

/** curl -s -o /dev/null -w '%{http_code}' --max-time 10 --unix-socket S http://x/ */
function statusCode(socketPath: string): Promise<string> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: '/', host: 'x', agent: false, timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(String(response.statusCode)));
    });
    request.once('timeout', () => request.destroy(new Error('timeout')));
    request.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The case's steps: 300 requests (one every 20 ms after the previous answer) while web is
 * restarted, stopped and started a second apart; returns how many got each status. */
async function restartStopStartUnderLoad(S: string, run: (args: string[]) => Promise<{ code: number | null; stderr: string }>): Promise<Array<[string, number]>> {
  const codes: string[] = [];
  const load = (async () => {
    for (let i = 0; i < 300; i++) {
      codes.push(await statusCode(S));
      await sleep(20);
    }
  })();
  await sleep(1000);
  for (const step of [['restart', 'web'], ['stop', 'web'], ['start', 'web']]) {
    const r = await run(step);
    assert.equal(r.code, 0, `muster ${step.join(' ')}: ${r.stderr}`);
    if (step[0] === 'stop') assert.ok(fs.lstatSync(S).isSocket(), 'muster stop web leaves the socket in place');
    if (step[0] !== 'start') await sleep(1000);
  }
  await load;
  const counts = new Map<string, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts];
}

test('B28 the held socket keeps its inode through restart, stop and start; every request gets 200; only down unlinks it', { timeout: 120_000 }, async (t) => {
  const dir = tempApp({
    'muster.toml': `
[socket.web]
path = "$T/app/run/web.sock"

[process.web]
command = "python3 $HELPERS/unix_http.py"
sockets = ["web"]
ready = { log = "unix_http listening" }
`,
  });
  const S = path.join(dir, 'run', 'web.sock');
  await upDetached(t, dir);
  const I1 = fs.lstatSync(S).ino;

  const counts = await restartStopStartUnderLoad(S, (args) => muster(dir, args));
  assert.equal(fs.lstatSync(S).ino, I1, 'I1 == I2');
  assert.deepEqual(counts, [['200', 300]], 'every request got 200');

  const [web] = await statusJson(dir, ['web']);
  const env = environOf(web!.pid!);
  assert.deepEqual([env.LISTEN_FDS, env.LISTEN_FDNAMES, env.LISTEN_PID], ['1', 'web', String(web!.pid)]);

  assert.equal((await muster(dir, ['down'])).code, 0);
  assert.equal(fs.existsSync(S), false, 'after muster down the path is gone');
});

test('B28 host variant: through muster --app, the registration\'s socket keeps its inode and mode 0660 through restart, stop, start and kill -9 of the app tier', { skip: isRoot() ? false : 'needs root (creates a user, starts the host tier)', timeout: 120_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('k'));
  const app = path.join(tree.base, 'app');
  const S = path.join(tree.run, 'app', 'web.sock');
  writeRootFile(path.join(tree.base, 'helpers', 'unix_http.py'), fs.readFileSync(path.join(CASE_HELPERS, 'unix_http.py'), 'utf8'));
  writeRootFile(path.join(tree.apps, 'app.toml'), `user = "${user}"\nroot = "${app}"\n\n[socket.web]\npath = "web.sock"\nmode = "0660"\n`);
  writeRootFile(path.join(app, 'muster.toml'), `[process.web]\ncommand = "python3 ${tree.base}/helpers/unix_http.py"\nsockets = ["web"]\nready = { log = "unix_http listening" }\n`);
  const host = startHost(t, tree);
  await waitForApp(tree, 'app', (a) => a.state === 'running', 'is running');
  await waitForInstance(tree, 'app', 'web', 'ready');
  const I1 = fs.lstatSync(S).ino;

  const counts = await restartStopStartUnderLoad(S, (args) => musterAsync(tree, ['--app', 'app', ...args], user));
  assert.deepEqual(counts, [['200', 300]], 'every request got 200');
  const web = await waitForInstance(tree, 'app', 'web', 'ready');
  const env = environOf(web);
  assert.deepEqual([env.LISTEN_FDS, env.LISTEN_FDNAMES, env.LISTEN_PID], ['1', 'web', String(web)]);

  const tier = (await waitForApp(tree, 'app', (a) => a.pid !== null, 'has a tier')).pid!;
  process.kill(tier, 'SIGKILL');
  await waitForApp(tree, 'app', (a) => a.state === 'running' && a.pid !== tier, 'runs a new tier', 30_000);
  await waitUntilAsync(async () => !isAlive(web), 15_000, 'the old web stopped');
  await waitForInstance(tree, 'app', 'web', 'ready');
  const stat = fs.lstatSync(S);
  assert.deepEqual([stat.ino, stat.mode & 0o777], [I1, 0o660], 'I1 == I2 and still 0660 after kill -9 of the app tier');
  assert.equal(await statusCode(S), '200');

  host.child.kill('SIGTERM');
  assert.deepEqual(await host.exited, { code: 0, signal: null });
  assert.equal(fs.existsSync(S), false, 'the host unlinks it when it stops for good');
});
