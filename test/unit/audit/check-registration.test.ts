// Check 2: the registration, its folder and the folders above them belong to root alone.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkRegistration } from '../../../src/audit/check-registration';
import { NAMES, dir, file } from './fixtures';

const above = [dir('/'), dir('/etc'), dir('/etc/muster')];
const clean = { folder: dir('/etc/muster/apps'), above, file: file('/etc/muster/apps/appa.toml') };
const brief = (fs: ReturnType<typeof checkRegistration>) => fs.map((f) => [f.severity, f.kind, f.object, f.fix]);

test('root-owned and written only by root: no findings', () => {
  assert.deepEqual(checkRegistration(clean, NAMES), []);
  assert.deepEqual(checkRegistration({ ...clean, file: file('/etc/muster/apps/appa.toml', 0o600) }, NAMES), []);
});

test('a registration owned by someone else, or writable by a group or everyone, is one severe finding with one fix', () => {
  const FILE = '/etc/muster/apps/appa.toml';
  const fix = `chown root:root ${FILE}; chmod 644 ${FILE}`;
  const owned = checkRegistration({ ...clean, file: file(FILE, 0o644, 1001) }, NAMES);
  assert.deepEqual(brief(owned), [['severe', 'registration', FILE, fix]]);
  assert.match(owned[0]!.message, /can be changed by its owner appa \(mode 0644\), so muster host refuses it/);
  const group = checkRegistration({ ...clean, file: file(FILE, 0o664, 0, 1500) }, NAMES);
  assert.deepEqual(brief(group), [['severe', 'registration', FILE, fix]]);
  assert.match(group[0]!.message, /changed by group deploy \(mode 0664\)/);
  const world = checkRegistration({ ...clean, file: file(FILE, 0o666, 1001) }, NAMES);
  assert.equal(world.length, 1);
  assert.match(world[0]!.message, /changed by its owner appa and group root and everyone/);
});

test('the registrations folder and the folders above it count too; sticky helps only above', () => {
  assert.deepEqual(brief(checkRegistration({ ...clean, folder: dir('/etc/muster/apps', 0o1777) }, NAMES)),
    [['severe', 'registration', '/etc/muster/apps', 'chmod go-w /etc/muster/apps']]);
  assert.deepEqual(brief(checkRegistration({ ...clean, above: [dir('/'), dir('/etc'), dir('/etc/muster', 0o755, 2000)] }, NAMES)),
    [['severe', 'registration', '/etc/muster', 'chown root:root /etc/muster']]);
  assert.deepEqual(checkRegistration({ ...clean, above: [dir('/'), dir('/tmp', 0o1777)] }, NAMES), []);
});
