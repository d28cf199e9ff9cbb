// Which control socket a command talks to (--app NAME, MUSTER_APP, MUSTER_RUN_DIR, -C DIR,
// MUSTER_STATE_DIR), and what it says when the socket is missing or closed to the caller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { controlTarget } from '../../../src/cli/client/target';
import { UsageError } from '../../../src/cli/client/exit-codes';
import { permissionDeniedMessage } from '../../../src/cli/client/permission';
import { sendJson, spawnMuster, startFakeApi, tempApp } from './fake-api';

const target = (dir: string, dirGiven: boolean, app: string | undefined, environ: Record<string, string> = {}) =>
  controlTarget({ dir, dirGiven, app, environ });

test("--app NAME and MUSTER_APP name the app tier's socket under MUSTER_RUN_DIR (default /run/muster)", () => {
  assert.deepEqual(target('/srv/x', false, 'shop'), { kind: 'app', app: 'shop', socketPath: '/run/muster/shop/control.sock' });
  assert.deepEqual(target('/srv/x', false, undefined, { MUSTER_APP: 'shop', MUSTER_RUN_DIR: '/tmp/run' }),
    { kind: 'app', app: 'shop', socketPath: '/tmp/run/shop/control.sock' });
  assert.equal(target('/srv/x', false, 'blog', { MUSTER_APP: 'shop' }).socketPath, '/run/muster/blog/control.sock', '--app beats MUSTER_APP');
});

test("-C DIR beats MUSTER_APP; the folder's socket follows MUSTER_STATE_DIR", () => {
  assert.deepEqual(target('/srv/x', true, undefined, { MUSTER_APP: 'shop' }),
    { kind: 'folder', dir: '/srv/x', socketPath: '/srv/x/.muster/control.sock', pidFile: '/srv/x/.muster/muster.pid' });
  assert.equal(target('/srv/x', false, undefined, { MUSTER_STATE_DIR: '/var/lib/muster/x' }).socketPath, '/var/lib/muster/x/control.sock');
});

test('--app with -C, or a name that cannot be an app, is a usage error', () => {
  assert.throws(() => target('/srv/x', true, 'shop'), (e: Error) => e instanceof UsageError && /either --app NAME .* or -C DIR .*not both/.test(e.message));
  assert.throws(() => target('/srv/x', false, '../etc'), (e: Error) => e instanceof UsageError && /--app takes an app name .* got "\.\.\/etc"/.test(e.message));
  assert.throws(() => target('/srv/x', false, undefined, { MUSTER_APP: 'Shop' }), /MUSTER_APP takes an app name/);
});

const INSTANCES = [{ name: 'web', process: 'web', state: 'ready', pid: 4242 }];

const GROUPS = 'root:x:0:\nshop:x:1001:\nshop-ops:x:1002:alice,bob\n';

test("permission denied: names the socket's group and the usermod that fixes it", () => {
  const sock = '/run/muster/shop/control.sock';
  const socket = { uid: 1001, gid: 1002, mode: 0o140660 };
  assert.equal(permissionDeniedMessage(sock, socket, { user: 'carol', gids: [1003] }, GROUPS),
    'muster: permission denied on /run/muster/shop/control.sock: you are not in group "shop-ops" (ask root to add you: usermod -aG shop-ops carol)');
  assert.equal(permissionDeniedMessage(sock, socket, { user: 'bob', gids: [1003] }, GROUPS),
    'muster: permission denied on /run/muster/shop/control.sock: you were added to group "shop-ops" after this session began; log in again (or run: newgrp shop-ops)',
    'listed in /etc/group, but not in the groups of this process');
  assert.match(permissionDeniedMessage(sock, { ...socket, mode: 0o140600 }, { user: 'bob', gids: [1002] }, GROUPS),
    /you are in its group "shop-ops", but its mode is 0600/);
  assert.match(permissionDeniedMessage(sock, { ...socket, gid: 4242 }, { user: 'carol', gids: [] }, GROUPS),
    /not in group "4242" \(ask root to add you: usermod -aG 4242 carol\)/, 'a gid without a name is shown as the number');
  assert.equal(permissionDeniedMessage(sock, { ...socket, gid: 1001 }, { user: 'carol', gids: [1003] }, GROUPS, 1001),
    'muster: permission denied on /run/muster/shop/control.sock: you are not in group "shop", the app\'s own group (it also opens the app\'s logs and state); ' +
    'ask root to set operators = "shop-ops" in the app\'s registration and add you to that group (usermod -aG shop-ops carol)', 'no operators group registered');
  assert.match(permissionDeniedMessage(sock, new Error('EACCES: permission denied'), { user: 'carol', gids: [] }, GROUPS),
    /permission denied on .*: its folder \/run\/muster\/shop is closed to you/);
});

test("the CLI: muster --app NAME status --json and MUSTER_APP=NAME muster status reach the app tier's socket", async (t) => {
  const run = path.join(tempApp(), 'run');
  fs.mkdirSync(path.join(run, 'shop'), { recursive: true });
  const api = await startFakeApi({ 'GET /v1/instances': (_req, res) => sendJson(res, 200, INSTANCES) }, undefined, path.join(run, 'shop', 'control.sock'));
  t.after(() => api.close());
  const byOption = await spawnMuster(['--app', 'shop', 'status', '--json'], { MUSTER_RUN_DIR: run }).done;
  assert.equal(byOption.code, 0, byOption.stderr);
  assert.deepEqual(JSON.parse(byOption.stdout), INSTANCES);
  const byEnviron = await spawnMuster(['status', '--json'], { MUSTER_RUN_DIR: run, MUSTER_APP: 'shop' }).done;
  assert.equal(byEnviron.code, 0, byEnviron.stderr);
  assert.equal(api.requests.length, 2);
});

test('the CLI: no socket for the app is exit 3, "no app tier is running"; --app with up is a usage error', async () => {
  const run = path.join(tempApp(), 'run');
  const missing = await spawnMuster(['--app', 'blog', 'restart', 'web'], { MUSTER_RUN_DIR: run }).done;
  assert.equal(missing.code, 3);
  assert.equal(missing.stderr, `muster: no app tier is running for app blog (${run}/blog/control.sock does not exist; is the app registered, and does the host tier run? see muster host status)\n`);
  const up = await spawnMuster(['--app', 'blog', 'up']).done;
  assert.equal(up.code, 2);
  assert.match(up.stderr, /up does not take --app/);
  const both = await spawnMuster(['--app', 'blog', '-C', run, 'status']).done;
  assert.equal(both.code, 2);
  assert.match(both.stderr, /not both\nusage: muster \[-C DIR \| --app NAME\] status/);
});
