#!/usr/bin/env node
'use strict';
// Figures of a bench/status.sh run: pools the timings of raw/*.json (hyperfine's JSON, or time.js's
// in the same shape; the file name starts with the phase: idle-..., flood-...), prints median / p90
// / max per command, the ratios muster vs each peer, and PASS/MISS against issue 3's 100 ms target.
//   node summary.js OUTDIR      writes OUTDIR/results.jsonl and OUTDIR/report.md, prints the report
const fs = require('node:fs');
const path = require('node:path');

const TARGET_MS = 100;
let ROUNDS = 1;
const dir = process.argv[2];
if (!dir) { process.stderr.write('usage: node summary.js OUTDIR\n'); process.exit(2); }

// ---- meta.jsonl: {"key": ..., "value": ...} lines and per-tool flood figures written by status.sh
const meta = {};
const floods = [];
const outputs = [];
const loads = [];
for (const line of readLines(path.join(dir, 'meta.jsonl'))) {
  const o = JSON.parse(line);
  if (o.kind === 'flood') floods.push(o);
  else if (o.kind === 'output') outputs.push(o);
  else if (o.kind === 'load') loads.push(o);
  else meta[o.key] = o.value;
}

ROUNDS = Math.max(1, ...loads.map((l) => l.round));

// ---- timings
const pooled = new Map(); // "phase\tname" -> { phase, name, times: [ms], codes: [] }
const rawDir = path.join(dir, 'raw');
for (const f of fs.existsSync(rawDir) ? fs.readdirSync(rawDir).sort() : []) {
  if (!f.endsWith('.json')) continue;
  const phase = f.split('-')[0];
  const data = JSON.parse(fs.readFileSync(path.join(rawDir, f), 'utf8'));
  for (const r of data.results) {
    const key = `${phase}\t${r.command}`;
    if (!pooled.has(key)) pooled.set(key, { phase, name: r.command, times: [], codes: [] });
    const p = pooled.get(key);
    p.times.push(...r.times.map((s) => s * 1000));
    if (r.exit_codes) p.codes.push(...r.exit_codes);
  }
}

function pctl(sorted, p) { // nearest rank
  if (sorted.length === 0) return NaN;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}
function median(sorted) {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}
const stats = [];
for (const p of pooled.values()) {
  const s = [...p.times].sort((a, b) => a - b);
  stats.push({
    phase: p.phase, name: p.name, runs: s.length,
    median_ms: round(median(s)), p90_ms: round(pctl(s, 90)), max_ms: round(s[s.length - 1]), min_ms: round(s[0]),
    mean_ms: round(s.reduce((a, b) => a + b, 0) / s.length),
    failed_runs: p.codes.filter((c) => c !== 0).length,
    times_ms: p.times.map(round),
  });
}
const ORDER = ['muster status', 'muster status --json', 'supervisorctl status', 'pm2 ls', 'pm2 jlist', 'runit sv status'];
const rank = (n) => (ORDER.includes(n) ? ORDER.indexOf(n) : n.startsWith('ref:') ? 100 : 50);
stats.sort((a, b) => (a.phase === b.phase ? rank(a.name) - rank(b.name) || a.name.localeCompare(b.name) : a.phase === 'idle' ? -1 : 1));
const get = (phase, name) => stats.find((s) => s.phase === phase && s.name === name);

