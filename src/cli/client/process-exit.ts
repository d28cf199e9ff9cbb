// Knowing when a process (the supervisor) is gone, from /proc: `muster down` returns only once the
// supervisor exited, so a `muster up -d` right after it never finds the old one still there.

import { liveStatFields } from '../../os/proc-stat';

/** The process's start time (field 22 of /proc/PID/stat, in clock ticks since boot), or null when
 * it is gone or a zombie (exited, not yet reaped: it holds nothing any more). Comparing it tells a
 * recycled pid from the process we watched. */
export function processStartTime(pid: number): string | null {
  return liveStatFields(pid)?.[19] ?? null;
}

export interface ExitWatch {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** True once the process that had `startTime` is gone; false if it is still there after the timeout. */
export async function waitForExit(pid: number, startTime: string | null, watch: ExitWatch): Promise<boolean> {
  if (startTime === null) return true;
  const deadline = Date.now() + watch.timeoutMs;
  for (;;) {
    if (processStartTime(pid) !== startTime) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, watch.intervalMs));
  }
}
