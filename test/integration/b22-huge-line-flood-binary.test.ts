// B22: one 50 MB line, a flood and 5 MB of binary output, under the foreground `muster up`.
// muster's memory stays bounded (VmRSS from /proc), the log files hold every byte unchanged, and
// muster keeps serving a light instance meanwhile. The flood is shrunk to 100 MB for CI (the
// benchmark keeps 1 GB). A second test sends output through the console to a pipe the test stops
// reading, to prove the console path drops lines instead of growing.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MUSTER_JS } from '../support/paths';
import { tempApp, waitUntil } from '../support/up';
import { killMusterTree, logPath, rssKiB } from '../support/case-run';

const RSS_MARGIN_KIB = 64 * 1024;
const CAP = 64 * 1024;

/** Every command waits for `$T/<gate>` so the test can read muster's RSS before the output starts. */
const gated = (gate: string, script: string) => `"sh -c 'until [ -e $T/${gate} ]; do sleep 0.02; done; ${script}'"`;
const TICK = `"sh -c 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.05; done'"`;

function size(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function tail(file: string, bytes: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const n = Math.min(bytes, fs.fstatSync(fd).size);
    const buf = Buffer.alloc(n);
    fs.readSync(fd, buf, 0, n, fs.fstatSync(fd).size - n);
    return buf.toString('latin1');
  } finally {
    fs.closeSync(fd);
  }
}

/** The log file without muster's own `[muster] ...` lines at its start and end. */
function instanceBytes(log: Buffer): Buffer {
  let start = 0;
  while (log.subarray(start, start + 9).toString() === '[muster] ') start = log.indexOf(10, start) + 1;
  let end = log.length;
  for (;;) {
    const lineStart = log.lastIndexOf(10, end - 2) + 1;
    if (lineStart <= start || log.subarray(lineStart, lineStart + 9).toString() !== '[muster] ') break;
    end = lineStart;
  }
  return log.subarray(start, end);
}

interface Sampler {
  readonly r0: number;
  max: number;
  stop(): void;
}

/** Reads muster's VmRSS every 25 ms; `each` runs on every sample. */
function sampleRss(pid: number, each: () => void = () => undefined): Sampler {
  const r0 = rssKiB(pid);
  assert.ok(r0 !== null, 'muster is running');
  const sampler: Sampler = {
    r0,
    max: r0,
    stop: () => clearInterval(timer),
  };
  const timer = setInterval(() => {
    const r = rssKiB(pid);
    if (r !== null) sampler.max = Math.max(sampler.max, r);
    each();
  }, 25);
  return sampler;
}

