#!/usr/bin/env node
'use strict';
// Where the wall time of `muster status` goes, against a running app (bench/status.sh calls it in
// each phase; it also runs alone):
//   node bench/status/breakdown.js --muster ROOT --app DIR [--runs 20] [--warmup 3] [--label L]
//        [--md FILE] [--json FILE]
// ROOT is a built muster (ROOT/bin/muster, ROOT/build/src/...). Measures:
//  1. `node -r trace.js ROOT/bin/muster -C DIR status` (spawnSync wall time + the points trace.js
//     records), with the environment as it is and, when NODE_EXTRA_CA_CERTS is set, without it;
//  2. the inclusive time of the CLI's require()s (STATUS_TRACE_REQUIRE=1);
//  3. the server: curl GET /v1/instances vs GET /v1/app (time to first byte), and the /proc work of
//     one GET /v1/instances redone in-process with muster's own functions (process-groups.js,
//     proc-stats.js) on the app's real process groups;
//  4. strace -c: the server's system calls per GET /v1/instances, and the CLI's (when strace exists).
const { spawnSync, spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : d; };
const ROOT = path.resolve(opt('--muster', '.'));
const APP = path.resolve(opt('--app', '.'));
const RUNS = Number(opt('--runs', 20));
const WARMUP = Number(opt('--warmup', 3));
const LABEL = opt('--label', '');
const MD = opt('--md', null);
const JSONF = opt('--json', null);
const TRACE = path.join(__dirname, 'trace.js');
const SOCK = path.join(APP, '.muster', 'control.sock');
const BIN = path.join(ROOT, 'bin', 'muster');
// The traced runs start node on main.js directly: bin/muster may be a sh launcher (since 515dc90, which
// drops NODE_EXTRA_CA_CERTS for client commands), and the preload needs node's own command line. The
// two columns (environment as is / NODE_EXTRA_CA_CERTS unset) show what the launcher's choice is worth;
// the launcher itself is timed separately (bin/muster vs node main.js).
const MAIN = path.join(ROOT, 'build', 'src', 'cli', 'main.js');

const med = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); const n = s.length; return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const p90 = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length ? s[Math.ceil(0.9 * s.length) - 1] : NaN; };
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const out = [];
const say = (s = '') => out.push(s);
const result = { label: LABEL, runs: RUNS };

function wallRun(argv, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /@@trace (\{.*\})/.exec(r.stderr.toString());
  return { wall, code: r.status, trace: m ? JSON.parse(m[1]) : null };
}

