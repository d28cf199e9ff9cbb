// Which processes the host treats as an app's tier: only those /proc says are (the app user's
// STATE/muster.pid is not read), and a tier of another live host is told apart from a stale one.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findTiers } from '../../../src/host/stale-tier';
import { appProcesses, isMusterHost } from '../../../src/host/app-processes';

interface Fake {
  readonly environ: string[];
  readonly uid: number;
  readonly state?: string;
  readonly ppid?: number;
}

function fakeProc(t: { after(fn: () => void): void }, procs: Record<number, Fake>): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-stale-'));
  t.after(() => fs.rmSync(base, { recursive: true, force: true }));
  for (const [pid, f] of Object.entries(procs)) {
    const dir = path.join(base, pid);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'environ'), `${f.environ.join('\0')}\0`);
    const state = f.state ?? 'S (sleeping)';
    fs.writeFileSync(path.join(dir, 'status'), `Name:\tnode\nState:\t${state}\nUid:\t${f.uid}\t${f.uid}\t${f.uid}\t${f.uid}\n`);
    fs.writeFileSync(path.join(dir, 'stat'), `${pid} (no de) ${state[0]} ${f.ppid ?? 1} ${pid} ${pid} 0\n`);
  }
  return base;
}

const TIER = ['PATH=/bin', 'MUSTER_APP=appa', 'MUSTER_HOST=1'];

test('a live process of this app under a host, as the app user, with no MUSTER_PROCESS, is its tier', (t) => {
  const proc = fakeProc(t, { 4242: { environ: TIER, uid: 991 } });
  assert.deepEqual(findTiers('appa', 991, proc, () => false), { stale: [4242], otherHost: [] });
});

test('another app, no MUSTER_HOST, an instance, another user, a zombie: never a tier', (t) => {
  const proc = fakeProc(t, {
    4242: { environ: ['MUSTER_APP=appb', 'MUSTER_HOST=1'], uid: 991 },
    4243: { environ: ['MUSTER_APP=appa'], uid: 991 },
    4244: { environ: [...TIER, 'MUSTER_PROCESS=web'], uid: 991 },
    4245: { environ: TIER, uid: 0 },
    4246: { environ: TIER, uid: 991, state: 'Z (zombie)' },
  });
  assert.deepEqual(findTiers('appa', 991, proc, () => false), { stale: [], otherHost: [] });
  assert.deepEqual(appProcesses('appa', 991, proc).map((p) => p.pid).sort(), [4243, 4244]);
  assert.deepEqual(findTiers('appa', 991, '/nonexistent', () => false), { stale: [], otherHost: [] });
});

test('a tier whose parent is a live muster host belongs to that host', (t) => {
  const proc = fakeProc(t, { 4242: { environ: TIER, uid: 991, ppid: 777 }, 4250: { environ: TIER, uid: 991, ppid: 1 } });
  assert.deepEqual(findTiers('appa', 991, proc, (pid) => pid === 777), { stale: [4250], otherHost: [{ tier: 4242, host: 777 }] });
});

test('a muster host is root running main.js (or bin/muster) with the host command, not host status', (t) => {
  const proc = fakeProc(t, { 10: { environ: [], uid: 0 }, 11: { environ: [], uid: 0 }, 12: { environ: [], uid: 0 }, 13: { environ: [], uid: 5 }, 14: { environ: [], uid: 0 } });
  const cmdline = (pid: number, argv: string[]) => fs.writeFileSync(path.join(proc, String(pid), 'cmdline'), `${argv.join('\0')}\0`);
  cmdline(10, ['/usr/bin/node', '--max-old-space-size=256', '/opt/muster/build/src/cli/main.js', '--apps', '/etc/apps', 'host']);
  cmdline(11, ['/usr/bin/node', '/opt/muster/build/src/cli/main.js', 'host', 'status']);
  cmdline(12, ['/usr/bin/python3', 'host']);
  cmdline(13, ['/usr/bin/node', '/opt/muster/build/src/cli/main.js', 'host']);
  cmdline(14, ['/usr/bin/node', '/opt/muster/build/src/cli/main.js', 'up']);
  assert.deepEqual([10, 11, 12, 13, 14, 15].filter((pid) => isMusterHost(pid, proc)), [10]);
});
