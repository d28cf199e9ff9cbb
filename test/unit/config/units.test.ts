import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDiagnostic } from '../../../src/config/diagnostics';
import { formatDuration, parseDuration } from '../../../src/config/duration';
import { canonicalSignal } from '../../../src/config/signals';
import { closest, editDistance } from '../../../src/config/suggest';

test('durations', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('0s'), 0);
  assert.equal(parseDuration('1d'), 86_400_000);
  for (const bad of ['', '30', 's', '1 h', '-1s', '1h30']) assert.equal(parseDuration(bad), null, bad);
  assert.equal(formatDuration(5_400_000), '1h30m');
  assert.equal(formatDuration(500), '500ms');
  assert.equal(formatDuration(0), '0s');
});

test('signals: TERM, SIGTERM and term are SIGTERM; unknown names suggest close ones', () => {
  for (const s of ['TERM', 'SIGTERM', 'term', ' sigterm ']) assert.deepEqual(canonicalSignal(s), { ok: true, name: 'SIGTERM' });
  const bad = canonicalSignal('HUPP');
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.hint : '', /"HUP"/);
  assert.equal(canonicalSignal('15').ok, false);
});

test('suggestions: Damerau distance, case-insensitive', () => {
  assert.equal(editDistance('stop_timout', 'stop_timeout'), 1);
  assert.equal(editDistance('wokrer', 'worker'), 1);
  assert.deepEqual(closest('instnaces', ['instances', 'restart']), ['instances']);
  assert.deepEqual(closest('zzz', ['instances', 'restart']), []);
});

test('formatDiagnostic', () => {
  assert.equal(formatDiagnostic({ file: 'muster.toml', line: 7, column: 1, message: 'unknown key "stop_timout" in [process.web]', hint: 'did you mean "stop_timeout"?' }),
    'muster.toml:7:1: unknown key "stop_timout" in [process.web]\n  hint: did you mean "stop_timeout"?');
  assert.equal(formatDiagnostic({ file: 'Procfile', line: 0, column: 0, message: 'x', hint: null }), 'Procfile: x');
});
