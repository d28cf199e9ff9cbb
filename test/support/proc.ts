// Real effects for integration tests, read from /proc and the network: free ports, listening
// sockets, process groups, CPU time, files appearing. Plus the cleanup every test runs even when it
// fails midway, so a broken test never leaves processes behind for the next one.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as http from 'node:http';
import * as path from 'node:path';
import { groupMembers, pidsMatching, startUp, waitUntil, type RunningUp } from './up';

/** A TCP port nobody listens on right now (the kernel picks it; we close it again at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when some socket is in LISTEN state on `port` (IPv4 or IPv6), as `ss -ltn` would show. */
export function isListening(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 3 && f[1]!.endsWith(`:${hex}`) && f[3] === '0A') return true;
    }
  }
  return false;
}

/** GET http://127.0.0.1:port/ ; resolves with the status code, or null when nothing answers. */
export function httpStatus(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => {
      req.destroy();
      resolve(null);
    });
  });
}

/** Polls an async check (with a growing delay) until it holds. */
export async function waitUntilAsync(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(200, delay * 2);
  }
}

export function waitForFile(file: string, timeoutMs: number): Promise<void> {
  return waitUntil(() => fs.existsSync(file), timeoutMs, `${file} exists`);
}

function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after "pid (comm)": [0] is field 3 (state), so field N is at index N - 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Process group of a live process, or null when it is gone. */
export function pgidOf(pid: number): number | null {
  const f = statFields(pid);
  return f ? Number(f[2]) : null;
}

/** True when the pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const f = statFields(pid);
  return f !== null && f[0] !== 'Z' && f[0] !== 'X';
}

/** utime + stime (fields 14 and 15 of /proc/PID/stat), in clock ticks. */
export function cpuTicks(pid: number): number {
  const f = statFields(pid);
  if (!f) throw new Error(`pid ${pid} is gone`);
  return Number(f[11]) + Number(f[12]);
}

/** The argv of a live process, from /proc/PID/cmdline. */
export function cmdlineOf(pid: number): string[] {
  const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  return raw.split('\0').slice(0, -1);
}

/** The environment of a live process, from /proc/PID/environ. */
export function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** Every pid muster mentioned as "(pid N)"; each instance leads its own group, so these are pgids too. */
export function mentionedPids(output: string): number[] {
  return [...new Set([...output.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1])))];
}

/**
 * Kill whatever a test may have left: muster itself, every group muster reported, and any process
 * whose command line names the test's temp folder; then remove that folder. Safe to call after a
 * clean run (it kills nothing).
 */
export function cleanUp(ups: readonly RunningUp[], tempRoot: string): void {
  for (const up of ups) {
    if (up.child.exitCode === null && up.child.signalCode === null) up.child.kill('SIGKILL');
    for (const pgid of mentionedPids(up.output())) {
      if (groupMembers(pgid).length === 0) continue;
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  for (const pid of pidsMatching(tempRoot)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  fs.rmSync(tempRoot, { recursive: true, force: true });
}

/** `muster up` runs of one test app, all cleaned up (as `cleanUp`) when the test ends, even midway. */
export function upRunner(t: { after(fn: () => void): void }, dir: string): (args?: string[], env?: Record<string, string>) => RunningUp {
  const ups: RunningUp[] = [];
  t.after(() => cleanUp(ups, path.dirname(dir)));
  return (args = [], env = {}) => {
    const up = startUp(dir, args, env);
    ups.push(up);
    return up;
  };
}

/** Lines of an instance's log file that muster wrote itself ("[muster] <iso time> text"), parsed. */
export function musterNotes(logFile: string): Array<{ at: number; text: string }> {
  const notes: Array<{ at: number; text: string }> = [];
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    const m = /^\[muster\] (\S+) (.*)$/.exec(line);
    if (m) notes.push({ at: Date.parse(m[1]!), text: m[2]! });
  }
  return notes;
}

/** Monotonic time in seconds, on the same clock as Python's time.monotonic() (CLOCK_MONOTONIC). */
export function monotonicSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}
