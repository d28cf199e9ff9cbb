import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from '../../../src/logs/line-splitter';
import { StreamAssembler } from '../../../src/logs/log-file';

function collect(cap: number) {
  const lines: Array<[string, boolean]> = [];
  const s = new LineSplitter((l, cut) => lines.push([l.toString(), cut]), cap);
  return { s, lines };
}

test('lines across chunks, a missing final newline, empty lines', () => {
  const { s, lines } = collect(100);
  s.push(Buffer.from('one\ntw'));
  s.push(Buffer.from('o\n\nthr'));
  s.end();
  assert.deepEqual(lines, [['one', false], ['two', false], ['', false], ['thr', false]]);
});

test('a line longer than the cap is cut into flagged pieces without holding more than the cap', () => {
  const { s, lines } = collect(4);
  s.push(Buffer.from('abcdefghij'));
  assert.deepEqual(lines, [['abcd', true], ['efgh', true]]);
  s.push(Buffer.from('k\nxyz\n'));
  assert.deepEqual(lines.slice(2), [['ijk', false], ['xyz', false]]);
  const { s: s2, lines: l2 } = collect(4);
  s2.push(Buffer.from('0123456789\n'));
  assert.deepEqual(l2, [['0123', true], ['4567', true], ['89', false]]);
});

test('the log-file assembler writes whole lines only and keeps bytes unchanged', () => {
  const a = new StreamAssembler();
  const out: Buffer[] = [];
  const push = (pieces: Buffer[]) => out.push(...pieces);
  push(a.take(Buffer.from('par')));
  push(a.take(Buffer.from('tial\nnext')));
  push(a.take(Buffer.from([0xff, 0x00, 0x0a])));
  push(a.finish());
  assert.deepEqual(Buffer.concat(out), Buffer.concat([Buffer.from('partial\nnext'), Buffer.from([0xff, 0x00, 0x0a])]));
  const b = new StreamAssembler();
  assert.deepEqual(b.take(Buffer.from('no newline')), []);
  assert.equal(Buffer.concat(b.finish()).toString(), 'no newline\n');
});
