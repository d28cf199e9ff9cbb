// Host registrations (<apps-dir>/NAME.toml): every key with its default, one check per problem with
// file:line:column, message and hint, and the file checks (owner root, writable by root only).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatDiagnostic } from '../../../src/config/diagnostics';
import { Accounts } from '../../../src/host/accounts';
import { loadRegistrations, parseRegistration, type Registration } from '../../../src/host/registration';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
  'appa:x:991:991::/home/appa:/bin/sh',
  'appb:x:992:992::/srv/appb:/usr/sbin/nologin',
  'rooty:x:993:0::/home/rooty:/bin/sh',
].join('\n');
const GROUP = ['root:x:0:', 'www-data:x:33:', 'appa:x:991:', 'appb:x:992:', 'appa-ops:x:995:alice,bob', 'webgrp:x:996:www-data'].join('\n');
const accounts = Accounts.parse(PASSWD, GROUP);
const RUN = '/run/muster';
const FILE = '/etc/muster/apps/appa.toml';

function parse(text: string, app = 'appa') {
  return parseRegistration(text, FILE, app, { runBase: RUN, accounts });
}

function ok(text: string): Registration {
  const r = parse(text);
  if (!r.ok) throw new Error(`expected a valid registration, got:\n${r.diagnostics.map(formatDiagnostic).join('\n')}`);
  return r.registration;
}

function errors(text: string, app = 'appa'): string[] {
  const r = parse(text, app);
  assert.equal(r.ok, false, 'expected problems');
  return r.ok ? [] : r.diagnostics.map(formatDiagnostic);
}

/** Exactly one problem, and it matches `expected`. */
function only(text: string, expected: RegExp, app = 'appa'): void {
  const shown = errors(text, app);
  assert.equal(shown.length, 1, shown.join('\n'));
  assert.match(shown[0]!, expected);
}

const MINIMAL = 'user = "appa"\nroot = "/srv/appa"\n';

test('the contract\'s example: every key resolved, sockets in file order with owner and group', () => {
  const r = ok(`
user = "appa"
group = "appa"
operators = "appa-ops"
root = "/srv/appa"
umask = "027"
pass_env = ["TZ", "LANG"]

[limits]
nofile = 4096
nproc = [256, 512]
core = 0
as = "unlimited"

[socket.web]
path = "/run/muster/appa/web.sock"
owner = "appa"
group = "www-data"
mode = "0660"

[socket.admin]
path = "admin.sock"
mode = "0600"

[socket.api]
address = "127.0.0.1:8000"
`);
  assert.equal(r.app, 'appa');
  assert.equal(r.file, FILE);
  assert.deepEqual(r.user, { name: 'appa', uid: 991, gid: 991, home: '/home/appa', shell: '/bin/sh' });
  assert.deepEqual(r.group, { name: 'appa', id: 991 });
  assert.deepEqual(r.operators, { name: 'appa-ops', id: 995 });
  assert.equal(r.root, '/srv/appa');
  assert.equal(r.umask, 0o027);
  assert.deepEqual(r.passEnv, ['TZ', 'LANG']);
  assert.deepEqual(r.limits, [
    { resource: 'nofile', soft: 4096, hard: 4096 },
    { resource: 'nproc', soft: 256, hard: 512 },
    { resource: 'core', soft: 0, hard: 0 },
    { resource: 'as', soft: 'unlimited', hard: 'unlimited' },
  ]);
  assert.deepEqual(r.sockets, [
    { config: { name: 'web', kind: 'unix', path: '/run/muster/appa/web.sock', mode: 0o660, backlog: 1024 }, owner: { name: 'appa', id: 991 }, group: { name: 'www-data', id: 33 } },
    { config: { name: 'admin', kind: 'unix', path: '/run/muster/appa/admin.sock', mode: 0o600, backlog: 1024 }, owner: { name: 'appa', id: 991 }, group: { name: 'appa', id: 991 } },
    { config: { name: 'api', kind: 'tcp', host: '127.0.0.1', port: 8000, backlog: 1024 }, owner: null, group: null },
  ]);
});

