// B13: `muster apply` changes exactly what changed. Editing one process restarts only it; an
// apply with nothing to do restarts nothing; adding or removing a process starts or stops only
// that one; a changed env file restarts exactly the processes that read it.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { muster, musterJson, pids, statusJson, upDetached } from '../support/control';
import { cmdlineOf, freePort } from '../support/proc';
import { pidsMatching, tempApp } from '../support/up';

test('B13: apply restarts only what changed; dry-run and no-change apply touch nothing', async (t) => {
  const port = await freePort();
  const dir = tempApp({
    'common.env': 'GREETING=hello\n',
    'muster.toml': `
[process.web]
command = "python3 -m http.server ${port} --bind 127.0.0.1"
env_file = "common.env"

[process.worker]
command = "python3 $HELPERS/marker.py worker --concurrency 2"

[process.beat]
command = "python3 $HELPERS/marker.py beat"
env_file = "common.env"
`,
  });
  const toml = path.join(dir, 'muster.toml');
  await upDetached(t, dir);
  const before = await pids(dir);
  assert.ok(Object.values(before).every((p) => typeof p === 'number'), JSON.stringify(before));

  fs.writeFileSync(toml, fs.readFileSync(toml, 'utf8').replace('--concurrency 2', '--concurrency 4'));
  const dry = await musterJson(dir, ['apply', '--dry-run']);
  assert.equal(dry.applied, false);
  assert.deepEqual(dry.plan.changed, [{ name: 'worker', why: ['command'] }]);
  assert.deepEqual(dry.plan.added, []);
  assert.deepEqual(dry.plan.removed, []);
  assert.deepEqual(await pids(dir), before, 'dry-run changes nothing');
  const human = await muster(dir, ['apply', '--dry-run']);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /worker/);
  assert.doesNotMatch(human.stdout, /\bweb\b.*chang|\bbeat\b.*chang/);

  const applied = await musterJson(dir, ['apply']);
  assert.equal(applied.applied, true);
  assert.deepEqual(applied.plan.changed.map((c: { name: string }) => c.name), ['worker']);
  assert.deepEqual(applied.results.map((r: { name: string; outcome: string }) => `${r.name}:${r.outcome}`), ['worker:done']);
  const after = await pids(dir);
  assert.equal(after.web, before.web);
  assert.equal(after.beat, before.beat);
  assert.notEqual(after.worker, before.worker);
  assert.ok(cmdlineOf(after.worker!).includes('4'), cmdlineOf(after.worker!).join(' '));
  assert.deepEqual(cmdlineOf(after.worker!).slice(-2), ['--concurrency', '4']);

  // Nothing changed since: nothing restarts, and it says so.
  const again = await muster(dir, ['apply']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to do/i);
  assert.deepEqual(await pids(dir), after);

  // Adding a process starts only it.
  fs.appendFileSync(toml, `\n[process.extra]\ncommand = "python3 ${helpersOf(toml)}/marker.py extra"\n`);
  const added = await musterJson(dir, ['apply']);
  assert.deepEqual(added.plan.added, ['extra']);
  const withExtra = await pids(dir);
  assert.equal(typeof withExtra.extra, 'number');
  assert.deepEqual({ ...withExtra, extra: undefined }, { ...after, extra: undefined });
  assert.equal(pidsMatching('marker.py extra').length, 1);

  // Removing it stops only it, and it is gone from status.
  fs.writeFileSync(toml, fs.readFileSync(toml, 'utf8').replace(/\n\[process\.extra\][^[]*$/, '\n'));
  const removed = await musterJson(dir, ['apply']);
  assert.deepEqual(removed.plan.removed, ['extra']);
  assert.deepEqual(await pids(dir), after);
  assert.equal(pidsMatching('marker.py extra').length, 0);
  assert.deepEqual((await statusJson(dir)).map((i) => i.name), ['web', 'worker', 'beat']);

  // A changed env file: exactly the processes that read it restart.
  fs.writeFileSync(path.join(dir, 'common.env'), 'GREETING=hi\n');
  const env = await musterJson(dir, ['apply']);
  assert.deepEqual(env.plan.changed, [{ name: 'web', why: ['env GREETING'] }, { name: 'beat', why: ['env GREETING'] }]);
  const last = await pids(dir);
  assert.notEqual(last.web, after.web);
  assert.notEqual(last.beat, after.beat);
  assert.equal(last.worker, after.worker);
  assert.equal(fs.readFileSync(`/proc/${last.beat}/environ`, 'latin1').split('\0').includes('GREETING=hi'), true);
});

test('apply with a broken config changes nothing and exits 2 naming the file and line', async (t) => {
  const dir = tempApp({ 'muster.toml': '[process.web]\ncommand = "sleep 600"\n' });
  await upDetached(t, dir);
  const before = await pids(dir);
  fs.writeFileSync(path.join(dir, 'muster.toml'), '[process.web]\ncommand = "sleep 600"\nstop_signal = "TREM"\n');
  const r = await muster(dir, ['apply']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /muster\.toml:3:\d+/);
  assert.match(r.stderr, /TREM/);
  assert.deepEqual(await pids(dir), before);
});

/** The helpers folder the test app's config already uses (tempApp substituted $HELPERS). */
function helpersOf(toml: string): string {
  return /python3 (\S+)\/marker\.py/.exec(fs.readFileSync(toml, 'utf8'))![1]!;
}
