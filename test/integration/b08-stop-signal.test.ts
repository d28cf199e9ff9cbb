// B08 (stop part, foreground): stop_signal is per process. A uWSGI-like program that reloads on
// TERM stops at once with QUIT; sent TERM it keeps reloading until stop_timeout, then its whole
// group is SIGKILLed. The reload part needs the control socket (`muster reload`): not here yet.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { groupMembers, reportedPids, tempApp } from '../support/up';
import { isAlive, musterNotes, upRunner } from '../support/proc';

test('B08 foreground stop: QUIT stops the reloader at once with bye; TERM makes it reload, SIGKILL of the group at 10 s', async (t) => {
  const dir = tempApp({
    'muster.toml': [
      '[process.app]',
      'command = "python3 $HELPERS/reloader.py $T"',
      'stop_signal = "QUIT"',
      'reload_signal = "HUP"',
      'stop_timeout = "10s"',
      '',
      '[process.app_wrong]',
      'command = "python3 $HELPERS/reloader.py $T"',
      'stop_signal = "TERM"',
      'stop_timeout = "10s"',
      '',
    ].join('\n'),
  });
  const runUp = upRunner(t, dir);

  const up = runUp();
  await up.waitFor(/\sapp\s+\| reloader up/);
  await up.waitFor(/app_wrong\s+\| reloader up/);
  const [appPid] = reportedPids(up.output(), 'app');
  const [wrongPid] = reportedPids(up.output(), 'app_wrong');

  const signalledAt = Date.now();
  up.signal('SIGINT');

  // app: QUIT -> bye -> gone in under 2 s.
  await up.waitFor(/\sapp\s+= stopping -> stopped/, 2000);
  assert.ok(Date.now() - signalledAt < 2000);
  assert.equal(isAlive(appPid!), false);
  // app_wrong: TERM -> reloading, same pid up again, still running.
  await up.waitFor(new RegExp(`app_wrong\\s+\\| reloader up pid=${wrongPid}[^\\n]*\\n[^]*app_wrong\\s+\\| reloader up pid=${wrongPid}`), 5000);
  assert.match(up.output(), /app_wrong\s+\| reloading/);
  assert.equal(isAlive(wrongPid!), true, 'app_wrong keeps running after TERM');

  const code = await up.exited(20_000);
  const tookS = (Date.now() - signalledAt) / 1000;
  assert.equal(code, 0);
  assert.ok(tookS >= 9 && tookS <= 11.5, `muster exited ${tookS.toFixed(2)} s after SIGINT`);

  const logs = path.join(dir, '.muster', 'logs');
  const appLog = fs.readFileSync(path.join(logs, 'app.log'), 'utf8');
  assert.match(appLog, /^bye$/m);
  const appNotes = musterNotes(path.join(logs, 'app.log'));
  assert.ok(appNotes.some((n) => n.text === `sent SIGQUIT to pid ${appPid}`), appNotes.map((n) => n.text).join('\n'));
  assert.ok(appNotes.some((n) => n.text === 'stopping -> stopped: stopped (exit code 0)'), appNotes.map((n) => n.text).join('\n'));
  assert.ok(!appNotes.some((n) => n.text.includes('SIGKILL')));

  const wrongNotes = musterNotes(path.join(logs, 'app_wrong.log'));
  const term = wrongNotes.find((n) => n.text === `sent SIGTERM to pid ${wrongPid}`);
  const kill = wrongNotes.find((n) => n.text.startsWith(`SIGKILL to process group ${wrongPid}: still running 10s after SIGTERM (stop_timeout)`));
  assert.ok(term && kill, wrongNotes.map((n) => n.text).join('\n'));
  const graceS = (kill.at - term.at) / 1000;
  assert.ok(graceS >= 9 && graceS <= 11, `SIGKILL came ${graceS} s after SIGTERM`);
  assert.ok(wrongNotes.some((n) => n.text === 'stopping -> stopped: killed (killed by SIGKILL)'), wrongNotes.map((n) => n.text).join('\n'));
  assert.deepEqual(groupMembers(wrongPid!), [], `group ${wrongPid} is empty`);
  assert.deepEqual(groupMembers(appPid!), []);
});
