// Who can write what, reachability for others, and folding a subtree's findings into its top.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { aboveReasons, belowText, collapse, othersCanReach, reachability, writeReasons } from '../../../src/audit/access';
import { APPA, dir, file, symlink, walk } from './fixtures';

test('the owner, a group the user holds (primary or supplementary) and everyone are reasons', () => {
  assert.deepEqual(writeReasons(file('/a', 0o444, 1001), APPA), ['owner'], 'read-only but owned: the owner can chmod');
  assert.deepEqual(writeReasons(file('/a', 0o664, 0, 1001), APPA), ['group']);
  assert.deepEqual(writeReasons(file('/a', 0o664, 0, 1500), APPA), ['group'], 'a supplementary group');
  assert.deepEqual(writeReasons(file('/a', 0o664, 0, 2000), APPA), [], 'a group the user is not in');
  assert.deepEqual(writeReasons(file('/a', 0o646), APPA), ['world']);
  assert.deepEqual(writeReasons(dir('/a', 0o777, 1001, 1001), APPA), ['owner', 'group', 'world']);
  assert.deepEqual(writeReasons(file('/a', 0o644), APPA), []);
  assert.deepEqual(writeReasons(symlink('/a'), APPA), [], 'a symlink has no permissions of its own');
});

test('above the tree, a sticky folder is fine unless the user owns it', () => {
  assert.deepEqual(aboveReasons(dir('/tmp', 0o1777), APPA), []);
  assert.deepEqual(aboveReasons(dir('/x', 0o1775, 0, 1001), APPA), []);
  assert.deepEqual(aboveReasons(dir('/x', 0o1755, 1001), APPA), ['owner']);
  assert.deepEqual(aboveReasons(dir('/x', 0o777), APPA), ['world']);
});

test('others reach a file when every folder on the way lets them search it', () => {
  assert.equal(othersCanReach([dir('/'), dir('/var'), dir('/var/log', 0o755)]), true);
  assert.equal(othersCanReach([dir('/'), dir('/var', 0o750)]), false);
  assert.equal(othersCanReach([dir('/'), symlink('/var')]), true, 'a symlink on the way does not stop anyone');
  const w = walk([dir('/l', 0o755), dir('/l/a', 0o750), file('/l/a/x.log'), file('/l/y.log'), dir('/l/a/b'), file('/l/a/b/z')]);
  assert.deepEqual(reachability(w.entries, true), [true, true, false, true, false, false]);
  assert.deepEqual(reachability(w.entries, false), [false, false, false, false, false, false]);
});

test('a subtree with the same reason gives one item with a count; a break starts a new one', () => {
  const w = walk([
    dir('/t', 0o755, 1001),
    dir('/t/a', 0o755, 1001),
    file('/t/a/1', 0o644, 1001),
    file('/t/a/2', 0o666, 1001),
    dir('/t/b'),
    file('/t/b/3', 0o644, 1001),
  ]);
  const items = collapse(w.entries, (e) => writeReasons(e, APPA));
  assert.deepEqual(items.map((i) => [w.entries[i.index]!.path, i.reason, i.below]), [
    ['/t', 'owner', 3],
    ['/t/a/2', 'world', 0],
    ['/t/b/3', 'owner', 0],
  ]);
  assert.equal(belowText(0), '');
  assert.equal(belowText(1), ' (and 1 more entry below it)');
  assert.equal(belowText(12345), ' (and 12,345 more entries below it)');
});