// ---- 1. the CLI, point by point
const SEGMENTS = [
  ['process start + exit outside node\'s clock (fork/exec, loader, teardown)', (w, t) => w - t.exit],
  ['node before V8 starts (OpenSSL init; NODE_EXTRA_CA_CERTS is loaded here)', (w, t) => t.v8Start],
  ['V8 + node bootstrap until user code', (w, t) => t.user - t.v8Start],
  ['CLI start: muster\'s modules + argument parsing, until the socket is opened', (w, t) => t.socket - t.user],
  ['connect to control.sock', (w, t) => t.connected - t.socket],
  ['server: request sent -> first byte of the answer', (w, t) => t.first - t.connected],
  ['rest of the answer arrives', (w, t) => t.last - t.first],
  ['JSON.parse + building the table (or the --json text)', (w, t) => t.write - t.last],
  ['writing it + exit', (w, t) => t.exit - t.write],
];
const variants = [['environment as is', process.env]];
if (process.env.NODE_EXTRA_CA_CERTS) {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  variants.push(['NODE_EXTRA_CA_CERTS unset', env]);
}
const argv = [process.execPath, '-r', TRACE, MAIN, '-C', APP, 'status'];
const cols = [];
for (const [name, env] of variants) {
  for (let i = 0; i < WARMUP; i++) wallRun(argv, env);
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(wallRun(argv, env));
  const ok = runs.filter((r) => r.code === 0 && r.trace && r.trace.socket !== undefined && r.trace.first !== undefined);
  cols.push({ name, runs: ok, failed: runs.length - ok.length });
}
say(`### \`muster status\` point by point${LABEL ? ` (${LABEL})` : ''}`);
say();
say(`${RUNS} runs after ${WARMUP} warm-ups per column, \`node -r bench/status/trace.js build/src/cli/main.js -C APP status\`, wall time from node's spawnSync; medians per segment (the segments' medians need not add up to the median wall time).`);
say();
say(`| segment | ${cols.map((c) => `${c.name}: median ms (p90)`).join(' | ')} |`);
say(`|---|${cols.map(() => '---').join('|')}|`);
result.cli = {};
for (const [seg, fn] of SEGMENTS) {
  const cells = cols.map((c) => { const xs = c.runs.map((r) => fn(r.wall, r.trace)); return `${f1(med(xs))} (${f1(p90(xs))})`; });
  say(`| ${seg} | ${cells.join(' | ')} |`);
  for (const c of cols) (result.cli[c.name] ??= {})[seg] = med(c.runs.map((r) => fn(r.wall, r.trace)));
}
say(`| **wall time** | ${cols.map((c) => { const xs = c.runs.map((r) => r.wall); return `**${f1(med(xs))}** (${f1(p90(xs))})`; }).join(' | ')} |`);
for (const c of cols) result.cli[c.name].wall = med(c.runs.map((r) => r.wall));
if (cols.some((c) => c.failed)) say(`\n(failed or untraced runs: ${cols.map((c) => `${c.name} ${c.failed}`).join(', ')})`);
say();

// the launcher: bin/muster as a user runs it, against node main.js (no preload) in both environments
{
  const plain = (cmd, env) => { for (let i = 0; i < WARMUP; i++) wallRun(cmd, env); const xs = []; for (let i = 0; i < RUNS; i++) xs.push(wallRun(cmd, env).wall); return xs; };
  const rows = [[`\`bin/muster -C APP status\` (${fs.readFileSync(BIN, 'utf8').startsWith('#!/bin/sh') ? 'sh launcher' : 'node script'}), environment as is`, plain([BIN, '-C', APP, 'status'], process.env)]];
  for (const [name, env] of variants) rows.push([`\`node main.js -C APP status\`, ${name}`, plain([process.execPath, MAIN, '-C', APP, 'status'], env)]);
  result.launcher = Object.fromEntries(rows.map(([k, xs]) => [k, med(xs)]));
  say(`Without the preload, ${RUNS} runs each (median, p90 ms): ${rows.map(([k, xs]) => `${k}: ${f1(med(xs))} (${f1(p90(xs))})`).join('; ')}.`);
  say();
}

// ---- 2. the CLI's require()s
{
  const env = { ...(variants.at(-1)[1]), STATUS_TRACE_REQUIRE: '1' };
  const per = new Map();
  for (let i = 0; i < Math.max(5, Math.min(RUNS, 10)); i++) {
    const r = wallRun(argv, env);
    if (!r.trace?.requires) continue;
    const seen = new Map();
    for (const q of r.trace.requires) {
      const key = `${'  '.repeat(q.depth)}${q.request.replace(ROOT, 'ROOT')}`;
      if (!seen.has(key)) seen.set(key, { ms: q.ms, at: q.at - r.trace.user });
    }
    for (const [k, v] of seen) { if (!per.has(k)) per.set(k, { ms: [], at: [] }); per.get(k).ms.push(v.ms); per.get(k).at.push(v.at); }
  }
  const rows = [...per].map(([k, v]) => ({ k, ms: med(v.ms), at: med(v.at) })).filter((r) => r.ms >= 0.3).sort((a, b) => a.at - b.at);
  const top = rows.filter((r) => !r.k.startsWith(' '));
  result.requires = Object.fromEntries(rows.map((r) => [r.k.trim(), r.ms]));
  say(`### The CLI's require()s (inclusive, median of ${Math.max(5, Math.min(RUNS, 10))} runs, ${variants.at(-1)[0]}; >= 0.3 ms)`);
  say();
  say(`Top level (what the CLI start costs in module loading): ${top.map((r) => `\`${r.k}\` ${f1(r.ms)} ms`).join(', ')}; sum ${f1(top.reduce((a, r) => a + r.ms, 0))} ms.`);
  say();
  say('```');
  for (const r of rows) say(`${f1(r.ms).padStart(6)} ms  at +${f1(r.at).padStart(5)}  ${r.k}`);
  say('```');
  say();
}

