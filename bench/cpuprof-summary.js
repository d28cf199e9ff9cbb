#!/usr/bin/env node
// Summarise a V8 .cpuprofile (node --cpu-prof): where muster spent its CPU, optionally in a time
// window of the profile only.
//   node bench/cpuprof-summary.js FILE.cpuprofile [--first MS | --last MS | --from MS --to MS] [--top N]
// Windows are in ms from the profile's start (--first, --from/--to) or back from its end (--last).
// Prints: samples in the window, the top functions by self time, and the inclusive time of every
// function that has >= 3% inclusive (so "scanProc 61%" shows even if its time is in readFileSync).
'use strict';
const fs = require('fs');

const args = process.argv.slice(2);
const file = args[0];
const opt = (k) => { const i = args.indexOf(k); return i >= 0 ? Number(args[i + 1]) : undefined; };
const top = opt('--top') ?? 15;
const p = JSON.parse(fs.readFileSync(file, 'utf8'));

const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// sample timestamps (µs from profile start)
const times = [];
let t = 0;
for (const d of p.timeDeltas) { t += d; times.push(t); }
const total = p.endTime - p.startTime;
let from = 0, to = total;
if (opt('--first') !== undefined) to = opt('--first') * 1000;
if (opt('--last') !== undefined) from = total - opt('--last') * 1000;
if (opt('--from') !== undefined) from = opt('--from') * 1000;
if (opt('--to') !== undefined) to = opt('--to') * 1000;

const label = (n) => {
  const cf = n.callFrame;
  const url = cf.url ? cf.url.replace(/^file:\/\//, '').replace(/.*\/build\//, '').replace(/.*node_modules\//, 'node_modules/') : '';
  return `${cf.functionName || '(anonymous)'}${url ? ` ${url}:${cf.lineNumber + 1}` : ''}`;
};
const self = new Map(), incl = new Map();
let n = 0, idle = 0;
for (let i = 0; i < p.samples.length; i++) {
  if (times[i] < from || times[i] > to) continue;
  const dt = p.timeDeltas[i + 1] ?? p.timeDeltas[i]; // the time this sample stands for
  const node = byId.get(p.samples[i]);
  const l = label(node);
  if (node.callFrame.functionName === '(idle)') { idle += dt; continue; }
  n += dt;
  self.set(l, (self.get(l) ?? 0) + dt);
  const seen = new Set();
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const ll = label(byId.get(id));
    if (seen.has(ll)) continue;
    seen.add(ll);
    incl.set(ll, (incl.get(ll) ?? 0) + dt);
  }
}
const ms = (us) => (us / 1000).toFixed(1);
console.log(`${file}: window ${ms(from)}-${ms(to)} ms of ${ms(total)} ms; busy ${ms(n)} ms, idle ${ms(idle)} ms`);
console.log(`top ${top} by self time:`);
for (const [l, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${ms(v).padStart(8)} ms ${((100 * v) / n).toFixed(1).padStart(5)}%  ${l}`);
console.log('inclusive >= 3% (excluding (root)):');
for (const [l, v] of [...incl].sort((a, b) => b[1] - a[1])) {
  if (v / n < 0.03 || l.startsWith('(root)')) continue;
  console.log(`  ${ms(v).padStart(8)} ms ${((100 * v) / n).toFixed(1).padStart(5)}%  ${l}`);
}
