// SIGTERM to the supervisor while `muster down` stops everything gracefully: the first one asks for
// what is under way (a service manager's graceful stop must not cut a long task short), and says
// so; the second forces the stop like a second Ctrl-C, and `down` says which instances were killed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, muster, readMusterLog, readSupervisorPid, statusJson, upDetached } from '../support/control';
import { isAlive, waitUntilAsync } from '../support/proc';
import { tempApp, waitUntil } from '../support/up';

test('a first SIGTERM during muster down is acknowledged, a second forces the stop, and down reports the killed instance as killed', { timeout: 60_000 }, async (t) => {
  const dir = tempApp({
    'muster.toml': `
[process.web]
command = "python3 $HELPERS/slowstop.py --drain 0"

[process.stubborn]
command = "python3 $HELPERS/slowstop.py --drain 7200 --marker $T/stubborn-drained"
stop_timeout = "2h"
`,
  });
  await upDetached(t, dir);
  const supervisor = readSupervisorPid(dir)!;
  const stubborn = (await statusJson(dir)).find((i) => i.name === 'stubborn')!;
  const down = muster(dir, ['down'], 30_000);
  await waitUntilAsync(async () => {
    const states = (await api(dir, 'GET', '/v1/instances')).body.map((i: { name: string; state: string }) => `${i.name}:${i.state}`);
    return states.join(' ') === 'web:stopped stubborn:stopping';
  }, 10_000, 'web to be stopped and stubborn draining');

  // The first SIGTERM asks for what is under way: said, nothing killed.
  process.kill(supervisor, 'SIGTERM');
  await waitUntilAsync(async () => /SIGTERM: muster down is already stopping every process gracefully; send SIGTERM again to force it/.test(readMusterLog(dir)), 5000, 'the first SIGTERM acknowledged');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(isAlive(stubborn.pid!), true, 'the first SIGTERM kills nothing');
  // The second forces the stop.
  process.kill(supervisor, 'SIGTERM');
  const r = await down;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^web: stopped$/m);
  assert.match(r.stdout, /^stubborn: killed \(SIGKILL: the stop was forced by SIGTERM to the supervisor\)$/m);
  assert.doesNotMatch(r.stdout, /^stubborn: stopped/m);
  await waitUntil(() => !isAlive(supervisor), 5000, 'the supervisor is gone');
  assert.equal(isAlive(stubborn.pid!), false);
  assert.match(readMusterLog(dir), /SIGTERM again: killing every process group now/);
});
