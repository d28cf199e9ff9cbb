// B26 (../shared/cases/B26-socket-owner-mode-for-nginx.md): the host tier makes the web socket
// appuser:webgrp 0660 from its first moment; nginx's user (webproxy, in webgrp) gets 200, nobody
// is refused; restarts of the process and of the app tier never change its mode, owner, folder or
// inode (a sampler sees only 660, never MISSING). No sudo here: `runuser -u` plays `sudo -u`.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CASE_HELPERS } from '../support/paths';
import {
  hostTree, isRoot, makeGroup, makeUser, musterAs, startHost, uniqueName, waitForApp, waitForInstance, writeRootFile,
} from '../support/host';

const skip = isRoot() ? false : 'needs root (creates users and groups)';

function statLine(files: string[]): string {
  return execFileSync('stat', ['-c', '%A %U %G %i', ...files], { encoding: 'utf8' });
}

function curlAs(user: string, socket: string): { code: number; stdout: string } {
  try {
    return { code: 0, stdout: execFileSync('/usr/sbin/runuser', ['-u', user, '--', 'curl', '-s', '--unix-socket', socket, 'http://x/'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (error) {
    const e = error as { status: number; stdout: string };
    return { code: e.status, stdout: e.stdout };
  }
}

test('B26: the web socket is appuser:webgrp 0660, webproxy gets 200, nobody is refused, and restarts never change it', { skip, timeout: 120_000 }, async (t) => {
  const tree = hostTree(t);
  const webgrp = makeGroup(t, uniqueName('g'));
  const appuser = makeUser(t, uniqueName('s'));
  const webproxy = makeUser(t, uniqueName('w'), [webgrp]);
  const helpers = path.join(tree.base, 'helpers');
  writeRootFile(path.join(helpers, 'unix_http.py'), fs.readFileSync(path.join(CASE_HELPERS, 'unix_http.py'), 'utf8'));
  const site = path.join(tree.base, 'site');
  const S = path.join(tree.run, 'site', 'web.sock');
  writeRootFile(path.join(tree.apps, 'site.toml'),
    `user = "${appuser}"\nroot = "${site}"\n\n[socket.web]\npath = "${S}"\nowner = "${appuser}"\ngroup = "${webgrp}"\nmode = "0660"\n`);
  writeRootFile(path.join(site, 'muster.toml'), `[process.web]\ncommand = "python3 ${helpers}/unix_http.py"\nsockets = ["web"]\n`);

  const host = startHost(t, tree);
  await waitForApp(tree, 'site', (a) => a.state === 'running', 'is running');
  await waitForInstance(tree, 'site', 'web', 'ready');
  const folder = path.join(tree.run, 'site');
  const stat1 = statLine([folder, S]);
  const [folderLine, socketLine] = stat1.trim().split('\n');
  assert.match(socketLine!, new RegExp(`^srw-rw---- ${appuser} ${webgrp} \\d+$`));
  // The folder lets webproxy reach the socket but not write there.
  assert.match(folderLine!, /^d.{4}-.{2}-.? /, `folder writable by group or others: ${folderLine}`);

  const proxied = curlAs(webproxy, S);
  assert.equal(proxied.code, 0);
  assert.match(proxied.stdout, /release=\S+ pid=\d+/);
  const refused = curlAs('nobody', S);
  assert.notEqual(refused.code, 0, 'nobody must be refused');

  const modes = path.join(tree.base, 'modes');
  const sampler = spawn('sh', ['-c', `while :; do stat -c '%a' "${S}" 2>/dev/null || echo MISSING; sleep 0.01; done > "${modes}"`], { stdio: 'ignore' });
  const samplerGone = new Promise((resolve) => sampler.on('exit', resolve));
  t.after(() => void sampler.kill('SIGKILL'));

  for (let i = 0; i < 3; i++) assert.equal(musterAs(tree, ['--app', 'site', 'restart', 'web']).code, 0);
  assert.equal(musterAs(tree, ['--app', 'site', 'stop', 'web']).code, 0);
  assert.equal(musterAs(tree, ['--app', 'site', 'start', 'web']).code, 0);
  const tier = (await waitForApp(tree, 'site', (a) => a.state === 'running', 'is running')).pid!;
  process.kill(tier, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 3000)); // the case's "sleep 3": the host tier starts a new app tier
  await waitForApp(tree, 'site', (a) => a.state === 'running' && a.pid !== tier, 'runs a new tier');
  await waitForInstance(tree, 'site', 'web', 'ready');
  sampler.kill('SIGTERM');
  await samplerGone;
  const stat2 = statLine([folder, S]);

  const seen = new Set(fs.readFileSync(modes, 'utf8').split('\n').filter(Boolean));
  assert.deepEqual([...seen], ['660'], 'the sampler saw only 660');
  assert.equal(stat2, stat1, 'folder and socket unchanged (modes, owners, inodes)');
  assert.match(curlAs(webproxy, S).stdout, /release=\S+ pid=\d+/);

  host.child.kill('SIGTERM');
  assert.equal((await host.exited).code, 0, host.output());
});
