// The sockets the host makes for an app: the control socket first (the app user, the operators
// group or the app's group, 0660), then the registration's with their owner/group/mode.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDiagnostic } from '../../../src/config/diagnostics';
import { Accounts } from '../../../src/host/accounts';
import { socketPlan } from '../../../src/host/app-setup';
import { appFolders } from '../../../src/host/host-paths';
import { parseRegistration, type Registration } from '../../../src/host/registration';

const accounts = Accounts.parse(
  ['root:x:0:0:root:/root:/bin/bash', 'appa:x:991:991::/home/appa:/bin/sh', 'www-data:x:33:33::/var/www:/usr/sbin/nologin'].join('\n'),
  ['root:x:0:', 'appa:x:991:', 'www-data:x:33:', 'appa-ops:x:995:alice'].join('\n'));
const folders = appFolders({ runBase: '/run/muster', stateBase: '/var/lib/muster', logBase: '/var/log/muster' }, 'appa');

function registration(text: string): Registration {
  const r = parseRegistration(text, '/etc/muster/apps/appa.toml', 'appa', { runBase: '/run/muster', accounts });
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.registration;
}

test('control socket: app user, operators group, 0660; registration sockets: their owner/group, defaults the app\'s', () => {
  const plan = socketPlan(registration('user = "appa"\nroot = "/srv/appa"\noperators = "appa-ops"\n[socket.web]\npath = "web.sock"\ngroup = "www-data"\n[socket.admin]\npath = "/run/muster/appa/admin.sock"\nowner = "www-data"\nmode = "0600"\n'), folders);
  assert.deepEqual(plan.configs.map((c) => [c.name, c.kind === 'unix' ? c.path : '', c.kind === 'unix' ? c.mode : 0]), [
    ['muster-control', '/run/muster/appa/control.sock', 0o660],
    ['web', '/run/muster/appa/web.sock', 0o660],
    ['admin', '/run/muster/appa/admin.sock', 0o600],
  ]);
  assert.deepEqual([...plan.owners], [['muster-control', { uid: 991, gid: 995 }], ['web', { uid: 991, gid: 33 }], ['admin', { uid: 33, gid: 991 }]]);
});

test('no operators: the control socket\'s group is the app\'s group', () => {
  const plan = socketPlan(registration('user = "appa"\nroot = "/srv/appa"\n'), folders);
  assert.deepEqual(plan.owners.get('muster-control'), { uid: 991, gid: 991 });
});
