// A command that daemonizes (fork, setsid, fork: the daemon leaves the process group and keeps the
// output pipes) exits at once. muster says so in its log, and the restart rules see that quick exit
// (backoff), not the second it waited for the pipes' end.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { muster, readMusterLog, upDetached } from '../support/control';
import { waitUntilAsync } from '../support/proc';
import { tempApp } from '../support/up';

test('a self-daemonizing command: a warning that a process left its group holding the pipes, and a backoff, not an immediate restart', async (t) => {
  const dir = tempApp({
    'daemon.py': [
      'import os, time',
      'if os.fork() > 0: os._exit(0)',
      'os.setsid()',
      'if os.fork() > 0: os._exit(0)',
      'print("daemon up", flush=True)',
      'time.sleep(4)  # holds stdout and stderr meanwhile',
      '',
    ].join('\n'),
    'muster.toml': '[process.bg]\ncommand = "/usr/bin/python3 daemon.py"\nmax_restarts = 50\n',
  });
  await upDetached(t, dir); // no probe: "ready" as soon as it runs
  await waitUntilAsync(async () => /holding its output pipes[^]*next try in/.test(readMusterLog(dir)), 15_000, 'the note on the pipes, then the backoff');
  const log = readMusterLog(dir);
  assert.match(log, /bg\s+= it exited and left a process outside its process group holding its output pipes/);
  assert.match(log, /after less than a second; next try in 1s/);
  assert.equal((await muster(dir, ['down'])).code, 0);
});
