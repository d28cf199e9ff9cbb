// What an instance starts in another process group (bash job control, setpgid, a setsid daemon)
// is stopped with it: stop, restart and down reach it through the marks in its environment, give
// it the stop signal, SIGKILL it at stop_timeout, and the stop ends only once it is gone. Before,
// each restart leaked one process and `down` said "stopped" with the process still running.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { tempApp } from '../support/up';
import { isAlive, musterNotes, pgidOf } from '../support/proc';
import { muster, readSupervisorPid, statusJson, upDetached } from '../support/control';
import { killSleepsAfter, sleeps, uniqueSeconds } from '../support/sleeps';

async function ok(dir: string, args: string[]): Promise<void> {
  const r = await muster(dir, args);
  assert.equal(r.code, 0, `muster ${args.join(' ')} exited ${r.code}; stderr:\n${r.stderr}\n${r.stdout}`);
}

test('children in other process groups or sessions: restart leaks none, stop and down end them before they answer', { timeout: 90_000 }, async (t) => {
  const job = uniqueSeconds();
  const pgrp = uniqueSeconds();
  const daemon = uniqueSeconds();
  const stubborn = uniqueSeconds();
  const dir = tempApp({
    'muster.toml': [
      '[process.jobctl]',
      // bash job control puts the sleep in a process group of its own
      `command = "bash -c 'set -m; sleep ${job} & echo child $!; wait'"`,
      '[process.pgrp]',
      `command = "python3 -c 'import os, subprocess; subprocess.Popen([\\"sleep\\", \\"${pgrp}\\"], preexec_fn=lambda: os.setpgid(0, 0)).wait()'"`,
      'stop_scope = "group"',
      '[process.daemon]',
      `command = "sh -c 'setsid sleep ${daemon} & wait'"`,
      '[process.stubborn]',
      // its own group, and deaf to SIGTERM: only the SIGKILL at stop_timeout ends it
      `command = "bash -c 'set -m; (trap \\"\\" TERM; exec sleep ${stubborn}) & wait'"`,
      'stop_timeout = "1s"',
      '',
    ].join('\n'),
  });
  killSleepsAfter(t, job, pgrp, daemon, stubborn);
  await upDetached(t, dir);
  const status = await statusJson(dir);
  const mainOf = (name: string) => status.find((i) => i.name === name)!.pid!;
  for (const [name, seconds] of [['jobctl', job], ['pgrp', pgrp], ['daemon', daemon], ['stubborn', stubborn]] as const) {
    const [pid] = sleeps(seconds);
    assert.ok(pid !== undefined, `${name}: sleep ${seconds} runs`);
    assert.notEqual(pgidOf(pid), mainOf(name), `${name}: its sleep left the instance's process group`);
  }

  for (let k = 0; k < 3; k++) await ok(dir, ['restart', 'jobctl', 'pgrp', 'daemon']);
  assert.deepEqual([sleeps(job).length, sleeps(pgrp).length, sleeps(daemon).length], [1, 1, 1], 'three restarts leave one of each');

  await ok(dir, ['stop', 'jobctl', 'pgrp']);
  assert.deepEqual([...sleeps(job), ...sleeps(pgrp)], [], 'stop returns once they are gone');

  const stubbornPid = sleeps(stubborn)[0]!;
  const supervisor = readSupervisorPid(dir)!;
  const started = Date.now();
  await ok(dir, ['down']);
  assert.ok(Date.now() - started >= 1000, 'the stubborn one waited for its stop_timeout');
  assert.deepEqual([...sleeps(daemon), ...sleeps(stubborn)], [], 'down returns once they are gone');
  assert.equal(isAlive(supervisor), false);

  const jobNotes = musterNotes(`${dir}/.muster/logs/jobctl.log`).map((n) => n.text);
  assert.ok(jobNotes.some((n) => /main process gone; sent SIGTERM to what it left: pid \d+ \(started outside its group\)/.test(n)), jobNotes.join('\n'));
  const stubbornNotes = musterNotes(`${dir}/.muster/logs/stubborn.log`).map((n) => n.text);
  assert.ok(stubbornNotes.some((n) => n.includes(`killed pid ${stubbornPid} (started outside its group)`)), stubbornNotes.join('\n'));
  for (const name of ['jobctl', 'pgrp', 'daemon', 'stubborn']) {
    const notes = musterNotes(`${dir}/.muster/logs/${name}.log`).map((n) => n.text);
    assert.ok(!notes.some((n) => n.includes('output pipes are still open')), `${name}: ${notes.join('\n')}`);
  }
});

test('a crash restarted at once: the new run is never taken for what the old run left outside its group', { timeout: 60_000 }, async (t) => {
  // Runs 1.2 s (a stable run: restarted at once, in the same step as the old run is cleaned up).
  const dir = tempApp({ 'muster.toml': '[process.crashy]\ncommand = "sh -c \'sleep 1.2; exit 1\'"\nmax_restarts = 50\n' });
  await upDetached(t, dir);
  const { readMusterLog } = await import('../support/control');
  const deadline = Date.now() + 20_000;
  while ((readMusterLog(dir).match(/exited \(exit code 1\)/g) ?? []).length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const log = readMusterLog(dir);
  assert.ok((log.match(/exited \(exit code 1\)/g) ?? []).length >= 4, `four runs ended on their own:\n${log}`);
  assert.doesNotMatch(log, /killed by SIGKILL|started outside its group/, 'no run was killed as a stray of the one before');
  assert.equal((await muster(dir, ['down'])).code, 0);
});
