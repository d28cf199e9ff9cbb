// `muster host` when things go wrong, as root with real users: a broken app config backs off (no
// spinning) and says where to look; a file in a socket's place stops that app only, a stale socket
// file is replaced; the limits and umask reach the tier; a second SIGTERM kills tiers whose
// processes would take too long to stop.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive, waitUntilAsync } from '../support/proc';
import { hostApps, hostTree, isRoot, makeUser, startHost, uniqueName, waitForApp, waitForInstance, writeRootFile, type HostTree } from '../support/host';

const skip = isRoot() ? false : 'needs root (creates users)';

function plant(tree: HostTree, app: string, user: string, config: string, registration = ''): void {
  const root = path.join(tree.base, app);
  writeRootFile(path.join(root, 'muster.toml'), config);
  writeRootFile(path.join(tree.apps, `${app}.toml`), `user = "${user}"\nroot = "${root}"\n${registration}`);
}

test('a broken app config (tier exit 2) backs off, names LOGS/muster.log, and does not spin; the limits and umask reach a good tier', { skip, timeout: 60_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('c'));
  plant(tree, 'broken', user, '[process.web]\ncommand = "sleep 100000"\nflavour = 1\n');
  plant(tree, 'good', user, '[process.web]\ncommand = "sleep 100000"\n', 'umask = "077"\n[limits]\nnofile = [1024, 4096]\ncore = [0, 1048576]\n');
  const host = startHost(t, tree);
  const broken = await waitForApp(tree, 'broken', (a) => a.state === 'backoff', 'backs off');
  const log = path.join(tree.log, 'broken', 'muster.log');
  assert.match(broken.problem!, new RegExp(`config is broken; see ${log.replace(/[.]/g, '\\.')}`));
  assert.match(fs.readFileSync(log, 'utf8'), /flavour/);
  await new Promise((r) => setTimeout(r, 4000));
  const later = hostApps(tree).find((a) => a.name === 'broken')!;
  assert.ok(later.restarts <= 3, `restarted ${later.restarts} times in about 4 s: it spins`);
  assert.match(host.output(), /broken: the app tier exited with code 2: the app's config is broken; see .*muster\.log; starting it again in 1 s/);

  const good = await waitForApp(tree, 'good', (a) => a.state === 'running', 'is running');
  const web = await waitForInstance(tree, 'good', 'web', 'ready');
  for (const pid of [good.pid!, web]) {
    // A soft limit under the hard one: node raises its own soft nofile at start; the tier lowers it back.
    assert.match(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'), /^Max open files\s+1024\s+4096\s+files/m);
    assert.match(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'), /^Max core file size\s+0\s+1048576\s+bytes/m);
    assert.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^Umask:\s+0077$/m);
  }
});

test('a file that is not a socket in a socket\'s place stops that app only (and is left alone); a stale socket file is replaced', { skip, timeout: 60_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('f'));
  const config = '[process.web]\ncommand = "sleep 100000"\nsockets = ["web"]\n';
  plant(tree, 'blocked', user, config, '[socket.web]\npath = "web.sock"\n');
  plant(tree, 'stale', user, config, '[socket.web]\npath = "web.sock"\n');
  fs.mkdirSync(path.join(tree.run, 'blocked'), { recursive: true });
  fs.writeFileSync(path.join(tree.run, 'blocked', 'web.sock'), 'not a socket');
  fs.mkdirSync(path.join(tree.run, 'stale'), { recursive: true });
  const staleFile = path.join(tree.run, 'stale', 'web.sock');
  // A socket file whose listener is gone (python does not unlink on exit).
  execFileSync('/usr/bin/python3', ['-c', `import socket; s = socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(staleFile)}); s.listen(1)`]);
  const oldInode = fs.statSync(staleFile).ino;

  startHost(t, tree);
  const blocked = await waitForApp(tree, 'blocked', (a) => a.state === 'refused', 'is refused');
  assert.match(blocked.problem!, /exists and is not a socket/);
  assert.equal(fs.readFileSync(path.join(tree.run, 'blocked', 'web.sock'), 'utf8'), 'not a socket');
  await waitForApp(tree, 'stale', (a) => a.state === 'running', 'is running');
  await waitForInstance(tree, 'stale', 'web', 'ready');
  assert.ok(fs.statSync(staleFile).isSocket());
  assert.notEqual(fs.statSync(staleFile).ino, oldInode);
});

test('SIGTERM waits for a process that ignores it (no host-side limit); a second SIGTERM kills it and the host exits 0', { skip, timeout: 60_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('s'));
  plant(tree, 'slow', user, '[process.stubborn]\ncommand = "sh -c \'trap \\"\\" TERM; while :; do sleep 1; done\'"\nstop_timeout = "1h"\n');
  const host = startHost(t, tree);
  const app = await waitForApp(tree, 'slow', (a) => a.state === 'running', 'is running');
  const stubborn = await waitForInstance(tree, 'slow', 'stubborn', 'ready');
  host.child.kill('SIGTERM');
  await waitForApp(tree, 'slow', (a) => a.state === 'stopping', 'is stopping');
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(host.child.exitCode, null, 'the host still waits');
  assert.ok(isAlive(stubborn));
  host.child.kill('SIGTERM');
  const exit = await host.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, host.output());
  await waitUntilAsync(async () => !isAlive(stubborn) && !isAlive(app.pid!), 5000, 'the process and its tier are gone');
  assert.equal(fs.existsSync(path.join(tree.run, 'host.sock')), false);
});
