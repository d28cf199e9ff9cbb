// One app's tier, kept running: feeds events (spawn results, the child's exit, the backoff timer,
// the host's stop) into tier-machine.ts one at a time and carries out the effects it returns. The
// only place that spawns or signals a tier. The sockets belong to the host (host-command.ts) and
// outlive every tier, so a restarted tier gets the same inodes.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { ProcessGroups } from '../os/ports';
import type { HeldSockets } from '../os/held-sockets';
import { openTierLog } from './app-setup';
import { killAppGroups } from './app-processes';
import { findTiers, stopStaleTier } from './stale-tier';
import type { AppFolders } from './host-paths';
import type { Registration } from './registration-model';
import { appDir, tierLaunch } from './tier-launch';
import { initialStatus, transition, type TierContext, type TierEffect, type TierEvent, type TierStatus } from './tier-machine';

/** After the second SIGTERM went to the tier (its own "kill everything now"), how long before its
 * group gets SIGKILL. */
const FORCE_GRACE_MS = 1000;

export interface RunnerDeps {
  readonly registration: Registration;
  readonly folders: AppFolders;
  readonly sockets: HeldSockets;
  readonly node: string;
  readonly mainJs: string;
  readonly hostEnv: Readonly<Record<string, string | undefined>>;
  readonly groups: ProcessGroups;
  readonly log: (text: string) => void;
  readonly now?: () => number;
  /** Other tiers of this app (tests replace the /proc scan). */
  readonly findTiers?: typeof findTiers;
}

export class TierRunner {
  private status: TierStatus;
  private readonly ctx: TierContext;
  private timer: NodeJS.Timeout | null = null;
  private stoppedWaiters: Array<() => void> = [];
  private readonly now: () => number;

  constructor(private readonly deps: RunnerDeps) {
    this.now = deps.now ?? Date.now;
    this.status = initialStatus(this.now());
    this.ctx = { app: deps.registration.app, tierLog: deps.folders.tierLog };
  }

  get snapshot(): TierStatus {
    return this.status;
  }

  start(): void {
    this.dispatch({ type: 'start', now: this.now() });
  }

  /** SIGTERM to the tier (it stops its processes gracefully); resolves once it exited. No time
   * limit here: a worker may rightly take hours to finish its task. */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.status.state === 'stopped') return resolve();
      this.stoppedWaiters.push(resolve);
      this.dispatch({ type: 'stop', now: this.now() });
    });
  }

  /** The host's second signal: the tier's second SIGTERM makes it SIGKILL its processes' groups;
   * then its own group gets SIGKILL, and so does the group of every process of the app still alive
   * (a tier that did not answer, stopped or stuck, left its instances in their own groups). */
  forceKill(): void {
    const pid = this.status.pid;
    if (pid === null) return;
    const { registration: r, groups } = this.deps;
    groups.signalProcess(pid, 'SIGTERM');
    setTimeout(() => {
      groups.signalGroup(pid, 'SIGKILL');
      const killed = killAppGroups(r.app, r.user.uid, groups).filter((g) => g !== pid);
      if (killed.length > 0) this.deps.log(`${r.app}: SIGKILL to the process groups its app tier left (${killed.join(', ')})`);
    }, FORCE_GRACE_MS).unref();
  }

  private readonly queue: TierEvent[] = [];
  private dispatching = false;

  /** One event at a time: an effect that produces an event (a spawn that fails at once) queues it
   * until every effect of the current transition has run. */
  private dispatch(event: TierEvent): void {
    this.queue.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        const t = transition(this.status, next, this.ctx);
        this.status = t.status;
        for (const effect of t.effects) this.run(effect);
      }
    } finally {
      this.dispatching = false;
    }
  }

  private run(effect: TierEffect): void {
    switch (effect.kind) {
      case 'spawn':
        this.spawnTier();
        return;
      case 'startTimer':
        this.timer = setTimeout(() => {
          this.timer = null;
          this.dispatch({ type: 'timer', now: this.now() });
        }, effect.ms);
        return;
      case 'cancelTimer':
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        return;
      case 'signal':
        this.deps.groups.signalProcess(effect.pid, effect.signal);
        return;
      case 'log':
        this.deps.log(effect.text);
        return;
      case 'stopped':
        for (const w of this.stoppedWaiters.splice(0)) w();
        return;
      default: {
        const unreachable: never = effect;
        return unreachable;
      }
    }
  }

  private spawnTier(): void {
    // Every start, not only the first: while this tier was in backoff another host may have
    // started one (it found none), or a dead host's tier may still run. Not twice: back off.
    const { registration: r, groups, log } = this.deps;
    const others = (this.deps.findTiers ?? findTiers)(r.app, r.user.uid);
    const other = others.otherHost[0];
    if (other !== undefined) {
      return this.dispatch({ type: 'spawnFailed', reason: `it runs under another muster host (pid ${other.host}, its app tier pid ${other.tier}); one app never runs twice`, now: this.now() });
    }
    if (others.stale.length > 0) {
      for (const pid of others.stale) void stopStaleTier(pid, groups, (text) => log(`${r.app}: ${text}`));
      return this.dispatch({ type: 'spawnFailed', reason: `an app tier no host owns (pid ${others.stale.join(', ')}) still runs; it is being stopped first`, now: this.now() });
    }
    let child: ChildProcess;
    try {
      child = this.spawnChild();
    } catch (error) {
      return this.dispatch({ type: 'spawnFailed', reason: (error as Error).message, now: this.now() });
    }
    child.on('error', (error) => this.deps.log(`${this.deps.registration.app}: app tier (pid ${child.pid}): ${error.message}`));
    child.on('exit', (code, signal) => {
      this.dispatch({ type: 'exited', exit: { code, signal }, now: this.now() });
    });
    this.dispatch({ type: 'spawned', pid: child.pid!, now: this.now() });
  }

  private spawnChild(): ChildProcess {
    const { registration: r, folders, sockets } = this.deps;
    const launch = tierLaunch({ registration: r, folders, appDir: appDir(r.root), node: this.deps.node, mainJs: this.deps.mainJs, hostEnv: this.deps.hostEnv });
    const fds = sockets.fds;
    const socketFds = launch.fdNames.map((name) => {
      const fd = fds.get(name);
      if (fd === undefined) throw new Error(`no held socket named ${name}`);
      return fd;
    });
    const logFd = openTierLog(r, folders.tierLog);
    // The umask is inherited through fork+exec: set around the (synchronous) spawn only.
    const previous = process.umask(launch.umask);
    try {
      const child = spawn(launch.file, [...launch.args], {
        cwd: launch.cwd,
        env: { ...launch.env },
        detached: true,
        stdio: ['ignore', logFd, logFd, ...socketFds],
      });
      if (child.pid === undefined) {
        // The reason (ENOENT of the cwd, EAGAIN...) comes later as an 'error' event; the message
        // names what to check.
        child.on('error', () => undefined);
        throw new Error(`cannot execute ${launch.file} in ${launch.cwd} (does the app folder exist?)`);
      }
      return child;
    } finally {
      process.umask(previous);
      fs.closeSync(logFd);
    }
  }
}