test('B22: a 50 MB line, a 100 MB flood and 5 MB of random bytes: bounded RSS, every byte logged, muster stays responsive', async () => {
  const dir = tempApp({
    'muster.toml': [
      '[process.blob]',
      `command = ${gated('go', 'exec python3 $HELPERS/bigline.py 50000000')}`,
      '[process.flood]',
      `command = ${gated('go', 'yes flood-line-of-text | head -c 100000000; echo FLOOD-END; exec sleep 3600')}`,
      '[process.bin]',
      `command = ${gated('go', 'head -c 5000000 /dev/urandom | tee $T/bin.copy; echo; echo BIN-END; exec sleep 3600')}`,
      '[process.tick]',
      `command = ${TICK}`,
      '',
    ].join('\n'),
  });
  const root = path.dirname(dir);
  const logs = { blob: logPath(dir, 'blob'), flood: logPath(dir, 'flood'), bin: logPath(dir, 'bin'), tick: logPath(dir, 'tick') };
  // --quiet: this test needs only the log files; the console path is the next test.
  const up = spawn(process.execPath, [MUSTER_JS, '-C', dir, 'up', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let said = '';
  up.stdout.on('data', (b: Buffer) => (said += b.toString()));
  up.stderr.on('data', (b: Buffer) => (said += b.toString()));
  const exited = new Promise<number | null>((resolve) => up.on('exit', (code) => resolve(code)));
  let sampler: Sampler | undefined;
  try {
    await waitUntil(() => /^tick 2$/m.test(fs.existsSync(logs.tick) ? fs.readFileSync(logs.tick, 'latin1') : ''), 10_000, 'tick is logging');

    // Responsiveness: while the flood is written, the light instance's lines keep arriving.
    let tickSize = size(logs.tick);
    let tickGrewAt = Date.now();
    let longestTickGap = 0;
    sampler = sampleRss(up.pid!, () => {
      const now = Date.now();
      const s = size(logs.tick);
      if (s !== tickSize) {
        longestTickGap = Math.max(longestTickGap, now - tickGrewAt);
        tickSize = s;
        tickGrewAt = now;
      }
    });
    const go = Date.now();
    fs.writeFileSync(path.join(root, 'go'), '');

    await waitUntil(() => size(logs.blob) > 50_000_000 && tail(logs.blob, 200).includes('A done\n'), 10_000, '" done" of the 50 MB line is logged');
    const doneAfterMs = Date.now() - go;
    await waitUntil(() => size(logs.flood) > 100_000_000 && tail(logs.flood, 200).includes('FLOOD-END\n'), 40_000, 'FLOOD-END is logged');
    const floodAfterMs = Date.now() - go;
    await waitUntil(() => size(logs.bin) > 5_000_000 && tail(logs.bin, 200).includes('\nBIN-END\n'), 20_000, 'BIN-END is logged');
    const tickGap = Math.max(longestTickGap, Date.now() - tickGrewAt);
    sampler.stop();

    const grewKiB = sampler.max - sampler.r0;
    console.log(`# B22 RSS start ${sampler.r0} KiB, max ${sampler.max} KiB (+${grewKiB} KiB); " done" after ${doneAfterMs} ms; FLOOD-END after ${floodAfterMs} ms; longest pause of tick.log ${tickGap} ms`);
    assert.ok(grewKiB <= RSS_MARGIN_KIB, `muster's RSS grew by ${grewKiB} KiB (limit ${RSS_MARGIN_KIB})`);
    assert.ok(doneAfterMs <= 10_000);
    assert.ok(tickGap < 1000, `tick.log stood still for ${tickGap} ms during the flood`);

    // Byte for byte: the huge line whole, every flood byte, the random bytes unchanged.
    assert.ok(instanceBytes(fs.readFileSync(logs.blob)).equals(Buffer.concat([Buffer.alloc(50_000_000, 'A'), Buffer.from(' done\n')])), 'blob.log holds the 50 MB line whole');
    const flood = instanceBytes(fs.readFileSync(logs.flood));
    assert.equal(flood.length, 100_000_000 + 'FLOOD-END\n'.length);
    assert.ok(flood.equals(Buffer.concat([Buffer.alloc(100_000_000, 'flood-line-of-text\n'), Buffer.from('FLOOD-END\n')])), 'flood.log holds every byte of the flood');
    const copy = fs.readFileSync(path.join(root, 'bin.copy'));
    assert.equal(copy.length, 5_000_000);
    assert.ok(instanceBytes(fs.readFileSync(logs.bin)).equals(Buffer.concat([copy, Buffer.from('\nBIN-END\n')])), 'bin.log holds the random bytes unchanged');

    // Still responsive at the end: SIGINT is answered at once and everything stops.
    const sent = Date.now();
    up.kill('SIGINT');
    await waitUntil(() => said.includes('SIGINT: stopping'), 1000, 'muster acknowledges SIGINT within 1 s');
    console.log(`# B22 SIGINT acknowledged after ${Date.now() - sent} ms`);
    assert.equal(await exited, 0);
  } finally {
    sampler?.stop();
    killMusterTree(up.pid);
  }
});

/** Splits the console output into lines as it arrives, keeping only what the test looks at. */
class ConsoleReader {
  bytes = 0;
  longest = 0;
  readonly lines: string[] = [];
  private rest = '';
  constructor(private readonly keep: (line: string) => boolean) {}
  push(b: Buffer): void {
    this.bytes += b.length;
    const parts = (this.rest + b.toString('utf8')).split('\n');
    this.rest = parts.pop()!;
    for (const line of parts) {
      this.longest = Math.max(this.longest, Buffer.byteLength(line));
      if (this.keep(line)) this.lines.push(line);
    }
  }
  has(re: RegExp): boolean {
    return this.lines.some((l) => re.test(l));
  }
}

test('B22 console: long lines shown in 64 KiB pieces with " ↩"; a flood into a pipe nobody reads drops lines, memory stays bounded', async () => {
  const dir = tempApp({
    'muster.toml': [
      '[process.blob]',
      `command = ${gated('go-blob', 'exec python3 $HELPERS/bigline.py 1000000')}`,
      '[process.flood]',
      `command = ${gated('go-flood', 'yes flood-line-of-text | head -c 30000000; echo FLOOD-END; exec sleep 3600')}`,
      '[process.tick]',
      `command = ${TICK}`,
      '',
    ].join('\n'),
  });
  const root = path.dirname(dir);
  const up = spawn(process.execPath, [MUSTER_JS, '-C', dir, 'up'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const prefix = /^\d\d:\d\d:\d\d\.\d{3} (\S+) +([|!=]) /;
  let badFloodLines = 0;
  const out = new ConsoleReader((line) => {
    const m = prefix.exec(line);
    if (m?.[1] === 'flood' && m[2] === '|') {
      if (!/\| (flood-line-of-text|flood-line-of-tFLOOD-END)$/.test(line)) badFloodLines++;
      return false;
    }
    return m?.[1] !== 'tick' || m[2] !== '|' || /tick \d+0$/.test(line); // keep every tenth tick
  });
  up.stdout.on('data', (b: Buffer) => out.push(b));
  up.stderr.on('data', (b: Buffer) => out.push(b));
  const exited = new Promise<number | null>((resolve) => up.on('exit', (code) => resolve(code)));
  const waitLine = (re: RegExp, ms: number, what: string) => waitUntil(() => out.has(re), ms, what);
  let sampler: Sampler | undefined;
  try {
    await waitLine(/tick +\| tick 10$/, 10_000, 'tick is shown');
    sampler = sampleRss(up.pid!);

    // 1 000 000 bytes = 15 pieces of 64 KiB, each ending in " ↩", then the rest and " done".
    fs.writeFileSync(path.join(root, 'go-blob'), '');
    await waitLine(/blob +\| A+ done$/, 10_000, 'the end of the long line is shown');
    const pieces = out.lines.filter((l) => / blob +\| A/.test(l)).map((l) => l.replace(/^.*? blob +\| /, ''));
    assert.equal(pieces.length, 16);
    for (const p of pieces.slice(0, 15)) assert.equal(p, `${'A'.repeat(CAP)} ↩`);
    assert.equal(pieces[15], `${'A'.repeat(1_000_000 - 15 * CAP)} done`);

    // Stop reading muster's stdout: the pipe fills, and the flood must not pile up in muster.
    up.stdout.pause();
    fs.writeFileSync(path.join(root, 'go-flood'), '');
    await waitUntil(() => size(logPath(dir, 'flood')) > 30_000_000 && tail(logPath(dir, 'flood'), 100).includes('FLOOD-END\n'), 30_000, 'FLOOD-END is logged while the console is blocked');
    const blockedMax = sampler.max;
    up.stdout.resume();
    await waitLine(/muster += \d+ lines were not shown here because the terminal could not keep up/, 10_000, 'muster reports the lines it left off the screen');
    const ticksBefore = out.lines.filter((l) => / tick +\| /.test(l)).length;
    await waitUntil(() => out.lines.filter((l) => / tick +\| /.test(l)).length >= ticksBefore + 2, 10_000, 'tick is shown again');
    sampler.stop();

    const grewKiB = sampler.max - sampler.r0;
    console.log(`# B22 console: RSS start ${sampler.r0} KiB, max ${sampler.max} KiB (+${grewKiB} KiB; +${blockedMax - sampler.r0} KiB while blocked); ${out.bytes} console bytes; longest line ${out.longest} bytes`);
    assert.ok(grewKiB <= RSS_MARGIN_KIB, `muster's RSS grew by ${grewKiB} KiB (limit ${RSS_MARGIN_KIB})`);
    assert.equal(badFloodLines, 0, 'every flood line shown is whole');
    assert.ok(out.longest <= 64 + CAP + Buffer.byteLength(' ↩'), `longest console line ${out.longest} bytes`);
    up.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    sampler?.stop();
    killMusterTree(up.pid);
  }
});
