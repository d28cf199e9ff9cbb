// Check 4: logs, .env files and the state folder others can read.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ExposureFacts, checkExposure } from '../../../src/audit/check-exposure';
import { dir, file, walk } from './fixtures';

const LOG_ABOVE = [dir('/'), dir('/var'), dir('/var/log'), dir('/var/log/muster')];
const STATE_ABOVE = [dir('/'), dir('/var'), dir('/var/lib'), dir('/var/lib/muster')];
const ENV_ABOVE = [dir('/'), dir('/srv'), dir('/srv/appa', 0o755)];

function facts(over: Partial<ExposureFacts> = {}): ExposureFacts {
  return {
    registration: '/etc/muster/apps/appa.toml',
    logs: { walk: walk([dir('/var/log/muster/appa', 0o750, 1001, 1001), file('/var/log/muster/appa/web.log', 0o640, 1001, 1001)]), above: LOG_ABOVE },
    envFiles: [{ shownAs: '/srv/appa/.env', file: file('/srv/appa/.env', 0o640, 0, 1001), above: ENV_ABOVE }],
    state: { folder: dir('/var/lib/muster/appa', 0o750, 1001, 1001), above: STATE_ABOVE },
    ...over,
  };
}
const brief = (fs: ReturnType<typeof checkExposure>) => fs.map((f) => [f.severity, f.kind, f.object]);

test('private logs, .env and state: no findings; no log folder at all neither', () => {
  assert.deepEqual(checkExposure(facts()), []);
  assert.deepEqual(checkExposure(facts({ logs: { walk: null, above: LOG_ABOVE }, envFiles: [], state: { folder: null, above: STATE_ABOVE } })), []);
});

test('a world-readable log file in a folder others can search is a warning; behind a 0750 folder it is not', () => {
  const open = walk([dir('/var/log/muster/appa', 0o751, 1001, 1001), file('/var/log/muster/appa/web.log', 0o644, 1001, 1001)]);
  const found = checkExposure(facts({ logs: { walk: open, above: LOG_ABOVE } }));
  assert.deepEqual(brief(found), [['warning', 'readable-log', '/var/log/muster/appa/web.log']]);
  assert.match(found[0]!.fix, /^chmod o-rwx \/var\/log\/muster\/appa\/web\.log; umask = "027" in \/etc\/muster\/apps\/appa\.toml/);
  const hidden = walk([dir('/var/log/muster/appa', 0o750, 1001, 1001), file('/var/log/muster/appa/web.log', 0o644, 1001, 1001)]);
  assert.deepEqual(checkExposure(facts({ logs: { walk: hidden, above: LOG_ABOVE } })), []);
  assert.deepEqual(checkExposure(facts({ logs: { walk: open, above: [dir('/'), dir('/var', 0o700)] } })), [], 'nobody else gets to /var');
});

test('a world-readable log folder takes the readable files below it into one finding', () => {
  const w = walk([dir('/var/log/muster/appa', 0o755, 1001, 1001), file('/var/log/muster/appa/a.log', 0o644), file('/var/log/muster/appa/b.log', 0o640)]);
  const found = checkExposure(facts({ logs: { walk: w, above: LOG_ABOVE } }));
  assert.deepEqual(brief(found), [['warning', 'readable-log', '/var/log/muster/appa']]);
  assert.match(found[0]!.message, /log folder readable by everyone \(mode 0755\) \(and 1 more entry below it\)/);
  assert.match(found[0]!.fix, /^chmod -R o-rwx \/var\/log\/muster\/appa/);
});

test('a world-readable .env is severe, named where it was found and where it is', () => {
  const found = checkExposure(facts({ envFiles: [{ shownAs: '/srv/appa/current/.env', file: file('/srv/appa/shared/.env', 0o644), above: ENV_ABOVE }] }));
  assert.deepEqual(brief(found), [['severe', 'readable-env', '/srv/appa/current/.env']]);
  assert.match(found[0]!.message, /mode 0644, it is \/srv\/appa\/shared\/\.env/);
  assert.equal(found[0]!.fix, 'chmod o-rwx /srv/appa/shared/.env');
  const hidden = [dir('/'), dir('/srv'), dir('/srv/appa', 0o750)];
  assert.deepEqual(checkExposure(facts({ envFiles: [{ shownAs: '/srv/appa/.env', file: file('/srv/appa/.env', 0o644), above: hidden }] })), []);
});

test('a world-readable state folder is a warning', () => {
  const found = checkExposure(facts({ state: { folder: dir('/var/lib/muster/appa', 0o755, 1001, 1001), above: STATE_ABOVE } }));
  assert.deepEqual(brief(found), [['warning', 'readable-state', '/var/lib/muster/appa']]);
  assert.equal(found[0]!.fix, 'chmod o-rwx /var/lib/muster/appa');
});

test('a cut-off log walk says so', () => {
  const w = walk([dir('/var/log/muster/appa', 0o750, 1001, 1001)], true);
  assert.deepEqual(brief(checkExposure(facts({ logs: { walk: w, above: LOG_ABOVE } }))), [['warning', 'incomplete', '/var/log/muster/appa']]);
});
