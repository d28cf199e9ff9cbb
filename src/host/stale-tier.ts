// An app tier left running by a previous host tier that died (kill -9): it still serves the app on
// the old sockets, so starting a second one would run every process twice. Before each start the
// host looks through /proc for this app's tiers (app-processes.ts: MUSTER_APP=<app>, MUSTER_HOST=1,
// no MUSTER_PROCESS, the app's user). STATE/muster.pid is not read: it is the app user's file, and
// whatever it says (another pid, nothing) must not hide a tier. A tier whose parent is another
// live `muster host` is that host's: it is not stopped, the app is refused here instead.
import { liveStatFields } from '../os/proc-stat';
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

/** Stale tiers being stopped, pid -> kill it now: a second signal to the host must not wait for
 * them (a tier that ignores SIGTERM would otherwise hold the host's stop for `limitMs`). */
const stopping = new Map<number, () => void>();

/** SIGKILL every stale tier still being stopped (the host's forced stop). */
export function killStaleTiers(): void {
  for (const kill of [...stopping.values()]) kill();
}

/** SIGTERM the old tier's group (it stops its processes gracefully), SIGKILL it after `limitMs`
 * (or at once on killStaleTiers). Resolves once it is gone. It is not our child, so no exit event:
 * a real tier leads its own group, watched through /proc by ProcessGroups.whenEmpty; a process
 * that only looks like one (its environment is its user's to make) may share a group with others,
 * so then only the process itself is signalled and watched. Stopping the same pid twice shares
 * one stop. */
export function stopStaleTier(pid: number, groups: ProcessGroups, log: (text: string) => void, limitMs = STALE_TIER_STOP_MS): Promise<void> {
  const leads = Number(liveStatFields(pid)?.[2]) === pid;
  const signal = (name: string) => (leads ? groups.signalGroup(pid, name) : groups.signalProcess(pid, name));
  return new Promise((resolve) => {
    if (stopping.has(pid)) return void whenGone(pid, leads, groups, resolve);
    let timer: NodeJS.Timeout | null = null;
    const kill = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      signal('SIGKILL');
    };
    stopping.set(pid, kill);
    signal('SIGTERM');
    timer = setTimeout(() => {
      log(`the previous app tier (pid ${pid}) did not stop within ${limitMs / 1000} s: SIGKILL to its ${leads ? 'process group' : 'process'}`);
      kill();
    }, limitMs);
    whenGone(pid, leads, groups, () => {
      if (timer) clearTimeout(timer);
      stopping.delete(pid);
      resolve();
    });
  });
}

const GONE_CHECK_MS = 250;

function whenGone(pid: number, leads: boolean, groups: ProcessGroups, callback: () => void): void {
  if (leads) return void groups.whenEmpty(pid, callback);
  const check = () => (liveStatFields(pid) === null ? callback() : void setTimeout(check, GONE_CHECK_MS));
  check();
}
