// `muster host status`'s table: one line per app, the problem on the next line.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { renderHostStatus } from '../../../src/cli/host-status';

test('host status: one line per app with state, tier pid, age, restarts and last exit; the problem below it', () => {
  const now = 1_000_000_000;
  const text = renderHostStatus({
    host: { pid: 1, started_at: now - 9000 },
    apps: [
      { name: 'appa', user: 'appa', state: 'running', pid: 4242, since: now - 7_380_000, restarts: 1, last_exit: { code: null, signal: 'SIGKILL' }, problem: null },
      { name: 'appb', user: 'appb', state: 'backoff', pid: null, since: now - 3000, restarts: 4, last_exit: { code: 2, signal: null }, problem: 'the app tier exited with code 2: the app\'s config is broken; see /var/log/muster/appb/muster.log' },
      { name: 'bad', user: null, state: 'refused', pid: null, since: now - 65_000, restarts: 0, last_exit: null, problem: 'bad.toml:3:1: unknown key' },
    ],
  }, now);
  assert.equal(text, [
    'APP   USER  STATE    PID   SINCE  RESTARTS  LAST EXIT',
    'appa  appa  running  4242  2h03m  1         SIGKILL',
    'appb  appb  backoff  -     3s     4         code 2',
    '  the app tier exited with code 2: the app\'s config is broken; see /var/log/muster/appb/muster.log',
    'bad   -     refused  -     1m05s  0         -',
    '  bad.toml:3:1: unknown key',
    '',
  ].join('\n'));
});
