#!/usr/bin/env node
'use strict';
// Fallback timer for bench/status.sh when hyperfine is not installed: wall time of each command,
// run without a shell (argv split on whitespace, like hyperfine -N), its stdout and stderr read
// through pipes and discarded (like hyperfine --output=pipe). Writes hyperfine's JSON shape
// ({ results: [{ command, times: [seconds...], exit_codes }] }) so summary.js reads either.
//   node time.js --warmup N --runs N --export-json FILE [-n NAME CMD]...
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

const args = process.argv.slice(2);
let warmup = 3, runs = 30, out = null;
const cmds = [];
let pendingName = null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--warmup') warmup = Number(args[++i]);
  else if (a === '--runs') runs = Number(args[++i]);
  else if (a === '--export-json') out = args[++i];
  else if (a === '-n') pendingName = args[++i];
  else { cmds.push({ name: pendingName ?? a, argv: a.trim().split(/\s+/) }); pendingName = null; }
}

function once(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const t1 = process.hrtime.bigint();
  return { s: Number(t1 - t0) / 1e9, code: r.status ?? 128 };
}

const results = [];
for (const c of cmds) {
  for (let i = 0; i < warmup; i++) once(c.argv);
  const times = [], exit_codes = [];
  for (let i = 0; i < runs; i++) { const r = once(c.argv); times.push(r.s); exit_codes.push(r.code); }
  const sorted = [...times].sort((a, b) => a - b);
  results.push({ command: c.name, times, exit_codes, median: sorted[Math.floor(sorted.length / 2)], timer: 'time.js (spawnSync)' });
  process.stderr.write(`  ${c.name}: median ${(results.at(-1).median * 1000).toFixed(1)} ms\n`);
}
if (out) fs.writeFileSync(out, JSON.stringify({ results }, null, 1));
