// B24 (../shared/cases/B24-home-user-after-privilege-drop.md): HOME, USER and LOGNAME are the app
// user's after the privilege drop, root-only variables (SUDO_*, MAIL, root's XDG_RUNTIME_DIR) never
// reach the app tier or its processes, and an explicit env in the app config still wins.
// There is no sudo on this machine: the host is started with the variables sudo would have set
// (SUDO_USER, SUDO_UID, SUDO_GID, SUDO_COMMAND), which is what the case is about.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  hostTree, isRoot, makeUser, musterAs, procEnviron, startHost, uniqueName, waitForApp, waitForInstance, writeRootFile,
} from '../support/host';

const skip = isRoot() ? false : 'needs root (creates users)';

const WHO = `sh -c 'id -un; echo HOME=$HOME USER=$USER LOGNAME=$LOGNAME; cd && pwd; touch "$HOME/.probe" && echo wrote-home; env | grep -cE "^(SUDO_|MAIL=|XDG_RUNTIME_DIR=/run/user/0)"'`;

function appConfig(extra: string): string {
  return ['[process.who]', `command = ${JSON.stringify(WHO)}`, 'restart = "never"', extra, ''].join('\n');
}

function logLines(text: string): string[] {
  // `muster logs` prints "TIME NAME | line"; the line is what follows the bar.
  return text.split('\n').filter((l) => l.includes(' | ')).map((l) => l.slice(l.indexOf(' | ') + 3));
}

test('B24: HOME/USER/LOGNAME are the app user\'s, no root-only variable passes, an explicit HOME in the app config wins', { skip, timeout: 90_000 }, async (t) => {
  const tree = hostTree(t);
  const user = makeUser(t, uniqueName('u'));
  const root = path.join(tree.base, 'demo');
  writeRootFile(path.join(root, 'muster.toml'), appConfig(''));
  writeRootFile(path.join(tree.apps, 'demo.toml'), `user = "${user}"\nroot = "${root}"\n`);
  const rootProbeBefore = fs.existsSync('/root/.probe');

  const host = startHost(t, tree, {
    XDG_RUNTIME_DIR: '/run/user/0', MAIL: '/var/mail/root', HOME: '/root', USER: 'root', LOGNAME: 'root',
    SUDO_USER: 'developer', SUDO_UID: '1000', SUDO_GID: '1000', SUDO_COMMAND: '/usr/bin/env muster host',
  });
  const tier = (await waitForApp(tree, 'demo', (a) => a.state === 'running', 'is running')).pid!;
  await waitForInstance(tree, 'demo', 'who', 'exited');
  const first = musterAs(tree, ['--app', 'demo', 'logs', 'who']);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(logLines(first.stdout), [user, `HOME=/home/${user} USER=${user} LOGNAME=${user}`, `/home/${user}`, 'wrote-home', '0']);
  assert.ok(fs.existsSync(`/home/${user}/.probe`));

  // The app tier's own environment holds none of them either.
  const env = procEnviron(tier);
  assert.deepEqual(Object.keys(env).filter((k) => k.startsWith('SUDO_') || k === 'MAIL' || (k === 'XDG_RUNTIME_DIR' && env[k] === '/run/user/0')), []);
  assert.equal(env.HOME, `/home/${user}`);
  assert.equal(env.USER, user);

  // Second run: an explicit setting in the app config wins.
  writeRootFile(path.join(root, 'muster.toml'), appConfig('env = { HOME = "/srv/app" }'));
  const apply = musterAs(tree, ['--app', 'demo', 'apply']);
  assert.equal(apply.code, 0, apply.stderr + apply.stdout);
  const start = musterAs(tree, ['--app', 'demo', 'start', 'who']);
  // The case's command ends with `grep -c`, which exits 1 when it counts 0: the one-shot "fails",
  // and start says so (exit 1). What matters is its output.
  assert.equal(start.code, 1, start.stderr + start.stdout);
  assert.match(start.stdout + start.stderr, /who: failed: exited \(exit 1\)/);
  await waitForInstance(tree, 'demo', 'who', 'exited');
  const second = musterAs(tree, ['--app', 'demo', 'logs', 'who', '-n', '5']);
  assert.ok(logLines(second.stdout).includes(`HOME=/srv/app USER=${user} LOGNAME=${user}`), second.stdout);

  assert.equal(fs.existsSync('/root/.probe'), rootProbeBefore, '/root is untouched');
  host.child.kill('SIGTERM');
  assert.equal((await host.exited).code, 0, host.output());
});
