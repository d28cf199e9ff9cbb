#!/usr/bin/env node
// Issue 2's performance targets, judged from one bench run (results.jsonl of bench/peer/bench.sh).
//   node bench/targets.js RESULTS.jsonl [--md]
// Prints one line per target: muster's figure, the peers' figures from the same run, the target,
// PASS/MISS, and whether muster leads the peers on that line. Figures are medians over rounds
// (respawn: median of all kills of all rounds, pooled), as in lib/report.js.
'use strict';
const fs = require('fs');

const file = process.argv[2];
if (!file) { console.error('usage: targets.js RESULTS.jsonl [--md]'); process.exit(2); }
const rows = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } });

const OWN = 'muster';
const peers = [...new Set(rows.filter((r) => r.test !== 'meta' && r.adapter !== 'env' && r.adapter !== OWN).map((r) => r.adapter))];
const vals = (a, test, metric) => rows.filter((r) => r.adapter === a && r.test === test && r.metric === metric && typeof r.value === 'number').map((r) => r.value);
const median = (v) => { const s = v.slice().sort((x, y) => x - y); const n = s.length; if (!n) return NaN; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const params = (rows.filter((r) => r.test === 'meta' && r.metric === 'params').pop() || {}).value || '';
const param = (k, d) => Number((params.match(new RegExp(`${k}=(\\d+)`)) || [, d])[1]);
const NL = param('N_LARGE', 200), NS = param('N_SMALL', 10), CPU_SECS = param('CPU_SECS', 30), LOG_BYTES = param('LOG_BYTES', 209715200);
const full = NL === 200 && CPU_SECS === 30 && LOG_BYTES === 209715200;
const MiB = 1024; // KiB per MiB

// Each line: label, how to get a figure for an adapter, unit, digits, the target test, and the
// direction (lower is better for every line here).
const m = (test, metric, scale = 1) => (a) => median(vals(a, test, metric).map((x) => x * scale));
const lines = [
  { label: `respawn after kill -9, ${NS} children: median`, get: m('small', 'respawn_ms'), unit: 'ms', d: 1, ok: (x) => x < 4.5, target: '< 4.5 ms' },
  { label: `respawn after kill -9, ${NL} children: median`, get: m('large', 'respawn_ms'), unit: 'ms', d: 1, ok: (x) => x < 4.5, target: '< 4.5 ms' },
  { label: `start-up, ${NL} children: until all running`, get: m('large', 'startup_ms'), unit: 'ms', d: 0, ok: (x) => x < 1000, target: '< 1000 ms' },
  { label: `stop, ${NL} children: until all gone`, get: m('large', 'stop_all_ms'), unit: 'ms', d: 0, ok: (x) => x < 400, target: '< 400 ms' },
  { label: `RSS, ${NL} children`, get: m('large', 'rss_kb', 1 / MiB), unit: 'MiB', d: 1, ok: (x) => x < 60, target: '< 60 MiB' },
  { label: `idle CPU, ${NL} children, over ${CPU_SECS} s`, get: m('large', 'idle_cpu_ms'), unit: 'ms', d: 0, ok: (x) => x <= 10, target: '<= 10 ms' },
  { label: `log ${(LOG_BYTES / 1048576).toFixed(0)} MiB: wall until all in the file`, get: m('log', 'log_wall_ms'), unit: 'ms', d: 0, ok: (x) => x < 400, target: '< 400 ms' },
  { label: 'log: bytes lost / malformed lines (all rounds)', get: (a) => { const l = vals(a, 'log', 'log_lost_bytes'), b = vals(a, 'log', 'log_bad_lines'); return l.length ? Math.max(...l.map(Math.abs), ...b) : NaN; }, unit: '', d: 0, ok: (x) => x === 0, target: '0' },
  { label: 'log: supervisor CPU during it', get: m('log', 'log_sup_cpu_ms'), unit: 'ms', d: 0, ok: (x, peer) => x < Math.min(225, peer.supervisord ?? Infinity), target: "< supervisord's (this run) and < 225 ms" },
  { label: 'log: supervisor peak RSS (VmHWM)', get: m('log', 'log_sup_hwm_kb', 1 / MiB), unit: 'MiB', d: 1, ok: (x) => x < 150, target: '< 150 MiB' },
];

const fmt = (x, d, u) => (Number.isFinite(x) ? `${x.toFixed(d)}${u ? ` ${u}` : ''}` : '–');
const md = process.argv.includes('--md');
const out = [];
const head = ['target line', OWN, ...peers, 'target', 'verdict', `${OWN} leads`];
if (md) { out.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`); }
let pass = 0, miss = 0;
for (const l of lines) {
  const own = l.get(OWN);
  const peer = Object.fromEntries(peers.map((p) => [p, l.get(p)]));
  const verdict = !Number.isFinite(own) ? 'n/a' : l.ok(own, peer) ? 'PASS' : 'MISS';
  if (verdict === 'PASS') pass++; else if (verdict === 'MISS') miss++;
  const others = peers.map((p) => peer[p]).filter(Number.isFinite);
  const leads = !Number.isFinite(own) || !others.length ? '–' : others.every((o) => own < o) ? 'yes' : others.every((o) => own <= o) ? 'tie' : 'no';
  const cells = [l.label, fmt(own, l.d, l.unit), ...peers.map((p) => fmt(peer[p], l.d, l.unit)), l.target, verdict, leads];
  if (md) out.push(`| ${cells.join(' | ')} |`);
  else out.push(`${verdict.padEnd(4)}  ${l.label.padEnd(48)} ${OWN} ${fmt(own, l.d, l.unit).padStart(10)}   ${peers.map((p) => `${p} ${fmt(peer[p], l.d, l.unit)}`).join('   ')}   (target ${l.target}; leads: ${leads})`);
}
out.push('', `${pass} PASS, ${miss} MISS${full ? '' : ' — QUICK/REDUCED PARAMETERS: the targets are defined for 200 children, 30 s idle window and 200 MiB of log; this verdict is indicative only'}`);
const errs = rows.filter((r) => r.metric === 'error');
for (const e of errs) out.push(`error: round ${e.round} ${e.adapter} ${e.test}: ${e.value}`);
console.log(out.join('\n'));
