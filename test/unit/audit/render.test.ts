// The report: per app, severe first; "no findings" for a clean app; the --json shape.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { renderHuman, toJson } from '../../../src/audit/render';
import { Finding } from '../../../src/audit/model';

const SEVERE: Finding = { severity: 'severe', kind: 'readable-env', object: '/srv/appa/.env', message: '.env file readable by everyone', fix: 'chmod o-rwx /srv/appa/.env' };
const WARNING: Finding = { severity: 'warning', kind: 'login-shell', object: 'user appa', message: 'login shell', fix: 'usermod -s /usr/sbin/nologin appa' };

test('--json: apps with their findings, and the totals', () => {
  assert.deepEqual(toJson([{ app: 'appa', findings: [SEVERE, WARNING] }, { app: 'appb', findings: [] }]), {
    apps: [{ app: 'appa', findings: [SEVERE, WARNING] }, { app: 'appb', findings: [] }],
    severe: 1,
    warnings: 1,
  });
});

test('for people: each finding with its object and fix; a clean app says so', () => {
  assert.equal(renderHuman([{ app: 'appa', findings: [SEVERE, WARNING] }, { app: 'appb', findings: [] }]), [
    'appa: 1 severe, 1 warning',
    '  severe  readable-env  /srv/appa/.env',
    '          .env file readable by everyone',
    '          fix: chmod o-rwx /srv/appa/.env',
    '  warning login-shell  user appa',
    '          login shell',
    '          fix: usermod -s /usr/sbin/nologin appa',
    'appb: no findings',
    '',
    '1 severe, 1 warning in 2 apps',
    '',
  ].join('\n'));
  assert.equal(renderHuman([{ app: 'appa', findings: [] }]), 'appa: no findings\n');
});