// ---- 3. the server
function curlTimes(urlPath) {
  const xs = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const r = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{time_connect} %{time_starttransfer} %{time_total} %{size_download}', '--unix-socket', SOCK, `http://muster${urlPath}`]);
    if (r.status !== 0) return null;
    const [c, s, t, b] = r.stdout.toString().split(' ').map(Number);
    if (i >= WARMUP) xs.push({ ttfb: (s - c) * 1000, total: t * 1000, bytes: b });
  }
  return xs;
}
const haveCurl = spawnSync('curl', ['--version']).status === 0;
say('### The server');
say();
if (haveCurl) {
  const a = curlTimes('/v1/instances'), b = curlTimes('/v1/app');
  if (a && b) {
    result.server = { instances_ttfb: med(a.map((x) => x.ttfb)), app_ttfb: med(b.map((x) => x.ttfb)) };
    say(`curl, ${RUNS} requests each, connected -> first byte: GET /v1/instances **${f1(result.server.instances_ttfb)} ms** (p90 ${f1(p90(a.map((x) => x.ttfb)))}, ${a[0].bytes} bytes), GET /v1/app ${f1(result.server.app_ttfb)} ms (p90 ${f1(p90(b.map((x) => x.ttfb)))}): building the instance list costs about ${f1(result.server.instances_ttfb - result.server.app_ttfb)} ms.`);
    say();
  }
}
try {
  const B = path.join(ROOT, 'build', 'src');
  const stats = require(path.join(B, 'os', 'proc-stats.js'));
  const { LinuxProcessGroups } = require(path.join(B, 'os', 'process-groups.js'));
  const list = JSON.parse(execFileSync('curl', ['-sS', '--unix-socket', SOCK, 'http://muster/v1/instances']).toString());
  const pids = list.map((i) => i.pid).filter((p) => p !== null);
  const procEntries = fs.readdirSync('/proc').filter((n) => /^[0-9]/.test(n)).length;
  const time = (fn) => { const xs = []; for (let i = 0; i < WARMUP + RUNS; i++) { const t0 = process.hrtime.bigint(); fn(); if (i >= WARMUP) xs.push(Number(process.hrtime.bigint() - t0) / 1e6); } return xs; };
  const rows = [];
  result.server_parts = { instances: pids.length, proc_entries: procEntries };
  // what GET /v1/instances does for the members, CPU and memory of every instance, in the version under test
  if (typeof stats.processTree === 'function') {
    // since 3c724e8: the main process and its descendants through /proc/PID/task/TID/children
    const xs = time(() => { for (const p of pids) stats.processTree(p); });
    result.server_parts.process_tree_all = med(xs);
    rows.push([`members + CPU + memory of every instance: \`processTree(pid)\` x ${pids.length} (one /proc/PID/stat and one /proc/PID/task/PID/children read each, more for threads and descendants)`, med(xs)]);
  } else if (typeof stats.groupUsage === 'function') {
    // before 3c724e8: one scan of all of /proc for the group members, then a stat read per member
    const all = time(() => { const g = new LinuxProcessGroups(); for (const p of pids) g.liveMembers(p); });
    const usage = time(() => { for (const p of pids) stats.groupUsage([p]); });
    Object.assign(result.server_parts, { live_members_all: med(all), group_usage_all: med(usage) });
    rows.push([`members of every group: \`liveMembers\` x ${pids.length} = one /proc scan (readdir + readFileSync of all ${procEntries} /proc/N/stat) + ${pids.length} kill(-pgid, 0)`, med(all)]);
    rows.push([`CPU and memory: \`groupUsage\` x ${pids.length} (readFileSync /proc/PID/stat again, once per member)`, med(usage)]);
  }
  if (LinuxProcessGroups && typeof new LinuxProcessGroups().liveMembers === 'function') {
    const scan = time(() => new LinuxProcessGroups().liveMembers(pids[0]));
    result.server_parts.one_proc_scan = med(scan);
    rows.push([`for comparison: one scan of all of /proc (\`liveMembers\` of one group: readdir + every /proc/N/stat)`, med(scan)]);
  }
  const stringify = time(() => JSON.stringify(list));
  result.server_parts.stringify = med(stringify);
  rows.push(['JSON.stringify of the answer', med(stringify)]);
  say(`The /proc work of one GET /v1/instances, redone in this process with muster's own functions (build/src/os) on the app's ${pids.length} running instances (${procEntries} entries in /proc on the machine), median of ${RUNS}:`);
  say();
  say('| part | ms |');
  say('|---|---|');
  for (const [k, v] of rows) say(`| ${k} | ${f1(v)} |`);
  say();
} catch (error) {
  say(`(in-process server parts not measured: ${error.message})`);
  say();
}

