// B15 (runtime half): comments, blank lines and a missing final newline in the Procfile. The parsing
// is unit-tested in test/unit/config/procfile.test.ts; here `muster up` starts exactly web and
// worker from both variants, the commented-out worker never runs, and `w#1` keeps its `#`.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { pidsMatching, startUp, tempApp, waitUntil } from '../support/up';
import { configJson, killMusterTree, ownLines, readLog } from '../support/case-run';
import { freePort } from '../support/proc';

function procfileA(port: number): string {
  return [
    '# main web process',
    '',
    `web: python3 -m http.server ${port} --bind 127.0.0.1`,
    '   # indented comment',
    '#worker: python3 $T/old_worker.py',
    `worker: python3 -c "import time; print('w#1', flush=True); time.sleep(1000)"`,
    '',
    '',
  ].join('\n');
}

function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

async function serves(port: number): Promise<boolean> {
  try {
    return (await get(port)) === 200;
  } catch {
    return false;
  }
}

async function waitServing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await serves(port))) {
    if (Date.now() > deadline) throw new Error(`web did not answer on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const variant of ['Procfile.a', 'Procfile.b (no final newline)']) {
  test(`B15 ${variant}: muster up starts exactly web and worker; old_worker.py never runs; w#1 is logged`, async () => {
    const port = await freePort();
    const text = variant === 'Procfile.a' ? procfileA(port) : procfileA(port).replace(/\n+$/, '');
    const dir = tempApp({ Procfile: text, 'old_worker.py': 'print("old worker ran")\n' });
    assert.deepEqual(Object.keys(configJson(dir).processes), ['web', 'worker']);

    const up = startUp(dir);
    try {
      await up.waitFor(/worker +\| w#1\n/);
      await waitUntil(() => readLog(dir, 'worker').includes('w#1\n'), 5000, 'worker.log holds w#1');
      assert.deepEqual(ownLines(readLog(dir, 'worker')), ['w#1']);
      await waitServing(port, 10_000);
      assert.deepEqual(pidsMatching('old_worker.py'), []);
      const started = [...up.output().matchAll(/^\S+ (\S+) += starting -> \S+ \(pid \d+\)/gm)].map((m) => m[1]);
      assert.deepEqual(started.sort(), ['web', 'worker']);
      up.signal('SIGINT');
      assert.equal(await up.exited(15_000), 0);
      assert.equal(await serves(port), false, 'web is gone after the stop');
    } finally {
      killMusterTree(up.child.pid);
    }
  });
}
