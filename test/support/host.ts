// Integration tests of the root host tier: real users and groups (created here, removed at the end),
// a fresh folder tree (registrations, app folders, run/state/log bases), `muster host` started and
// always stopped, and readers for /proc/PID/status and environ.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MUSTER_JS } from './paths';
import { environOf, waitUntilAsync } from './proc';
import { liveStatFields } from '../../src/os/proc-stat';

type After = { after(fn: () => Promise<void> | void): void };

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** A fresh name nobody uses: "mt" + 6 hex + suffix (user names stay under 32 characters). */
export function uniqueName(suffix: string): string {
  return `mt${crypto.randomBytes(3).toString('hex')}${suffix}`;
}

/** useradd a system user with a home and a shell, /bin/sh unless told (removed with its home at the end). */
export function makeUser(t: After, name: string, groups: readonly string[] = [], shell = '/bin/sh'): string {
  const args = ['-r', '-m', '-d', `/home/${name}`, '-s', shell, '-U'];
  if (groups.length > 0) args.push('-G', groups.join(','));
  execFileSync('useradd', [...args, name]);
  t.after(() => {
    try {
      execFileSync('userdel', ['-r', '-f', name], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  });
  return name;
}

export function makeGroup(t: After, name: string): string {
  execFileSync('groupadd', ['-r', name]);
  t.after(() => {
    try {
      execFileSync('groupdel', [name], { stdio: 'ignore' });
    } catch {
      /* already gone, or still someone's primary group */
    }
  });
  return name;
}

export interface HostTree {
  readonly base: string;
  readonly apps: string;
  readonly run: string;
  readonly state: string;
  readonly log: string;
}

/** A root-owned 0755 tree: everyone may read the app folders, only root may write them. */
export function hostTree(t: After): HostTree {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-host-'));
  fs.chmodSync(base, 0o755);
  const tree = { base, apps: path.join(base, 'apps'), run: path.join(base, 'run'), state: path.join(base, 'state'), log: path.join(base, 'log') };
  fs.mkdirSync(tree.apps, { mode: 0o755 });
  t.after(() => fs.rmSync(base, { recursive: true, force: true }));
  return tree;
}

/** A root-owned file, 0644 (readable by the app user, writable by root only). */
export function writeRootFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  fs.writeFileSync(file, text, { mode: 0o644 });
  fs.chmodSync(file, 0o644);
}

export interface RunningHost {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface HostStart {
  /** Shell commands (bash) run before exec of the host, e.g. `exec 200<FILE`. */
  readonly shell?: string;
  /** Another run folder than the tree's. */
  readonly runDir?: string;
}

/** `muster host` on the tree; stopped at the end (SIGTERM, then SIGKILL of it and its tiers). */
export function startHost(t: After, tree: HostTree, env: Record<string, string> = {}, how: HostStart = {}): RunningHost {
  const argv = [process.execPath, MUSTER_JS, 'host', '--apps', tree.apps, '--run-dir', how.runDir ?? tree.run, '--state-dir', tree.state, '--log-dir', tree.log];
  const [file, ...args] = how.shell === undefined ? argv : ['/bin/bash', '-c', `${how.shell}; exec "$@"`, 'bash', ...argv];
  const child = spawn(file!, args, { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2000);
      }, 15_000);
      await exited;
      clearTimeout(timer);
    }
  });
  return { child, output: () => out, exited };
}

