// B14 (runtime half): colons inside commands, no space after `name:`, names with dashes. The parsing
// is unit-tested in test/unit/config/procfile.test.ts; here the real `muster up` runs the three
// entries and each child prints its text intact.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startUp, tempApp, waitUntil } from '../support/up';
import { configJson, killMusterTree, ownLines, readLog, runMuster } from '../support/case-run';

const PROCFILE = [
  `web: env PATH=/opt/x/bin:$PATH python3 -c "print('ok:web')"`,
  `clock:python3 -c "print('clock up')"`,
  `release-tasks: echo "http://localhost:8000/health"`,
].join('\n') + '\n';
const TOML = '[process.web]\nrestart = "never"\n\n[process.clock]\nrestart = "never"\n\n[process.release-tasks]\nrestart = "never"\n';

test('B14: muster up runs web, clock and release-tasks; their outputs arrive intact', async () => {
  const dir = tempApp({ Procfile: PROCFILE, 'muster.toml': TOML });
  const config = configJson(dir);
  assert.deepEqual(Object.keys(config.processes), ['web', 'clock', 'release-tasks']);
  assert.equal(config.processes.web!.command, `env PATH=/opt/x/bin:$PATH python3 -c "print('ok:web')"`);

  const up = startUp(dir);
  try {
    const expected: Record<string, string> = { web: 'ok:web', clock: 'clock up', 'release-tasks': 'http://localhost:8000/health' };
    for (const [name, text] of Object.entries(expected)) {
      await up.waitFor(new RegExp(`${name} +\\| ${text.replace(/[.:/]/g, '\\$&')}\\n`));
      await up.waitFor(new RegExp(`${name} += ready -> exited \\(pid \\d+\\): exited \\(exit code 0\\)`));
    }
    for (const [name, text] of Object.entries(expected)) {
      await waitUntil(() => readLog(dir, name).includes('-> exited'), 5000, `${name}.log has its exit line`);
      assert.deepEqual(ownLines(readLog(dir, name)), [text], `${name}.log`);
    }
    // An absence can only be observed over a window: muster must not end on its own (it once did,
    // silently, when its event loop ran empty after the last one-shot).
    const early = await Promise.race([up.exited(), new Promise((r) => setTimeout(() => r('running'), 500))]);
    assert.equal(early, 'running', 'muster keeps running after its one-shots exit');
    up.signal('SIGINT');
    assert.equal(await up.exited(10_000), 0);
    assert.match(up.output(), /every process stopped; bye/);
  } finally {
    killMusterTree(up.child.pid);
  }
});

test('B14: a name muster refuses is rejected by config and up alike, naming Procfile:3; nothing starts', async () => {
  const dir = tempApp({ Procfile: PROCFILE.replace('release-tasks:', 'release.tasks:'), 'muster.toml': '' });
  const config = runMuster(dir, ['config']);
  assert.equal(config.code, 2);
  assert.match(config.stderr, /^Procfile:3:/m);

  const up = startUp(dir);
  try {
    assert.equal(await up.exited(10_000), 2);
    assert.match(up.output(), /^Procfile:3:/m);
    assert.match(up.output(), /nothing was started/);
    assert.equal(fs.existsSync(path.join(dir, '.muster')), false, 'no .muster folder: nothing was started');
  } finally {
    killMusterTree(up.child.pid);
  }
});
