// The filesystem edge: the walk does not follow symlinks, stops at its limit and says so; the
// folders above a path include the resolved ones.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Unseen, foldersAbove, probe, walkTree } from '../../../src/audit/gather';

function tempTree(t: { after(fn: () => void): void }): string {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-audit-walk-'));
  t.after(() => fs.rmSync(top, { recursive: true, force: true }));
  fs.mkdirSync(path.join(top, 'app/lib'), { recursive: true });
  fs.writeFileSync(path.join(top, 'app/a.py'), '');
  fs.writeFileSync(path.join(top, 'app/lib/b.py'), '');
  fs.mkdirSync(path.join(top, 'outside'));
  fs.writeFileSync(path.join(top, 'outside/secret'), '');
  fs.symlinkSync(path.join(top, 'outside'), path.join(top, 'app/link'));
  return top;
}

test('a walk lists folders before what they hold and does not follow symlinks', (t) => {
  const top = tempTree(t);
  const unseen: Unseen[] = [];
  const walk = walkTree(path.join(top, 'app'), unseen)!;
  const rel = walk.entries.map((e) => [path.relative(top, e.path), e.type, e.parent]);
  assert.deepEqual(rel, [['app', 'dir', -1], ['app/a.py', 'file', 0], ['app/lib', 'dir', 0], ['app/link', 'symlink', 0], ['app/lib/b.py', 'file', 2]]);
  assert.equal(walk.truncated, false);
  assert.deepEqual(unseen, []);
  assert.equal(walkTree(path.join(top, 'nothing'), unseen), null);
  assert.deepEqual(unseen, [], 'a missing path is not "unseen"');
});

test('a walk stops at its limit and says so', (t) => {
  const top = tempTree(t);
  const walk = walkTree(path.join(top, 'app'), [], 3)!;
  assert.equal(walk.entries.length, 3);
  assert.equal(walk.truncated, true);
  assert.equal(walk.limit, 3);
});

test('folders above a path: from / down, through a symlink and where it resolves to', (t) => {
  const top = tempTree(t);
  const above = foldersAbove(path.join(top, 'app/link/secret'), []).map((f) => f.path);
  assert.equal(above[0], '/');
  assert.ok(above.includes(path.join(top, 'app/link')), 'the link as written');
  assert.ok(above.includes(path.join(fs.realpathSync(top), 'outside')), 'and where it leads');
  const facts = probe(path.join(top, 'app/a.py'), false, [])!;
  assert.equal(facts.type, 'file');
  assert.equal(facts.mode, fs.statSync(path.join(top, 'app/a.py')).mode & 0o7777);
});
