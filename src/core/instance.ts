// One instance: its settings, its runtime (owned by the machine), and the live handles its effects
// act on (child, timers, probe). `perform` is the thin interpreter of the machine's effects.

import type { Readable } from 'node:stream';
import type { ProcessConfig } from '../config/model';
import type { Clock, InstanceMark, ProcessGroups, ProcessSample, SpawnRequest, SpawnResult, SpawnedChild, Spawner, TimerHandle, Timers } from '../os/ports';
import { type Effect, INITIAL_RUNTIME, type InstanceRuntime, type InstanceSettings } from './machine';
import type { InstanceEvent } from './states';

const PIPES_HELD_NOTE = 'it exited and left a process outside its process group holding its output pipes (a daemon that called setsid?): a program under muster should stay in the foreground (its "no daemon" option); muster stops such processes when they carry its marks (docs/up.md)';

/** How long a finished stop waits for the last output still in the instance's pipes. */
const OUTPUT_EOF_WAIT_MS = 1000;

export interface RunningProbe {
  cancel(): void;
}

/** What an instance needs from the log and health layers (provided by the composition root). */
export interface InstanceIO {
  /** Muster's own line about this instance (console + its log file). */
  note(text: string): void;
  attachOutput(stdout: Readable, stderr: Readable): void;
  lastLines(count: number): string[];
  /** Run `process.ready`; `env` is the instance's full environment, for ${VAR} in probe targets. */
  startProbe(process: ProcessConfig, env: Readonly<Record<string, string>>, report: (passed: boolean, reason: string) => void): RunningProbe;
  /** The instance is gone for good (removed from the config): release its files. */
  close(): void;
}

export interface InstanceServices {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly spawner: Spawner;
  readonly groups: ProcessGroups;
}

export function settingsOf(p: ProcessConfig): InstanceSettings {
  return {
    hasProbe: p.ready !== null,
    stopSignal: p.stopSignal,
    stopTimeoutMs: p.stopTimeoutMs,
    stopScope: p.stopScope,
    restart: p.restart,
    maxRestarts: p.maxRestarts,
    restartWindowMs: p.restartWindowMs,
  };
}

export class Instance {
  runtime: InstanceRuntime = INITIAL_RUNTIME;
  settings: InstanceSettings;
  /** A changed config (`apply`) waiting to be taken on at the next start: the running process is
   * stopped with the settings it was started with. */
  nextProcess: ProcessConfig | null = null;
  /** Bumped by every operator request that concerns this instance: a request that sees another
   * one come after it knows its course changed. */
  operation = 0;
  /** What the latest operator request wants of it: running (start, restart, apply) or stopped. */
  operationGoal: 'started' | 'stopped' = 'started';
  /** Set while a deps-met / deps-failed decision is queued, so the gate decides once. */
  gateQueued = false;
  /** The gate said "waiting for ..." already for this start. */
  waitingNoted = false;
  /** Process group of the latest spawn; outlives the main process until the group is empty. */
  private pgid: number | null = null;
  private signalled = new Set<number>();
  private timers = new Map<'stop' | 'backoff', TimerHandle>();
  private probe: RunningProbe | null = null;
  private groupWatch: TimerHandle | null = null;
  private spawnedEnv: Readonly<Record<string, string>> = {};
  /** The marks the latest spawn carries in its environment (none without an owner, in unit tests):
   * a stop also reaches what it started outside its group. */
  private mark: InstanceMark | null = null;
  private child: SpawnedChild | null = null;

  constructor(
    readonly name: string,
    readonly number: number,
    public process: ProcessConfig,
    readonly spawnRequest: (instance: Instance) => SpawnRequest,
    readonly io: InstanceIO,
    private readonly services: InstanceServices,
    private readonly dispatch: (event: InstanceEvent) => void,
  ) {
    this.settings = settingsOf(process);
  }

  /** Take on a new config; only while no process of ours runs (see nextProcess). */
  adopt(process: ProcessConfig): void {
    this.process = process;
    this.settings = settingsOf(process);
    this.nextProcess = null;
  }

