// Check 6: a runtime user someone could log in as; and the account files it is read from.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { namesOf, parseShadow, principalOf } from '../../../src/audit/accounts';
import { Accounts } from '../../../src/host/accounts';
import { checkLogin } from '../../../src/audit/check-login';

const brief = (fs: ReturnType<typeof checkLogin>) => fs.map((f) => [f.severity, f.kind, f.object, f.fix]);

test('a nologin shell is fine whatever the password', () => {
  for (const shell of ['/usr/sbin/nologin', '/sbin/nologin', '/bin/false', '/usr/bin/false']) {
    assert.deepEqual(checkLogin({ user: 'appa', shell, passwordHash: '$6$salt$hash' }), [], shell);
  }
});

test('a login shell is a warning; with a password hash (or none at all) severe', () => {
  assert.deepEqual(brief(checkLogin({ user: 'appa', shell: '/bin/bash', passwordHash: '!' })),
    [['warning', 'login-shell', 'user appa', 'usermod -s /usr/sbin/nologin appa']]);
  assert.deepEqual(checkLogin({ user: 'appa', shell: '/bin/bash', passwordHash: '*' }).map((f) => f.severity), ['warning']);
  assert.deepEqual(checkLogin({ user: 'appa', shell: '/bin/bash', passwordHash: '!$6$locked' }).map((f) => f.severity), ['warning']);
  assert.deepEqual(checkLogin({ user: 'appa', shell: '/bin/bash', passwordHash: null }).map((f) => f.severity), ['warning'], 'shadow unreadable');
  const hashed = checkLogin({ user: 'appa', shell: '/bin/bash', passwordHash: '$6$salt$hash' });
  assert.deepEqual(brief(hashed), [['severe', 'login-shell', 'user appa', 'usermod -s /usr/sbin/nologin appa && usermod -L appa']]);
  assert.match(hashed[0]!.message, /a password in \/etc\/shadow/);
  const empty = checkLogin({ user: 'appa', shell: '/bin/sh', passwordHash: '' });
  assert.equal(empty[0]!.severity, 'severe');
  assert.match(empty[0]!.message, /no password at all/);
  assert.match(checkLogin({ user: 'appa', shell: '', passwordHash: '!' })[0]!.message, /\/bin\/sh \(the passwd field is empty\)/);
});

test('shadow parses; the principal holds the registration group, the primary one and supplementary ones', () => {
  const shadow = parseShadow('root:$6$x:1::::::\n# comment\nappa:!:1::::::\n+nis\n');
  assert.deepEqual([...shadow.entries()], [['root', '$6$x'], ['appa', '!']]);
  const accounts = Accounts.parse(
    'root:x:0:0:root:/root:/bin/bash\nappa:x:1001:1001::/srv/appa:/usr/sbin/nologin\n',
    'root:x:0:\nappa:x:1001:\ndeploy:x:1500:bob,appa\nwww-data:x:33:\nother:x:1700:bob\n',
  );
  const p = principalOf(accounts, accounts.user('appa')!, { name: 'www-data', id: 33 });
  assert.deepEqual([...p.groups.entries()].sort((a, b) => a[0] - b[0]), [[33, 'www-data'], [1001, 'appa'], [1500, 'deploy']]);
  const names = namesOf(accounts);
  assert.deepEqual([names.userName(1001), names.userName(4242), names.groupName(1500), names.groupName(4242)], ['appa', '4242', 'deploy', '4242']);
});
