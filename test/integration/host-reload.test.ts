// `muster host reload` and SIGHUP: the host reads its registrations again and touches only what
// changed. An added app starts and a removed one stops (its sockets unlinked) while the others keep
// their tiers; a changed registration restarts that app's tier only (same socket inodes when its
// sockets did not change, new ones when they did); an edit that is refused leaves the app running
// as it was, with the problem shown, until the file is fixed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CASE_HELPERS } from '../support/paths';
import { isAlive, waitUntilAsync } from '../support/proc';
import {
  hostApps, hostTree, isRoot, makeUser, musterAs, processesOfApp, startHost, uniqueName, waitForApp, waitForInstance, writeRootFile, type HostTree,
} from '../support/host';

const skip = isRoot() ? false : 'needs root (creates users, starts the host tier)';

/** An app with a web process serving HTTP on its registration's socket `web`. */
function plantApp(tree: HostTree, app: string, user: string, extra = ''): void {
  const root = path.join(tree.base, app);
  writeRootFile(path.join(root, 'helpers', 'unix_http.py'), fs.readFileSync(path.join(CASE_HELPERS, 'unix_http.py'), 'utf8'));
  writeRootFile(path.join(root, 'muster.toml'), `[process.web]\ncommand = "/usr/bin/python3 ${root}/helpers/unix_http.py"\nsockets = ["web"]\nready = { log = "unix_http listening" }\n`);
  register(tree, app, user, extra);
}

function register(tree: HostTree, app: string, user: string, extra = ''): void {
  writeRootFile(path.join(tree.apps, `${app}.toml`), `user = "${user}"\nroot = "${path.join(tree.base, app)}"\n[socket.web]\npath = "web.sock"\n${extra}`);
}

function reload(tree: HostTree): string {
  const r = musterAs(tree, ['host', 'reload', '--run-dir', tree.run]);
  assert.equal(r.code, 0, `muster host reload: ${r.stderr}`);
  return r.stdout;
}

/** The kernel's socket behind a process's fd 3 (`socket:[N]`): unlike a file's inode number, N is
 * never handed out again soon, so a socket made again is told from a kept one. */
const socketOf = (pid: number) => fs.readlinkSync(`/proc/${pid}/fd/3`);
const umaskOf = (pid: number) => /^Umask:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

