// B11: dependents start after their dependency is ready, and stop before it begins to stop;
// dependents stop concurrently. `muster restart redis` restarts redis alone (documented default);
// `--with-dependents` stops web and worker first and starts them after the new redis is ready.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { groupMembers, reportedPids, tempApp, waitUntil } from '../support/up';
import { upRunner } from '../support/proc';
import { muster, pids, upDetached } from '../support/control';

function orderLog(file: string): Map<string, number> {
  const times = new Map<string, number>();
  for (const line of fs.readFileSync(file, 'utf8').trim().split('\n')) {
    const m = /^(.*) ([\d.]+)$/.exec(line);
    if (m) times.set(m[1]!, Number(m[2]));
  }
  return times;
}

const B11_TOML = [
  '[process.redis]',
  'command = "python3 $HELPERS/svcsim.py redis --ready-delay 1 --drain 1 --log $T/order.log"',
  'ready = { log = "redis READY" }',
  '',
  '[process.web]',
  'command = "python3 $HELPERS/svcsim.py web --drain 3 --log $T/order.log"',
  'depends_on = { redis = "ready" }',
  '',
  '[process.worker]',
  'command = "python3 $HELPERS/svcsim.py worker --drain 5 --log $T/order.log"',
  'depends_on = { redis = "ready" }',
  '',
].join('\n');

test('B11 foreground: web and worker start after redis is ready; on SIGINT they stop together, redis only after both, exit within 7 s', async (t) => {
  const dir = tempApp({ 'muster.toml': B11_TOML });
  const root = path.dirname(dir);
  const log = path.join(root, 'order.log');
  const runUp = upRunner(t, dir);

  const up = runUp();
  await up.waitFor(/web\s+\| web up/);
  await up.waitFor(/worker\s+\| worker up/);
  const pgids = ['redis', 'web', 'worker'].map((name) => reportedPids(up.output(), name)[0]!);

  const signalledAt = Date.now();
  up.signal('SIGINT');
  const code = await up.exited(15_000);
  const tookS = (Date.now() - signalledAt) / 1000;
  assert.equal(code, 0);
  await waitUntil(() => orderLog(log).has('redis stop-end'), 1000, 'redis stop-end is in the order log');
  const at = orderLog(log);
  const get = (key: string) => {
    const v = at.get(key);
    assert.ok(v !== undefined, `order log has "${key}": ${fs.readFileSync(log, 'utf8')}`);
    return v;
  };

  assert.ok(get('web start') > get('redis ready'), 'web starts after redis is ready');
  assert.ok(get('worker start') > get('redis ready'), 'worker starts after redis is ready');
  assert.ok(get('redis stop-begin') >= Math.max(get('web stop-end'), get('worker stop-end')), 'redis begins to stop after both dependents ended');
  assert.ok(Math.abs(get('web stop-begin') - get('worker stop-begin')) < 0.5, 'web and worker got their stop signal together');
  assert.ok(get('worker stop-end') > get('web stop-begin') + 3, 'web and worker drained at the same time');
  assert.ok(tookS >= 5.5 && tookS <= 7, `muster exited ${tookS.toFixed(2)} s after SIGINT (expected about 5 + 1)`);
  for (const pgid of pgids) assert.deepEqual(groupMembers(pgid), [], `group ${pgid} is empty`);
});

test('B11 restart: redis alone by default; --with-dependents stops web and worker first and starts them after the new redis is ready', async (t) => {
  const dir = tempApp({ 'muster.toml': B11_TOML });
  const log = path.join(path.dirname(dir), 'order.log');
  await upDetached(t, dir);
  const before = await pids(dir);
  // Without a probe, web and worker count as started once spawned; let them say so before the log is cleared.
  await waitUntil(() => orderLog(log).has('web ready') && orderLog(log).has('worker ready'), 5000, 'web and worker wrote their start lines');

  fs.writeFileSync(log, '');
  const alone = await muster(dir, ['restart', 'redis']);
  assert.equal(alone.code, 0, alone.stderr);
  const afterAlone = await pids(dir);
  assert.notEqual(afterAlone.redis, before.redis);
  assert.equal(afterAlone.web, before.web, 'web keeps its pid');
  assert.equal(afterAlone.worker, before.worker, 'worker keeps its pid');
  const aloneLog = fs.readFileSync(log, 'utf8');
  assert.doesNotMatch(aloneLog, /^(web|worker) /m, `web and worker have no lines in the order log:\n${aloneLog}`);
  assert.match(aloneLog, /^redis stop-begin /m);
  assert.match(aloneLog, /^redis ready /m);

  fs.writeFileSync(log, '');
  const startedAt = Date.now();
  const cascade = await muster(dir, ['restart', 'redis', '--with-dependents']);
  assert.equal(cascade.code, 0, cascade.stderr);
  // It answered once everything was back: web and worker drained (3 s, 5 s), redis (1 s), redis warm-up (1 s).
  assert.ok(Date.now() - startedAt >= 6500, `restart returned after ${Date.now() - startedAt} ms, before everything was back`);
  await waitUntil(() => orderLog(log).has('web start') && orderLog(log).has('worker start'), 5000, 'web and worker wrote their start lines');
  const at = orderLog(log);
  const get = (key: string) => {
    const v = at.get(key);
    assert.ok(v !== undefined, `order log has "${key}": ${fs.readFileSync(log, 'utf8')}`);
    return v;
  };
  assert.ok(get('redis stop-begin') >= Math.max(get('web stop-end'), get('worker stop-end')), 'web and worker ended before redis began to stop');
  assert.ok(get('web start') > get('redis ready') && get('worker start') > get('redis ready'), 'web and worker started after the new redis was ready');
  const after = await pids(dir);
  for (const name of ['redis', 'web', 'worker']) assert.notEqual(after[name], afterAlone[name], `${name} has a new pid`);
});
