#!/usr/bin/env node
// Experiment behind the log-throughput MISS (see bench/README.md): the same child as the bench's log
// test (`yes LINE | head -c BYTES`, 100-byte lines) piped into node and appended to a file, with
// four ways of writing the file. Prints wall time until the file is complete and node's CPU time
// (all threads, so the libuv threadpool's writes count).
//   node bench/experiments/pipe-to-file.js [BYTES] [DIR]
//   stream16k  fs.createWriteStream (16 KiB highWaterMark), pause the pipe while write() says false
//              and resume on 'drain' — what muster's OutputCapture/InstanceLogFile do today, minus
//              the line assembler's Buffer.concat
//   stream16k+concat  the same plus muster's StreamAssembler copy (held partial line + chunk concat)
//   stream1m   the same with a 1 MiB highWaterMark (writes batched by _writev, fewer pauses)
//   sync       fs.writeSync on the main thread for every chunk (what supervisord does, in Python)
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const BYTES = Number(process.argv[2] || 209715200);
const DIR = process.argv[3] || fs.mkdtempSync(path.join(os.tmpdir(), 'pipe2file-'));
const LINE = 'x'.repeat(99);

class Assembler { // muster's StreamAssembler.take, verbatim in effect
  constructor() { this.held = null; }
  take(chunk) {
    const lastNl = chunk.lastIndexOf(10);
    if (lastNl === -1) { this.held = this.held ? Buffer.concat([this.held, chunk]) : Buffer.from(chunk); return null; }
    const complete = chunk.subarray(0, lastNl + 1);
    const out = this.held ? Buffer.concat([this.held, complete]) : complete;
    this.held = lastNl + 1 < chunk.length ? Buffer.from(chunk.subarray(lastNl + 1)) : null;
    return out;
  }
}

function run(mode) {
  return new Promise((resolve) => {
    const file = path.join(DIR, `${mode}.log`);
    try { fs.unlinkSync(file); } catch { /* fresh */ }
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const child = spawn('/bin/sh', ['-c', `yes ${LINE} 2>/dev/null | head -c ${BYTES}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let reads = 0;
    const done = () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const c = process.cpuUsage(cpu0);
      const size = fs.statSync(file).size;
      console.log(`${mode.padEnd(18)} wall ${ms.toFixed(0).padStart(5)} ms   cpu ${((c.user + c.system) / 1000).toFixed(0).padStart(5)} ms (user ${(c.user / 1000).toFixed(0)}, sys ${(c.system / 1000).toFixed(0)})   reads ${reads}, ${(BYTES / reads / 1024).toFixed(1)} KiB avg   size ok ${size === BYTES}`);
      fs.unlinkSync(file);
      resolve();
    };
    const out = child.stdout;
    if (mode === 'sync') {
      const fd = fs.openSync(file, 'a');
      out.on('data', (chunk) => { reads++; fs.writeSync(fd, chunk); });
      out.on('end', () => { fs.closeSync(fd); done(); });
      return;
    }
    const hwm = mode === 'stream1m' ? 1 << 20 : undefined;
    const ws = fs.createWriteStream(file, { flags: 'a', ...(hwm ? { highWaterMark: hwm } : {}) });
    const asm = mode.endsWith('+concat') ? new Assembler() : null;
    let paused = false;
    out.on('data', (chunk) => {
      reads++;
      const data = asm ? asm.take(chunk) : chunk;
      if (data && !ws.write(data) && !paused) {
        paused = true;
        out.pause();
        ws.once('drain', () => { paused = false; out.resume(); });
      }
    });
    out.on('end', () => ws.end(done));
  });
}

(async () => {
  console.log(`${BYTES} bytes of 100-byte lines through a pipe into ${DIR}; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const mode of ['stream16k', 'stream16k+concat', 'stream1m', 'sync', 'stream16k+concat', 'sync']) await run(mode);
  fs.rmSync(DIR, { recursive: true, force: true });
})();
