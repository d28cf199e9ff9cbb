import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fdWriter, type WriteFn } from '../../../src/logs/fd-writer';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

/** A fake fs.write that answers from a script: an errno code, or how many bytes it accepts. */
function scripted(script: Array<string | number>) {
  const written: Buffer[] = [];
  const write: WriteFn = (_fd, buffer, offset, length, done) => {
    const next = script.shift() ?? length;
    if (typeof next === 'string') {
      setImmediate(() => done(errno(next), 0));
      return;
    }
    const n = Math.min(next, length);
    written.push(Buffer.from(buffer.subarray(offset, offset + n)));
    setImmediate(() => done(null, n));
  };
  return { write, written };
}

test('EAGAIN is backpressure: the write is retried with a growing delay, then completes', async () => {
  const { write, written } = scripted(['EAGAIN', 'EAGAIN', 'EAGAIN', 3]);
  const delays: number[] = [];
  const out = fdWriter(1, write, (ms, fn) => {
    delays.push(ms);
    setImmediate(fn);
  });
  let failed = false;
  out.on('error', () => (failed = true));
  await new Promise<void>((resolve) => out.end(Buffer.from('hello world\n'), resolve));
  assert.equal(Buffer.concat(written).toString(), 'hello world\n');
  assert.deepEqual(written.map((b) => b.length), [3, 9], 'a partial write continues where it stopped');
  assert.deepEqual(delays, [5, 10, 20]);
  assert.equal(failed, false);
});

test('another error (EPIPE: the reader is gone) is reported as an error', async () => {
  const { write } = scripted(['EPIPE']);
  const out = fdWriter(1, write, () => assert.fail('no retry after EPIPE'));
  const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
    out.on('error', resolve);
    out.write(Buffer.from('x\n'));
  });
  assert.equal(error.code, 'EPIPE');
});
