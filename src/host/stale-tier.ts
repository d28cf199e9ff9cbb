// An app tier left running by a previous host tier that died (kill -9): it still serves the app on
// the old sockets, so starting a second one would run every process twice. Before each start the
// host looks through /proc for this app's tiers (app-processes.ts: MUSTER_APP=<app>, MUSTER_HOST=1,
// no MUSTER_PROCESS, the app's user). STATE/muster.pid is not read: it is the app user's file, and
// whatever it says (another pid, nothing) must not hide a tier. A tier whose parent is another
// live `muster host` is that host's: it is not stopped, the app is refused here instead.
import type { ProcessGroups } from '../os/ports';
import { appProcesses, isMusterHost } from './app-processes';

/** How long the old tier gets to stop its processes (their own stop timeouts) before SIGKILL. */
export const STALE_TIER_STOP_MS = 60_000;

export interface TiersFound {
  /** Tiers no live host owns: to stop. */
  readonly stale: readonly number[];
  /** Tiers of another live host: the app already runs there. */
  readonly otherHost: ReadonlyArray<{ readonly tier: number; readonly host: number }>;
}

export function findTiers(app: string, uid: number, proc = '/proc', isHost: (pid: number) => boolean = (pid) => isMusterHost(pid, proc)): TiersFound {
  const stale: number[] = [];
  const otherHost: Array<{ tier: number; host: number }> = [];
  for (const p of appProcesses(app, uid, proc)) {
    if (!p.tier || p.ppid === process.pid) continue;
    if (p.ppid > 0 && isHost(p.ppid)) otherHost.push({ tier: p.pid, host: p.ppid });
    else stale.push(p.pid);
  }
  return { stale, otherHost };
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
