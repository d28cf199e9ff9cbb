// `muster down` while `muster up -d` still waits for its processes to start: up -d says the
// supervisor was stopped, not that it keeps running.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { api, muster, readSupervisorPid } from '../support/control';
import { waitUntilAsync } from '../support/proc';
import { pidsMatching, tempApp } from '../support/up';

test('up -d interrupted by muster down says the supervisor was stopped while starting, exit 1', { timeout: 60_000 }, async (t) => {
  const dir = tempApp({
    'muster.toml': `
[process.slow]
command = "python3 $HELPERS/slowstop.py --drain 0 --marker $T/slow-stopped"
ready = { log = "a line it never prints", timeout = "60s" }
`,
  });
  t.after(() => {
    const supervisor = readSupervisorPid(dir);
    for (const pid of [...(supervisor ? [supervisor] : []), ...pidsMatching(path.dirname(dir))]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });
  const up = muster(dir, ['up', '-d'], 30_000);
  await waitUntilAsync(async () => {
    try {
      return (await api(dir, 'GET', '/v1/instances', undefined, 2000)).body[0]?.state === 'running';
    } catch {
      return false;
    }
  }, 15_000, 'slow to be running, not ready');

  const down = await muster(dir, ['down'], 30_000);
  assert.equal(down.code, 0, down.stderr);
  const r = await up;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /the supervisor \(pid \d+\) was stopped \(muster down, or a signal\) while it was starting; nothing runs/);
  assert.doesNotMatch(r.stderr, /keeps running|no supervisor is running/);
});