// ---- 4. strace -c
function straceSummary(file, divisor) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const rows = [];
  for (const l of lines) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/.exec(l);
    if (m && m[2] !== 'total') rows.push({ sys: m[2], calls: Number(m[1]) });
  }
  return rows.sort((a, b) => b.calls - a.calls).slice(0, 10).map((r) => `${r.sys} ${Math.round(r.calls / divisor)}`).join(', ');
}
const haveStrace = spawnSync('strace', ['-V']).status === 0;
if (haveStrace && haveCurl) {
  const pid = Number(fs.readFileSync(path.join(APP, '.muster', 'muster.pid'), 'utf8').trim());
  const tmp = fs.mkdtempSync('/tmp/status-strace-');
  const sFile = path.join(tmp, 'server.txt');
  const st = spawn('strace', ['-c', '-f', '-p', String(pid), '-o', sFile], { stdio: 'ignore' });
  const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  sleep(700);
  const N = 20;
  for (let i = 0; i < N; i++) spawnSync('curl', ['-sS', '-o', '/dev/null', '--unix-socket', SOCK, 'http://muster/v1/instances']);
  sleep(300);
  st.kill('SIGINT');
  for (let i = 0; i < 50 && !fs.existsSync(sFile); i++) sleep(100);
  sleep(300);
  const cFile = path.join(tmp, 'cli.txt');
  spawnSync('strace', ['-c', '-f', '-o', cFile, process.execPath, BIN, '-C', APP, 'status'], { stdio: 'ignore', env: variants.at(-1)[1] });
  say(`strace -c, system calls of the server per GET /v1/instances (${N} requests; the process is idle otherwise, but a flood or a restart adds its own): ${fs.existsSync(sFile) ? straceSummary(sFile, N) : '(no output)'}`);
  say();
  say(`strace -c -f of one \`muster status\` (${variants.at(-1)[0]}; all threads): ${fs.existsSync(cFile) ? straceSummary(cFile, 1) : '(no output)'}`);
  say();
  fs.rmSync(tmp, { recursive: true, force: true });
}

const text = out.join('\n') + '\n';
if (MD) fs.writeFileSync(MD, text);
if (JSONF) fs.writeFileSync(JSONF, JSON.stringify(result, null, 1) + '\n');
process.stdout.write(text);
