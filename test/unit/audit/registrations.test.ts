// The registrations the audit works from: the host tier's reading, and for a file the host refuses
// because someone besides root may write it, the same parse without that check.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRegistrations } from '../../../src/audit/registrations';
import { Accounts } from '../../../src/host/accounts';

const accounts = Accounts.parse('root:x:0:0:root:/root:/bin/bash\nappa:x:991:991::/srv/appa:/usr/sbin/nologin\n', 'root:x:0:\nappa:x:991:\n');

function folder(t: { after: (fn: () => void) => void }, files: Record<string, [string, number]>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-audit-regs-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, [text, mode]] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), text);
    fs.chmodSync(path.join(dir, name), mode);
  }
  return dir;
}

test('a trusted, valid registration is the host tier\'s; apps come sorted', { skip: process.getuid?.() !== 0 && 'needs root (a registration must be root\'s)' }, (t) => {
  const dir = folder(t, { 'appb.toml': ['user = "appa"\nroot = "/srv/appb"\n', 0o644], 'appa.toml': ['user = "appa"\nroot = "/srv/appa"\n', 0o644] });
  const read = readRegistrations(dir, '/run/muster', accounts);
  assert.ok(read.ok);
  assert.deepEqual(read.apps.map((a) => [a.app, a.registration?.root, a.problems.length]), [['appa', '/srv/appa', 0], ['appb', '/srv/appb', 0]]);
});

test('a registration others may write is still read (the audit reports it); other problems are kept', { skip: process.getuid?.() !== 0 && 'needs root' }, (t) => {
  const dir = folder(t, {
    'appa.toml': ['user = "appa"\nroot = "/srv/appa"\n[socket.web]\npath = "web.sock"\n', 0o666],
    'appb.toml': ['user = "nobody-here"\nroot = "/srv/appb"\n', 0o666],
    'appc.toml': ['user = "appa"\n', 0o644],
  });
  const read = readRegistrations(dir, '/run/muster', accounts);
  assert.ok(read.ok);
  const [a, b, c] = read.apps;
  assert.equal(a!.registration?.sockets[0]?.config.kind === 'unix' && a!.registration.sockets[0].config.path, '/run/muster/appa/web.sock');
  assert.deepEqual(a!.problems, [], 'who may write it is the audit\'s own finding, not a problem here');
  assert.equal(b!.registration, null);
  assert.match(b!.problems.map((d) => d.message).join('\n'), /user "nobody-here" does not exist/);
  assert.doesNotMatch(b!.problems.map((d) => d.message).join('\n'), /writable/);
  assert.equal(c!.registration, null);
  assert.match(c!.problems.map((d) => d.message).join('\n'), /no root/);
});

test('a folder that cannot be read is a problem', () => {
  const read = readRegistrations('/nonexistent/muster-apps', '/run/muster', accounts);
  assert.equal(read.ok, false);
  assert.match(!read.ok ? read.problem : '', /cannot read the registrations folder \/nonexistent\/muster-apps/);
});

test('a registration that is a FIFO or a folder is kept with the host\'s problem, and reading it does not block', { timeout: 10_000 }, (t) => {
  const dir = folder(t, {});
  execFileSync('mkfifo', [path.join(dir, 'fifo.toml')]);
  fs.mkdirSync(path.join(dir, 'dir.toml'));
  const read = readRegistrations(dir, '/run/muster', accounts);
  assert.ok(read.ok);
  assert.deepEqual(read.apps.map((a) => [a.app, a.registration, a.problems.map((d) => d.message)]), [
    ['dir', null, [`${path.join(dir, 'dir.toml')} is not a regular file; the app is not started`]],
    ['fifo', null, [`${path.join(dir, 'fifo.toml')} is not a regular file; the app is not started`]],
  ]);
});
