// Check 3: sockets reachable by more people than need them.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SocketFacts, checkSockets } from '../../../src/audit/check-sockets';
import { FileFacts } from '../../../src/audit/model';
import { NAMES, dir, socket } from './fixtures';

const OPS = { gid: 1600, name: 'appa-ops', from: 'the operators group' };
const WWW = { gid: 33, name: 'www-data', from: 'group in [socket.web]' };
const WEB = { name: 'web', path: '/run/muster/appa/web.sock', mode: 0o660 };

function facts(control: FileFacts | null, web: FileFacts | null, folder = dir('/run/muster/appa', 0o750, 1001, 1001)): SocketFacts {
  return {
    registration: '/etc/muster/apps/appa.toml',
    control: { path: '/run/muster/appa/control.sock', facts: control, group: OPS },
    sockets: [{ socket: WEB, facts: web, group: WWW }],
    runFolder: '/run/muster/appa',
    folders: [folder],
  };
}
const CONTROL = socket('/run/muster/appa/control.sock', 0o660, 1001, 1600);
const WEB_SOCK = socket('/run/muster/appa/web.sock', 0o660, 1001, 33);
const brief = (fs: ReturnType<typeof checkSockets>) => fs.map((f) => [f.severity, f.kind, f.object]);

test('sockets as the host tier makes them: no findings; missing sockets (app not running) neither', () => {
  assert.deepEqual(checkSockets(facts(CONTROL, WEB_SOCK), NAMES), []);
  assert.deepEqual(checkSockets(facts(null, null), NAMES), []);
});

test('any permission for others on a socket is severe', () => {
  const found = checkSockets(facts(CONTROL, socket(WEB_SOCK.path, 0o666, 1001, 33)), NAMES);
  assert.deepEqual(brief(found), [['severe', 'socket', WEB_SOCK.path]]);
  assert.match(found[0]!.message, /socket web gives others access \(mode 0666\)/);
  assert.match(found[0]!.fix, /mode = "0660" in \[socket\.web\] in \/etc\/muster\/apps\/appa\.toml/);
  assert.deepEqual(brief(checkSockets(facts(socket(CONTROL.path, 0o661, 1001, 1600), WEB_SOCK), NAMES)), [['severe', 'socket', CONTROL.path]]);
});

test("a control socket in another group is severe when that group may connect, a mode other than 0660 a warning", () => {
  const wrong = checkSockets(facts(socket(CONTROL.path, 0o660, 1001, 1001), WEB_SOCK), NAMES);
  assert.deepEqual(brief(wrong), [['severe', 'socket', CONTROL.path]]);
  assert.match(wrong[0]!.message, /group is appa, not appa-ops \(the operators group\): members of appa can stop and restart the app/);
  assert.match(wrong[0]!.fix, /^chgrp appa-ops \/run\/muster\/appa\/control\.sock/);
  assert.deepEqual(checkSockets(facts(socket(CONTROL.path, 0o600, 1001, 1001), WEB_SOCK), NAMES).map((f) => f.severity), ['warning']);
  const mode = checkSockets(facts(socket(CONTROL.path, 0o640, 1001, 1600), WEB_SOCK), NAMES);
  assert.deepEqual(brief(mode), [['warning', 'socket', CONTROL.path]]);
  assert.match(mode[0]!.message, /mode 0640, not 0660: operators cannot connect/);
});