/** `muster ARGS` with MUSTER_RUN_DIR, as root or (with `user`) as that user through setpriv. */
export function musterAs(tree: HostTree, args: readonly string[], user?: string): { code: number; stdout: string; stderr: string } {
  const argv = [process.execPath, MUSTER_JS, ...args];
  const command = user === undefined ? argv : ['/usr/sbin/runuser', '-u', user, '--', ...argv];
  try {
    const stdout = execFileSync(command[0]!, command.slice(1), { env: { PATH: '/usr/local/bin:/usr/bin:/bin', MUSTER_RUN_DIR: tree.run, NO_COLOR: '1' }, cwd: '/', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The same without blocking: what a test needs while it streams requests or waits on timers. */
export function musterAsync(tree: HostTree, args: readonly string[], user?: string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = [process.execPath, MUSTER_JS, ...args];
  const command = user === undefined ? argv : ['/usr/sbin/runuser', '-u', user, '--', ...argv];
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { env: { PATH: '/usr/local/bin:/usr/bin:/bin', MUSTER_RUN_DIR: tree.run, NO_COLOR: '1' }, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface HostApp {
  name: string;
  user: string | null;
  state: string;
  pid: number | null;
  restarts: number;
  problem: string | null;
}

export function hostApps(tree: HostTree): HostApp[] {
  const r = musterAs(tree, ['host', 'status', '--json']);
  assert.equal(r.code, 0, `muster host status: ${r.stderr}`);
  return JSON.parse(r.stdout).apps as HostApp[];
}

export async function waitForApp(tree: HostTree, app: string, predicate: (a: HostApp) => boolean, what: string, timeoutMs = 20_000): Promise<HostApp> {
  let found: HostApp | undefined;
  await waitUntilAsync(async () => {
    const r = musterAs(tree, ['host', 'status', '--json']);
    if (r.code === 3) return false; // the host is not listening yet
    assert.equal(r.code, 0, `muster host status: ${r.stderr}`);
    found = (JSON.parse(r.stdout).apps as HostApp[]).find((a) => a.name === app);
    return found !== undefined && predicate(found);
  }, timeoutMs, `${app} ${what}`);
  return found!;
}

/** The app tier's status of its instances (as root). */
export function appInstances(tree: HostTree, app: string): Array<{ name: string; state: string; pid: number | null }> {
  const r = musterAs(tree, ['--app', app, 'status', '--json']);
  assert.equal(r.code, 0, `muster --app ${app} status: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export async function waitForInstance(tree: HostTree, app: string, instance: string, state: string, timeoutMs = 20_000): Promise<number> {
  let pid: number | null = null;
  await waitUntilAsync(async () => {
    const r = musterAs(tree, ['--app', app, 'status', '--json']);
    if (r.code !== 0) return false;
    const i = (JSON.parse(r.stdout) as Array<{ name: string; state: string; pid: number | null }>).find((x) => x.name === instance);
    pid = i?.pid ?? null;
    return i?.state === state;
  }, timeoutMs, `${app}'s ${instance} is ${state}`);
  return pid!;
}

export interface ProcStatus {
  uid: number[];
  gid: number[];
  groups: number[];
  noNewPrivs: number;
  capEff: string;
  capBnd: string;
}

export function procStatus(pid: number): ProcStatus {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  const field = (name: string) => (new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '').trim();
  const ids = (s: string) => s.split(/\s+/).filter(Boolean).map(Number);
  return { uid: ids(field('Uid')), gid: ids(field('Gid')), groups: ids(field('Groups')).sort((a, b) => a - b), noNewPrivs: Number(field('NoNewPrivs')), capEff: field('CapEff'), capBnd: field('CapBnd') };
}

/** A process's environment (throws once it is gone). */
export const procEnviron = environOf;

/** Every live process whose environment says MUSTER_APP=app: its tier and everything under it. */
export function processesOfApp(app: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || liveStatFields(name) === null) continue;
    try {
      if (environOf(Number(name)).MUSTER_APP === app) found.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/** `id -G USER`, ascending: what initgroups gives. */
export function groupIdsOf(user: string): number[] {
  return execFileSync('id', ['-G', user], { encoding: 'utf8' }).trim().split(/\s+/).map(Number).sort((a, b) => a - b);
}

export function idOf(kind: '-u' | '-g', name: string): number {
  return Number(execFileSync('id', [kind, name], { encoding: 'utf8' }).trim());
}

export function gidOfGroup(name: string): number {
  return Number(execFileSync('getent', ['group', name], { encoding: 'utf8' }).split(':')[2]);
}
