// The processes an instance started, found by the marks muster puts in its environment
// (MUSTER_SUPERVISOR_PID, MUSTER_PROCESS, MUSTER_INSTANCE, MUSTER_RUN). Every process it forks inherits them
// and keeps them wherever it goes: into a process group of its own (bash job control, setpgid), a
// session of its own (setsid), or under init once its parent died. A stop must reach those too,
// and a process group cannot tell where they are.
//
// This reads the environment of every process we may read, so it is done once for all instances
// at a time (ProcessGroups keeps one scan per turn of the event loop), and only during stops.

import * as fs from 'node:fs';
import type { InstanceMark } from './ports';
import { environValue } from './proc-environ';
import { liveStatFields } from './proc-stat';

export interface MarkedProcess {
  readonly pid: number;
  readonly pgid: number;
}

const SUPERVISOR_VAR = 'MUSTER_SUPERVISOR_PID=';

export function markKey(mark: InstanceMark): string {
  return `${mark.supervisorPid}\0${mark.process}\0${mark.instance}\0${mark.run}`;
}

/** Live processes that carry an instance's marks, by markKey, in one pass over /proc. */
export function scanMarked(): Map<string, MarkedProcess[]> {
  const found = new Map<string, MarkedProcess[]>();
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57 || Number(name) === process.pid) continue;
    let environ: string;
    try {
      environ = fs.readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue; // gone, or not ours to read
    }
    if (!environ.includes(SUPERVISOR_VAR)) continue; // most processes: no need to split
    const supervisorPid = Number(environValue(environ, 'MUSTER_SUPERVISOR_PID'));
    const processName = environValue(environ, 'MUSTER_PROCESS');
    const instance = environValue(environ, 'MUSTER_INSTANCE');
    if (processName === undefined || instance === undefined) continue;
    const fields = liveStatFields(name);
    if (fields === null) continue;
    const key = markKey({ supervisorPid, process: processName, instance, run: environValue(environ, 'MUSTER_RUN') ?? '' });
    const list = found.get(key);
    const entry = { pid: Number(name), pgid: Number(fields[2]) };
    if (list) list.push(entry);
    else found.set(key, [entry]);
  }
  return found;
}
