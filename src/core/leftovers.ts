// Processes a dead supervisor of this app left running (muster killed with SIGKILL, or crashed:
// its instances live on, reparented to init). They are stopped before anything starts, each group
// as muster stops its own instances: the process's stop_signal (to the main process, or the whole
// group with stop_scope = "group"), then SIGKILL to the group after its stop_timeout; a process no
// longer in the config gets SIGTERM and 10 s. Otherwise the new instances would run beside the old
// ones: two webs on one socket, two celery workers taking the same queue.
// os/leftovers.ts finds them; this decides and acts through the ProcessGroups port.

import type { ProcessConfig } from '../config/model';
import type { ProcessGroups, Timers } from '../os/ports';

/** One live process that belongs to an instance of a dead supervisor. */
export interface LeftoverProcess {
  readonly pid: number;
  readonly pgid: number;
  /** Its MUSTER_PROCESS and MUSTER_INSTANCE. */
  readonly process: string;
  readonly instance: string | null;
}

export interface LeftoverStop {
  readonly pgid: number;
  /** "web", "worker.2": as the dead supervisor named the instance. */
  readonly instance: string;
  readonly pids: readonly number[];
  readonly signal: string;
  /** The group's leader is the instance's main process (every instance leads its own group). */
  readonly target: 'leader' | 'group';
  readonly timeoutMs: number;
  /** False when the process is no longer in the config (the defaults were used). */
  readonly inConfig: boolean;
}

/** What stops a process that is no longer in the config: the defaults of docs/config.md. */
export const UNKNOWN_PROCESS_STOP = { signal: 'SIGTERM', timeoutMs: 10_000 } as const;

/** One stop per process group, named after its leader (or any member, when the leader is gone). */
export function planLeftoverStops(found: readonly LeftoverProcess[], processes: readonly ProcessConfig[]): LeftoverStop[] {
  const groups = new Map<number, LeftoverProcess[]>();
  for (const p of found) groups.set(p.pgid, [...(groups.get(p.pgid) ?? []), p]);
  const stops: LeftoverStop[] = [];
  for (const [pgid, members] of [...groups].sort((a, b) => a[0] - b[0])) {
    const leader = members.find((m) => m.pid === pgid);
    const named = leader ?? members[0]!;
    const config = processes.find((p) => p.name === named.process);
    // Scope "main" signals the leader only (celery's pool must not get TERM itself, FIELD-NOTES §3);
    // with the leader gone nobody would pass it on, so the group gets it.
    const target = config?.stopScope === 'group' || leader === undefined ? 'group' : 'leader';
    stops.push({
      pgid,
      instance: instanceName(named, config),
      pids: members.map((m) => m.pid).sort((a, b) => a - b),
      signal: config?.stopSignal ?? UNKNOWN_PROCESS_STOP.signal,
      target,
      timeoutMs: config?.stopTimeoutMs ?? UNKNOWN_PROCESS_STOP.timeoutMs,
      inConfig: config !== undefined,
    });
  }
  return stops;
}

function instanceName(p: LeftoverProcess, config: ProcessConfig | undefined): string {
  if (p.instance === null) return p.process;
  const single = config !== undefined ? config.instances === 1 : p.instance === '1';
  return single && p.instance === '1' ? p.process : `${p.process}.${p.instance}`;
}

export interface LeftoverStopping {
  /** Resolves once every group is empty. */
  readonly done: Promise<void>;
  /** SIGKILL every group not empty yet (a second Ctrl-C). */
  killNow(): void;
}

/** Stop every group at once (they are independent: their old supervisor is gone). */
export function stopLeftovers(stops: readonly LeftoverStop[], groups: ProcessGroups, timers: Timers, say: (text: string) => void): LeftoverStopping {
  const kills: Array<() => void> = [];
  const done = Promise.all(stops.map((stop) => new Promise<void>((resolve) => {
    const kill = (why: string) => {
      const members = groups.liveMembers(stop.pgid);
      if (members.length === 0) return;
      say(`leftover ${stop.instance}: ${why}: SIGKILL to process group ${stop.pgid} (pid ${members.join(', ')})`);
      groups.signalGroup(stop.pgid, 'SIGKILL');
    };
    const settings = stop.inConfig ? 'its stop_signal' : 'the default: the process is no longer in the config';
    const sent = stop.target === 'leader' ? groups.signalProcess(stop.pgid, stop.signal) : groups.signalGroup(stop.pgid, stop.signal);
    // The leader may have exited between the scan and now; what it left still gets the signal.
    if (!sent && stop.target === 'leader') groups.signalGroup(stop.pgid, stop.signal);
    say(`stopping leftover ${stop.instance} of a previous supervisor (process group ${stop.pgid}: pid ${stop.pids.join(', ')}): ` +
      `${stop.signal} (${settings}) to ${stop.target === 'leader' ? `pid ${stop.pgid}` : 'the group'}, SIGKILL after ${stop.timeoutMs / 1000} s`);
    const timer = timers.after(stop.timeoutMs, () => kill(`still running ${stop.timeoutMs / 1000} s after ${stop.signal}`));
    kills.push(() => kill('forced stop'));
    groups.whenEmpty(stop.pgid, () => {
      timer.cancel();
      say(`leftover ${stop.instance} stopped (process group ${stop.pgid} is empty)`);
      resolve();
    });
  }))).then(() => undefined);
  return { done, killNow: () => kills.forEach((kill) => kill()) };
}
