// B23: output at exit, while draining after a stop, and without a final newline, adapted to the
// foreground `muster up` (no `muster start` yet): "many runs" are one-shot instances that muster
// restarts at once (each runs just over MIN_UPTIME, so there is no backoff), with 4 CPU burners
// running. Muster's `-> exited` line in the log file must come after the run's `last`: output is
// read to EOF before the exit is reported.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { startUp, tempApp, waitUntil } from '../support/up';
import { killMusterTree, logPath, readLog } from '../support/case-run';

const ONESHOTS = 8;
const MIN_RUNS = 48;

interface Run {
  readonly pid: number;
  readonly own: string[];
  /** Muster's lines after the run's output began, up to the next spawn. */
  readonly after: string[];
  /** Muster's line that ends the run (its exit or stop), and the index of the last own line before it. */
  readonly endNote: string | undefined;
  readonly ownAfterEnd: number;
}

/** Splits an instance's log into runs, one per `starting -> ready (pid N) [spawned]` line. */
function runsOf(log: string): Run[] {
  const runs: Array<{ pid: number; own: string[]; after: string[]; endNote: string | undefined; ownAfterEnd: number }> = [];
  for (const line of log.split('\n')) {
    const spawned = /^\[muster\] \S+ starting -> \S+ \(pid (\d+)\) \[spawned\]$/.exec(line);
    if (spawned) {
      runs.push({ pid: Number(spawned[1]), own: [], after: [], endNote: undefined, ownAfterEnd: 0 });
      continue;
    }
    const run = runs.at(-1);
    if (!run || line === '') continue;
    if (line.startsWith('[muster] ')) {
      run.after.push(line);
      if (/ -> (exited|starting|stopped|backoff)\b/.test(line) && run.endNote === undefined) run.endNote = line;
    } else {
      run.own.push(line);
      if (run.endNote !== undefined) run.ownAfterEnd++;
    }
  }
  return runs;
}

function burnCpus(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
}

test(`B23: ${MIN_RUNS}+ one-shot runs under CPU load each log first and last before muster's exit line; graceful drains after the stop; nonl is logged`, async () => {
  const dir = tempApp({
    'muster.toml': [
      '[process.oneshot]',
      `command = "sh -c 'sleep 1; echo first; sleep 0.1; echo last'"`,
      `instances = ${ONESHOTS}`,
      'max_restarts = 1000',
      '',
      '[process.graceful]',
      'command = "python3 $HELPERS/slowstop.py --drain 3"',
      'stop_timeout = "30s"',
      '',
      '[process.nonl]',
      'command = "printf no-newline-at-end"',
      'restart = "never"',
      '',
    ].join('\n'),
  });
  const burners = burnCpus(4);
  const up = startUp(dir);
  try {
    await up.waitFor(/graceful +\| slowstop up pid=\d+/);
    const exitsOnConsole = () => up.output().match(/oneshot\.\d += ready -> starting \(pid \d+\): exited \(exit code 0\); restarting/g)?.length ?? 0;
    await waitUntil(() => exitsOnConsole() >= MIN_RUNS, 60_000, `${MIN_RUNS} one-shot runs ended`);
    for (const b of burners) b.kill('SIGKILL');

    const stopAt = Date.now();
    up.signal('SIGINT');
    assert.equal(await up.exited(20_000), 0);
    const stoppedAfterS = (Date.now() - stopAt) / 1000;
    assert.ok(stoppedAfterS >= 2.5, `graceful drained for 3 s (muster exited after ${stoppedAfterS} s)`);

    let finished = 0;
    for (let i = 1; i <= ONESHOTS; i++) {
      const runs = runsOf(readLog(dir, `oneshot.${i}`));
      assert.ok(runs.length >= 2, `oneshot.${i} ran more than once`);
      for (const [n, run] of runs.entries()) {
        const where = `oneshot.${i} run ${n + 1} (pid ${run.pid})`;
        assert.ok(run.endNote !== undefined, `${where} has an end line: ${run.after.join(' / ')}`);
        assert.equal(run.ownAfterEnd, 0, `${where}: output after muster's end line: ${JSON.stringify(run)}`);
        if (/exited \(exit code 0\)/.test(run.endNote)) {
          assert.deepEqual(run.own, ['first', 'last'], where);
          finished++;
        } else {
          // The run the final SIGINT interrupted: whatever it printed, in order.
          assert.match(run.endNote, /-> stopping|-> stopped/, where);
          assert.deepEqual(run.own, ['first', 'last'].slice(0, run.own.length), where);
        }
      }
    }
    assert.ok(finished >= MIN_RUNS, `${finished} finished runs in the logs`);
    assert.equal(finished, exitsOnConsole(), 'every exit muster reported has its run in the log');

    // graceful: draining, drain 0..2, bye, all after the stop request and before muster's stopped line.
    const graceful = runsOf(readLog(dir, 'graceful'));
    assert.equal(graceful.length, 1);
    const g = readLog(dir, 'graceful').split('\n').filter(Boolean);
    const stopIdx = g.findIndex((l) => /^\[muster\] \S+ ready -> stopping \(pid \d+\) \[stop\]$/.test(l));
    const stoppedIdx = g.findIndex((l) => /^\[muster\] \S+ stopping -> stopped: stopped \(exit code 0\)$/.test(l));
    assert.ok(stopIdx > 0 && stoppedIdx > stopIdx, g.join('\n'));
    assert.deepEqual(g.slice(stopIdx + 1, stoppedIdx).filter((l) => !l.startsWith('[muster] ')), ['draining', 'drain 0', 'drain 1', 'drain 2', 'bye']);

    // nonl: the text without a final newline is logged (with a newline added) before its exit line.
    assert.match(readLog(dir, 'nonl'), /\nno-newline-at-end\n\[muster\] \S+ ready -> exited \(pid \d+\): exited \(exit code 0\)/);
  } finally {
    for (const b of burners) b.kill('SIGKILL');
    killMusterTree(up.child.pid);
  }
});