  /** Signal the main process (reload, `muster signal`); false when none runs. */
  signal(signal: string): boolean {
    if (this.runtime.pid === null) return false;
    return this.services.groups.signalProcess(this.runtime.pid, signal);
  }

  /** The live processes of this instance, main process first (for status): the main process and
   * its descendants; once the main process is gone (stopping), what is left of its group and what
   * it started outside the group. */
  members(): ProcessSample[] {
    const { groups } = this.services;
    if (this.runtime.pid !== null) return groups.processTree(this.runtime.pid);
    if (this.pgid === null || this.runtime.state !== 'stopping') return [];
    return groups.samples([...groups.liveMembers(this.pgid), ...this.strays()]);
  }

  /** Live processes this instance started that left its process group (bash job control, setpgid,
   * setsid): a stop signals them with the group and waits for them too. */
  private strays(): number[] {
    if (this.pgid === null || this.mark === null) return [];
    return this.services.groups.strays(this.pgid, this.mark);
  }

  get state() {
    return this.runtime.state;
  }

  perform(effect: Effect): void {
    const { groups, timers, clock } = this.services;
    switch (effect.type) {
      case 'spawn':
        return this.spawn();
      case 'start-probe':
        this.probe?.cancel();
        this.probe = this.io.startProbe(this.process, this.spawnedEnv, (passed, reason) => {
          this.probe = null;
          this.dispatch(passed ? { type: 'probe-passed' } : { type: 'probe-failed', reason });
        });
        return;
      case 'stop-probe':
        this.probe?.cancel();
        this.probe = null;
        return;
      case 'send-stop-signal': {
        if (this.pgid === null) return;
        if (effect.scope === 'group') {
          // Every member has it now, and what left the group; 'signal-leftovers' (scope main only)
          // never follows this.
          groups.signalGroup(this.pgid, effect.signal);
          const strays = this.strays();
          for (const pid of strays) groups.signalProcess(pid, effect.signal);
          this.io.note(`sent ${effect.signal} to process group ${this.pgid}${outside(strays, ' and to')}`);
        } else if (this.runtime.pid !== null) {
          this.signalled.add(this.runtime.pid);
          groups.signalProcess(this.runtime.pid, effect.signal);
          this.io.note(`sent ${effect.signal} to pid ${this.runtime.pid}`);
        }
        return;
      }
      case 'signal-leftovers': {
        if (this.pgid === null) return;
        const left = groups.liveMembers(this.pgid).filter((pid) => !this.signalled.has(pid));
        const strays = this.strays().filter((pid) => !this.signalled.has(pid));
        if (left.length === 0 && strays.length === 0) return;
        for (const pid of [...left, ...strays]) {
          this.signalled.add(pid);
          groups.signalProcess(pid, effect.signal);
        }
        const inGroup = left.length > 0 ? ` in its group: pid ${left.join(', ')}` : '';
        this.io.note(`main process gone; sent ${effect.signal} to what it left${inGroup}${outside(strays, left.length > 0 ? ', and' : ':')}`);
        return;
      }
      case 'kill-group': {
        if (this.pgid === null) return;
        const pgid = this.pgid;
        const members = groups.liveMembers(pgid);
        if (members.length > 0) {
          groups.signalGroup(pgid, 'SIGKILL');
          this.io.note(`SIGKILL to process group ${pgid}: ${effect.why}; killed pid ${members.join(', ')}`);
        }
        // What it started outside its group: one loop turn later, so that reading every process's
        // environment never delays the respawn that follows a crash in the same transition.
        const mark = this.mark;
        if (mark === null) return;
        timers.after(0, () => {
          const strays = groups.strays(pgid, mark);
          if (strays.length === 0) return;
          for (const pid of strays) groups.signalProcess(pid, 'SIGKILL');
          this.io.note(`SIGKILL: ${effect.why}${outside(strays, '; killed')}`);
        });
        return;
      }
      case 'watch-group': {
        if (this.pgid === null) return this.dispatch({ type: 'group-empty', at: clock.now() });
        this.groupWatch?.cancel();
        this.groupWatch = groups.whenEmpty(this.pgid, () => {
          this.groupWatch = null;
          this.afterOutputEnds(() => this.dispatch({ type: 'group-empty', at: clock.now() }));
        }, this.mark ?? undefined);
        return;
      }
      case 'start-timer': {
        this.timers.get(effect.timer)?.cancel();
        const event: InstanceEvent = effect.timer === 'stop' ? { type: 'stop-timeout' } : { type: 'backoff-elapsed' };
        this.timers.set(effect.timer, timers.after(effect.ms, () => {
          this.timers.delete(effect.timer);
          this.dispatch(event);
        }));
        return;
      }
      case 'cancel-timer':
        this.timers.get(effect.timer)?.cancel();
        this.timers.delete(effect.timer);
        return;
      case 'log':
        return; // rendered by the supervisor together with the transition
    }
  }

