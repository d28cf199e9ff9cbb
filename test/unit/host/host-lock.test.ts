// One host per state folder: host.pid is claimed once, a dead host's is replaced, a live host's refuses.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claimHostPid } from '../../../src/host/host-lock';

function folder(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-lock-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('claimed when free; released only while it holds our pid; nothing else is left in the folder', (t) => {
  const dir = folder(t);
  const file = path.join(dir, 'host.pid');
  const lock = claimHostPid(file, () => true);
  assert.ok(lock.ok);
  assert.equal(fs.readFileSync(file, 'utf8'), `${process.pid}\n`);
  assert.deepEqual(fs.readdirSync(dir), ['host.pid']);
  lock.release();
  assert.equal(fs.existsSync(file), false);
});

test('a live host\'s pid refuses with that pid; a pid that is no host is replaced', (t) => {
  const file = path.join(folder(t), 'host.pid');
  fs.writeFileSync(file, '4242\n');
  const refused = claimHostPid(file, (pid) => pid === 4242);
  assert.ok(!refused.ok);
  assert.match(refused.message, /another muster host \(pid 4242\) already runs on the state folder/);
  assert.equal(fs.readFileSync(file, 'utf8'), '4242\n');
  const claimed = claimHostPid(file, () => false);
  assert.ok(claimed.ok);
  assert.equal(fs.readFileSync(file, 'utf8'), `${process.pid}\n`);
});