test('B23: output still in the pipes when the processes stop is logged before muster closes its files', async () => {
  // A flood keeps its pipe full (and muster's reading paused while the disk catches up) at the moment
  // the stop kills it; muster used to close the log file first ("cannot write ...: write after end").
  const dir = tempApp({ 'muster.toml': `[process.flood]\ncommand = "sh -c 'yes flood-line-of-text | head -c 5000000000'"\n` });
  const up = startUp(dir, ['--quiet']);
  try {
    await waitUntil(() => fs.existsSync(logPath(dir, 'flood')) && fs.statSync(logPath(dir, 'flood')).size > 20_000_000, 20_000, 'flood.log passed 20 MB');
    up.signal('SIGINT');
    assert.equal(await up.exited(15_000), 0);
    assert.doesNotMatch(up.output(), /cannot write/);
    assert.match(up.output(), /every process stopped; bye/);
    const own = readLog(dir, 'flood').split('\n').filter((l) => l !== '' && !l.startsWith('[muster] '));
    const cut = own.findIndex((l) => l !== 'flood-line-of-text');
    // Only the very last line may be short: the kill stopped `yes` in the middle of a write.
    assert.ok(cut === -1 || cut === own.length - 1, `a cut line in the middle of flood.log: ${JSON.stringify(own[cut])} at ${cut} of ${own.length}`);
    if (cut !== -1) assert.ok('flood-line-of-text'.startsWith(own[cut]!), `the last line ${JSON.stringify(own[cut])}`);
    // The stop is reported only after the pipes were read to the end: no output after that line.
    const all = readLog(dir, 'flood').split('\n').filter((l) => l !== '');
    const stoppedAt = all.findIndex((l) => /^\[muster\] .* -> stopped/.test(l));
    assert.ok(stoppedAt > 0, 'the stop is logged');
    assert.deepEqual(all.slice(stoppedAt + 1).filter((l) => !l.startsWith('[muster] ')), [], 'no output logged after the stopped line');
  } finally {
    killMusterTree(up.child.pid);
  }
});
