// CPU and memory of a process group, from /proc/PID/stat (one read per member). Linux only.

import * as fs from 'node:fs';

/** USER_HZ: /proc reports CPU times in clock ticks of 1/100 s on every Linux we run on. */
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

export interface GroupUsage {
  /** CPU time (user + system) of the live members, in milliseconds. */
  readonly cpuMs: number;
  /** Sum of the members' resident memory. */
  readonly rssBytes: number;
}

/** Usage of the given pids; members that vanished meanwhile count as zero. */
export function groupUsage(pids: readonly number[]): GroupUsage {
  let ticks = 0;
  let pages = 0;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    } catch {
      continue;
    }
    // Fields after "(comm)": state=0 ppid=1 ... utime=11 stime=12 ... rss=21 (proc(5) numbering minus 3).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(f[11]) + Number(f[12]);
    pages += Number(f[21]);
  }
  return { cpuMs: (ticks * 1000) / TICKS_PER_SECOND, rssBytes: pages * PAGE_BYTES };
}
