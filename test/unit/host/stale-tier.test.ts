// Which pid the host treats as a previous host's app tier: only one whose /proc says so.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findStaleTier } from '../../../src/host/stale-tier';

function fakeProc(t: { after(fn: () => void): void }, pid: number, environ: string[], uid: number, state = 'S (sleeping)') {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-stale-'));
  t.after(() => fs.rmSync(base, { recursive: true, force: true }));
  const state_ = path.join(base, 'state');
  fs.mkdirSync(state_);
  fs.writeFileSync(path.join(state_, 'muster.pid'), `${pid}\n`);
  fs.mkdirSync(path.join(base, 'proc', String(pid)), { recursive: true });
  fs.writeFileSync(path.join(base, 'proc', String(pid), 'environ'), `${environ.join('\0')}\0`);
  fs.writeFileSync(path.join(base, 'proc', String(pid), 'status'), `Name:\tnode\nState:\t${state}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\n`);
  return { state: state_, proc: path.join(base, 'proc') };
}

test('the pid file names this app\'s tier under a host, running as the app user: it is stale', (t) => {
  const f = fakeProc(t, 4242, ['PATH=/bin', 'MUSTER_APP=appa', 'MUSTER_HOST=1'], 991);
  assert.equal(findStaleTier(f.state, 'appa', 991, f.proc), 4242);
});

test('another app, no MUSTER_HOST, another user, a zombie, or no such process: never signalled', (t) => {
  const otherApp = fakeProc(t, 4242, ['MUSTER_APP=appb', 'MUSTER_HOST=1'], 991);
  assert.equal(findStaleTier(otherApp.state, 'appa', 991, otherApp.proc), null);
  const noHost = fakeProc(t, 4243, ['MUSTER_APP=appa'], 991);
  assert.equal(findStaleTier(noHost.state, 'appa', 991, noHost.proc), null);
  const otherUser = fakeProc(t, 4244, ['MUSTER_APP=appa', 'MUSTER_HOST=1'], 0);
  assert.equal(findStaleTier(otherUser.state, 'appa', 991, otherUser.proc), null);
  const zombie = fakeProc(t, 4245, ['MUSTER_APP=appa', 'MUSTER_HOST=1'], 991, 'Z (zombie)');
  assert.equal(findStaleTier(zombie.state, 'appa', 991, zombie.proc), null);
  const gone = fakeProc(t, 4246, ['MUSTER_APP=appa', 'MUSTER_HOST=1'], 991);
  fs.rmSync(path.join(gone.proc, '4246'), { recursive: true });
  assert.equal(findStaleTier(gone.state, 'appa', 991, gone.proc), null);
  assert.equal(findStaleTier('/nonexistent', 'appa', 991, gone.proc), null);
});