  /** The group and its strays are gone, so nothing of it can write any more: read what is still in
   * the pipes before the stop is reported (bounded: a process without our marks may hold them for
   * ever). */
  private afterOutputEnds(then: () => void): void {
    const child = this.child;
    if (!child) return then();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      timer.cancel();
      then();
    };
    const timer = this.services.timers.after(OUTPUT_EOF_WAIT_MS, () => {
      this.io.note(`its output pipes are still open after its process group emptied and every process it started elsewhere ended: ` +
        `a process muster cannot recognise as its own holds them (one started with a cleared environment, or handed the pipes), and muster cannot stop it`);
      finish();
    });
    child.onOutputClosed(finish);
  }

  /** Reported at once because its group still had members (the first child of a daemonizing
   * command, before its setsid): if the pipes are still open once the group emptied, say why. */
  private noteIfPipesOutliveGroup(child: SpawnedChild): void {
    let closed = false;
    const timer = this.services.timers.after(OUTPUT_EOF_WAIT_MS, () => {
      if (!closed && this.services.groups.liveMembers(child.pid).length === 0) this.io.note(PIPES_HELD_NOTE);
    });
    child.onOutputClosed(() => {
      closed = true;
      timer.cancel();
    });
  }

  private spawn(): void {
    let result: SpawnResult;
    try {
      const request = this.spawnRequest(this);
      this.spawnedEnv = request.env;
      this.mark = markOf(request.env);
      result = this.services.spawner.spawn(request);
    } catch (error) {
      result = { ok: false, reason: `spawn failed: ${(error as Error).message}` };
    }
    if (!result.ok) {
      this.dispatch({ type: 'spawn-failed', reason: result.reason });
      return;
    }
    const child = result.child;
    this.child = child;
    this.pgid = child.pid;
    this.signalled = new Set();
    this.io.attachOutput(child.stdout, child.stderr);
    child.onExit((status, report) => {
      if (this.pgid !== child.pid && this.runtime.pid !== child.pid) return; // an older child
      if (report?.pipesHeld) this.io.note(PIPES_HELD_NOTE);
      else this.noteIfPipesOutliveGroup(child);
      // When it exited, not when that was reported (after the wait for its output): a program that
      // daemonizes exits at once, and that is what the restart rules must see.
      this.dispatch({ type: 'exited', status, at: this.services.clock.now() - (report?.lateByMs ?? 0) });
    });
    this.dispatch({ type: 'spawned', pid: child.pid, at: this.services.clock.now() });
  }
}

function markOf(env: Readonly<Record<string, string>>): InstanceMark | null {
  const supervisorPid = Number(env.MUSTER_SUPERVISOR_PID);
  if (!(supervisorPid > 0) || env.MUSTER_PROCESS === undefined || env.MUSTER_INSTANCE === undefined) return null;
  return { supervisorPid, process: env.MUSTER_PROCESS, instance: env.MUSTER_INSTANCE, run: env.MUSTER_RUN ?? '' };
}

/** The tail of a note about a signal that also went to strays: "<joint> pid 7, 8 (started outside its group)". */
function outside(strays: readonly number[], joint: string): string {
  return strays.length > 0 ? `${joint} pid ${strays.join(', ')} (started outside its group)` : '';
}
