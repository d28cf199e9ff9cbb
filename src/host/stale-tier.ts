// An app tier left running by a previous host tier that died (kill -9): it still serves the app on
// the old sockets, so starting a second one would run every process twice. Before each start the
// host looks at STATE/muster.pid (written by the tier), and stops the process it names if, and only
// if, /proc says it really is this app's tier under a host: MUSTER_APP=<app> and MUSTER_HOST=1 in
// its environment, and it runs as the app's user. The pid file is the app user's to write, so it is
// only a hint: a pid of anything else is never signalled.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProcessGroups } from '../os/ports';

/** How long the old tier gets to stop its processes (their own stop timeouts) before SIGKILL. */
export const STALE_TIER_STOP_MS = 60_000;

/** The pid of this app's previous tier, when one is still alive; null otherwise. */
export function findStaleTier(stateDir: string, app: string, uid: number, proc = '/proc'): number | null {
  let pid: number;
  try {
    // O_NOFOLLOW: the app user owns STATE; root reads no file it points a symlink at.
    const fd = fs.openSync(path.join(stateDir, 'muster.pid'), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      pid = Number(fs.readFileSync(fd, 'utf8').slice(0, 32).trim());
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return null;
  try {
    const environ = fs.readFileSync(`${proc}/${pid}/environ`, 'latin1').split('\0');
    if (!environ.includes(`MUSTER_APP=${app}`) || !environ.includes('MUSTER_HOST=1')) return null;
    const status = fs.readFileSync(`${proc}/${pid}/status`, 'latin1');
    const uids = /^Uid:\s+(\d+)/m.exec(status);
    if (uids === null || Number(uids[1]) !== uid) return null;
    if (/^State:\s+[ZX]/m.test(status)) return null;
  } catch {
    return null;
  }
  return pid;
}

/** SIGTERM the old tier's group (it stops its processes gracefully), SIGKILL it after `limitMs`.
 * Resolves once the group is empty. It is not our child, so no exit event: the group is watched
 * through /proc by ProcessGroups.whenEmpty. */
export function stopStaleTier(pid: number, groups: ProcessGroups, log: (text: string) => void, limitMs = STALE_TIER_STOP_MS): Promise<void> {
  return new Promise((resolve) => {
    groups.signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => {
      log(`the previous app tier (pid ${pid}) did not stop within ${limitMs / 1000} s: SIGKILL to its process group`);
      groups.signalGroup(pid, 'SIGKILL');
    }, limitMs);
    groups.whenEmpty(pid, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
