// What an app must not get from the host, nor do to it, as root with real users: no fd root's shell
// left open reaches an app tier or its processes (nor a dev `muster up`'s); the app user cannot hide
// its tier from the next host (STATE/muster.pid is theirs); a second SIGTERM kills the app's
// processes even when its tier does not answer; one app never runs under two hosts; a mistyped
// --apps is an error.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MUSTER_JS } from '../support/paths';
import { environOf, isAlive, waitUntilAsync } from '../support/proc';
import { watchUp } from '../support/up';
import { hostTree, isRoot, makeUser, processesOfApp, startHost, uniqueName, waitForApp, waitForInstance, writeRootFile, type HostTree } from '../support/host';

const skip = isRoot() ? false : 'needs root (creates users)';

function plant(tree: HostTree, app: string, user: string, config: string, registration = ''): string {
  const root = path.join(tree.base, app);
  writeRootFile(path.join(root, 'muster.toml'), config);
  writeRootFile(path.join(tree.apps, `${app}.toml`), `user = "${user}"\nroot = "${root}"\n${registration}`);
  return root;
}

/** Where each fd of a live process points. */
function fdTargets(pid: number): Map<number, string> {
  const found = new Map<number, string>();
  for (const name of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      found.set(Number(name), fs.readlinkSync(`/proc/${pid}/fd/${name}`));
    } catch {
      /* closed meanwhile */
    }
  }
  return found;
}

/** A root-only file and an append-only one, opened by the shell as fds 200 and 201 (past libuv's reach). */
function rootFiles(tree: HostTree): { secret: string; written: string; shell: string } {
  const secret = path.join(tree.base, 'secret');
  const written = path.join(tree.base, 'written');
  fs.writeFileSync(secret, 'root only\n', { mode: 0o600 });
  fs.writeFileSync(written, '', { mode: 0o600 });
  return { secret, written, shell: `exec 200<${secret}; exec 201>>${written}` };
}

const READER = '[process.reader]\ncommand = "bash -c \'{ cat <&200; } > out.txt 2>&1; { echo x >&201; } 2>/dev/null; exec sleep 100000\'"\n';

test('an fd root\'s shell left open (fd 200, 201) reaches no app tier and no app process', { skip, timeout: 60_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('d'));
  const root = plant(tree, 'fds', user, READER);
  fs.chmodSync(root, 0o777); // the reader writes out.txt there
  const files = rootFiles(tree);
  startHost(t, tree, {}, { shell: files.shell });
  const tier = (await waitForApp(tree, 'fds', (a) => a.state === 'running', 'is running')).pid!;
  const reader = await waitForInstance(tree, 'fds', 'reader', 'ready');
  await waitUntilAsync(async () => fs.existsSync(path.join(root, 'out.txt')), 10_000, 'the reader tried fd 200');
  for (const pid of [tier, reader, ...processesOfApp('fds')]) {
    for (const [fd, target] of fdTargets(pid)) {
      assert.ok(target !== files.secret && target !== files.written, `pid ${pid} holds fd ${fd} on ${target}`);
    }
  }
  assert.doesNotMatch(fs.readFileSync(path.join(root, 'out.txt'), 'utf8'), /root only/);
  assert.equal(fs.readFileSync(files.written, 'utf8'), '');
});

test('a dev muster up started with fd 200 open passes it to no process', { skip, timeout: 60_000 }, async (t) => {
  const tree = hostTree(t);
  const files = rootFiles(tree);
  const dir = path.join(tree.base, 'dev');
  writeRootFile(path.join(dir, 'muster.toml'), READER);
  const child = spawn('/bin/bash', ['-c', `${files.shell}; exec "$@"`, 'bash', process.execPath, MUSTER_JS, '-C', dir, 'up'],
    { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const up = watchUp(child, dir);
  t.after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await up.exited();
    }
  });
  await waitUntilAsync(async () => fs.existsSync(path.join(dir, 'out.txt')), 20_000, 'the reader tried fd 200');
  const instances = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => {
    try {
      return environOf(pid).MUSTER_SUPERVISOR_PID === String(child.pid);
    } catch {
      return false;
    }
  });
  assert.ok(instances.length > 0, 'found the reader');
  for (const pid of [child.pid!, ...instances]) {
    for (const [fd, target] of fdTargets(pid)) assert.ok(target !== files.secret && target !== files.written, `pid ${pid} holds fd ${fd} on ${target}`);
  }
  // As root the reader could open the file itself; what matters is that fd 200 was not there.
  assert.match(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8'), /Bad file descriptor/);
  assert.equal(fs.readFileSync(files.written, 'utf8'), '');
});

const SLEEPER = '[process.web]\ncommand = "sleep 100000"\n';

test('the app user cannot hide its tier from the next host: another pid in STATE/muster.pid, or none, and the tier is still found and stopped', { skip, timeout: 90_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('h'));
  plant(tree, 'hide', user, SLEEPER, '[socket.web]\npath = "web.sock"\n');
  for (const lie of ['1\n', null]) {
    const first = startHost(t, tree);
    const old = (await waitForApp(tree, 'hide', (a) => a.state === 'running', 'is running')).pid!;
    const oldWeb = await waitForInstance(tree, 'hide', 'web', 'ready');
    const pidFile = path.join(tree.state, 'hide', 'muster.pid');
    if (lie === null) fs.rmSync(pidFile);
    else fs.writeFileSync(pidFile, lie);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(isAlive(old), 'the orphaned tier still runs');

    const second = startHost(t, tree);
    const now = await waitForApp(tree, 'hide', (a) => a.state === 'running', 'is running again');
    assert.notEqual(now.pid, old);
    assert.equal(isAlive(old), false);
    assert.equal(isAlive(oldWeb), false);
    assert.match(second.output(), new RegExp(`previous host \\(pid ${old}\\) still runs`));
    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0, second.output());
  }
});

