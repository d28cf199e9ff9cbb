// Many clients at once during a burst of restarts: every answer is well-formed JSON, and each
// instance exists exactly once (counted in /proc by the MUSTER_PROCESS/MUSTER_INSTANCE muster gives
// it). Then the exit codes of the CLI against a real supervisor.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { muster, musterJson, processesPerInstance, statusJson, upDetached, type InstanceJson } from '../support/control';
import { tempApp } from '../support/up';

test('50 concurrent status clients during a burst of restarts: well-formed answers, one process per instance', { timeout: 120_000 }, async (t) => {
  const dir = tempApp({
    'muster.toml': `
[process.web]
command = "sleep 600"
instances = 4

[process.worker]
command = "sleep 601"
instances = 4
depends_on = { web = "started" }

[process.beat]
command = "sleep 602"
`,
  });
  const up = await upDetached(t, dir, 0, ['--json']);
  const started: InstanceJson[] = JSON.parse(up.stdout); // up -d --json prints the status as JSON
  assert.ok(started.every((i) => i.state === 'ready'), up.stdout);
  const names = (await statusJson(dir)).map((i) => i.name);
  assert.deepEqual(started.map((i) => i.name), names);
  assert.equal(names.length, 9);

  const restarts = [
    ['restart', 'all'],
    ['restart', 'web', '--with-dependents'],
    ['restart', 'worker.2'],
    ['stop', 'beat'],
    ['start', 'beat'],
    ['restart', 'all'],
  ].map((args) => muster(dir, [...args, '--json']));
  const statuses = Array.from({ length: 50 }, () => muster(dir, ['status', '--json']));
  for (const r of await Promise.all(statuses)) {
    assert.equal(r.code, 0, r.stderr);
    const list: InstanceJson[] = JSON.parse(r.stdout);
    assert.deepEqual(list.map((i) => i.name), names, 'every instance once, in order');
    for (const i of list) {
      assert.ok(['starting', 'running', 'ready', 'stopping', 'stopped'].includes(i.state), `${i.name} is ${i.state}`);
      assert.ok(i.pid === null || Number.isInteger(i.pid));
    }
  }
  // Each request got where it asked, or says that a later one changed its course (and exits 1).
  for (const r of await Promise.all(restarts)) {
    const answer = JSON.parse(r.stdout);
    const outcomes = new Set(answer.results.map((x: { outcome: string }) => x.outcome));
    assert.ok([...outcomes].every((o) => o === 'done' || o === 'superseded'), r.stdout);
    assert.equal(r.code, outcomes.has('superseded') ? 1 : 0, r.stdout);
  }
  // "stop beat" and "start beat" raced: either may have come last. Start it for the count below.
  assert.equal((await muster(dir, ['start', 'beat'])).code, 0);
  assert.equal((await muster(dir, ['wait', 'all', '--for', 'ready', '--timeout', '30s'])).code, 0);

  const final = await statusJson(dir);
  assert.ok(final.every((i) => i.state === 'ready'), JSON.stringify(final.map((i) => [i.name, i.state])));
  const live = processesPerInstance(dir);
  assert.equal(live.size, 9, [...live.keys()].join(' '));
  for (const [instance, list] of live) assert.equal(list.length, 1, `${instance} runs ${list.length} times: ${list.join(' ')}`);
  for (const i of final) assert.deepEqual(live.get(`${i.process}#${i.name.includes('.') ? i.name.split('.')[1] : '1'}`), [i.pid]);
});

test('exit codes: 0 done, 1 failed, 2 usage or unknown name, 3 no supervisor', { timeout: 60_000 }, async (t) => {
  const dir = tempApp({
    'muster.toml': `
[process.ok]
command = "sleep 600"

[process.broken]
command = "/nonexistent/bin/app --serve"

[process.once]
command = "sh -c 'echo failing; exit 1'"
restart = "never"
`,
  });
  const none = await muster(dir, ['status']);
  assert.equal(none.code, 3);
  assert.match(none.stderr, /no supervisor is running for .*\(start one with: muster -C .* up -d\)/);

  const up = await upDetached(t, dir, 1); // broken cannot start: up -d says so with 1, the supervisor stays
  assert.match(up.stderr, /not every process started/);
  const st = await statusJson(dir);
  assert.deepEqual(st.map((i) => [i.name, i.state]), [['ok', 'ready'], ['broken', 'fatal'], ['once', 'exited']]);

  // A one-shot that exits 1 did not start, whatever it looked like for a millisecond.
  const once = await musterJson(dir, ['start', 'once'], 1);
  assert.deepEqual([once.results[0].outcome, once.results[0].state], ['failed', 'exited']);

  assert.equal((await muster(dir, ['restart', 'ok'])).code, 0);
  const failed = await musterJson(dir, ['start', 'broken'], 1);
  assert.equal(failed.ok, false);
  assert.match(failed.results[0].message, /nonexistent/);
  const unknown = await muster(dir, ['stop', 'okk']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /valid names: all, ok, broken/);
  assert.equal((await muster(dir, ['frobnicate'])).code, 2);
  const timeout = await musterJson(dir, ['wait', 'ok', '--for', 'stopped', '--timeout', '300ms'], 1);
  assert.equal(timeout.ok, false);
  const waited = await musterJson(dir, ['wait', 'ok', '--for', 'ready', '--timeout', '5s']);
  assert.equal(waited.ok, true);

  // Waiting for an instance an operator stopped answers at once: nobody is going to start it.
  assert.equal((await muster(dir, ['stop', 'ok'])).code, 0);
  const startedAt = Date.now();
  const stopped = await musterJson(dir, ['wait', 'ok', '--timeout', '20s'], 1);
  assert.ok(Date.now() - startedAt < 3000, `wait took ${Date.now() - startedAt} ms`);
  assert.equal(stopped.results[0].message, 'stopped by an operator');
  assert.equal((await muster(dir, ['wait', 'ok', '--timeout', '30d'])).code, 2);

  // signal and down, as JSON.
  assert.equal((await muster(dir, ['start', 'ok'])).code, 0);
  const okPid = (await statusJson(dir, ['ok']))[0]!.pid;
  const signalled = await musterJson(dir, ['signal', 'CONT', 'ok']);
  assert.deepEqual(signalled.results.map((r: { name: string; outcome: string; pid: number }) => [r.name, r.outcome, r.pid]), [['ok', 'sent', okPid]]);
  const skipped = await musterJson(dir, ['signal', 'HUP', 'broken']);
  assert.equal(skipped.results[0].outcome, 'skipped');
  const down = await musterJson(dir, ['down']);
  assert.equal(down.ok, true);
  assert.deepEqual(down.stopped, ['ok', 'broken', 'once']);
  assert.equal((await muster(dir, ['status'])).code, 3);
});
