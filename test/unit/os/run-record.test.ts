// The run record's text (a journal of JSON lines): only a record of this boot and this app counts;
// a partial last line (an append cut short by kill -9) is dropped, any other malformed line
// discards the whole record (its pids get signalled).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseRunRecord as parseWithReason, type RecordOwner } from '../../../src/os/run-record';

const parseRunRecord = (text: string, owner: RecordOwner, boot: string) => parseWithReason(text, owner, boot).record;

const owner = { root: '/srv/shop', app: null };
const header = { boot: 'b-1', root: '/srv/shop', app: null, supervisor: { pid: 100, startTime: 5 }, at: 50 };
const web = { pgid: 120, startTime: 60, process: 'web', instance: '1' };
const worker2 = { pgid: 130, startTime: 70, process: 'worker', instance: '2' };
const journal = (...lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

test('the journal is replayed: spawns, ends and respawns; the last write is the latest line', () => {
  const text = journal(header, { spawned: web, at: 61 }, { spawned: worker2, at: 71 }, { ended: { process: 'web', instance: '1' }, at: 80 },
    { spawned: { ...web, pgid: 140, startTime: 90 }, at: 91 });
  assert.deepEqual(parseRunRecord(text, owner, 'b-1'), { supervisor: header.supervisor, groups: [worker2, { ...web, pgid: 140, startTime: 90 }], lastWrite: 91 });
  assert.deepEqual(parseRunRecord(journal(header), owner, 'b-1'), { supervisor: header.supervisor, groups: [], lastWrite: 50 });
});

test('a record of another boot, another app folder or another host app is not ours', () => {
  const text = journal(header, { spawned: web, at: 61 });
  assert.equal(parseRunRecord(text, owner, 'b-2'), null, 'another boot: its pids mean nothing now');
  assert.equal(parseRunRecord(text, { root: '/srv/shop-copy', app: null }, 'b-1'), null, 'a copied folder');
  assert.equal(parseRunRecord(text, { root: '/srv/shop', app: 'shop' }, 'b-1'), null, 'another MUSTER_APP');
  assert.equal(parseRunRecord(journal({ ...header, boot: '' }), owner, ''), null, 'no boot id to compare');
  assert.deepEqual(parseWithReason(text, owner, 'b-2'), { record: null, problem: null }, 'an earlier boot is not worth a word');
  assert.match(parseWithReason(text, { root: '/srv/shop-copy', app: null }, 'b-1').problem!, /of the app folder \/srv\/shop \(a copy of that folder\?\)/);
  const hosted = journal({ ...header, app: 'shop', root: '/srv/shop/releases/1' }, { spawned: web, at: 61 });
  assert.deepEqual(parseRunRecord(hosted, { root: '/srv/shop/releases/2', app: 'shop' }, 'b-1')?.groups, [web], 'under a host the app is its name: a deploy moved its folder');
  assert.equal(parseRunRecord(hosted, { root: '/srv/shop/releases/1', app: 'shop2' }, 'b-1'), null, 'another host app');
});

test('an append cut short is dropped; anything else malformed discards the record', () => {
  const cut = journal(header, { spawned: web, at: 61 }) + '{"spawned":{"pgid":13';
  assert.deepEqual(parseRunRecord(cut, owner, 'b-1')?.groups, [web]);
  const bad: unknown[] = [
    null, [], 'text', { ...header, supervisor: { pid: 0, startTime: 5 } }, { ...header, at: '50' }, { ...header, app: 7 },
  ];
  for (const h of bad) assert.equal(parseRunRecord(journal(h, { spawned: web, at: 61 }), owner, 'b-1'), null, JSON.stringify(h));
  const badLines: unknown[] = [
    { spawned: { ...web, pgid: -1 }, at: 61 }, { spawned: { ...web, pgid: 1.5 }, at: 61 }, { spawned: { ...web, process: '' }, at: 61 },
    { spawned: { ...web, instance: 'x'.repeat(81) }, at: 61 }, { spawned: web }, { ended: { process: 'web' }, at: 61 }, { other: 1, at: 61 }, 7,
  ];
  for (const line of badLines) assert.equal(parseRunRecord(journal(header, line, { spawned: worker2, at: 71 }), owner, 'b-1'), null, JSON.stringify(line));
  assert.equal(parseRunRecord(journal(header, { spawned: web, at: 61 }).replace('\n{', '\nnot json\n{'), owner, 'b-1'), null);
  assert.equal(parseRunRecord('', owner, 'b-1'), null);
  assert.equal(parseWithReason(journal(header, 7, { spawned: web, at: 61 }), owner, 'b-1').problem, 'line 2 is not a record line');
});
