// Spec: `depends_on = { migrate = "succeeded" }` waits for a one-shot that exits 0; a dependency
// that goes fatal makes its waiting dependents fatal, naming it (and they are never spawned).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { groupMembers, reportedPids, tempApp } from '../support/up';
import { upRunner } from '../support/proc';

function linesOf(output: string, instance: string): string[] {
  return output.split('\n').filter((l) => new RegExp(`^\\S+ ${instance}\\s+[=|!] `).test(l));
}

test('spec: depends_on = { migrate = "succeeded" } waits for the one-shot to exit 0', async (t) => {
  const dir = tempApp({
    'muster.toml': [
      '[process.migrate]',
      // A one-shot that takes a moment and leaves a trace; it must be over before web is spawned.
      `command = "sh -c 'sleep 1; echo migrated > $T/migrated'"`,
      'restart = "never"',
      '',
      '[process.web]',
      `command = "sh -c 'test -f $T/migrated && echo saw-migrated; exec python3 $HELPERS/marker.py web $T'"`,
      'depends_on = { migrate = "succeeded" }',
      '',
    ].join('\n'),
  });
  const runUp = upRunner(t, dir);

  const up = runUp();
  await up.waitFor(/web\s+\| web up/, 10_000);
  const out = up.output();
  const migrateExit = out.search(/migrate\s+= ready -> exited \(pid \d+\): exited \(exit code 0\)/);
  const webSpawn = out.search(/web\s+= starting -> ready \(pid \d+\)/);
  assert.ok(migrateExit >= 0, out);
  assert.ok(webSpawn > migrateExit, 'web is spawned only after migrate exited 0');
  assert.match(out, /web\s+= waiting for migrate \(succeeded\)/);
  assert.match(out, /web\s+\| saw-migrated/);
  assert.equal(reportedPids(out, 'migrate').length, 1, 'the one-shot ran once');

  const [webPid] = reportedPids(out, 'web');
  up.signal('SIGINT');
  assert.equal(await up.exited(10_000), 0);
  assert.deepEqual(groupMembers(webPid!), []);
});

test('spec: a dependency that goes fatal makes its waiting dependents fatal, naming it', async (t) => {
  const dir = tempApp({
    'muster.toml': [
      // Fatal at its first attempt: the command does not exist.
      '[process.db]',
      'command = "/nonexistent/bin/db"',
      '',
      '[process.api]',
      'command = "python3 $HELPERS/marker.py api $T"',
      'depends_on = ["db"]',
      '',
      // Fatal after running: it dies before becoming ready and max_restarts = 0 gives up at once.
      '[process.cache]',
      `command = "sh -c 'echo cache-failing; exit 3'"`,
      'ready = { log = "never printed" }',
      'max_restarts = 0',
      '',
      '[process.web]',
      'command = "python3 $HELPERS/marker.py web $T"',
      'depends_on = { cache = "ready" }',
      '',
    ].join('\n'),
  });
  const runUp = upRunner(t, dir);

  const up = runUp();
  await up.waitFor(/api\s+= starting -> fatal/, 10_000);
  await up.waitFor(/web\s+= starting -> fatal/, 10_000);
  const out = up.output();

  assert.match(out, /db\s+= starting -> fatal: cannot start: \/nonexistent\/bin\/db not found \(ENOENT\)/);
  assert.match(out, /api\s+= starting -> fatal: not started: dependency db is fatal, needed started/);
  assert.match(out, /cache\s+= \S+ -> fatal \(pid \d+\): exited \(exit code 3\); giving up/);
  assert.match(out, /web\s+= starting -> fatal: not started: dependency cache is fatal \(exit 3\), needed ready/);
  assert.match(out, /web\s+= waiting for cache \(ready\)/, 'web waited for cache first');
  for (const name of ['api', 'web']) {
    assert.deepEqual(reportedPids(out, name), [], `${name} was never spawned`);
    assert.ok(!linesOf(out, name).some((l) => / [|!] /.test(l)), `${name} printed nothing`);
    const log = fs.readFileSync(path.join(dir, '.muster', 'logs', `${name}.log`), 'utf8');
    assert.match(log, /\[muster\] \S+ starting -> fatal: not started: dependency/);
  }

  // Everything is at rest; muster still waits for Ctrl-C and then exits cleanly.
  up.signal('SIGINT');
  assert.equal(await up.exited(5000), 0);
});
