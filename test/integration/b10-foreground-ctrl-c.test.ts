// B10: `muster up` on a real terminal (ptyrun.py types Ctrl-C into a pseudo-terminal). Children
// live in their own sessions, so the tty's SIGINT reaches only muster, which sends one stop signal;
// a second Ctrl-C kills every group at once. sigcount's drain is 5 s instead of 30 s to keep the
// suite fast (run 2 then ends about 3 + 5 s after start instead of 33 s).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CASE_HELPERS, MUSTER_JS } from '../support/paths';
import { groupMembers, pidsMatching, tempApp } from '../support/up';
import { mentionedPids, monotonicSeconds } from '../support/proc';

const DRAIN_S = 5;

interface PtyRun {
  readonly code: number;
  readonly out: string;
  readonly report: string;
  readonly startedAt: number; // monotonic seconds, same clock as sigcount's log
}

function ptyrun(dir: string, intrAt: number[], timeoutS: number): Promise<PtyRun> {
  const args = [path.join(CASE_HELPERS, 'ptyrun.py'), ...intrAt.flatMap((s) => ['--intr-at', String(s)]), '--timeout', String(timeoutS), '--', process.execPath, MUSTER_JS, '-C', dir, 'up'];
  const startedAt = monotonicSeconds();
  const child = spawn('python3', args, { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let report = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (report += b.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, out, report, startedAt })));
}

function sigLines(file: string): Array<{ at: number; signal: string }> {
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => {
    const [at, signal] = line.split(' ');
    return { at: Number(at), signal: signal! };
  });
}

function reportOf(run: PtyRun): { exit: number; elapsed: number; termios: string } {
  const m = /exit=(-?\d+) elapsed=([\d.]+)s termios=(\w+)/.exec(run.report);
  assert.ok(m, `ptyrun report: ${run.report}`);
  return { exit: Number(m[1]), elapsed: Number(m[2]), termios: m[3]! };
}

function app(): { dir: string; root: string } {
  const dir = tempApp({
    'Procfile': [
      `web: python3 $HELPERS/sigcount.py web --log $T/sig-web.log --drain ${DRAIN_S}`,
      `worker: python3 $HELPERS/sigcount.py worker --log $T/sig-worker.log --drain ${DRAIN_S}`,
      '',
    ].join('\n'),
    'muster.toml': '[process.web]\nstop_timeout = "60s"\n\n[process.worker]\nstop_timeout = "60s"\n',
  });
  return { dir, root: path.dirname(dir) };
}

/** ptyrun kills the command's session on its own timeout; this catches what a failed run left. */
function killLeft(root: string, out: string): void {
  const kill = (target: number) => {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  for (const pgid of mentionedPids(out)) if (groupMembers(pgid).length > 0) kill(-pgid);
  for (const pid of pidsMatching(root)) kill(pid);
  fs.rmSync(root, { recursive: true, force: true });
}

test('B10 run 1: Ctrl-C at 3 s and 5 s: one SIGTERM each, the force hint, every group SIGKILLed, nothing left, termios unchanged', async (t) => {
  const { dir, root } = app();
  let out = '';
  t.after(() => killLeft(root, out));

  const run = await ptyrun(dir, [3, 5], 20);
  out = run.out;
  const r = reportOf(run);
  assert.equal(r.termios, 'unchanged');
  assert.match(run.out, /press Ctrl-C again to force/);
  assert.match(run.out, /killing every process group now/);

  for (const name of ['web', 'worker']) {
    const lines = sigLines(path.join(root, `sig-${name}.log`));
    assert.equal(lines.length, 1, `${name} got exactly one signal: ${JSON.stringify(lines)}`);
    assert.equal(lines[0]!.signal, 'SIGTERM');
    assert.ok(lines[0]!.at >= run.startedAt + 3, `${name}'s signal came after the first Ctrl-C`);
    assert.match(run.out, new RegExp(`${name}\\s+= SIGKILL to process group \\d+: forced stop`));
  }
  assert.deepEqual(pidsMatching(root), [], 'no sigcount.py (nor anything else of this app) is left');
  const pids = mentionedPids(run.out);
  assert.equal(pids.length, 2, run.out);
  for (const pgid of pids) assert.deepEqual(groupMembers(pgid), [], `group ${pgid} is empty`);

  assert.equal(r.exit, 130, run.report);
  assert.ok(r.elapsed <= 6, `muster exited at ${r.elapsed} s`);
});

test('B10 run 2: a single Ctrl-C: muster exits once both children drained, one signal each, termios unchanged', async (t) => {
  const { dir, root } = app();
  let out = '';
  t.after(() => killLeft(root, out));

  const run = await ptyrun(dir, [3], 30);
  out = run.out;
  const r = reportOf(run);
  assert.equal(run.code, 0, run.report + run.out);
  assert.equal(r.termios, 'unchanged');
  assert.ok(r.elapsed >= 3 + DRAIN_S - 0.5 && r.elapsed <= 3 + DRAIN_S + 1.5, `muster exited at ${r.elapsed} s (expected about ${3 + DRAIN_S})`);
  assert.match(run.out, /press Ctrl-C again to force/);
  assert.doesNotMatch(run.out, /SIGKILL/);
  for (const name of ['web', 'worker']) {
    const lines = sigLines(path.join(root, `sig-${name}.log`));
    assert.equal(lines.length, 1, `${name} got exactly one signal: ${JSON.stringify(lines)}`);
    assert.equal(lines[0]!.signal, 'SIGTERM');
    assert.match(run.out, new RegExp(`${name}\\s+\\| ${name} bye`));
  }
  for (const pgid of mentionedPids(run.out)) assert.deepEqual(groupMembers(pgid), []);
});
