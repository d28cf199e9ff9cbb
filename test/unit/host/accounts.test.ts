// /etc/passwd and /etc/group as getent's "files" database shows them, and the groups initgroups(3)
// gives a user (what `setpriv --init-groups` and `id -G` see).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Accounts } from '../../../src/host/accounts';
import { prlimitOptions } from '../../../src/host/limits';

test('users, groups, and a user\'s groups: primary first among memberships, each once, ascending', () => {
  const accounts = Accounts.parse(
    '# comment\nroot:x:0:0:root:/root:/bin/bash\n\n+nis\nappa:x:991:991:App A:/home/appa:/bin/sh\nbroken:x:abc:1::/:/bin/sh\n',
    'root:x:0:\nappa:x:991:\nextra:x:990:bob,appa\nweb:x:996:www-data, appa\nother:x:997:appab\n',
  );
  assert.deepEqual(accounts.user('appa'), { name: 'appa', uid: 991, gid: 991, home: '/home/appa', shell: '/bin/sh' });
  assert.equal(accounts.user('broken'), undefined, 'a line with a bad uid is left out');
  assert.equal(accounts.userById(0)?.name, 'root');
  assert.deepEqual(accounts.group('extra'), { name: 'extra', gid: 990, members: ['bob', 'appa'] });
  assert.equal(accounts.groupById(996)?.name, 'web');
  assert.deepEqual(accounts.groupIdsOf(accounts.user('appa')!), [990, 991, 996]);
});

test('the real files agree with id -G', () => {
  const accounts = Accounts.read();
  for (const name of ['root', 'nobody']) {
    const user = accounts.user(name);
    if (user === undefined) continue;
    const expected = execFileSync('id', ['-G', name], { encoding: 'utf8' }).trim().split(/\s+/).map(Number).sort((a, b) => a - b);
    assert.deepEqual(accounts.groupIdsOf(user), expected, name);
  }
});

test('limits become prlimit options', () => {
  assert.deepEqual(prlimitOptions([
    { resource: 'nofile', soft: 1024, hard: 4096 },
    { resource: 'core', soft: 0, hard: 0 },
    { resource: 'as', soft: 'unlimited', hard: 'unlimited' },
  ]), ['--nofile=1024:4096', '--core=0:0', '--as=unlimited:unlimited']);
});
