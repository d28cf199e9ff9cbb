// Process groups through kill(2) and /proc. Linux only.
//
// There is no event for "this process group is now empty" (members that outlive the main process
// are not our children, so no SIGCHLD reaches us). kill(-pgid, 0) answers "any member at all?" in one
// syscall, but it also counts zombies waiting for init (here they can linger for seconds), so when
// it says yes we read /proc to ignore zombies. Groups with members left are re-checked on a short,
// growing delay, with one /proc scan per tick for all of them. Strays (processes an instance
// started outside its group, os/marked-processes.ts) cost an environment read per process, so they
// are looked for only once a watched group is empty: usually they went with it.

import * as fs from 'node:fs';
import { fieldsAfterComm, isDeadState } from './proc-stat';
import { markKey, scanMarked, type MarkedProcess } from './marked-processes';
import type { InstanceMark, ProcessGroups, TimerHandle } from './ports';
import { processTree, samples, type ProcessSample } from './proc-stats';

interface ProcEntry {
  readonly pid: number;
  readonly pgid: number;
  readonly zombie: boolean;
}

function readProcEntry(pid: string): ProcEntry | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null; // gone between readdir and read
  }
  const fields = fieldsAfterComm(stat);
  return { pid: Number(pid), pgid: Number(fields[2]), zombie: isDeadState(fields[0]) };
}

/** Live members of every process group on the machine (or only of `wanted`), in one pass. */
function scanProc(wanted: ReadonlySet<number> | null): Map<number, number[]> {
  const members = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const entry = readProcEntry(name);
    if (!entry || entry.zombie || (wanted && !wanted.has(entry.pgid))) continue;
    const list = members.get(entry.pgid);
    if (list) list.push(entry.pid);
    else members.set(entry.pgid, [entry.pid]);
  }
  return members;
}

function trySignal(target: number, signal: string | 0): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

interface Waiter {
  readonly pgid: number;
  readonly mark: InstanceMark | undefined;
  readonly callback: () => void;
}

function straysIn(marked: ReadonlyMap<string, readonly MarkedProcess[]>, pgid: number, mark: InstanceMark): number[] {
  return (marked.get(markKey(mark)) ?? []).filter((p) => p.pgid !== pgid).map((p) => p.pid);
}

const FIRST_RECHECK_MS = 5;
const MAX_RECHECK_MS = 200;

export class LinuxProcessGroups implements ProcessGroups {
  private readonly waiting = new Set<Waiter>();
  private timer: NodeJS.Timeout | null = null;
  private delayMs = FIRST_RECHECK_MS;
  private turnScan: Map<number, number[]> | null = null;
  private turnMarked: Map<string, MarkedProcess[]> | null = null;

  signalProcess(pid: number, signal: string): boolean {
    return trySignal(pid, signal);
  }

  signalGroup(pgid: number, signal: string): boolean {
    return trySignal(-pgid, signal);
  }

  liveMembers(pgid: number): number[] {
    if (!trySignal(-pgid, 0)) return [];
    // Many groups are often asked about in the same turn (200 instances killed at their stop
    // timeout): one /proc scan serves them all. Within one turn of the event loop nothing we do
    // can have changed the answer in a way that matters (signals take effect later anyway).
    if (!this.turnScan) {
      this.turnScan = scanProc(null);
      setImmediate(() => (this.turnScan = null));
    }
    return this.turnScan.get(pgid) ?? [];
  }

  strays(pgid: number, mark: InstanceMark): number[] {
    // As liveMembers: 200 instances stopped at once read the environments once.
    if (!this.turnMarked) {
      this.turnMarked = scanMarked();
      setImmediate(() => (this.turnMarked = null));
    }
    return straysIn(this.turnMarked, pgid, mark);
  }

  processTree(pid: number): ProcessSample[] {
    return processTree(pid);
  }

  samples(pids: readonly number[]): ProcessSample[] {
    return samples(pids);
  }

  whenEmpty(pgid: number, callback: () => void, mark?: InstanceMark): TimerHandle {
    if (this.liveMembers(pgid).length === 0 && (mark === undefined || this.strays(pgid, mark).length === 0)) {
      let cancelled = false;
      queueMicrotask(() => cancelled || callback());
      return { cancel: () => (cancelled = true) };
    }
    const waiter: Waiter = { pgid, mark, callback };
    this.waiting.add(waiter);
    this.delayMs = FIRST_RECHECK_MS;
    this.schedule();
    return { cancel: () => this.waiting.delete(waiter) };
  }

  private schedule(): void {
    if (this.timer || this.waiting.size === 0) return;
    this.timer = setTimeout(() => this.recheck(), this.delayMs);
  }

  private recheck(): void {
    this.timer = null;
    const candidates = new Set<number>();
    for (const { pgid } of this.waiting) if (trySignal(-pgid, 0)) candidates.add(pgid);
    const members = candidates.size > 0 ? scanProc(candidates) : new Map<number, number[]>();
    let marked: Map<string, MarkedProcess[]> | null = null;
    for (const waiter of [...this.waiting]) {
      if (!this.waiting.has(waiter) || members.has(waiter.pgid)) continue; // cancelled by a callback, or not empty
      if (waiter.mark !== undefined && straysIn((marked ??= scanMarked()), waiter.pgid, waiter.mark).length > 0) continue;
      this.waiting.delete(waiter);
      waiter.callback();
    }
    this.delayMs = Math.min(MAX_RECHECK_MS, this.delayMs * 2);
    this.schedule();
  }
}
