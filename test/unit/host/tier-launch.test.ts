// The app tier's argv and environment (docs/host-contract.md): exactly the listed variables, the
// sh LISTEN_PID trick, prlimit then setpriv, sockets named in registration order.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDiagnostic } from '../../../src/config/diagnostics';
import { Accounts } from '../../../src/host/accounts';
import { appFolders } from '../../../src/host/host-paths';
import { parseRegistration, type Registration } from '../../../src/host/registration';
import { appDir, tierLaunch } from '../../../src/host/tier-launch';

const accounts = Accounts.parse(
  ['root:x:0:0:root:/root:/bin/bash', 'appa:x:991:991::/home/appa:/bin/sh'].join('\n'),
  ['root:x:0:', 'appa:x:991:', 'www-data:x:33:', 'appa-ops:x:995:alice'].join('\n'));

function registration(text: string): Registration {
  const r = parseRegistration(text, '/etc/muster/apps/appa.toml', 'appa', { runBase: '/run/muster', accounts });
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.registration;
}

const folders = appFolders({ runBase: '/run/muster', stateBase: '/var/lib/muster', logBase: '/var/log/muster' }, 'appa');
const HOST_ENV = {
  HOME: '/root', USER: 'root', PATH: '/usr/sbin:/root/bin', SUDO_USER: 'dev', SUDO_UID: '1000', MAIL: '/var/mail/root',
  XDG_RUNTIME_DIR: '/run/user/0', TZ: 'Europe/Paris', LANG: 'C.UTF-8', SECRET: 'x',
};

function launch(text: string) {
  return tierLaunch({ registration: registration(text), folders, appDir: '/srv/appa', node: '/usr/bin/node', mainJs: '/opt/muster/build/src/cli/main.js', hostEnv: HOST_ENV });
}

test('the argv: sh sets LISTEN_PID, prlimit sets the limits, setpriv drops to the user, then muster up -C APPDIR', () => {
  const l = launch('user = "appa"\nroot = "/srv/appa"\n[limits]\nnofile = 4096\ncore = [0, 0]\n');
  assert.equal(l.file, '/bin/sh');
  assert.deepEqual(l.args, [
    '-c', 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"', 'sh',
    '/usr/bin/prlimit', '--nofile=4096:4096', '--core=0:0', '--',
    '/usr/bin/setpriv', '--reuid', '991', '--regid', '991', '--init-groups', '--no-new-privs', '--inh-caps=-all', '--bounding-set=-all', '--',
    '/usr/bin/node', '/opt/muster/build/src/cli/main.js', 'up', '-C', '/srv/appa',
  ]);
  assert.equal(l.umask, 0o027);
  assert.equal(l.cwd, '/srv/appa');
  assert.equal(l.env.MUSTER_NOFILE_SOFT, '4096', 'the soft nofile limit, which node raises and the app tier lowers back');
});

test('the environment holds only the contract\'s variables: nothing of root\'s, no SUDO_*, MAIL or XDG_RUNTIME_DIR', () => {
  const l = launch('user = "appa"\nroot = "/srv/appa"\numask = "077"\n[socket.web]\npath = "web.sock"\ngroup = "www-data"\n[socket.admin]\npath = "admin.sock"\n');
  assert.deepEqual(l.env, {
    HOME: '/home/appa', SHELL: '/bin/sh', USER: 'appa', LOGNAME: 'appa', PATH: '/usr/local/bin:/usr/bin:/bin',
    MUSTER_APP: 'appa', MUSTER_STATE_DIR: '/var/lib/muster/appa', MUSTER_LOG_DIR: '/var/log/muster/appa', MUSTER_HOST: '1',
    LISTEN_FDS: '3', LISTEN_FDNAMES: 'muster-control:web:admin',
  });
  assert.deepEqual(l.fdNames, ['muster-control', 'web', 'admin']);
  assert.equal(l.umask, 0o077);
});

test('pass_env passes the listed variables that are set, and cannot replace HOME or the MUSTER_ ones', () => {
  const l = launch('user = "appa"\nroot = "/srv/appa"\npass_env = ["TZ", "LANG", "NOT_SET"]\n');
  assert.equal(l.env.TZ, 'Europe/Paris');
  assert.equal(l.env.LANG, 'C.UTF-8');
  assert.equal('NOT_SET' in l.env, false);
  assert.equal('SECRET' in l.env, false);
  assert.equal(l.env.HOME, '/home/appa');
});

test('APPDIR is <root>/current when it exists, else <root>', () => {
  assert.equal(appDir('/srv/appa', (p) => p === '/srv/appa/current'), '/srv/appa/current');
  assert.equal(appDir('/srv/appa', () => false), '/srv/appa');
});
