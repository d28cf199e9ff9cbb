// B07: each process gets its own grace time. A long drain finishes, a short stop_timeout ends in a
// SIGKILL of the group, and the stops run concurrently (the total is the longest, not the sum).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MUSTER_JS } from '../support/paths';
import { groupMembers, reportedPids, tempApp } from '../support/up';
import { musterNotes, upRunner } from '../support/proc';

test('B07 default stop_timeout is 10 s (muster config --json)', () => {
  const dir = tempApp({ 'Procfile': 'plain: python3 $HELPERS/marker.py plain\n' });
  const json = JSON.parse(execFileSync(process.execPath, [MUSTER_JS, '-C', dir, 'config', '--json'], { encoding: 'utf8' }));
  assert.equal(json.processes.plain.stop_timeout_ms, 10_000);
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

test('B07 foreground: longstop drains 20 s and finishes, shortstop is SIGKILLed at 5 s, stops run concurrently', async (t) => {
  const dir = tempApp({
    'muster.toml': [
      '[process.longstop]',
      'command = "python3 $HELPERS/slowstop.py --drain 20 --marker $T/drained"',
      'stop_signal = "TERM"',
      'stop_timeout = "60s"',
      '',
      '[process.shortstop]',
      'command = "python3 $HELPERS/slowstop.py --drain 20 --marker $T/drained2"',
      'stop_timeout = "5s"',
      '',
      '[process.plain]',
      'command = "python3 $HELPERS/marker.py plain $T"',
      '',
    ].join('\n'),
  });
  const root = path.dirname(dir);
  const runUp = upRunner(t, dir);

  const up = runUp();
  await up.waitFor(/longstop\s+\| slowstop up/);
  await up.waitFor(/shortstop\s+\| slowstop up/);
  await up.waitFor(/plain\s+\| plain up/);
  const out0 = up.output();
  const [longPid] = reportedPids(out0, 'longstop');
  const [shortPid] = reportedPids(out0, 'shortstop');
  const [plainPid] = reportedPids(out0, 'plain');

  const signalledAt = Date.now();
  up.signal('SIGINT');
  // The short one is killed at 5 s while the long one still drains.
  await up.waitFor(/shortstop\s+= SIGKILL to process group/, 10_000);
  assert.equal(fs.existsSync(path.join(root, 'drained')), false, 'longstop is still draining when shortstop is killed');
  const code = await up.exited(30_000);
  const tookS = (Date.now() - signalledAt) / 1000;
  assert.equal(code, 0);
  assert.ok(tookS >= 19 && tookS <= 22, `muster exited ${tookS.toFixed(2)} s after SIGINT (expected 19-22: concurrent stops)`);

  assert.equal(fs.existsSync(path.join(root, 'drained')), true, 'longstop finished draining');
  assert.equal(fs.existsSync(path.join(root, 'drained2')), false, 'shortstop was killed before it finished');
  for (const pgid of [longPid!, shortPid!, plainPid!]) assert.deepEqual(groupMembers(pgid), [], `group ${pgid} is empty`);

  const logs = path.join(dir, '.muster', 'logs');
  // longstop: a clean exit after the drain, no SIGKILL.
  const longNotes = musterNotes(path.join(logs, 'longstop.log'));
  assert.ok(longNotes.some((n) => n.text === 'stopping -> stopped: stopped (exit code 0)'), longNotes.map((n) => n.text).join('\n'));
  assert.ok(!longNotes.some((n) => n.text.includes('SIGKILL')));
  assert.match(fs.readFileSync(path.join(logs, 'longstop.log'), 'utf8'), /^bye$/m);

  // shortstop: SIGKILL to its group 5 s (±0.5) after SIGTERM, and the log says why.
  const shortNotes = musterNotes(path.join(logs, 'shortstop.log'));
  const term = shortNotes.find((n) => n.text === `sent SIGTERM to pid ${shortPid}`);
  const kill = shortNotes.find((n) => n.text.startsWith(`SIGKILL to process group ${shortPid}: still running 5s after SIGTERM (stop_timeout)`));
  assert.ok(term && kill, shortNotes.map((n) => n.text).join('\n'));
  const graceS = (kill.at - term.at) / 1000;
  assert.ok(graceS >= 4.5 && graceS <= 5.5, `SIGKILL came ${graceS} s after SIGTERM`);
  assert.ok(shortNotes.some((n) => n.text === 'stopping -> stopped: killed (killed by SIGKILL)'), shortNotes.map((n) => n.text).join('\n'));

  // plain (default timeout) stopped at once on TERM.
  const plainNotes = musterNotes(path.join(logs, 'plain.log'));
  assert.ok(plainNotes.some((n) => n.text === 'stopping -> stopped: stopped (exit code 0)'), plainNotes.map((n) => n.text).join('\n'));
});
