// Check 0: a registered app's run folder, control socket, state and log folders are where the
// audit looks; a missing one is reported as incomplete, never as a clean result.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { HostFolderFacts, checkHostFolders } from '../../../src/audit/check-folders';
import { dir, socket } from './fixtures';

const present: HostFolderFacts = {
  run: { path: '/run/muster/appa', facts: dir('/run/muster/appa') },
  control: { path: '/run/muster/appa/control.sock', facts: socket('/run/muster/appa/control.sock') },
  state: { path: '/var/lib/muster/appa', facts: dir('/var/lib/muster/appa', 0o750, 1001, 1001) },
  log: { path: '/var/log/muster/appa', facts: dir('/var/log/muster/appa', 0o750, 1001, 1001) },
};

test('every folder there: nothing to say', () => {
  assert.deepEqual(checkHostFolders(present), []);
});

test('missing run folder, state and log folders: incomplete, naming the path and the options', () => {
  const none = (p: { path: string }) => ({ path: p.path, facts: null });
  const found = checkHostFolders({ run: none(present.run), control: none(present.control), state: none(present.state), log: none(present.log) });
  assert.deepEqual(found.map((f) => [f.severity, f.kind, f.object]), [
    ['warning', 'incomplete', '/run/muster/appa'],
    ['warning', 'incomplete', '/var/lib/muster/appa'],
    ['warning', 'incomplete', '/var/log/muster/appa'],
  ], 'the control socket is not reported again below a missing run folder');
  for (const f of found) {
    assert.match(f.message, new RegExp(`${f.object} does not exist`));
    assert.match(f.message, /is muster host running with other folders\? use --run-dir\/--state-dir\/--log-dir/);
  }
  assert.match(found[0]!.fix, /--run-dir DIR/);
  assert.match(found[2]!.fix, /--log-dir DIR/);
});

test('a run folder without its control socket: incomplete', () => {
  const found = checkHostFolders({ ...present, control: { path: present.control.path, facts: null } });
  assert.deepEqual(found.map((f) => [f.severity, f.kind, f.object]), [['warning', 'incomplete', '/run/muster/appa/control.sock']]);
});
