// The client's pure parts: the HTTP reader, chunked decoding, the SSE reader (every split point),
// option parsing and the human units.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkedDecoder } from '../../../src/cli/client/chunked';
import { queryString } from '../../../src/cli/client/control-client';
import { ResponseParser, type ResponseHead } from '../../../src/cli/client/http-response';
import { SseParser, type ServerEvent } from '../../../src/cli/client/sse';
import { countOption, durationOption } from '../../../src/cli/client/options';
import { parseSignal } from '../../../src/cli/client/action-command';
import { UsageError } from '../../../src/cli/client/exit-codes';
import { formatBytes, formatExit, formatPercent, formatUptime } from '../../../src/cli/client/format';
import { resultLine } from '../../../src/cli/client/results';

/** Every way of cutting `bytes` in two, three pieces at a time: each byte boundary is tried. */
function splits(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = [[bytes]];
  for (let i = 1; i < bytes.length; i++) {
    out.push([bytes.subarray(0, i), bytes.subarray(i)]);
    const j = Math.min(bytes.length - 1, i + 7);
    if (j > i) out.push([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
  }
  return out;
}

test('SSE: events come out whole wherever the stream is cut, comments and CRLF included', () => {
  const wire = Buffer.from(': keep-alive\n\nevent: line\ndata: {"instance":"web","text":"héllo ✓"}\n\r\nevent: dropped\r\ndata: {"lines":3}\r\n\r\ndata: a\ndata: b\n\n', 'utf8');
  for (const pieces of splits(wire)) {
    const events: ServerEvent[] = [];
    const parser = new SseParser((e) => events.push(e));
    for (const p of pieces) parser.push(p);
    assert.deepEqual(events, [
      { type: 'line', data: '{"instance":"web","text":"héllo ✓"}' },
      { type: 'dropped', data: '{"lines":3}' },
      { type: 'message', data: 'a\nb' },
    ], `cut at ${pieces.map((p) => p.length).join('+')}`);
  }
});

test('SSE: an event is not dispatched before its blank line', () => {
  const events: ServerEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  parser.push(Buffer.from('event: line\ndata: {}\n'));
  assert.equal(events.length, 0);
  parser.push(Buffer.from('\n'));
  assert.equal(events.length, 1);
});

test('chunked: the body comes out whole wherever it is cut, and the end is found', () => {
  const wire = Buffer.from('4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\nextra', 'latin1');
  for (const pieces of splits(wire)) {
    const data: Buffer[] = [];
    const decoder = new ChunkedDecoder((d) => data.push(Buffer.from(d)));
    let consumed = 0;
    for (const p of pieces) consumed += decoder.push(p);
    assert.equal(Buffer.concat(data).toString('latin1'), 'Wikipedia in \r\n\r\nchunks.');
    assert.ok(decoder.done);
    assert.equal(consumed, wire.length - 'extra'.length, 'bytes after the last chunk are not body');
  }
});

test('chunked: a size that is not hex is an error, not a silent empty body', () => {
  const decoder = new ChunkedDecoder(() => undefined);
  assert.throws(() => decoder.push(Buffer.from('zz\r\n')), /chunk size "zz"/);
});

function parse(pieces: Buffer[]) {
  let head: ResponseHead | null = null;
  const body: Buffer[] = [];
  let ended = false;
  const parser = new ResponseParser({ head: (h) => (head = h), body: (d) => body.push(Buffer.from(d)), end: () => (ended = true) });
  for (const p of pieces) parser.push(p);
  return { head: head as ResponseHead | null, body: Buffer.concat(body).toString(), ended, parser };
}

test('response: Content-Length and chunked bodies, cut anywhere', () => {
  const fixed = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}');
  for (const pieces of splits(fixed)) {
    const r = parse(pieces);
    assert.equal(r.head?.status, 200);
    assert.equal(r.head?.headers.get('content-type'), 'application/json');
    assert.equal(r.body, '{"ok":true}');
    assert.ok(r.ended);
  }
  const chunked = Buffer.from('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n');
  for (const pieces of splits(chunked)) {
    const r = parse(pieces);
    assert.equal(r.head?.status, 404);
    assert.equal(r.body, '{"a":1}');
    assert.ok(r.ended);
  }
});

test('response: a body cut short by the connection closing is an error', () => {
  const r = parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{"a"')]);
  assert.equal(r.ended, false);
  assert.throws(() => r.parser.close(), /closed in the middle/);
  const none = parse([]);
  assert.throws(() => none.parser.close(), /before an answer/);
  assert.throws(() => parse([Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')]), /status line/);
});

test('query strings repeat names and encode them', () => {
  assert.equal(queryString({ name: ['web', 'worker.2'], lines: 20, since_ms: undefined }), '?name=web&name=worker.2&lines=20');
  assert.equal(queryString({ name: [] }), '');
  assert.equal(queryString({ name: ['a&b c'] }), '?name=a%26b%20c');
});

test('durations: 10m, 30s, 2h, 1d, 500ms, 1h30m; anything else is a usage error', () => {
  assert.equal(durationOption('--since', '10m'), 600_000);
  assert.equal(durationOption('--since', '30s'), 30_000);
  assert.equal(durationOption('--since', '2h'), 7_200_000);
  assert.equal(durationOption('--since', '1d'), 86_400_000);
  assert.equal(durationOption('--since', '500ms'), 500);
  assert.equal(durationOption('--since', '1h30m'), 5_400_000);
  for (const bad of ['10', '', 'ten minutes', '5x', '-1s']) {
    assert.throws(() => durationOption('--since', bad), (e: Error) => e instanceof UsageError && e.message.includes(`got "${bad}"`), bad);
  }
  assert.equal(countOption('--lines', '0', 0, 10), 0);
  assert.throws(() => countOption('--lines', '11', 0, 10), UsageError);
  assert.throws(() => countOption('--lines', '2.5', 0, 10), UsageError);
});

test('signals: names in any spelling, numbers 1-31, anything else a usage error with a hint', () => {
  assert.equal(parseSignal('usr1'), 'SIGUSR1');
  assert.equal(parseSignal('SIGHUP'), 'SIGHUP');
  assert.equal(parseSignal('10'), 10);
  assert.throws(() => parseSignal('0'), UsageError);
  assert.throws(() => parseSignal('32'), UsageError);
  assert.equal(parseSignal('31'), 31);
  assert.throws(() => parseSignal('HUPP'), /unknown signal "HUPP": did you mean "HUP"/);
});

test('human units: uptime, memory, cpu, last exit', () => {
  const s = 1000;
  assert.deepEqual([0, 3 * s, 59 * s, 252 * s, 240 * s, 7380 * s, 7200 * s, 93600 * s, 86400 * s].map(formatUptime),
    ['0s', '3s', '59s', '4m12s', '4m', '2h3m', '2h', '1d2h', '1d']);
  assert.equal(formatUptime(null), '-');
  assert.deepEqual([512, 4096, 12.5 * 2 ** 20, 120 * 2 ** 20, 1.2 * 2 ** 30].map(formatBytes), ['512B', '4K', '12.5M', '120M', '1.2G']);
  assert.equal(formatBytes(null), '-');
  assert.deepEqual([12.54, 0, null].map(formatPercent), ['12.5%', '0%', '-']);
  assert.equal(formatExit({ code: 0, signal: null }), 'exit 0');
  assert.equal(formatExit({ code: null, signal: 'SIGKILL' }), 'SIGKILL');
  assert.equal(formatExit(null), '-');
});

test('result lines: the state and pid are added only when the message does not say them', () => {
  assert.equal(resultLine({ name: 'web', outcome: 'done', state: 'ready', pid: 4242, message: 'restarted, pid 4242' }), 'web: restarted, pid 4242, ready');
  assert.equal(resultLine({ name: 'web', outcome: 'done', state: 'ready', pid: 4242, message: 'restarted' }), 'web: restarted, ready, pid 4242');
  assert.equal(resultLine({ name: 'w.1', outcome: 'failed', state: 'fatal', pid: null, message: 'fatal: exited 6 times' }), 'w.1: failed: fatal: exited 6 times');
  assert.equal(resultLine({ name: 'w.2', outcome: 'skipped', state: 'stopped', pid: null, message: '' }), 'w.2: skipped, stopped');
  // "ready" inside "already" is not the state.
  assert.equal(resultLine({ name: 'db', outcome: 'done', state: 'ready', pid: 7, message: 'already running' }), 'db: already running, ready, pid 7');
});