// ---- report
const out = [];
const say = (s = '') => out.push(s);
say(`# status latency (issue 3): ${meta.date ?? '?'}`);
say();
for (const k of ['muster', 'versions', 'host', 'params', 'timer', 'env', 'load']) if (meta[k]) say(`- ${k}: ${meta[k]}`);
say();
const PHASE_TITLE = {
  idle: `${(meta.instances ?? 1) - 1} idle children + the flood child, not yet flooding (${meta.instances ?? '?'} instances)`,
  flood: 'the same, while the flood child writes at full speed',
};
for (const phase of ['idle', 'flood']) {
  const rows = stats.filter((s) => s.phase === phase);
  if (rows.length === 0) continue;
  say(`## ${PHASE_TITLE[phase]}`);
  say();
  say('| command | runs | median ms | p90 ms | max ms | min ms | output | vs 100 ms |');
  say('|---|---|---|---|---|---|---|---|');
  for (const s of rows) {
    const o = outputs.find((x) => x.phase === phase && x.name === s.name);
    const outText = o ? `${o.lines} lines, ${fmtBytes(o.bytes)}${o.rc !== 0 ? `, rc ${o.rc}` : ''}` : '';
    const verdict = s.name.startsWith('muster status') ? (s.median_ms < TARGET_MS ? 'PASS' : '**MISS**') : '';
    const failed = s.failed_runs ? ` (${s.failed_runs} non-zero exits)` : '';
    say(`| ${s.name}${failed} | ${s.runs} | ${fix(s.median_ms)} | ${fix(s.p90_ms)} | ${fix(s.max_ms)} | ${fix(s.min_ms)} | ${outText} | ${verdict} |`);
  }
  say();
  const ld = loads.filter((l) => l.phase === phase);
  if (ld.length) {
    say(`1-minute load average at the start -> end of each tool's timing (the machine is shared; compare ratios only where these are alike): ${ld.map((l) => `${l.tool}${ROUNDS > 1 ? ` r${l.round}` : ''} ${l.from} -> ${l.to}`).join(', ')}`);
    say();
  }
  const pairs = [
    ['muster status', 'supervisorctl status'], ['muster status', 'pm2 ls'], ['muster status', 'runit sv status'],
    ['muster status --json', 'pm2 jlist'], ['muster status --json', 'supervisorctl status'],
  ];
  const lines = [];
  for (const [m, p] of pairs) {
    const a = get(phase, m), b = get(phase, p);
    if (!a || !b) continue;
    const r = a.median_ms / b.median_ms;
    lines.push(`- ${m} / ${p} = ${r.toFixed(2)} (${fix(a.median_ms)} vs ${fix(b.median_ms)} ms median: muster ${r < 1 ? `${(1 / r).toFixed(1)}× faster` : `${r.toFixed(1)}× slower`})`);
  }
  if (lines.length) { say('Ratios (median muster / median peer):'); say(); out.push(...lines); say(); }
  const fl = floods.filter((f) => f.phase === phase);
  if (fl.length) {
    say('The flood while the commands above ran (per supervisor, over its own timing window):');
    say();
    say('| supervisor | flood written by the child | supervisor CPU (all its processes) | window |');
    say('|---|---|---|---|');
    for (const f of fl) say(`| ${f.tool}${ROUNDS > 1 && f.round ? ` r${f.round}` : ''} | ${f.mib_per_s} MiB/s (${f.mib} MiB) | ${f.sup_cpu_pct} % of one core | ${f.window_s} s |`);
    say();
  }
}
say('## Verdicts (issue 3: median < 100 ms, CLI start included)');
say();
for (const phase of ['idle', 'flood']) {
  for (const name of ['muster status', 'muster status --json']) {
    const s = get(phase, name);
    if (!s) continue;
    say(`- ${phase === 'idle' ? `${(meta.instances ?? 1) - 1} idle + 1 waiting` : `${(meta.instances ?? 1) - 1} idle + 1 flooding`}: \`${name}\` median ${fix(s.median_ms)} ms (p90 ${fix(s.p90_ms)}, max ${fix(s.max_ms)}): ${s.median_ms < TARGET_MS ? 'PASS' : 'MISS'}`);
  }
}
if (!stats.some((s) => s.name.startsWith('muster status'))) say('- muster status: not measured (see status.log)');
say();

const breakdowns = fs.readdirSync(dir).filter((f) => /^breakdown-.*\.md$/.test(f)).sort((a, b) => (a.includes('idle') === b.includes('idle') ? a.localeCompare(b) : a.includes('idle') ? -1 : 1));
if (breakdowns.length) {
  say("## Where muster's time goes (bench/status/breakdown.js)");
  say();
  for (const f of breakdowns) out.push(fs.readFileSync(path.join(dir, f), 'utf8').replace(/^### /gm, '#### ').trimEnd(), '');
}

const report = out.join('\n');
fs.writeFileSync(path.join(dir, 'report.md'), report + '\n');
fs.writeFileSync(path.join(dir, 'results.jsonl'), stats.map((s) => JSON.stringify(s)).join('\n') + '\n');
process.stdout.write(report + '\n');

function readLines(f) {
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
}
function round(x) { return Math.round(x * 100) / 100; }
function fix(x) { return Number.isFinite(x) ? x.toFixed(1) : '-'; }
function fmtBytes(b) { return b >= 1048576 ? `${(b / 1048576).toFixed(2)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`; }
