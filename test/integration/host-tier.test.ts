// `muster host` as root with real users: the app tier and its processes run as the app user with
// its groups exactly, no new privileges and no capabilities, a clean environment; the sockets have
// the registered owner/group/mode; an operator reaches the app; kill -9 of a tier brings a new one
// on the same sockets; a bad registration stops only its app; SIGTERM stops everything and cleans up;
// a tier left by a host killed with -9 is stopped before a new one starts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CASE_HELPERS } from '../support/paths';
import { isAlive, waitUntilAsync } from '../support/proc';
import {
  appInstances, gidOfGroup, groupIdsOf, hostApps, hostTree, idOf, isRoot, makeGroup, makeUser, musterAs, procEnviron, procStatus,
  startHost, uniqueName, waitForApp, waitForInstance, writeRootFile, type HostTree,
} from '../support/host';

const skip = isRoot() ? false : 'needs root (creates users and groups)';

/** An app with a web process serving HTTP on the registration's socket, and a worker. */
function plantApp(tree: HostTree, app: string, user: string, extra = ''): string {
  const root = path.join(tree.base, app);
  writeRootFile(path.join(root, 'helpers', 'unix_http.py'), fs.readFileSync(path.join(CASE_HELPERS, 'unix_http.py'), 'utf8'));
  writeRootFile(path.join(root, 'muster.toml'), [
    '[process.web]', `command = "/usr/bin/python3 ${root}/helpers/unix_http.py"`, 'sockets = ["web"]',
    '[process.worker]', 'command = "sleep 100000"', '',
  ].join('\n'));
  writeRootFile(path.join(tree.apps, `${app}.toml`), `user = "${user}"\nroot = "${root}"\n${extra}`);
  return root;
}