test('defaults: the user\'s primary group, no operators, umask 027, nothing passed, no limits, no sockets', () => {
  const r = ok(MINIMAL);
  assert.deepEqual(r.group, { name: 'appa', id: 991 });
  assert.equal(r.operators, null);
  assert.equal(r.umask, 0o027);
  assert.deepEqual([r.passEnv, r.limits, r.sockets], [[], [], []]);
  assert.equal(ok('user = "appb"\nroot = "/srv/appb/"\ngroup = "webgrp"\n').root, '/srv/appb', 'the path is normalised');
});

test('a TOML syntax error names file:line:column', () => {
  only('user = "appa"\nroot = /srv/appa\n', /^\/etc\/muster\/apps\/appa\.toml:2:8: TOML syntax error: .*\n  hint: /);
});

test('user: required, must exist, never root; the hints say what to do', () => {
  only('root = "/srv/appa"\n', /^\/etc\/muster\/apps\/appa\.toml: no user: the registration must say which user the app runs as\n  hint: add user = "appa"/);
  only(`user = "root"\nroot = "/srv/a"\n`, /^\/etc\/muster\/apps\/appa\.toml:1:8: user "root" is root \(uid 0\): an app never runs as root\n  hint: create a user for the app/);
  only(`user = "apa"\nroot = "/srv/a"\n`, /:1:8: user "apa" does not exist \(not in \/etc\/passwd\)\n  hint: did you mean "appa"\? Otherwise create it: useradd --system --no-create-home --shell \/usr\/sbin\/nologin apa$/);
  only(`user = 991\nroot = "/srv/a"\n`, /:1:8: user in the registration: expected a string, got the integer 991\n  hint: write user = "appa"$/);
});

