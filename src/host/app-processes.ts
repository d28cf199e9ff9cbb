// An app's processes, found through /proc and nothing the app user could write: every live process
// whose environment says MUSTER_APP=<app> and that runs as the app's user (real uid). Its app tier
// is the one with MUSTER_HOST=1 and no MUSTER_PROCESS (the instances have MUSTER_PROCESS). The
// host uses it to find a tier a dead host left (stale-tier.ts), to tell a tier of another live
// host, and, on a forced stop, to kill the process group of every process of the app, since the
// instances run in their own groups and a tier that does not answer cannot kill them.
//
// An app process could make itself look like a tier (its environment is its own); it is still a
// process of that app, as that app's user: signalling it harms no one else.
import * as fs from 'node:fs';
import { environValue } from '../os/proc-environ';
import { fieldsAfterComm, isDeadState } from '../os/proc-stat';
import type { ProcessGroups } from '../os/ports';

export interface AppProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** MUSTER_HOST=1 and no MUSTER_PROCESS: an app tier started by a host. */
  readonly tier: boolean;
}

export function appProcesses(app: string, uid: number, proc = '/proc'): AppProcess[] {
  const found: AppProcess[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(proc);
  } catch {
    return found;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const status = fs.readFileSync(`${proc}/${name}/status`, 'latin1');
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) !== uid) continue;
      const environ = fs.readFileSync(`${proc}/${name}/environ`, 'latin1');
      if (environValue(environ, 'MUSTER_APP') !== app) continue;
      const fields = fieldsAfterComm(fs.readFileSync(`${proc}/${name}/stat`, 'latin1'));
      if (isDeadState(fields[0])) continue;
      const tier = environValue(environ, 'MUSTER_HOST') === '1' && environValue(environ, 'MUSTER_PROCESS') === undefined;
      found.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]), tier });
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/** Is `pid` a live `muster host`: root, its argv `node [flags] .../main.js [options] host ...`
 * (bin/muster execs that), not `host status`? */
export function isMusterHost(pid: number, proc = '/proc'): boolean {
  try {
    const status = fs.readFileSync(`${proc}/${pid}/status`, 'latin1');
    if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) !== 0 || /^State:\s+[ZX]/m.test(status)) return false;
    const argv = fs.readFileSync(`${proc}/${pid}/cmdline`, 'latin1').split('\0');
    const rest = argv.slice(argv.findIndex((a) => /(^|\/)(main\.js|muster)$/.test(a)) + 1);
    const at = rest.indexOf('host');
    return rest.length < argv.length && at >= 0 && rest[at + 1] !== 'status';
  } catch {
    return false;
  }
}

/** SIGKILL to the process group of every process of the app; the pgids it signalled. */
export function killAppGroups(app: string, uid: number, groups: ProcessGroups, proc = '/proc'): number[] {
  const pgids = [...new Set(appProcesses(app, uid, proc).map((p) => p.pgid))].filter((g) => g > 1);
  for (const pgid of pgids) groups.signalGroup(pgid, 'SIGKILL');
  return pgids;
}
