// Requests that meet one another against a real supervisor: a start while a dependency is still
// stopping, two `down`s, two `apply`s. Each must end, with an answer that says what happened.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { musterJson, statusJson, upDetached } from '../support/control';
import { tempApp } from '../support/up';

test('start of a process whose dependency is still stopping starts the dependency again, then it', { timeout: 60_000 }, async (t) => {
  const dir = tempApp({
    'muster.toml': `
[process.store]
command = "python3 $HELPERS/slowstop.py --drain 2"

[process.web]
command = "python3 $HELPERS/marker.py web"
depends_on = { store = "started" }
`,
  });
  await upDetached(t, dir);
  await musterJson(dir, ['stop', 'web']);
  const [before] = await statusJson(dir, ['store']);
  const stopping = await musterJson(dir, ['stop', 'store', '--no-wait']);
  assert.equal(stopping.results[0].state, 'stopping');
  const started = await musterJson(dir, ['start', 'web']);
  assert.deepEqual(started.results.map((r: { name: string; outcome: string }) => `${r.name}:${r.outcome}`), ['store:done', 'web:done']);
  const after = await statusJson(dir);
  assert.deepEqual(after.map((i) => i.state), ['ready', 'ready']);
  assert.notEqual(after[0]!.pid, before!.pid, 'store was stopped, then started again');
});
