// Node raises its own soft RLIMIT_NOFILE to the hard limit as it starts, so a lower soft limit set
// by whoever started muster (the host tier's prlimit) would never reach the processes muster
// starts. The host passes the soft limit it meant in MUSTER_NOFILE_SOFT; the app tier lowers its
// own soft limit back to it before it starts anything, and every child inherits that. Lowering a
// soft limit needs no privilege; util-linux prlimit does it on our own pid (Node has no setrlimit).
import { spawnSync } from 'node:child_process';

export const NOFILE_SOFT_ENV = 'MUSTER_NOFILE_SOFT';
const PRLIMIT = '/usr/bin/prlimit';

/** Null when done (or nothing asked for), else what went wrong, for a warning. */
export function lowerNofileSoft(environ: Readonly<Record<string, string | undefined>>, pid: number): string | null {
  const wanted = environ[NOFILE_SOFT_ENV];
  if (wanted === undefined) return null;
  if (!/^(\d{1,12}|unlimited)$/.test(wanted)) return `${NOFILE_SOFT_ENV} must be a number of files or "unlimited", got ${JSON.stringify(wanted)}; the soft open-files limit is left as it is`;
  const run = spawnSync(PRLIMIT, ['--pid', String(pid), `--nofile=${wanted}:`], { encoding: 'utf8' });
  if (run.status === 0) return null;
  return `could not lower the soft open-files limit to ${wanted} (${(run.stderr || run.error?.message || `exit ${run.status}`).trim()}); the processes get the hard limit as their soft limit`;
}
