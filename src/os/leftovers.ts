// Processes a dead supervisor of the same app left running. muster SIGKILLed (or crashed) cannot
// stop its processes; they live on, reparented to init. The next supervisor does not adopt them
// yet, so it at least names them. Recognised by what muster gives every instance: MUSTER_PROCESS
// in the environment, and a working folder inside the app.

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Leftover {
  readonly pid: number;
  /** "web instance 1", from MUSTER_PROCESS and MUSTER_INSTANCE. */
  readonly instance: string;
}

export function findLeftovers(root: string): Leftover[] {
  const found: Leftover[] = [];
  const inside = root.endsWith(path.sep) ? root : root + path.sep;
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57 || Number(name) === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${name}/cwd`);
      if (cwd !== root && !cwd.startsWith(inside)) continue;
      const env = fs.readFileSync(`/proc/${name}/environ`, 'latin1');
      const processName = /(?:^|\0)MUSTER_PROCESS=([^\0]*)/.exec(env)?.[1];
      if (processName === undefined) continue;
      const number = /(?:^|\0)MUSTER_INSTANCE=([^\0]*)/.exec(env)?.[1];
      found.push({ pid: Number(name), instance: `${processName} instance ${number ?? '?'}` });
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}
