// Processes a dead supervisor of the same app left running (core/leftovers.ts stops them).
// Recognised by what muster gives every instance, and only when all of it matches, since stopping
// someone else's process is worse than leaving a duplicate:
//   - MUSTER_PROCESS in its environment (so it is an instance, or something an instance started);
//   - in development, MUSTER_APP_ROOT equal to the app folder, symlinks resolved on both sides. Not the working
//     folder: a process may leave the app (`cd /`, redis --dir, celery --workdir) and still be one
//     of its instances, and `-C LINK` must find what `-C LINK` started. A process started by a
//     muster older than that variable has only its working folder to go by: it must be inside the
//     app (with symlinks resolved, as /proc/PID/cwd gives it);
//   - MUSTER_APP equal to this supervisor's (both unset in development): another app's tier
//     never matches, even with the same folder. Under a host the name alone decides, not the
//     folder: it is `<root>/current` resolved, which a deploy moves on;
//   - its supervisor (MUSTER_SUPERVISOR_PID) is gone: a live one keeps its processes. A pid reused
//     since is told apart by its start time: a supervisor starts before its instances.
// Only processes we may read are seen: as an app's user, that app's own.
// A process whose marks are gone (redis-server and nginx write their process title over their
// environment; `env -i` clears it) is found through the run record the dead supervisor kept
// (os/run-record.ts, which checks it is ours, of this boot and of this app): it is a member of a
// process group that supervisor made for an instance. Such a group counts only when the record's
// supervisor is gone and the group is still the one recorded: its leader has the recorded start
// time, or, the leader gone, the member started after the leader and before the record's last
// write (a pgid is not handed out again while any process is in the group; but once the group
// emptied, a later process may lead a group with that number, and leave it without a leader).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LeftoverProcess } from '../core/leftovers';
import { environValue } from './proc-environ';
import { liveStatFields } from './proc-stat';
import type { RecordedGroup, RunRecord } from './run-record';

export interface LeftoverFilter {
  /** The app folder, symlinks resolved (realpath). */
  readonly root: string;
  /** MUSTER_APP of this supervisor, or null in development. */
  readonly app: string | null;
}

interface Stat {
  readonly pgid: number;
  readonly startTime: number;
}

/** pgid and start time (clock ticks since boot) of a live process; null when gone or a zombie. */
function readStat(pid: number | string): Stat | null {
  const fields = liveStatFields(pid);
  return fields === null ? null : { pgid: Number(fields[2]), startTime: Number(fields[19]) };
}


export function findLeftovers(filter: LeftoverFilter, record: RunRecord | null = null): LeftoverProcess[] {
  const found: LeftoverProcess[] = [];
  const inside = filter.root.endsWith(path.sep) ? filter.root : filter.root + path.sep;
  // Never our own group: a supervisor started from inside an instance must not stop itself.
  const ownGroup = readStat('self')?.pgid;
  const recorded = recordedGroups(record, ownGroup);
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57 || Number(name) === process.pid) continue;
    let environ: string;
    try {
      environ = fs.readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue; // gone, or not ours to read
    }
    const processName = environValue(environ, 'MUSTER_PROCESS');
    if (processName === undefined) {
      const unmarked = recorded.size > 0 ? inRecordedGroup(name, recorded) : null;
      if (unmarked !== null) found.push(unmarked);
      continue;
    }
    try {
      const appRoot = environValue(environ, 'MUSTER_APP_ROOT');
      if ((environValue(environ, 'MUSTER_APP') ?? null) !== filter.app) continue;
      // Under a host the app is its name: its folder may have changed since (`current` moved on).
      if (filter.app === null && (appRoot !== undefined ? appRoot !== filter.root : !inFolder(fs.readlinkSync(`/proc/${name}/cwd`), filter.root, inside))) continue;
      const stat = readStat(name);
      if (stat === null || stat.pgid === ownGroup) continue;
      const owner = environValue(environ, 'MUSTER_SUPERVISOR_PID');
      if (owner !== undefined && supervisorAlive(Number(owner), stat.startTime)) continue;
      found.push({ pid: Number(name), pgid: stat.pgid, process: processName, instance: environValue(environ, 'MUSTER_INSTANCE') ?? null });
    } catch {
      /* gone */
    }
  }
  return found;
}

/** A recorded group that may still hold its instance's processes. */
interface CandidateGroup extends RecordedGroup {
  /** A member that started later is not of this group: its leader is gone, so once the group
   * emptied the number could be handed out again, and the record's last line bounds what it saw. */
  readonly latestMemberStart: number;
}

/** The record's groups that may still hold its processes, by pgid. None while its supervisor lives. */
function recordedGroups(record: RunRecord | null, ownGroup: number | undefined): Map<number, CandidateGroup> {
  const groups = new Map<number, CandidateGroup>();
  if (record === null) return groups;
  const supervisor = readStat(record.supervisor.pid);
  if (supervisor !== null && supervisor.startTime === record.supervisor.startTime) return groups;
  for (const group of record.groups) {
    if (group.pgid === ownGroup) continue;
    const leader = readStat(group.pgid);
    // A leader with another start time is a new process that reuses the pid: not that group.
    if (leader !== null && leader.startTime !== group.startTime) continue;
    groups.set(group.pgid, { ...group, latestMemberStart: leader === null ? record.lastWrite : Infinity });
  }
  return groups;
}

/** The process as a leftover of the recorded instance whose group it is in, or null. */
function inRecordedGroup(pid: string, recorded: ReadonlyMap<number, CandidateGroup>): LeftoverProcess | null {
  const stat = readStat(pid);
  const group = stat === null ? undefined : recorded.get(stat.pgid);
  if (stat === null || group === undefined || stat.startTime < group.startTime || stat.startTime > group.latestMemberStart) return null;
  return { pid: Number(pid), pgid: stat.pgid, process: group.process, instance: group.instance };
}

function inFolder(cwd: string, root: string, inside: string): boolean {
  return cwd === root || cwd.startsWith(inside);
}

function supervisorAlive(pid: number, childStartTime: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const stat = readStat(pid);
  return stat !== null && stat.startTime <= childStartTime;
}
