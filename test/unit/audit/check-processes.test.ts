// Check 5: app processes with root, capabilities, or without no-new-privileges; and reading
// what /proc says about them.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { capabilityNames } from '../../../src/audit/capabilities';
import { checkProcesses } from '../../../src/audit/check-processes';
import { ProcessFacts } from '../../../src/audit/model';
import { parseStatus } from '../../../src/audit/proc';
import { environValue } from '../../../src/os/proc-environ';

const CTX = { app: 'appa', registration: '/etc/muster/apps/appa.toml', uid: 1001 };
const APP_PROCESS: ProcessFacts = {
  pid: 4242, command: 'node web.js', uids: [1001, 1001, 1001, 1001], gids: [1001, 1001, 1001, 1001], groups: [1001],
  noNewPrivs: true, capEff: 0n, capPrm: 0n, capAmb: 0n,
};
const brief = (fs: ReturnType<typeof checkProcesses>) => fs.map((f) => [f.severity, f.kind, f.object]);

test('an unprivileged process with no-new-privileges: no findings', () => {
  assert.deepEqual(checkProcesses([APP_PROCESS], CTX), []);
  assert.deepEqual(checkProcesses([], CTX), []);
});

test('root in any of the four uids is severe, one finding per process that says everything', () => {
  const found = checkProcesses([{ ...APP_PROCESS, uids: [1001, 0, 1001, 0], noNewPrivs: false, capEff: 0x1ffffffffffn }], CTX);
  assert.deepEqual(brief(found), [['severe', 'process', 'pid 4242 (node web.js)']]);
  assert.match(found[0]!.message, /runs as root \(uid 1001\/0\/1001\/0 real\/effective\/saved\/fs\); runs without no-new-privileges/);
  assert.doesNotMatch(found[0]!.message, /capabilities/, 'root has them all: saying so adds nothing');
  assert.match(found[0]!.fix, /user in \/etc\/muster\/apps\/appa\.toml must not be root/);
});

test('capabilities (effective, permitted or ambient) are severe; missing no-new-privileges alone a warning', () => {
  const caps = checkProcesses([{ ...APP_PROCESS, capEff: 0x400n, capPrm: 0x400n, capAmb: 0x400n }], CTX);
  assert.deepEqual(brief(caps), [['severe', 'process', 'pid 4242 (node web.js)']]);
  assert.match(caps[0]!.message, /holds capabilities: net_bind_service \(CapEff 0000000000000400/);
  assert.deepEqual(brief(checkProcesses([{ ...APP_PROCESS, capPrm: 1n }], CTX)), [['severe', 'process', 'pid 4242 (node web.js)']]);
  const nnp = checkProcesses([{ ...APP_PROCESS, noNewPrivs: false }], CTX);
  assert.deepEqual(brief(nnp), [['warning', 'process', 'pid 4242 (node web.js)']]);
  assert.deepEqual(checkProcesses([{ ...APP_PROCESS, noNewPrivs: null }], CTX), [], 'a kernel that does not say is not a finding');
  assert.deepEqual(checkProcesses([{ ...APP_PROCESS, groups: [1001, 0] }], CTX).map((f) => f.severity), ['warning']);
});

test("a process of another user is named as possibly an operator's shell", () => {
  const found = checkProcesses([{ ...APP_PROCESS, uids: [2000, 2000, 2000, 2000], noNewPrivs: false }], CTX);
  assert.match(found[0]!.message, /not the app's user: .*use muster --app appa instead/);
});

test('status and environ are read as the kernel writes them', () => {
  const status = [
    'Name:\tsleep', 'Umask:\t0022', 'Uid:\t1001\t1001\t1001\t1001', 'Gid:\t1001\t1001\t1001\t1001', 'Groups:\t1001 1500 ',
    'NoNewPrivs:\t1', 'CapInh:\t0000000000000000', 'CapPrm:\t0000000000000000', 'CapEff:\t0000000000000400', 'CapAmb:\t0000000000000000', '',
  ].join('\n');
  assert.deepEqual(parseStatus(status), {
    name: 'sleep', uids: [1001, 1001, 1001, 1001], gids: [1001, 1001, 1001, 1001], groups: [1001, 1500],
    noNewPrivs: true, capEff: 0x400n, capPrm: 0n, capAmb: 0n,
  });
  assert.deepEqual(parseStatus('Name:\tx\nUid:\t0\t0\t0\t0\nGroups:\t\n').groups, []);
  assert.equal(parseStatus('Name:\tx\n').noNewPrivs, null);
  assert.equal(environValue('PATH=/bin\0MUSTER_APP=appa\0MUSTER_APPX=no\0', 'MUSTER_APP'), 'appa');
  assert.equal(environValue('NOT_MUSTER_APP=appa\0', 'MUSTER_APP'), undefined);
  assert.equal(capabilityNames(0x1ffffffffffn), 'all');
  assert.equal(capabilityNames(0x3n), 'chown,dac_override');
});
