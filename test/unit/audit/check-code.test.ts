// Check 1: code and config the app's user could change, in the tree and above it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkCode } from '../../../src/audit/check-code';
import { APPA, ABOVE_SRV, cleanApp, dir, file, walk } from './fixtures';

const brief = (fs: ReturnType<typeof checkCode>) => fs.map((f) => [f.severity, f.kind, f.object]);

test('a clean app folder gives no findings', () => {
  assert.deepEqual(checkCode([{ walk: walk(cleanApp()), above: ABOVE_SRV }], APPA), []);
});

test('a file the app user owns is severe, with chown as the fix', () => {
  const tree = cleanApp();
  tree[3] = file('/srv/appa/releases/1/app.py', 0o444, 1001, 1001);
  const found = checkCode([{ walk: walk(tree), above: ABOVE_SRV }], APPA);
  assert.deepEqual(brief(found), [['severe', 'writable-code', '/srv/appa/releases/1/app.py']]);
  assert.match(found[0]!.message, /owned by appa, the app's user/);
  assert.equal(found[0]!.fix, 'chown root /srv/appa/releases/1/app.py');
});

test('a folder writable by a supplementary group of the user is severe; by another group it is not', () => {
  const tree = cleanApp();
  tree[2] = dir('/srv/appa/releases/1', 0o770, 0, 1500);
  const found = checkCode([{ walk: walk(tree), above: ABOVE_SRV }], APPA);
  assert.deepEqual(brief(found), [['severe', 'writable-code', '/srv/appa/releases/1']]);
  assert.match(found[0]!.message, /group deploy, which appa is in \(mode 0770\)/);
  assert.equal(found[0]!.fix, 'chmod -R g-w /srv/appa/releases/1');
  tree[2] = dir('/srv/appa/releases/1', 0o770, 0, 2000);
  assert.deepEqual(checkCode([{ walk: walk(tree), above: ABOVE_SRV }], APPA), []);
});

test('world-writable: a sticky folder in the tree is no excuse (the app can add files to it)', () => {
  const sticky = checkCode([{ walk: walk([dir('/srv/appa', 0o1777), file('/srv/appa/app.py')]), above: ABOVE_SRV }], APPA);
  assert.deepEqual(brief(sticky), [['severe', 'writable-code', '/srv/appa']]);
  assert.equal(sticky[0]!.fix, 'chmod -R o-w /srv/appa');
  const both = checkCode([{ walk: walk([dir('/srv/appa', 0o1777), file('/srv/appa/app.py', 0o666)]), above: ABOVE_SRV }], APPA);
  assert.deepEqual(brief(both), [['severe', 'writable-code', '/srv/appa']]);
  assert.match(both[0]!.message, /writable by everyone \(mode 1777\) \(and 1 more entry below it\)/);
});

test('a tree chowned to the user is one finding that counts what is below', () => {
  const tree = [dir('/srv/appa', 0o755, 1001), dir('/srv/appa/lib', 0o755, 1001), file('/srv/appa/lib/a.py', 0o644, 1001), file('/srv/appa/b.py', 0o644, 1001)];
  const found = checkCode([{ walk: walk(tree), above: ABOVE_SRV }], APPA);
  assert.deepEqual(brief(found), [['severe', 'writable-code', '/srv/appa']]);
  assert.match(found[0]!.message, /and 3 more entries below it/);
  assert.equal(found[0]!.fix, 'chown -R root /srv/appa');
});

test('folders above: owned by the user, or writable without the sticky bit, are severe; /tmp-like ones are fine', () => {
  const tree = walk(cleanApp());
  assert.deepEqual(brief(checkCode([{ walk: tree, above: [dir('/'), dir('/srv', 0o755, 1001)] }], APPA)), [['severe', 'writable-code', '/srv']]);
  const found = checkCode([{ walk: tree, above: [dir('/'), dir('/srv', 0o777)] }], APPA);
  assert.deepEqual(brief(found), [['severe', 'writable-code', '/srv']]);
  assert.match(found[0]!.message, /folder above \/srv\/appa writable by everyone/);
  assert.equal(found[0]!.fix, 'chmod o-w /srv', 'no -R above the tree');
  assert.deepEqual(checkCode([{ walk: tree, above: [dir('/'), dir('/srv', 0o1777)] }], APPA), []);
  assert.deepEqual(brief(checkCode([{ walk: tree, above: [dir('/'), dir('/srv', 0o1777, 1001)] }], APPA)), [['severe', 'writable-code', '/srv']],
    'the owner of a sticky folder may still rename anything in it');
});

test('a folder above two trees is reported once; a cut-off walk says so', () => {
  const above = [dir('/'), dir('/srv', 0o777)];
  const current = walk([dir('/opt/r1'), file('/opt/r1/x')], true);
  const found = checkCode([{ walk: walk(cleanApp()), above }, { walk: current, above }], APPA);
  assert.deepEqual(brief(found), [['severe', 'writable-code', '/srv'], ['warning', 'incomplete', '/opt/r1']]);
  assert.match(found[1]!.message, /stopped after 200,000 entries/);
  assert.match(found[1]!.fix, /^find \/opt\/r1 /);
});
