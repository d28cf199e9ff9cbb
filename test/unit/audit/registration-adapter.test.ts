// A registration file -> the audit's AuditedApp: the keys of the host contract the audit needs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readRegistration } from '../../../src/audit/registration-adapter';

const FILE = '/etc/muster/apps/appa.toml';

test('user, group, operators, root and unix sockets; relative socket paths are in <run-dir>/<app>', () => {
  const read = readRegistration([
    'user = "appa"', 'group = "appa"', 'operators = "appa-ops"', 'root = "/srv/appa/"', 'umask = "027"', 'pass_env = ["TZ"]',
    '[limits]', 'nofile = 4096',
    '[socket.web]', 'path = "web.sock"', 'group = "www-data"', 'mode = "0660"',
    '[socket.admin]', 'path = "/run/appa-admin.sock"', 'mode = "0600"',
    '[socket.api]', 'address = "127.0.0.1:8000"',
  ].join('\n'), FILE, 'appa', '/run/muster');
  assert.deepEqual(read, {
    ok: true,
    problems: [],
    app: {
      name: 'appa', registration: FILE, user: 'appa', group: 'appa', operators: 'appa-ops', root: '/srv/appa/',
      sockets: [
        { name: 'web', path: '/run/muster/appa/web.sock', group: 'www-data', mode: 0o660 },
        { name: 'admin', path: '/run/appa-admin.sock', group: null, mode: 0o600 },
      ],
    },
  });
});

test('defaults: no group, no operators, socket mode 0660', () => {
  const read = readRegistration('user = "appa"\nroot = "/srv/appa"\n[socket.web]\npath = "/run/muster/appa/web.sock"\n', FILE, 'appa', '/run/muster');
  assert.ok(read.ok);
  assert.equal(read.app.group, null);
  assert.equal(read.app.operators, null);
  assert.equal(read.app.sockets[0]!.mode, 0o660);
});

test('what the audit cannot do without is a problem with file:line:column; a bad socket mode is audited against 0660', () => {
  const missing = readRegistration('user = 5\nroot = "srv"\n', FILE, 'appa', '/run/muster');
  assert.deepEqual(missing, { ok: false, problems: [`${FILE}:1:8: user should be a string, got the integer 5`, `${FILE}: user is missing`, `${FILE}: root is not absolute (srv)`] });
  const syntax = readRegistration('user = \n', FILE, 'appa', '/run/muster');
  assert.equal(syntax.ok, false);
  assert.match(syntax.problems[0]!, /^\/etc\/muster\/apps\/appa\.toml:\d+:\d+: TOML syntax error: [^\n]*\(hint: [^\n]*\)$/);
  const mode = readRegistration('user = "appa"\nroot = "/srv/appa"\n[socket.web]\npath = "w.sock"\nmode = "rw"\n', FILE, 'appa', '/run/muster');
  assert.ok(mode.ok);
  assert.deepEqual(mode.problems, [`${FILE}:5:8: [socket.web] mode "rw" is not octal; audited against 0660`]);
});
