// Spec: `instances = N` gives NAME.1..NAME.N, each with its PORT (5000 + 100 per process in file
// order, + 1 per instance), MUSTER_PROCESS and MUSTER_INSTANCE; a command without shell syntax is
// executed directly, one with shell syntax runs under /bin/sh -c. Checked on the live processes
// through /proc, not on what they print.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CASE_HELPERS } from '../support/paths';
import { groupMembers, reportedPids, tempApp } from '../support/up';
import { cmdlineOf, environOf, upRunner } from '../support/proc';

const ENV_KEYS = 'PORT,MUSTER_PROCESS,MUSTER_INSTANCE';

test('spec: instances = N gives NAME.1..NAME.N with PORT 5000 +100 per process in file order +1 per instance, MUSTER_PROCESS and MUSTER_INSTANCE', async (t) => {
  const dir = tempApp({
    // File order: web (Procfile line 1), worker (Procfile line 2), then clock (only in muster.toml).
    'Procfile': [`web: python3 $HELPERS/argv.py --env ${ENV_KEYS} --wait $T`, `worker: python3 $HELPERS/argv.py --env ${ENV_KEYS} --wait $T`, ''].join('\n'),
    'muster.toml': ['[process.worker]', 'instances = 3', '', '[process.clock]', `command = "python3 $HELPERS/argv.py --env ${ENV_KEYS} --wait $T"`, 'instances = 2', ''].join('\n'),
  });
  const runUp = upRunner(t, dir);

  const up = runUp();
  const expected: Array<[string, string, string, string]> = [
    ['web', '5000', 'web', '1'],
    ['worker.1', '5100', 'worker', '1'],
    ['worker.2', '5101', 'worker', '2'],
    ['worker.3', '5102', 'worker', '3'],
    ['clock.1', '5200', 'clock', '1'],
    ['clock.2', '5201', 'clock', '2'],
  ];
  for (const [name, port] of expected) await up.waitFor(new RegExp(`${name.replace('.', '\\.')}\\s+\\| PORT='${port}'`));
  assert.doesNotMatch(up.output(), /\sworker\s+=|\sclock\s+=|worker\.4|clock\.3/, 'no instance without a number, none beyond N');

  const pgids: number[] = [];
  for (const [name, port, processName, instance] of expected) {
    const [pid] = reportedPids(up.output(), name);
    assert.ok(pid, `muster reported a pid for ${name}`);
    pgids.push(pid);
    const env = environOf(pid);
    assert.equal(env.PORT, port, `${name} PORT`);
    assert.equal(env.MUSTER_PROCESS, processName, `${name} MUSTER_PROCESS`);
    assert.equal(env.MUSTER_INSTANCE, instance, `${name} MUSTER_INSTANCE`);
  }

  up.signal('SIGINT');
  assert.equal(await up.exited(10_000), 0);
  for (const pgid of pgids) assert.deepEqual(groupMembers(pgid), []);
});

test('spec: a command without shell syntax is executed directly (muster reports the program\'s pid); one with shell syntax runs under /bin/sh -c', async (t) => {
  const shellCommand = `python3 ${CASE_HELPERS}/marker.py viash $T; echo after`;
  const dir = tempApp({
    'Procfile': [`direct: python3 $HELPERS/marker.py direct "two words" $T`, `viash: ${shellCommand}`, ''].join('\n'),
  });
  const root = path.dirname(dir);
  const runUp = upRunner(t, dir);

  const up = runUp();
  await up.waitFor(/direct\s+\| direct up/);
  await up.waitFor(/viash\s+\| viash up/);

  const [directPid] = reportedPids(up.output(), 'direct');
  const argv = cmdlineOf(directPid!);
  // argv[0] is python3 or, behind a pyenv-style shim that execs the real one, its full path.
  assert.match(argv[0]!, /(?:^|\/)python3[.\d]*$/, `the reported pid runs python, not a shell: ${argv.join(' ')}`);
  assert.deepEqual(argv.slice(1), [path.join(CASE_HELPERS, 'marker.py'), 'direct', 'two words', root], 'the arguments as split by muster, quotes removed');
  assert.match(up.output(), new RegExp(`direct\\s+\\| direct up pid=${directPid} `), 'the program confirms its own pid');

  const [shPid] = reportedPids(up.output(), 'viash');
  assert.deepEqual(cmdlineOf(shPid!), ['/bin/sh', '-c', shellCommand.replace('$T', root)], 'the reported pid is /bin/sh -c with the command unchanged');
  const python = groupMembers(shPid!).filter((pid) => pid !== shPid);
  assert.equal(python.length, 1, 'python runs as a child in the shell\'s group');
  assert.equal(cmdlineOf(python[0]!)[2], 'viash');

  up.signal('SIGINT');
  assert.equal(await up.exited(10_000), 0);
  assert.deepEqual(groupMembers(directPid!), []);
  assert.deepEqual(groupMembers(shPid!), []);
});
