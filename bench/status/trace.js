'use strict';
// Preload for bench/status/breakdown.js (`node -r bench/status/trace.js bin/muster ... status`):
// prints on stderr, at exit, one line `@@trace {json}` with points of the run in ms since the
// process started (performance.now()): user code starts (this preload runs), the control socket
// is created, connected, first and last byte of the answer, first write to stdout, exit; plus V8's start and the end of
// node's bootstrap from performance.nodeTiming. It loads nothing the CLI would not load itself
// (diagnostics_channel is already loaded inside node), so it moves no cost between the points.
// With STATUS_TRACE_REQUIRE=1 it also times every require() (inclusive), which costs a little.
const dc = require('diagnostics_channel');
const now = () => performance.now();
const t = { user: now() };
let bytes = 0;
dc.channel('net.client.socket').subscribe(({ socket }) => {
  if (t.socket !== undefined) return;
  t.socket = now();
  socket.once('connect', () => (t.connected = now()));
  socket.on('data', (chunk) => {
    if (t.first === undefined) t.first = now();
    t.last = now();
    bytes += chunk.length;
  });
});
// the first write to stdout (the table or the JSON), without creating process.stdout early
const stdoutDesc = Object.getOwnPropertyDescriptor(process, 'stdout');
if (stdoutDesc && stdoutDesc.get && stdoutDesc.configurable) {
  let patched = false;
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: stdoutDesc.enumerable,
    get() {
      const stream = stdoutDesc.get.call(process);
      if (!patched) {
        patched = true;
        const write = stream.write;
        stream.write = function () {
          if (t.write === undefined) t.write = now();
          return write.apply(this, arguments);
        };
      }
      return stream;
    },
  });
}
const requires = [];
if (process.env.STATUS_TRACE_REQUIRE === '1') {
  const Module = require('module');
  const load = Module._load;
  let depth = 0;
  Module._load = function (request) {
    const t0 = now();
    depth++;
    try {
      return load.apply(this, arguments);
    } finally {
      depth--;
      requires.push({ request, depth, ms: now() - t0, at: t0 });
    }
  };
}
process.on('exit', () => {
  t.exit = now();
  const nt = performance.nodeTiming;
  const out = { ...t, v8Start: nt.v8Start, bootstrapComplete: nt.bootstrapComplete, bytes };
  if (requires.length) out.requires = requires.sort((a, b) => a.at - b.at);
  process.stderr.write(`@@trace ${JSON.stringify(out)}\n`);
});
