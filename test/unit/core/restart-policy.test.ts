import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRestart, EMPTY_HISTORY, type RestartHistory } from '../../../src/core/restart-policy';

const rules = { restart: 'always' as const, maxRestarts: 5, restartWindowMs: 60_000 };
const fail = { code: 1, signal: null };

test('a stable instance that dies is restarted at once', () => {
  const d = decideRestart(rules, EMPTY_HISTORY, fail, 0, 10_000);
  assert.equal(d.action, 'restart');
  assert.equal(d.action === 'restart' && d.delayMs, 0);
});

test('quick failures back off 1, 2, 4, 8 s and then the crash-loop rule gives up', () => {
  let history: RestartHistory = EMPTY_HISTORY;
  let now = 0;
  const delays: number[] = [];
  for (;;) {
    const d = decideRestart(rules, history, fail, now, now + 10);
    history = d.history;
    if (d.action !== 'restart') {
      assert.equal(d.action, 'give-up');
      assert.match(d.action === 'give-up' ? d.reason : '', /crash loop: 6 exits within 60s \(max_restarts = 5\)/);
      break;
    }
    delays.push(d.delayMs);
    now += 10 + d.delayMs;
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000]);
});

test('the backoff is capped at 30 s', () => {
  const d = decideRestart({ ...rules, maxRestarts: 100, restartWindowMs: 1 }, { exitTimes: [], quickFailures: 10 }, fail, 0, 10);
  assert.equal(d.action === 'restart' && d.delayMs, 30_000);
});

test('the crash-loop rule applies even to instances that ran past the minimum uptime', () => {
  let history: RestartHistory = EMPTY_HISTORY;
  let now = 0;
  let last;
  for (let i = 0; i < 6; i++) {
    last = decideRestart(rules, history, fail, now, now + 1500);
    history = last.history;
    now += 1500;
  }
  assert.equal(last!.action, 'give-up');
});

test('exits older than the window are forgotten', () => {
  const history = { exitTimes: [0, 1, 2, 3, 4], quickFailures: 0 };
  const d = decideRestart(rules, history, fail, 100_000, 102_000);
  assert.equal(d.action, 'restart');
  assert.deepEqual(d.history.exitTimes, [102_000]);
});

test('restart policies: never rests, on-failure rests after a clean exit', () => {
  assert.equal(decideRestart({ ...rules, restart: 'never' }, EMPTY_HISTORY, fail, 0, 5000).action, 'rest');
  assert.equal(decideRestart({ ...rules, restart: 'on-failure' }, EMPTY_HISTORY, { code: 0, signal: null }, 0, 5000).action, 'rest');
  assert.equal(decideRestart({ ...rules, restart: 'on-failure' }, EMPTY_HISTORY, { code: null, signal: 'SIGKILL' }, 0, 5000).action, 'restart');
});