test('group and operators must exist; the app\'s group is never root\'s', () => {
  only(`${MINIMAL}group = "root"\n`, /:3:9: group "root" is root's group \(gid 0\): an app never runs with it/);
  only(`user = "rooty"\nroot = "/srv/a"\n`, /^\/etc\/muster\/apps\/appa\.toml: the primary group of user "rooty" is root \(gid 0\)[^\n]*\n  hint: add group = "rooty"/);
  assert.deepEqual(ok('user = "rooty"\nroot = "/srv/a"\ngroup = "appa"\n').group, { name: 'appa', id: 991 });
  only(`${MINIMAL}operators = "appa-opz"\n`, /:3:13: operators in the registration: group "appa-opz" does not exist \(not in \/etc\/group\)\n  hint: did you mean "appa-ops"\?/);
});

test('root: required and absolute', () => {
  only('user = "appa"\n', /: no root: the registration must name the app folder\n  hint: add root = "\/srv\/appa"/);
  only('user = "appa"\nroot = "srv/appa"\n', /:2:8: root must be an absolute path, got "srv\/appa"\n  hint: write root = "\/srv\/srv\/appa"/);
});

test('umask: an octal string', () => {
  assert.equal(ok(`${MINIMAL}umask = "0077"\n`).umask, 0o077);
  only(`${MINIMAL}umask = 22\n`, /:3:9: umask in the registration: expected an octal string like "027", got the integer 22\n  hint: quote it: umask = "022"/);
  only(`${MINIMAL}umask = "0o077"\n`, /"0o077" is not an octal mode of 3 or 4 digits\n  hint: write the digits only: umask = "077"/);
  only(`${MINIMAL}umask = "1777"\n`, /umask in the registration must be at most 0777, got "1777"\n  hint: write umask = "0777"/);
});

test('pass_env: names, once each, never what the host tier sets itself', () => {
  only(`${MINIMAL}pass_env = "TZ"\n`, /expected a list of variable names, got the string "TZ"\n  hint: write pass_env = \["TZ", "LANG"\]/);
  only(`${MINIMAL}pass_env = ["TZ", "1X"]\n`, /:3:19: pass_env: "1X" is not a variable name/);
  only(`${MINIMAL}pass_env = ["HOME"]\n`, /:3:13: pass_env: HOME is set by muster host itself/);
  only(`${MINIMAL}pass_env = ["LISTEN_FDS"]\n`, /pass_env: LISTEN_FDS is set by muster host itself/);
  only(`${MINIMAL}pass_env = ["MUSTER_APP"]\n`, /pass_env: MUSTER_APP is set by muster host itself/);
  only(`${MINIMAL}pass_env = ["TZ", "TZ"]\n`, /:3:19: pass_env names "TZ" twice/);
});

test('limits: known resources, integers or "unlimited", soft at most hard', () => {
  only(`${MINIMAL}[limits]\nnofiles = 10\n`, /:4:1: unknown resource "nofiles" in \[limits\]\n  hint: did you mean "nofile"\?/);
  only(`${MINIMAL}[limits]\nnofile = [10, 5]\n`, /:4:10: nofile in \[limits\]: the soft limit \(10\) is above the hard limit \(5\)\n  hint: the soft limit can be at most the hard one: write nofile = \[5, 5\]/);
  only(`${MINIMAL}[limits]\nnofile = ["unlimited", 5]\n`, /the soft limit \(unlimited\) is above the hard limit \(5\)/);
  only(`${MINIMAL}[limits]\nnofile = [1, 2, 3]\n`, /nofile in \[limits\]: a list must hold two values, \[soft, hard\]; got 3/);
  only(`${MINIMAL}[limits]\nnofile = -1\n`, /nofile in \[limits\] must be from 0 to \d+, got -1/);
  only(`${MINIMAL}[limits]\nnofile = "4096"\n`, /expected an integer or "unlimited", got the string "4096"\n  hint: remove the quotes: nofile = 4096/);
  only(`${MINIMAL}limits = 5\n`, /"limits" must be a table, got the integer 5/);
  assert.deepEqual(ok(`${MINIMAL}[limits]\nnofile = [1024, "unlimited"]\n`).limits, [{ resource: 'nofile', soft: 1024, hard: 'unlimited' }]);
});

test('sockets: the app config\'s checks, plus owner and group that must exist', () => {
  only(`${MINIMAL}[socket.web]\npath = "web.sock"\nowner = "nobody-here"\n`, /:5:9: owner in \[socket\.web\]: user "nobody-here" does not exist/);
  only(`${MINIMAL}[socket.web]\npath = "web.sock"\ngroup = "webgrq"\n`, /:5:9: group in \[socket\.web\]: group "webgrq" does not exist \(not in \/etc\/group\)\n  hint: did you mean "webgrp"\?/);
  only(`${MINIMAL}[socket.web]\npath = "web.sock"\nmode = 660\n`, /:5:8: mode in \[socket\.web\]: expected an octal string like "0660", got the integer 660\n  hint: quote it: mode = "0660"/);
  only(`${MINIMAL}[socket.web]\npath = "web.sock"\naddress = "127.0.0.1:80"\n`, /\[socket\.web\] has both path and address/);
  only(`${MINIMAL}[socket.web]\npath = "web.sock"\nownr = "appa"\n`, /unknown key "ownr" in \[socket\.web\]\n  hint: did you mean "owner"\?/);
  only(`${MINIMAL}[socket.api]\naddress = "127.0.0.1:80"\ngroup = "webgrp"\n`, /:5:9: \[socket\.api\] is a TCP socket: it has no file, so no owner or group/);
  only(`${MINIMAL}[socket.muster-control]\npath = "x.sock"\n`, /:3:9: \[socket\.muster-control\]: the name "muster-control" is the app tier's control socket/);
  only(`${MINIMAL}[socket.web]\npath = "control.sock"\n`, /:4:8: path of \[socket\.web\] is the app tier's control socket \(\/run\/muster\/appa\/control\.sock\)/);
  only(`${MINIMAL}[socket.a]\npath = "x.sock"\n[socket.b]\npath = "/run/muster/appa/x.sock"\n`, /\[socket\.b\] has the same path as \[socket\.a\]/);
  // Only in the app's run folder: not "../", not another app's folder (its control socket), not /tmp.
  only(`${MINIMAL}[socket.web]\npath = "../../etc/x.sock"\n`, /:4:8: path of \[socket\.web\] \(\/run\/etc\/x\.sock\) is not in the app's run folder \/run\/muster\/appa[^\n]*\n  hint: write path = "x\.sock"/);
  only(`${MINIMAL}[socket.web]\npath = "../appb/control.sock"\n`, /path of \[socket\.web\] \(\/run\/muster\/appb\/control\.sock\) is not in the app's run folder[^\n]*\n  hint: write path = "web\.sock"/);
  only(`${MINIMAL}[socket.web]\npath = "/tmp/web.sock"\n`, /path of \[socket\.web\] \(\/tmp\/web\.sock\) is not in the app's run folder/);
  only(`${MINIMAL}[socket.web]\npath = "sub/web.sock"\n`, /is not in the app's run folder/);
});

test('unknown keys get a suggestion; [process.*] belongs in the app config; the app name comes from the file', () => {
  only(`${MINIMAL}operater = "appa-ops"\n`, /:3:1: unknown key "operater" in the registration\n  hint: did you mean "operators"\?/);
  only(`${MINIMAL}[process.web]\ncommand = "x"\n`, /:3:2: \[process\.\*\] tables do not belong in a registration/);
  only(MINIMAL, /^\/etc\/muster\/apps\/appa\.toml: "App\.A" is not an app name[^\n]*\n  hint: rename the file, e\.g\. \/etc\/muster\/apps\/app-a\.toml/, 'App.A');
});

test('every problem is reported at once, in file order', () => {
  const shown = errors('user = "root"\nroot = "x"\numask = "9"\n[limits]\nfoo = 1\n');
  assert.equal(shown.length, 4, shown.join('\n'));
  assert.deepEqual(shown.map((s) => s.split(':')[1]), ['1', '2', '3', '5']);
});

/** A temp registrations folder holding `files` (mode 0644 unless given). */
function appsDir(files: Record<string, string | { text: string; mode: number }>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-apps-'));
  for (const [name, spec] of Object.entries(files)) {
    const { text, mode } = typeof spec === 'string' ? { text: spec, mode: 0o644 } : spec;
    fs.writeFileSync(path.join(dir, name), text);
    fs.chmodSync(path.join(dir, name), mode);
  }
  return dir;
}

test('the folder: sorted, dot files and other files left out; one bad file refuses only its app', (t) => {
  const dir = appsDir({
    'appb.toml': 'user = "appb"\nroot = "/srv/appb"\n',
    'appa.toml': MINIMAL,
    'broken.toml': 'user = "appa"\nroot = \n',
    '.appa.toml.swp': 'junk',
    'README': 'not a registration',
  });
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const set = loadRegistrations(dir, { runBase: RUN, accounts });
  assert.equal(set.folderProblem, null);
  assert.deepEqual(set.registrations.map((r) => r.app), ['appa', 'appb']);
  assert.deepEqual(set.refused.map((r) => [r.app, r.diagnostics.length]), [['broken', 1]]);
  assert.match(formatDiagnostic(set.refused[0]!.diagnostics[0]!), new RegExp(`^${dir}/broken\\.toml:3:1: TOML syntax error`));
});

test('a registration writable by its group or everyone, or not owned by root, is refused', (t) => {
  const dir = appsDir({
    'loose.toml': { text: MINIMAL, mode: 0o666 },
    'grp.toml': { text: MINIMAL, mode: 0o664 },
    'fine.toml': { text: MINIMAL, mode: 0o600 },
    'owned.toml': MINIMAL,
  });
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const isRoot = process.getuid?.() === 0;
  if (isRoot) fs.chownSync(path.join(dir, 'owned.toml'), 65534, 65534);
  const set = loadRegistrations(dir, { runBase: RUN, accounts });
  const shown = Object.fromEntries(set.refused.map((r) => [r.app, r.diagnostics.map(formatDiagnostic).join('\n')]));
  assert.match(shown.loose!, /loose\.toml is writable by its group and everyone \(mode 0666\); the app is not started \(only root may write a registration\)\n  hint: chmod go-w .*loose\.toml$/);
  assert.match(shown.grp!, /grp\.toml is writable by its group \(mode 0664\)/);
  if (isRoot) {
    assert.match(shown.owned!, /owned\.toml is owned by uid 65534, not root; the app is not started[^\n]*\n  hint: chown root:root /);
    assert.deepEqual(set.registrations.map((r) => r.app), ['fine']);
  } else {
    // Not root: every file is someone else's than root's, so every one is refused.
    assert.match(shown.fine!, /is owned by uid \d+, not root/);
  }
});

test('two apps on one socket: the later one is refused, naming the other', (t) => {
  const dir = appsDir({
    'appa.toml': `${MINIMAL}[socket.api]\naddress = "0.0.0.0:8000"\n[socket.admin]\naddress = "127.0.0.1:9000"\n`,
    'appb.toml': 'user = "appb"\nroot = "/srv/appb"\n[socket.http]\naddress = "127.0.0.1:8000"\n',
    'appc.toml': 'user = "appb"\nroot = "/srv/appc"\n[socket.www]\naddress = "127.0.0.1:9000"\n',
  });
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const set = loadRegistrations(dir, { runBase: RUN, accounts });
  if (process.getuid?.() !== 0) return; // files not owned by root are refused before this check
  assert.deepEqual(set.registrations.map((r) => r.app), ['appa']);
  const shown = set.refused.map((r) => formatDiagnostic(r.diagnostics[0]!));
  assert.match(shown[0]!, /appb\.toml: \[socket\.http\] \(127\.0\.0\.1:8000\) is also \[socket\.api\] of app appa/);
  assert.match(shown[1]!, /appc\.toml: \[socket\.www\] \(127\.0\.0\.1:9000\) is also \[socket\.admin\] of app appa/);
});

test('at a reload, the app that runs with a socket as it is keeps it: the changed one that wants it is refused, whatever the names', (t) => {
  const dir = appsDir({
    'appa.toml': `${MINIMAL}[socket.api]\naddress = "127.0.0.1:8000"\n`,
    'appb.toml': 'user = "appb"\nroot = "/srv/appb"\n[socket.http]\naddress = "127.0.0.1:8000"\n',
  });
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  if (process.getuid?.() !== 0) return; // files not owned by root are refused before this check
  const set = loadRegistrations(dir, { runBase: RUN, accounts, runsAsIs: (r) => r.app === 'appb' });
  assert.deepEqual(set.registrations.map((r) => r.app), ['appb']);
  assert.match(formatDiagnostic(set.refused[0]!.diagnostics[0]!), /appa\.toml: \[socket\.api\] \(127\.0\.0\.1:8000\) is also \[socket\.http\] of app appb/);
});

test('a registration that is a symbolic link is refused, even to a good file', (t) => {
  const dir = appsDir({ 'real.toml': MINIMAL });
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.symlinkSync(path.join(dir, 'real.toml'), path.join(dir, 'linked.toml'));
  const set = loadRegistrations(dir, { runBase: RUN, accounts });
  const linked = set.refused.find((r) => r.app === 'linked');
  assert.match(formatDiagnostic(linked!.diagnostics[0]!), /linked\.toml is a symbolic link; the app is not started/);
});

test('a registrations folder others may write (or a folder above it that is not sticky) refuses every app in it', (t) => {
  if (process.getuid?.() !== 0) return; // files not owned by root are refused before this check
  const dir = appsDir({ 'appa.toml': MINIMAL });
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(loadRegistrations(dir, { runBase: RUN, accounts }).registrations.map((r) => r.app), ['appa'], 'mkdtemp under sticky /tmp is fine');
  fs.chmodSync(dir, 0o777);
  let set = loadRegistrations(dir, { runBase: RUN, accounts });
  assert.deepEqual(set.registrations, []);
  assert.match(formatDiagnostic(set.refused[0]!.diagnostics[0]!), new RegExp(`the registrations folder ${dir} is writable by everyone \\(mode 0777\\); the app is not started`));
  fs.chmodSync(dir, 0o755);
  const inner = path.join(dir, 'apps');
  fs.mkdirSync(inner, { mode: 0o755 });
  fs.writeFileSync(path.join(inner, 'appa.toml'), MINIMAL, { mode: 0o644 });
  fs.chmodSync(dir, 0o775);
  set = loadRegistrations(inner, { runBase: RUN, accounts });
  assert.match(formatDiagnostic(set.refused[0]!.diagnostics[0]!), new RegExp(`${dir}, a folder above the registrations, is writable by its group \\(mode 0775\\)`));
});

test('a missing folder is one problem, not an exception', () => {
  const set = loadRegistrations('/nonexistent/muster-apps', { runBase: RUN, accounts });
  assert.match(set.folderProblem ?? '', /cannot read the registrations folder \/nonexistent\/muster-apps: ENOENT/);
});
