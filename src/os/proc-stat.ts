// /proc/PID/stat, read the one safe way: the process name "(comm)" may hold blanks and
// parentheses, so the fields are counted from the last ')'.
import * as fs from 'node:fs';

/** The fields after "(comm)": index 0 is the state, then ppid, pgrp, ... (proc(5)'s numbering
 * minus 3: starttime is 19, rss 21). */
export function fieldsAfterComm(statText: string): string[] {
  return statText.slice(statText.lastIndexOf(')') + 2).split(' ');
}

/** Exited, not yet reaped (or being reaped): it holds nothing any more. */
export function isDeadState(state: string | undefined): boolean {
  return state === 'Z' || state === 'X';
}

/** The fields of a live process's stat; null when it is gone or a zombie. */
export function liveStatFields(pid: number | string): string[] | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  const fields = fieldsAfterComm(text);
  return isDeadState(fields[0]) ? null : fields;
}

/** Start time of a live process (clock ticks since boot), or null when it is gone or a zombie. */
export function startTimeOf(pid: number | string): number | null {
  const fields = liveStatFields(pid);
  return fields === null ? null : Number(fields[19]);
}