test('reload: added app starts, changed one restarts alone (sockets kept or remade), a refused edit keeps the app running, a removed app stops and its sockets go', { skip, timeout: 180_000 }, async (t) => {
  const tree = hostTree(t);
  const userA = makeUser(t, uniqueName('a'));
  const userB = makeUser(t, uniqueName('b'));
  plantApp(tree, 'rla', userA);
  const host = startHost(t, tree);
  const tierA = (await waitForApp(tree, 'rla', (a) => a.state === 'running', 'is running')).pid!;
  const webA = await waitForInstance(tree, 'rla', 'web', 'ready');
  const sockA = path.join(tree.run, 'rla', 'web.sock');
  const inodeA = fs.statSync(sockA).ino;
  const socketA = socketOf(webA);

  // Added: rlb starts; rla is not touched.
  plantApp(tree, 'rlb', userB);
  const added = reload(tree);
  assert.match(added, /^rla: unchanged$/m);
  assert.match(added, /^rlb: starts$/m);
  await waitForApp(tree, 'rlb', (a) => a.state === 'running', 'is running');
  const webB = await waitForInstance(tree, 'rlb', 'web', 'ready');
  const sockB = path.join(tree.run, 'rlb', 'web.sock');
  assert.ok(fs.lstatSync(sockB).isSocket());
  assert.equal(hostApps(tree).find((a) => a.name === 'rla')!.pid, tierA, 'rla kept its tier');
  assert.ok(isAlive(webA), 'rla\'s web kept running');

  // Changed (umask only): rla's tier restarts with it, on the same socket; rlb is not touched.
  register(tree, 'rla', userA, '');
  writeRootFile(path.join(tree.apps, 'rla.toml'), `umask = "077"\n${fs.readFileSync(path.join(tree.apps, 'rla.toml'), 'utf8')}`);
  assert.match(reload(tree), /^rla: restarts with its changed registration$/m);
  const tierA2 = (await waitForApp(tree, 'rla', (a) => a.state === 'running' && a.pid !== tierA, 'runs a new tier', 60_000)).pid!;
  await waitUntilAsync(async () => !isAlive(webA), 15_000, 'rla\'s old web stopped');
  const webA2 = await waitForInstance(tree, 'rla', 'web', 'ready');
  assert.equal(umaskOf(webA2), '0077', 'the new umask reached the app\'s process');
  assert.deepEqual([fs.statSync(sockA).ino, socketOf(webA2)], [inodeA, socketA], 'the socket was kept: its definition did not change');
  assert.ok(isAlive(webB), 'rlb\'s web was not touched');

  // A refused edit (an unknown key), through SIGHUP: rla goes on as it was, the problem is shown.
  const good = fs.readFileSync(path.join(tree.apps, 'rla.toml'), 'utf8');
  writeRootFile(path.join(tree.apps, 'rla.toml'), `${good}flavour = "x"\n`);
  host.child.kill('SIGHUP');
  const kept = await waitForApp(tree, 'rla', (a) => (a.problem ?? '').includes('flavour'), 'shows the refused edit');
  assert.equal(kept.state, 'running');
  assert.equal(kept.pid, tierA2, 'the tier was not restarted');
  assert.ok(isAlive(webA2));
  assert.match(reload(tree), /^rla: keeps running with its previous registration: the changed one is refused\n {2}\S+rla\.toml:\d+:\d+: .*flavour/m);
  const text = musterAs(tree, ['host', 'status']).stdout;
  assert.match(text, /flavour/, `host status shows the problem:\n${text}`);

  // Fixed back to what runs: nothing restarts, the problem goes.
  writeRootFile(path.join(tree.apps, 'rla.toml'), good);
  assert.match(reload(tree), /^rla: unchanged$/m);
  const fixed = hostApps(tree).find((a) => a.name === 'rla')!;
  assert.deepEqual([fixed.pid, fixed.problem], [tierA2, null]);

  // A changed socket (mode): rla's tier restarts and the socket is made again.
  register(tree, 'rla', userA, 'mode = "0600"\n');
  writeRootFile(path.join(tree.apps, 'rla.toml'), `umask = "077"\n${fs.readFileSync(path.join(tree.apps, 'rla.toml'), 'utf8')}`);
  reload(tree);
  await waitForApp(tree, 'rla', (a) => a.state === 'running' && a.pid !== tierA2, 'runs a third tier', 60_000);
  const webA3 = await waitForInstance(tree, 'rla', 'web', 'ready');
  assert.deepEqual([socketOf(webA3) !== socketA, fs.statSync(sockA).mode & 0o777], [true, 0o600], 'a new socket with the new mode');
  assert.match(host.output(), /rla: its registration changed: restarting its tier with it \(its sockets change: they are made again\)/);

  // Removed: rlb's tier and processes stop, its sockets and run folder go; rla is not touched.
  const tierA3 = hostApps(tree).find((a) => a.name === 'rla')!.pid;
  fs.rmSync(path.join(tree.apps, 'rlb.toml'));
  assert.match(reload(tree), /^rlb: stops and is removed/m);
  await waitUntilAsync(async () => !hostApps(tree).some((a) => a.name === 'rlb'), 30_000, 'rlb is no longer listed');
  assert.deepEqual(processesOfApp('rlb'), [], 'no process of rlb is left');
  assert.equal(fs.existsSync(path.join(tree.run, 'rlb')), false, 'its run folder (and sockets) are gone');
  assert.equal(hostApps(tree).find((a) => a.name === 'rla')!.pid, tierA3);

  host.child.kill('SIGTERM');
  assert.deepEqual(await host.exited, { code: 0, signal: null });
  assert.deepEqual(processesOfApp('rla'), []);
});

test('host reload: exit 3 when no host runs; the registrations folder unreadable: nothing changes, exit 1 with the reason', { skip, timeout: 60_000 }, async (t) => {
  const tree = hostTree(t);
  const none = musterAs(tree, ['host', 'reload', '--run-dir', tree.run]);
  assert.equal(none.code, 3);
  assert.match(none.stderr, /no host tier is running/);

  const user = makeUser(t, uniqueName('c'));
  plantApp(tree, 'rlc', user);
  const host = startHost(t, tree);
  const tier = (await waitForApp(tree, 'rlc', (a) => a.state === 'running', 'is running')).pid!;
  fs.renameSync(tree.apps, `${tree.apps}.moved`);
  const r = musterAs(tree, ['host', 'reload', '--run-dir', tree.run]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot read the registrations folder .*nothing was changed/);
  assert.equal(hostApps(tree).find((a) => a.name === 'rlc')!.pid, tier, 'rlc runs on');
  const usage = musterAs(tree, ['host', 'reload', '--apps', '/etc']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /does not take --apps/);

  host.child.kill('SIGTERM');
  assert.deepEqual(await host.exited, { code: 0, signal: null });
});
