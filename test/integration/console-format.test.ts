// The console format of `muster up`: clock time, the instance name padded to one column, then `|`
// (stdout), `!` (stderr) or `=` (muster). Colour only on a terminal, and never with NO_COLOR set.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CASE_HELPERS, MUSTER_JS } from '../support/paths';
import { tempApp, waitUntil } from '../support/up';
import { killMusterTree, parentOf } from '../support/case-run';

const PROCFILE = [
  `web: python3 -c "import sys, time; print('to out', flush=True); print('to err', file=sys.stderr, flush=True); time.sleep(100)"`,
  'long-worker-name: echo worker line',
  '',
].join('\n');
const TOML = '[process.long-worker-name]\nrestart = "never"\n';
const LINE = /^(\d\d:\d\d:\d\d\.\d{3}) (\S+)( +)([|!=]) (.*)$/;

function environ(noColor: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NO_COLOR') env[k] = v;
  if (noColor) env.NO_COLOR = '1';
  return env;
}

for (const noColor of [true, false]) {
  test(`console format (${noColor ? 'NO_COLOR set' : 'stdout a pipe, NO_COLOR unset'}): time, padded name, marker; stderr marked "!"; no colour`, async () => {
    const dir = tempApp({ Procfile: PROCFILE, 'muster.toml': TOML });
    const up = spawnUp(dir, environ(noColor));
    try {
      await up.waitFor(/ web +! to err\n/);
      await up.waitFor(/ long-worker-name = ready -> exited/);
      up.child.kill('SIGINT');
      assert.equal(await up.exited, 0);
      const text = up.stdout();
      assert.doesNotMatch(text, /\x1b/, 'no escape sequences');
      const lines = text.trimEnd().split('\n');
      const width = 'long-worker-name'.length;
      for (const line of lines) {
        const m = LINE.exec(line);
        assert.ok(m, `console line in the format "time name marker text": ${JSON.stringify(line)}`);
        assert.equal(m[2]!.length + m[3]!.length - 1, width, `name padded to ${width}: ${JSON.stringify(line)}`);
        const ms = Date.now() - clockMs(m[1]!);
        assert.ok(ms >= 0 && ms < 60_000, `the time is the wall-clock time: ${m[1]}`);
      }
      const shown = lines.map((l) => LINE.exec(l)!).map((m) => `${m[2]} ${m[4]} ${m[5]}`);
      assert.ok(shown.includes('web | to out'));
      assert.ok(shown.includes('web ! to err'));
      assert.ok(shown.includes('long-worker-name | worker line'));
      assert.ok(shown.some((s) => /^web = starting -> ready \(pid \d+\) \[spawned\]$/.test(s)));
      assert.ok(shown.some((s) => /^muster = starting 2 instances of 2 processes in /.test(s)));
      assert.ok(shown.includes('muster = every process stopped; bye'));
    } finally {
      killMusterTree(up.child.pid);
    }
  });
}

test('console colour: on a terminal muster colours names and the "!" marker, and NO_COLOR turns it off', async () => {
  const shownWith = async (noColor: boolean): Promise<string> => {
    const dir = tempApp({ Procfile: PROCFILE, 'muster.toml': TOML });
    // ptyrun.py puts muster on a new pseudo-terminal and relays what it shows.
    const pty = spawn('python3', [path.join(CASE_HELPERS, 'ptyrun.py'), '--timeout', '30', '--', process.execPath, MUSTER_JS, '-C', dir, 'up'], { env: environ(noColor), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    pty.stdout.on('data', (b: Buffer) => (out += b.toString()));
    pty.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const done = new Promise<void>((resolve) => pty.on('exit', () => resolve()));
    let musterPid: number | undefined;
    try {
      // Strip colour codes to find the lines; assert on the raw text below.
      await waitUntil(() => /web.*!.*to err/.test(out.replace(/\x1b\[[0-9;]*m/g, '')), 15_000, 'the stderr line is shown');
      musterPid = fs.readdirSync('/proc').map(Number).find((p) => p > 0 && parentOf(p) === pty.pid);
      assert.ok(musterPid, 'muster runs under ptyrun');
      process.kill(musterPid, 'SIGINT');
      await done;
      return out;
    } finally {
      killMusterTree(musterPid);
      pty.kill('SIGKILL');
    }
  };
  const coloured = await shownWith(false);
  assert.match(coloured, /\x1b\[31m!\x1b\[0m to err/, 'the stderr marker is red');
  assert.match(coloured, /\x1b\[\d+mweb +\x1b\[0m \| to out/, 'the name is coloured');
  assert.match(coloured, /ptyrun: exit=0 /);
  const plain = await shownWith(true);
  assert.doesNotMatch(plain, /\x1b\[/);
  assert.match(plain, / web +! to err/);
});

function clockMs(hms: string): number {
  const [h, m, s] = hms.split(':').map(Number) as [number, number, number];
  const d = new Date();
  d.setHours(h, m, 0, 0);
  let t = d.getTime() + s * 1000;
  if (t > Date.now() + 1000) t -= 86_400_000; // the test ran across midnight
  return t;
}

/** Like startUp, but with the environment exactly as given and stdout kept apart from stderr. */
function spawnUp(dir: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [MUSTER_JS, '-C', dir, 'up'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let all = '';
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
    all += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => (all += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    stdout: () => stdout,
    waitFor: (re: RegExp) => waitUntil(() => re.test(all), 15_000, `${re} on the console`),
  };
}
