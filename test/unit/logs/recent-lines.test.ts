import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { recentLines, tailLines, type LogSource } from '../../../src/logs/recent-lines';
import { WriteTimeIndex } from '../../../src/logs/time-index';
import { InstanceLogFile } from '../../../src/logs/log-file';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'muster-recent-'));

test('the time index answers for bytes written since it started, and forgets the oldest past its capacity', () => {
  const index = new WriteTimeIndex(100);
  assert.equal(index.timeOf(50), null, 'written before muster opened the file');
  index.record(120, 1000);
  index.record(130, 1000); // same millisecond: one entry
  index.record(200, 2000);
  assert.equal(index.timeOf(110), 1000);
  assert.equal(index.timeOf(130), 1000);
  assert.equal(index.timeOf(131), 2000);
  assert.equal(index.timeOf(201), null, 'not written yet');
  for (let k = 0; k < 600; k++) index.record(300 + k, 3000 + k);
  assert.equal(index.timeOf(150), null, 'evicted');
  assert.equal(index.timeOf(899), 3599);
});

test('tailLines reads the last lines of a big file without reading all of it, and parses muster lines', () => {
  const file = path.join(tmp(), 'web.log');
  const body = Array.from({ length: 50_000 }, (_, k) => `line ${k}`).join('\n') + '\n[muster] 2026-12-03T10:00:00.000Z stopped\nlast\n';
  fs.writeFileSync(file, body);
  const source: LogSource = { instance: 'web', path: file, length: Buffer.byteLength(body), timeOf: () => null };
  const lines = tailLines(source, 3);
  assert.deepEqual(lines.map((l) => [l.stream, l.text, l.time]), [
    ['output', 'line 49999', null],
    ['muster', 'stopped', Date.parse('2026-12-03T10:00:00.000Z')],
    ['output', 'last', Date.parse('2026-12-03T10:00:00.000Z')],
  ]);
  assert.equal(tailLines(source, 0).length, 0);
  assert.equal(tailLines({ ...source, path: `${file}.missing` }, 5).length, 0);
});

test('recentLines merges instances in the order muster wrote them, and --since keeps only recent ones', async () => {
  const dir = tmp();
  const a = new InstanceLogFile(path.join(dir, 'a.log'));
  const b = new InstanceLogFile(path.join(dir, 'b.log'));
  a.write([Buffer.from('a1\n')]);
  await new Promise((r) => setTimeout(r, 5));
  b.write([Buffer.from('b1\n')]);
  await new Promise((r) => setTimeout(r, 5));
  a.write([Buffer.from('a2\n')]);
  const source = (name: string, f: InstanceLogFile): LogSource => ({ instance: name, path: f.path, length: f.length, timeOf: (e) => f.timeOf(e) });
  const merged = recentLines([source('a', a), source('b', b)], 10, null);
  assert.deepEqual(merged.map((l) => l.text), ['a1', 'b1', 'a2']);
  const cut = Date.now() + 1000;
  assert.deepEqual(recentLines([source('a', a), source('b', b)], 10, cut), []);
  a.close();
  b.close();
});
