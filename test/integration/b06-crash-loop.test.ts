// B06: a program that dies at once is restarted with a growing delay and given up on by the
// crash-loop rule; a missing command is fatal at its first attempt; muster stays idle meanwhile.
// Status shows why; `muster start` on a fatal process starts it afresh.
//
// The case's 30 s window is shortened by its own "most permissive" example, max_restarts = 3:
// spawns at about 0, 1, 3 and 7 s (backoff 1, 2, 4 s), then fatal at the 4th exit. The rest of
// the backoff series (8, 16, capped at 30 s) is covered by test/unit/core/restart-policy.test.ts.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempApp, waitUntil } from '../support/up';
import { cpuTicks, upRunner } from '../support/proc';
import { musterJson, statusJson } from '../support/control';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node supports

test('B06 crash loop: growing backoff, fatal by the crash-loop rule with the last exit and output; missing command fatal at once naming ENOENT; muster idle', async (t) => {
  const dir = tempApp({
    'muster.toml': [
      '[process.crashy]',
      `command = "sh -c 'date +%s.%N >> $T/spawns; echo booting; exit 1'"`,
      'restart = "always"',
      'max_restarts = 3',
      '',
      '[process.missing]',
      'command = "/nonexistent/bin/app --serve"',
      'restart = "always"',
      '',
    ].join('\n'),
  });
  const root = path.dirname(dir);
  const runUp = upRunner(t, dir);

  const up = runUp();
  await up.waitFor(/crashy\s+= \S+ -> (?:running|ready) \(pid \d+\)/);
  const pid = up.child.pid!;
  const c0 = cpuTicks(pid);
  const t0 = Date.now();

  await up.waitFor(/crashy\s+= \S+ -> fatal/, 20_000);
  const c1 = cpuTicks(pid);
  const windowS = (Date.now() - t0) / 1000;
  const out = up.output();

  // Spawns: exactly max_restarts + 1, never closer than 1 s, each gap longer than the one before.
  const spawns = fs.readFileSync(path.join(root, 'spawns'), 'utf8').trim().split('\n').map(Number);
  assert.equal(spawns.length, 4, `spawn times: ${spawns.join(', ')}`);
  const gaps = spawns.slice(1).map((s, i) => s - spawns[i]!);
  for (const g of gaps) assert.ok(g >= 1, `gap ${g.toFixed(3)} s is below 1 s (gaps ${gaps.map((x) => x.toFixed(2)).join(', ')})`);
  for (let i = 1; i < gaps.length; i++) {
    assert.ok(gaps[i]! > gaps[i - 1]! * 1.5, `gaps grow (about doubling): ${gaps.map((x) => x.toFixed(2)).join(', ')}`);
  }
  assert.match(out, /crashy\s+= \S+ -> backoff .*next try in 1s/);
  assert.match(out, /crashy\s+= \S+ -> backoff .*next try in 2s/);
  assert.match(out, /crashy\s+= \S+ -> backoff .*next try in 4s/);

  // Fatal by the crash-loop rule, with the last exit code and the last output lines.
  const fatal = /crashy\s+= \S+ -> fatal.*/.exec(out)![0];
  assert.match(fatal, /exit code 1/);
  assert.match(fatal, /crash loop: 4 exits within 60s \(max_restarts = 3\)/);
  await up.waitFor(/crashy\s+= last output: "booting"/, 2000); // written right after the fatal line
  const crashyLogFile = path.join(dir, '.muster', 'logs', 'crashy.log');
  const crashyLog = () => fs.readFileSync(crashyLogFile, 'utf8');
  await waitUntil(() => crashyLog().includes('last output'), 2000, 'crashy.log has the last output'); // the file is written asynchronously
  assert.match(crashyLog(), /\[muster\] \S+ \S+ -> fatal .*crash loop/);
  assert.match(crashyLog(), /\[muster\] \S+ last output: "booting"/);

  // missing: fatal at the first attempt, naming the path and ENOENT, never "exited too quickly".
  const missingLines = out.split('\n').filter((l) => /\smissing\s+=/.test(l));
  assert.equal(missingLines.filter((l) => /-> fatal/.test(l)).length, 1, missingLines.join('\n'));
  assert.match(out, /missing\s+= starting -> fatal: cannot start: \/nonexistent\/bin\/app not found \(ENOENT\)/);
  assert.doesNotMatch(missingLines.join('\n'), /backoff|too quickly|-> (?:running|ready)/);

  // muster's own CPU over the window: under 5 %.
  const cpuS = (c1 - c0) / CLOCK_TICKS_PER_SECOND;
  assert.ok(windowS >= 6, `the window lasted ${windowS} s`);
  assert.ok(cpuS < 0.05 * windowS, `muster used ${cpuS} s of CPU in ${windowS.toFixed(1)} s`);

  // Control: status shows both fatal with their last exit and reason; the output is in `logs`.
  const [crashy, missing] = await statusJson(dir, ['crashy', 'missing']);
  assert.deepEqual([crashy!.state, crashy!.last_exit, crashy!.pid], ['fatal', { code: 1, signal: null }, null]);
  assert.match(crashy!.reason ?? '', /crash loop/);
  assert.equal(missing!.state, 'fatal');
  assert.match(missing!.reason ?? '', /\/nonexistent\/bin\/app not found \(ENOENT\)/);
  const logs = await musterJson(dir, ['logs', 'crashy', '-n', '5']);
  assert.ok(logs.some((l: { text: string }) => l.text === 'booting'), JSON.stringify(logs));

  // `muster start crashy` on the fatal process starts afresh: restarts back to 0, backoff from 1 s
  // again, and fatal again by the same rule. It never ran a second, so the start failed: exit 1.
  fs.writeFileSync(path.join(root, 'spawns'), '');
  const start = await musterJson(dir, ['start', 'crashy'], 1);
  assert.equal(start.results[0].outcome, 'failed');
  assert.equal(start.results[0].state, 'fatal');
  const again = fs.readFileSync(path.join(root, 'spawns'), 'utf8').trim().split('\n').map(Number);
  assert.equal(again.length, 4, `spawns after start: ${again.join(', ')}`);
  const firstGap = again[1]! - again[0]!;
  assert.ok(firstGap >= 1 && firstGap < 1.8, `the backoff starts again from 1 s (first gap ${firstGap.toFixed(2)} s)`);
  assert.equal((await statusJson(dir, ['crashy']))[0]!.restarts, 3, 'counted from 0 again up to the crash-loop limit');

  // Nothing is left to stop: muster exits at once on SIGINT.
  up.signal('SIGINT');
  assert.equal(await up.exited(5000), 0);
});
