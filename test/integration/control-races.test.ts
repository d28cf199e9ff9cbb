// Requests that meet one another against a real supervisor: a start while a dependency is still
// stopping, two `down`s, two `apply`s. Each must end, with an answer that says what happened.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { api, muster, musterJson, readSupervisorPid, statusJson, upDetached } from '../support/control';
import { isAlive, waitUntilAsync } from '../support/proc';
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

test('a second down while the first is still stopping waits for the same end and exits 0', { timeout: 90_000 }, async (t) => {
  // The stop takes 12 s: longer than the 10 s a client gives the supervisor to exit after its answer.
  const dir = tempApp({ 'muster.toml': '[process.slow]\ncommand = "python3 $HELPERS/slowstop.py --drain 12"\nstop_timeout = "30s"\n' });
  await upDetached(t, dir);
  const supervisor = readSupervisorPid(dir)!;
  const first = muster(dir, ['down', '--json']);
  await waitUntilAsync(async () => (await api(dir, 'GET', '/v1/app')).body.stopping === true, 10_000, 'the supervisor to be stopping');
  const second = muster(dir, ['down', '--json']);
  const direct = await api(dir, 'POST', '/v1/shutdown', {}, 60_000);
  assert.equal(direct.status, 200, JSON.stringify(direct.body));
  assert.deepEqual(direct.body, { ok: true, already_stopping: true });
  const [one, two] = await Promise.all([first, second]);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(JSON.parse(one.stdout), { ok: true, stopped: ['slow'] });
  assert.equal(two.code, 0, two.stderr);
  assert.deepEqual(JSON.parse(two.stdout), { ok: true, already_stopping: true });
  assert.equal(isAlive(supervisor), false);
});

test('an apply while another is still being carried out waits for it, then plans against what it left', { timeout: 90_000 }, async (t) => {
  const dir = tempApp({ 'muster.toml': '[process.slow]\ncommand = "python3 $HELPERS/slowstop.py --drain 3"\nstop_timeout = "30s"\n' });
  const toml = path.join(dir, 'muster.toml');
  await upDetached(t, dir);
  const [before] = await statusJson(dir);
  fs.writeFileSync(toml, fs.readFileSync(toml, 'utf8').replace('--drain 3', '--drain 2'));
  const first = musterJson(dir, ['apply']);
  await waitUntilAsync(async () => (await statusJson(dir))[0]!.state === 'stopping', 10_000, 'the first apply to stop slow');
  const dry = await musterJson(dir, ['apply', '--dry-run']);
  assert.equal(dry.apply_in_progress, true, 'a dry run does not wait, but says an apply is under way');
  const second = await muster(dir, ['apply']);
  const [now] = await statusJson(dir);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^nothing to do/);
  assert.equal(now!.state, 'ready', 'the second apply answered only once the first was done');
  assert.notEqual(now!.pid, before!.pid);
  assert.deepEqual((await first).results.map((r: { name: string; outcome: string }) => `${r.name}:${r.outcome}`), ['slow:done']);
});
