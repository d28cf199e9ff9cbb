// The run record's text: anything malformed discards the whole record (its pids get signalled).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseRunRecord } from '../../../src/os/run-record';

const good = { supervisor: { pid: 100, startTime: 5 }, groups: [{ pgid: 120, startTime: 9, instance: 'worker.2' }] };

test('a well-formed record is read as written', () => {
  assert.deepEqual(parseRunRecord(JSON.stringify(good)), good);
  assert.deepEqual(parseRunRecord(JSON.stringify({ ...good, groups: [] })), { ...good, groups: [] });
});

test('malformed records are discarded whole', () => {
  const bad: unknown[] = [
    '', 'null', '[]', '{"supervisor": {"pid": 1', '"text"',
    { groups: good.groups },
    { supervisor: { pid: 0, startTime: 5 }, groups: [] },
    { supervisor: { pid: 100, startTime: '5' }, groups: [] },
    { supervisor: good.supervisor },
    { supervisor: good.supervisor, groups: {} },
    { supervisor: good.supervisor, groups: [null] },
    { supervisor: good.supervisor, groups: [{ pgid: -1, startTime: 9, instance: 'web' }] },
    { supervisor: good.supervisor, groups: [{ pgid: 1.5, startTime: 9, instance: 'web' }] },
    { supervisor: good.supervisor, groups: [{ pgid: 120, startTime: 9 }] },
    { supervisor: good.supervisor, groups: [{ pgid: 120, startTime: 9, instance: 'x'.repeat(81) }] },
    { supervisor: good.supervisor, groups: [good.groups[0], { pgid: 2 ** 60, startTime: 9, instance: 'web' }] },
  ];
  for (const record of bad) assert.equal(parseRunRecord(typeof record === 'string' ? record : JSON.stringify(record)), null, JSON.stringify(record));
});