test('one app: its tier and processes run as the app user, sockets owned as registered, operators reach it, a killed tier comes back on the same sockets, SIGTERM cleans up', { skip, timeout: 120_000 }, async (t) => {
  const tree = hostTree(t);
  const extraGroup = makeGroup(t, uniqueName('x'));
  const webGroup = makeGroup(t, uniqueName('w'));
  const ops = makeGroup(t, uniqueName('o'));
  const user = makeUser(t, uniqueName('a'), [extraGroup]);
  const operator = makeUser(t, uniqueName('p'), [ops]);
  const outsider = makeUser(t, uniqueName('n'));
  plantApp(tree, 'appa', user, `operators = "${ops}"\n[socket.web]\npath = "web.sock"\ngroup = "${webGroup}"\nmode = "0660"\n`);

  const host = startHost(t, tree, { SUDO_USER: 'someone', SUDO_UID: '1000', MAIL: '/var/mail/root', XDG_RUNTIME_DIR: '/run/user/0', HOME: '/root' });
  const app = await waitForApp(tree, 'appa', (a) => a.state === 'running', 'is running');
  const tier = app.pid!;
  const web = await waitForInstance(tree, 'appa', 'web', 'ready');
  const worker = await waitForInstance(tree, 'appa', 'worker', 'ready');

  const uid = idOf('-u', user);
  const gid = idOf('-g', user);
  for (const pid of [tier, web, worker]) {
    const s = procStatus(pid);
    assert.deepEqual(s.uid, [uid, uid, uid, uid], `pid ${pid} uid`);
    assert.deepEqual(s.gid, [gid, gid, gid, gid], `pid ${pid} gid`);
    assert.deepEqual(s.groups, groupIdsOf(user), `pid ${pid}: the user's memberships exactly`);
    assert.ok(s.groups.includes(gidOfGroup(extraGroup)));
    assert.equal(s.noNewPrivs, 1);
    assert.equal(s.capEff, '0000000000000000');
    assert.equal(s.capBnd, '0000000000000000');
    const env = procEnviron(pid);
    assert.equal(env.HOME, `/home/${user}`);
    assert.equal(env.USER, user);
    assert.equal(env.LOGNAME, user);
    assert.deepEqual(Object.keys(env).filter((k) => k.startsWith('SUDO_') || k === 'MAIL' || k === 'XDG_RUNTIME_DIR'), [], `pid ${pid} env`);
  }

  const control = fs.statSync(path.join(tree.run, 'appa', 'control.sock'));
  assert.equal(control.uid, uid);
  assert.equal(control.gid, gidOfGroup(ops));
  assert.equal(control.mode & 0o7777, 0o660);
  const sock = path.join(tree.run, 'appa', 'web.sock');
  const webStat = fs.statSync(sock);
  assert.ok(webStat.isSocket());
  assert.equal(webStat.uid, uid);
  assert.equal(webStat.gid, gidOfGroup(webGroup));
  assert.equal(webStat.mode & 0o7777, 0o660);
  const hostSock = fs.statSync(path.join(tree.run, 'host.sock'));
  assert.equal(hostSock.uid, 0);
  assert.equal(hostSock.mode & 0o7777, 0o600);
  for (const dir of ['state', 'log']) {
    const st = fs.statSync(path.join(tree[dir as 'state' | 'log'], 'appa'));
    assert.equal(st.uid, uid);
    assert.equal(st.mode & 0o7777, 0o750);
  }

  // The app user and an operator reach the app tier; someone else is refused with the group named.
  for (const who of [user, operator]) {
    const r = musterAs(tree, ['--app', 'appa', 'status', '--json'], who);
    assert.equal(r.code, 0, `${who}: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout).map((i: { name: string }) => i.name).sort(), ['web', 'worker']);
  }
  const denied = musterAs(tree, ['--app', 'appa', 'status'], outsider);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, new RegExp(`permission denied.*${ops}`));

  // kill -9 of the tier: a new one within a few seconds, on the same sockets, one copy of each process.
  const inodes = [sock, path.join(tree.run, 'appa', 'control.sock')].map((f) => fs.statSync(f).ino);
  process.kill(tier, 'SIGKILL');
  const again = await waitForApp(tree, 'appa', (a) => a.state === 'running' && a.pid !== tier, 'runs a new tier', 10_000);
  assert.equal(again.restarts, 1);
  const web2 = await waitForInstance(tree, 'appa', 'web', 'ready');
  await waitForInstance(tree, 'appa', 'worker', 'ready');
  assert.deepEqual([sock, path.join(tree.run, 'appa', 'control.sock')].map((f) => fs.statSync(f).ino), inodes);
  await waitUntilAsync(async () => !isAlive(web) && !isAlive(worker), 15_000, 'the old tier\'s processes are gone');
  assert.equal(appInstances(tree, 'appa').length, 2);
  assert.equal(procStatus(web2).uid[0], uid);

  // SIGTERM: exit 0, every process gone, sockets and host.sock unlinked.
  const last = appInstances(tree, 'appa').map((i) => i.pid!);
  host.child.kill('SIGTERM');
  const exit = await host.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, host.output());
  for (const pid of [again.pid!, ...last]) assert.equal(isAlive(pid), false, `pid ${pid} still runs`);
  for (const f of ['appa/web.sock', 'appa/control.sock', 'host.sock']) assert.equal(fs.existsSync(path.join(tree.run, f)), false, `${f} is left`);
});

test('a registration with a bad key is refused with file:line:col; the other app still starts', { skip, timeout: 60_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('b'));
  plantApp(tree, 'good', user, '[socket.web]\npath = "web.sock"\n');
  writeRootFile(path.join(tree.apps, 'bad.toml'), `user = "${user}"\nroot = "${tree.base}"\nflavour = "x"\n`);
  const host = startHost(t, tree);
  await waitForApp(tree, 'good', (a) => a.state === 'running', 'is running');
  await waitForInstance(tree, 'good', 'web', 'ready');
  const bad = hostApps(tree).find((a) => a.name === 'bad')!;
  assert.equal(bad.state, 'refused');
  assert.match(bad.problem!, /bad\.toml:3:1/);
  assert.match(host.output(), /bad: registration refused[\s\S]*bad\.toml:3:1.*flavour/);
  const table = musterAs(tree, ['host', 'status']);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^good\s+\S+\s+running\s+\d+/m);
  assert.match(table.stdout, /^bad\s+-\s+refused/m);
});

test('muster host status exits 3 when no host runs; muster host exits 2 when not root', { skip, timeout: 30_000 }, async (t) => {
  const tree = hostTree(t);
  const r = musterAs(tree, ['host', 'status']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no host tier is running/);
  const user = makeUser(t, uniqueName('r'));
  const notRoot = musterAs(tree, ['host', '--apps', tree.apps, '--run-dir', tree.run], user);
  assert.equal(notRoot.code, 2);
  assert.match(notRoot.stderr, /must run as root/);
});

test('a tier left by a host killed with -9 is stopped before the next host starts its own: no duplicates', { skip, timeout: 90_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('k'));
  plantApp(tree, 'appk', user, '[socket.web]\npath = "web.sock"\n');
  const first = startHost(t, tree);
  const old = (await waitForApp(tree, 'appk', (a) => a.state === 'running', 'is running')).pid!;
  const oldWeb = await waitForInstance(tree, 'appk', 'web', 'ready');
  first.child.kill('SIGKILL');
  await first.exited;
  assert.ok(isAlive(old), 'the orphaned tier still runs');

  const second = startHost(t, tree);
  const now = await waitForApp(tree, 'appk', (a) => a.state === 'running', 'is running again');
  assert.notEqual(now.pid, old);
  assert.equal(isAlive(old), false);
  assert.equal(isAlive(oldWeb), false);
  await waitForInstance(tree, 'appk', 'web', 'ready');
  assert.match(second.output(), new RegExp(`previous host \\(pid ${old}\\) still runs`));
  second.child.kill('SIGTERM');
  assert.equal((await second.exited).code, 0);
});