test('a registration socket in another group than the registration says, or more open, is reported', () => {
  const group = checkSockets(facts(CONTROL, socket(WEB_SOCK.path, 0o660, 1001, 2000)), NAMES);
  assert.deepEqual(brief(group), [['severe', 'socket', WEB_SOCK.path]]);
  assert.match(group[0]!.message, /group is bob, not www-data/);
  assert.deepEqual(checkSockets(facts(CONTROL, socket(WEB_SOCK.path, 0o600, 1001, 2000)), NAMES), [], 'the group has no access: nothing to say');
  const narrow = { ...facts(CONTROL, socket(WEB_SOCK.path, 0o660, 1001, 33)), sockets: [{ socket: { ...WEB, mode: 0o600 }, facts: socket(WEB_SOCK.path, 0o660, 1001, 33), group: WWW }] };
  const open = checkSockets(narrow, NAMES);
  assert.deepEqual(brief(open), [['warning', 'socket', WEB_SOCK.path]]);
  assert.match(open[0]!.message, /more open than the registration's "0600"/);
});

test('a socket folder writable by group or others: severe, a warning when sticky', () => {
  const folder = checkSockets(facts(CONTROL, WEB_SOCK, dir('/run/muster/appa', 0o770, 1001, 1500)), NAMES);
  assert.deepEqual(brief(folder), [['severe', 'socket', '/run/muster/appa']]);
  assert.match(folder[0]!.message, /writable by group deploy \(mode 0770\)/);
  assert.equal(folder[0]!.fix, 'chmod go-w /run/muster/appa');
  assert.deepEqual(brief(checkSockets(facts(CONTROL, WEB_SOCK, dir('/tmp', 0o1777)), NAMES)), [['warning', 'socket', '/tmp']]);
});

test('a regular file at a socket path: not a socket, the host refuses the app; no mode or group findings for it', () => {
  const plain = { ...WEB_SOCK, type: 'file' as const, mode: 0o644, gid: 0 };
  const found = checkSockets(facts(CONTROL, plain), NAMES);
  assert.deepEqual(brief(found), [['warning', 'socket', WEB_SOCK.path]]);
  assert.equal(found[0]!.message, `${WEB_SOCK.path} is not a socket (a regular file): the host tier refuses to start the app`);
  assert.equal(found[0]!.fix, `remove it (rm ${WEB_SOCK.path}) if nothing needs it`);
  const control = checkSockets(facts({ ...CONTROL, type: 'dir', mode: 0o777, gid: 0 }, WEB_SOCK), NAMES);
  assert.deepEqual(brief(control), [['warning', 'socket', CONTROL.path]]);
  assert.match(control[0]!.message, /is not a socket \(a folder\)/);
});

test('a socket in a sticky shared or system folder: move it into the run folder, never change the folder', () => {
  const tmpWeb = { ...WEB, path: '/tmp/web.sock' };
  const inTmp: SocketFacts = {
    ...facts(CONTROL, null),
    runFolder: '/run/muster/appa',
    sockets: [{ socket: tmpWeb, facts: socket('/tmp/web.sock', 0o660, 1001, 33), group: WWW }],
    folders: [dir('/run/muster/appa'), dir('/tmp', 0o1777)],
  };
  const found = checkSockets(inTmp, NAMES);
  assert.deepEqual(brief(found), [['warning', 'socket', '/tmp']]);
  assert.doesNotMatch(found[0]!.fix, /chmod/);
  assert.equal(found[0]!.fix, 'move the socket into the app\'s run folder: path = "web.sock" in [socket.web] in /etc/muster/apps/appa.toml');
  const shared = checkSockets({ ...inTmp, sockets: [{ socket: { ...WEB, path: '/srv/shared/web.sock' }, facts: socket('/srv/shared/web.sock', 0o660, 1001, 33), group: WWW }], folders: [dir('/srv/shared', 0o777)] }, NAMES);
  assert.deepEqual(brief(shared), [['severe', 'socket', '/srv/shared']]);
  assert.match(shared[0]!.fix, /^move the socket into the app's run folder: path = "web.sock"/, 'writable by others: move, not chmod');
  const system = checkSockets({ ...inTmp, sockets: [{ socket: { ...WEB, path: '/run/web.sock' }, facts: socket('/run/web.sock', 0o660, 1001, 33), group: WWW }], folders: [dir('/run', 0o775, 0, 1500)] }, NAMES);
  assert.doesNotMatch(system[0]!.fix, /chmod/, 'a system folder is never changed');
});
