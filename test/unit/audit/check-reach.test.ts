// Check 3b: one app's processes reaching another app's sockets through a group they share.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { AppIdentity, OtherAppSockets, checkReach } from '../../../src/audit/check-reach';
import { NAMES, socket } from './fixtures';

/** appa (1001) with its registration group, primary group and supplementary groups. */
function identity(groups: [number, string][], group = 1001, primaryGroup = 1001): AppIdentity {
  return { app: 'appa', registration: '/etc/muster/apps/appa.toml', principal: { user: 'appa', uid: 1001, groups: new Map(groups) }, group, primaryGroup };
}

/** appb (uid 2000): control socket group bob, web socket group www-data (33), both 0660. */
const APPB: OtherAppSockets = {
  app: 'appb',
  sockets: [
    { label: 'control socket', facts: socket('/run/muster/appb/control.sock', 0o660, 2000, 2000) },
    { label: 'socket web', facts: socket('/run/muster/appb/web.sock', 0o660, 2000, 33) },
  ],
};
const brief = (fs: ReturnType<typeof checkReach>) => fs.map((f) => [f.severity, f.kind, f.object]);

test('apps with groups of their own: nothing to say; its own sockets do not count', () => {
  assert.deepEqual(checkReach(identity([[1001, 'appa']]), [APPB, { app: 'appa', sockets: [{ label: 'socket web', facts: socket('/run/muster/appa/web.sock', 0o660, 1001, 1001) }] }], NAMES), []);
});

test('registration group = "www-data": appa can connect to appb\'s web socket of group www-data', () => {
  const found = checkReach(identity([[33, 'www-data'], [1001, 'appa']], 33), [APPB], NAMES);
  assert.deepEqual(brief(found), [['severe', 'socket', '/run/muster/appb/web.sock']]);
  assert.equal(found[0]!.message, "app appa's processes can connect to appb's socket web /run/muster/appb/web.sock (group www-data, mode 0660)");
  assert.equal(found[0]!.fix, 'use a group of its own in /etc/muster/apps/appa.toml (group = "www-data" there now)');
});

test('a supplementary group: appa can connect to appb\'s control socket; the fix removes the user from it', () => {
  const found = checkReach(identity([[1001, 'appa'], [2000, 'bob']]), [APPB], NAMES);
  assert.deepEqual(brief(found), [['severe', 'socket', '/run/muster/appb/control.sock']]);
  assert.match(found[0]!.message, /appb's control socket .* \(group bob, mode 0660\): they can stop and restart appb/);
  assert.equal(found[0]!.fix, 'remove appa from bob (gpasswd -d appa bob)');
});

test('no group write bit, or not a socket: not reachable; the same user reaches through the owner bits', () => {
  const closed: OtherAppSockets = { app: 'appb', sockets: [
    { label: 'socket web', facts: socket('/run/muster/appb/web.sock', 0o640, 2000, 33) },
    { label: 'socket api', facts: { ...socket('/run/muster/appb/api.sock', 0o660, 2000, 33), type: 'file' } },
    { label: 'socket gone', facts: null },
  ] };
  assert.deepEqual(checkReach(identity([[33, 'www-data']], 33), [closed], NAMES), []);
  const sameUser: OtherAppSockets = { app: 'appb', sockets: [{ label: 'socket web', facts: socket('/run/muster/appb/web.sock', 0o600, 1001, 33) }] };
  const found = checkReach(identity([[1001, 'appa']]), [sameUser], NAMES);
  assert.deepEqual(brief(found), [['severe', 'socket', '/run/muster/appb/web.sock']]);
  assert.match(found[0]!.message, /its owner, user appa: both apps run as appa/);
});