test('a second SIGTERM kills the app\'s processes even when its tier does not answer (SIGSTOPped)', { skip, timeout: 60_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('z'));
  plant(tree, 'frozen', user, SLEEPER);
  const host = startHost(t, tree);
  const tier = (await waitForApp(tree, 'frozen', (a) => a.state === 'running', 'is running')).pid!;
  const web = await waitForInstance(tree, 'frozen', 'web', 'ready');
  t.after(() => {
    for (const pid of [tier, web]) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone, as it should be */
      }
    }
  });
  process.kill(tier, 'SIGSTOP');
  host.child.kill('SIGTERM');
  await waitForApp(tree, 'frozen', (a) => a.state === 'stopping', 'is stopping');
  host.child.kill('SIGTERM');
  const exit = await host.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, host.output());
  await waitUntilAsync(async () => !isAlive(tier) && !isAlive(web), 5000, 'the tier and its process are gone');
});

test('one app never runs under two hosts: the same state folder with another run folder is refused (exit 2), and so is a tier of another live host', { skip, timeout: 90_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('w'));
  plant(tree, 'twice', user, SLEEPER);
  const first = startHost(t, tree);
  const tier = (await waitForApp(tree, 'twice', (a) => a.state === 'running', 'is running')).pid!;
  await waitForInstance(tree, 'twice', 'web', 'ready');

  const second = startHost(t, tree, {}, { runDir: path.join(tree.base, 'run2') });
  assert.equal((await second.exited).code, 2, second.output());
  assert.match(second.output(), new RegExp(`another muster host \\(pid ${first.child.pid}\\) already runs on the state folder`));

  // Other state and log folders too: the app's tier under the first host is found through /proc.
  const other = { ...tree, run: path.join(tree.base, 'run3'), state: path.join(tree.base, 'state3'), log: path.join(tree.base, 'log3') };
  startHost(t, other);
  const refused = await waitForApp(other, 'twice', (a) => a.state === 'refused', 'is refused by the third host');
  assert.match(refused.problem!, new RegExp(`already runs under another muster host \\(pid ${first.child.pid}, its app tier pid ${tier}\\)`));

  const still = await waitForApp(tree, 'twice', (a) => a.state === 'running', 'still runs under the first host');
  assert.equal(still.pid, tier);
  assert.equal(still.restarts, 0);
  assert.ok(isAlive(tier));
});

test('muster host --apps naming a folder that does not exist exits 2 and says so', { skip, timeout: 30_000 }, async (t) => {
  const tree = hostTree(t);
  const host = startHost(t, { ...tree, apps: path.join(tree.base, 'no-such-apps') });
  const exit = await host.exited;
  assert.equal(exit.code, 2, host.output());
  assert.match(host.output(), /cannot read the registrations folder .*no-such-apps.*nothing was started/);
});

test('a host whose tier is in backoff does not start a second one when another host started the app meanwhile', { skip, timeout: 90_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('b'));
  plant(tree, 'gap', user, SLEEPER);
  const first = startHost(t, tree);
  const tier = (await waitForApp(tree, 'gap', (a) => a.state === 'running', 'is running')).pid!;
  await waitForInstance(tree, 'gap', 'web', 'ready');
  // Kill the first host's tier, and start a second host (other folders) inside the 1 s backoff.
  const other = { ...tree, run: path.join(tree.base, 'run2'), state: path.join(tree.base, 'state2'), log: path.join(tree.base, 'log2') };
  process.kill(tier, 'SIGKILL');
  startHost(t, other);
  const second = await waitForApp(other, 'gap', (a) => a.state === 'running', 'runs under the second host');
  await waitUntilAsync(async () => /runs under another muster host/.test(first.output()), 15_000, 'the first host backs off instead of starting a second tier');
  const tiers = processesOfApp('gap').filter((pid) => { try { const e = environOf(pid); return e.MUSTER_HOST === '1' && e.MUSTER_PROCESS === undefined; } catch { return false; } });
  assert.deepEqual(tiers, [second.pid], 'one tier of the app, the second host\'s');
});

test('a process of the app user posing as a stale tier and ignoring SIGTERM: the apps are listed meanwhile, a second SIGTERM kills it and the host ends', { skip, timeout: 60_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('p'));
  plant(tree, 'posed', user, SLEEPER);
  // MUSTER_APP/MUSTER_HOST=1 and no MUSTER_PROCESS, as the app's user, ignoring TERM, in its own group.
  const decoy = spawn('/usr/sbin/runuser', ['-u', user, '--', 'env', '-i', 'MUSTER_APP=posed', 'MUSTER_HOST=1', 'setsid', 'sh', '-c', 'trap "" TERM; exec sleep 300'], { stdio: 'ignore' });
  t.after(() => { for (const pid of processesOfApp('posed')) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
  await waitUntilAsync(async () => processesOfApp('posed').length > 0, 5_000, 'the decoy runs');
  const host = startHost(t, tree);
  const listed = await waitForApp(tree, 'posed', (a) => a.state === 'starting', 'is listed while the decoy is being stopped');
  assert.match(listed.problem ?? '', /being set up/);
  host.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  host.child.kill('SIGTERM');
  const end = await Promise.race([host.exited, new Promise((r) => setTimeout(() => r('still running 15 s after the second SIGTERM'), 15_000))]);
  assert.deepEqual(end, { code: 0, signal: null }, host.output());
  assert.deepEqual(processesOfApp('posed'), [], 'the decoy was killed');
  void decoy;
});
