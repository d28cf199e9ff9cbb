// Talking to a running supervisor's control socket from tests: JSON requests, and raw bytes.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { MUSTER_JS } from './paths';
import { pidsMatching } from './up';

export const controlSocket = (dir: string) => path.join(dir, '.muster', 'control.sock');

export interface Answer {
  readonly status: number;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function api(dir: string, method: string, urlPath: string, body?: unknown, timeoutMs = 30_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ socketPath: controlSocket(dir), method, path: urlPath, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          reject(new Error(`not JSON (status ${res.statusCode}): ${text.slice(0, 200)}`));
        }
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

/** Send raw bytes, then read until the server closes (or `waitMs` passes); returns what came back. */
export function raw(dir: string, bytes: Buffer | string, waitMs = 2000, endAfterWrite = false): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(controlSocket(dir));
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, waitMs);
    socket.on('data', (b) => (text += b.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.on('error', () => undefined);
    socket.write(bytes, () => endAfterWrite && socket.end());
  });
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the real CLI (`muster -C dir ARGS`) without blocking the test's event loop. */
export function muster(dir: string, args: readonly string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MUSTER_JS, '-C', dir, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`muster ${args.join(' ')} took over ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `muster ARGS --json`, checked to exit `expectCode`, parsed. */
export async function musterJson(dir: string, args: readonly string[], expectCode = 0): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await muster(dir, [...args, '--json']);
  assert.equal(r.code, expectCode, `muster ${args.join(' ')} --json exited ${r.code}; stderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`muster ${args.join(' ')} --json printed no JSON:\n${r.stdout}`);
  }
}

export interface InstanceJson {
  name: string;
  process: string;
  state: string;
  pid: number | null;
  ready: boolean;
  restarts: number;
  uptime_ms: number | null;
  last_exit: { code: number | null; signal: string | null } | null;
  killed: boolean;
  reason: string | null;
  stopped_by_operator: boolean;
  cpu_percent: number | null;
  rss_bytes: number | null;
}

export async function statusJson(dir: string, names: readonly string[] = []): Promise<InstanceJson[]> {
  return musterJson(dir, ['status', ...names]);
}

/** name -> pid of every instance. */
export async function pids(dir: string): Promise<Record<string, number | null>> {
  return Object.fromEntries((await statusJson(dir)).map((i) => [i.name, i.pid]));
}

/**
 * `muster up -d` on `dir`, with everything cleaned up when the test ends: `muster down`, then
 * SIGKILL for the supervisor and every group it reported, then the temp folder.
 */
export async function upDetached(t: { after(fn: () => Promise<void> | void): void }, dir: string, expectCode = 0, extraArgs: readonly string[] = []): Promise<CliResult> {
  t.after(async () => {
    const supervisor = readSupervisorPid(dir);
    const groups = supervisor !== null ? await api(dir, 'GET', '/v1/instances', undefined, 3000).then((a) => (a.body as InstanceJson[]).flatMap((i) => (i.pid ? [i.pid] : [])), () => []) : [];
    if (supervisor !== null) await muster(dir, ['down'], 60_000).catch(() => undefined);
    for (const target of [supervisor, ...groups.map((g) => -g)]) {
      if (target === null) continue;
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const pid of pidsMatching(path.dirname(dir))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });
  const r = await muster(dir, ['up', '-d', ...extraArgs]);
  assert.equal(r.code, expectCode, `muster up -d exited ${r.code}; stderr:\n${r.stderr}\nstdout:\n${r.stdout}\nmuster.log:\n${readMusterLog(dir)}`);
  return r;
}

export function readSupervisorPid(dir: string): number | null {
  try {
    return Number(fs.readFileSync(path.join(dir, '.muster', 'muster.pid'), 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

export function readMusterLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, '.muster', 'muster.log'), 'utf8');
  } catch {
    return '(no .muster/muster.log)';
  }
}

/** Live processes per instance ("web#1", "worker#2") among those running in the app folder `dir`,
 * told apart by the MUSTER_PROCESS / MUSTER_INSTANCE muster gives every instance. */
export function processesPerInstance(dir: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let env: string;
    try {
      if (fs.readlinkSync(`/proc/${name}/cwd`) !== dir) continue;
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      env = fs.readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue;
    }
    const vars = Object.fromEntries(env.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    if (!vars.MUSTER_PROCESS) continue;
    const key = `${vars.MUSTER_PROCESS}#${vars.MUSTER_INSTANCE}`;
    found.set(key, [...(found.get(key) ?? []), Number(name)]);
  }
  return found;
}
