// What /proc says about processes: CPU time, memory, threads, children. Linux only.
//
// A status of 200 instances reads a few hundred /proc files, and on a busy or virtualised host each
// costs tens of microseconds, so reads here are lean: one open/read/close into a shared buffer
// (readFileSync adds an fstat and a second read), and a process's stat is read once for all we need.

import * as fs from 'node:fs';
import { fieldsAfterComm, isDeadState } from './proc-stat';

/** USER_HZ: /proc reports CPU times in clock ticks of 1/100 s on every Linux we run on. */
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;
/** A fork bomb must not make one status request walk for ever. */
const MAX_TREE = 10_000;

const buffer = Buffer.allocUnsafe(64 * 1024);

/** The text of a small /proc file, or null when it is gone. */
function readProc(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    return buffer.toString('latin1', 0, fs.readSync(fd, buffer, 0, buffer.length, null));
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

export interface ProcessSample {
  readonly pid: number;
  readonly cpuMs: number;
  readonly rssBytes: number;
}

interface Stat extends ProcessSample {
  readonly zombie: boolean;
  readonly threads: number;
}

function readStat(pid: number): Stat | null {
  const text = readProc(`/proc/${pid}/stat`);
  if (text === null) return null;
  // Fields after "(comm)" (comm may hold spaces and parentheses): state=0 ... utime=11 stime=12
  // ... num_threads=17 ... rss=21 (proc(5) numbering minus 3).
  const f = fieldsAfterComm(text);
  return {
    pid,
    zombie: isDeadState(f[0]),
    threads: Number(f[17]),
    cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND,
    rssBytes: Number(f[21]) * PAGE_BYTES,
  };
}

/** `pid` and its live descendants (through /proc/PID/task/TID/children), each with its usage:
 * costs what the tree holds, not what the machine runs. Empty when `pid` is gone. */
export function processTree(pid: number): ProcessSample[] {
  const tree: ProcessSample[] = [];
  const pending = [pid];
  while (pending.length > 0 && tree.length < MAX_TREE) {
    const next = pending.pop()!;
    const stat = readStat(next);
    if (!stat || stat.zombie) continue;
    tree.push({ pid: stat.pid, cpuMs: stat.cpuMs, rssBytes: stat.rssBytes });
    // Children are listed under the thread that forked them; most servers have one thread.
    let tasks: string[] = [String(next)];
    if (stat.threads > 1) {
      try {
        tasks = fs.readdirSync(`/proc/${next}/task`);
      } catch {
        continue;
      }
    }
    for (const task of tasks) {
      const children = readProc(`/proc/${next}/task/${task}/children`);
      if (children === null) continue;
      for (const child of children.split(' ')) if (child.length > 0 && child !== '\n') pending.push(Number(child));
    }
  }
  return tree;
}

/** Usage of the given pids; members that vanished meanwhile are left out. */
export function samples(pids: readonly number[]): ProcessSample[] {
  const found: ProcessSample[] = [];
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat && !stat.zombie) found.push({ pid, cpuMs: stat.cpuMs, rssBytes: stat.rssBytes });
  }
  return found;
}
