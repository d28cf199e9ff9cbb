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
import { freePort, isAlive, waitUntilAsync } from '../support/proc';
import {
  hostApps, hostTree, idOf, isRoot, makeUser, musterAs, procEnviron, processesOfApp, startHost, uniqueName, waitForApp, waitForInstance, writeRootFile, type HostTree, type RunningHost,
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

/** The host's output is read while this process waits (muster CLI calls here are synchronous). */
async function hostSaid(host: RunningHost, line: RegExp): Promise<void> {
  await waitUntilAsync(async () => line.test(host.output()), 5_000, `the host says ${line}`);
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
  await hostSaid(host, /rla: its registration changed: its tier restarts with it \(its sockets change: they are made again\)/);

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

/** An app whose one process ignores SIGTERM: its tier takes `stop_timeout` (3 s) to stop. */
function plantSlowApp(tree: HostTree, app: string, user: string, root = path.join(tree.base, app), extra = ''): void {
  writeRootFile(path.join(root, 'slow.sh'), 'trap "" TERM\nwhile :; do sleep 0.2; done\n');
  writeRootFile(path.join(root, 'muster.toml'), `[process.slow]\ncommand = "/bin/sh ${root}/slow.sh"\nstop_timeout = "3s"\n`);
  writeRootFile(path.join(tree.apps, `${app}.toml`), `user = "${user}"\nroot = "${root}"\n${extra}`);
}

/** The app tiers of an app: MUSTER_APP=app, MUSTER_HOST=1, no MUSTER_PROCESS. */
function tiersOf(app: string): number[] {
  return processesOfApp(app).filter((pid) => {
    try {
      const env = procEnviron(pid);
      return env.MUSTER_HOST === '1' && env.MUSTER_PROCESS === undefined;
    } catch {
      return false;
    }
  });
}

test('reload storm while a tier stops slowly (remove, add, remove, add): the last wish wins, one tier, listed, and stopped with the host', { skip, timeout: 120_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('s'));
  plantSlowApp(tree, 'rls', user);
  const host = startHost(t, tree);
  const first = (await waitForApp(tree, 'rls', (a) => a.state === 'running', 'is running')).pid!;
  await waitForInstance(tree, 'rls', 'slow', 'ready');
  const registration = fs.readFileSync(path.join(tree.apps, 'rls.toml'), 'utf8');
  for (const present of [false, true, false, true, false, true]) {
    if (present) writeRootFile(path.join(tree.apps, 'rls.toml'), `umask = "077"\n${registration}`);
    else fs.rmSync(path.join(tree.apps, 'rls.toml'));
    reload(tree);
  }
  const settled = await waitForApp(tree, 'rls', (a) => a.state === 'running' && a.pid !== first, 'runs again after the storm', 30_000);
  await waitForInstance(tree, 'rls', 'slow', 'ready');
  assert.deepEqual(tiersOf('rls'), [settled.pid], 'exactly one tier, the one the host lists');
  const starts = () => host.output().split('\n').filter((l) => /rls: holding .*starting its tier/.test(l)).length;
  await waitUntilAsync(async () => starts() >= 2, 5_000, 'the host\'s log of the second start');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(starts(), 2, `one start at the beginning, one after the storm (not one per reload):\n${host.output()}`);
  host.child.kill('SIGTERM');
  assert.deepEqual(await host.exited, { code: 0, signal: null });
  assert.deepEqual(processesOfApp('rls'), [], 'nothing of the app outlives the host');
  assert.equal(fs.existsSync(path.join(tree.run, 'rls')), false, 'its run folder is gone');
});

test('reload guards: a socket another app holds, a rename (same root), an untrusted folder, a new user', { skip, timeout: 150_000 }, async (t) => {
  const tree = hostTree(t);
  const userG = makeUser(t, uniqueName('g'));
  const userH = makeUser(t, uniqueName('h'));
  const userR = makeUser(t, uniqueName('r'));
  const port = await freePort();
  plantSlowApp(tree, 'rlg', userG);
  plantSlowApp(tree, 'rlh', userH, undefined, `[socket.api]\naddress = "127.0.0.1:${port}"\n`);
  plantSlowApp(tree, 'rlold', userR);
  const host = startHost(t, tree);
  const tierG = (await waitForApp(tree, 'rlg', (a) => a.state === 'running', 'is running')).pid!;
  const tierH = (await waitForApp(tree, 'rlh', (a) => a.state === 'running', 'is running')).pid!;
  await waitForApp(tree, 'rlold', (a) => a.state === 'running', 'is running');
  await waitForInstance(tree, 'rlold', 'slow', 'ready');

  // rlg (sorted first) now wants rlh's address: rlg's edit is refused, rlg keeps running as it
  // was, rlh is untouched.
  const rlgAsIs = fs.readFileSync(path.join(tree.apps, 'rlg.toml'), 'utf8');
  writeRootFile(path.join(tree.apps, 'rlg.toml'), `${rlgAsIs}[socket.api]\naddress = "127.0.0.1:${port}"\n`);
  const clash = reload(tree);
  assert.match(clash, /^rlg: keeps running with its previous registration: the changed one is refused\n {2}.*\[socket\.api\].* of app rlh/m);
  assert.match(clash, /^rlh: unchanged$/m);
  const [g, h] = ['rlg', 'rlh'].map((name) => hostApps(tree).find((a) => a.name === name)!);
  assert.deepEqual([g!.pid, h!.pid, h!.problem], [tierG, tierH, null]);
  assert.match(g!.problem ?? '', /\[socket\.api\]/, 'rlg shows why its edit is refused');
  writeRootFile(path.join(tree.apps, 'rlg.toml'), rlgAsIs);

  // Renamed, same root: the new name starts only once the old name's tier stopped (3 s).
  const oldRoot = path.join(tree.base, 'rlold');
  fs.renameSync(path.join(tree.apps, 'rlold.toml'), path.join(tree.apps, 'rlnew.toml'));
  const renamed = reload(tree);
  assert.match(renamed, /^rlnew: starts$/m);
  assert.match(renamed, /^rlold: stops and is removed/m);
  let overlap = 0;
  await waitUntilAsync(async () => {
    if (tiersOf('rlold').length > 0 && tiersOf('rlnew').length > 0) overlap++;
    return tiersOf('rlnew').length === 1 && tiersOf('rlold').length === 0 && processesOfApp('rlold').length === 0;
  }, 30_000, 'rlnew runs, rlold is gone');
  assert.equal(overlap, 0, 'the old and the new name never ran at the same time');
  await hostSaid(host, new RegExp(`rlnew: waiting: app rlold runs from the same app folder ${oldRoot}`));

  // The folder made group-writable: nothing changes at all, not even the removal of a file.
  fs.renameSync(path.join(tree.apps, 'rlg.toml'), path.join(tree.base, 'rlg.toml.away'));
  fs.chmodSync(tree.apps, 0o775);
  const distrusted = musterAs(tree, ['host', 'reload', '--run-dir', tree.run]);
  assert.equal(distrusted.code, 1);
  assert.match(distrusted.stderr, /writable by its group.*nothing was changed/);
  assert.equal(hostApps(tree).find((a) => a.name === 'rlg')!.pid, tierG, 'rlg runs on');
  fs.chmodSync(tree.apps, 0o755);
  fs.renameSync(path.join(tree.base, 'rlg.toml.away'), path.join(tree.apps, 'rlg.toml'));

  // rlh moves to another user: the previous user's STATE and LOGS are moved aside, root's 0700.
  const planted = path.join(tree.state, 'rlh', 'drop');
  fs.mkdirSync(planted);
  fs.chownSync(planted, idOf('-u', userH), idOf('-g', userH));
  fs.chmodSync(planted, 0o777);
  writeRootFile(path.join(tree.apps, 'rlh.toml'), fs.readFileSync(path.join(tree.apps, 'rlh.toml'), 'utf8').replace(`user = "${userH}"`, `user = "${userG}"`));
  assert.match(reload(tree), /^rlh: restarts/m);
  await waitForApp(tree, 'rlh', (a) => a.state === 'running' && a.pid !== tierH, 'runs as its new user', 30_000);
  assert.equal(fs.existsSync(planted), false, 'the previous user\'s folder is not inside the new user\'s');
  const aside = fs.readdirSync(tree.state).filter((n) => n.startsWith(`rlh.previous-${idOf('-u', userH)}-`));
  assert.equal(aside.length, 1, `moved aside: ${fs.readdirSync(tree.state).join(', ')}`);
  const asideStat = fs.statSync(path.join(tree.state, aside[0]!));
  assert.deepEqual([asideStat.uid, asideStat.mode & 0o777], [0, 0o700]);
  assert.equal(fs.statSync(path.join(tree.state, 'rlh')).uid, idOf('-u', userG));

  host.child.kill('SIGTERM');
  assert.deepEqual(await host.exited, { code: 0, signal: null });
});
