// The host tier's apps. For each one the host keeps what it wants (`desired`: run with a
// registration, refused, or gone) apart from what is (`entry`: a tier running, being set up,
// refused, stopped), and one reconcile loop per app moves the second towards the first, one step
// at a time, re-reading the wish after every step. So a reload only changes wishes (reload-plan.ts
// says which), however many come and however fast: the last one wins, each app's steps never
// overlap, and the apps move in parallel (one tier taking an hour to stop holds up no other).
// The host's start is a reload from nothing; its stop makes every wish "stopped".
import * as fs from 'node:fs';
import { formatDiagnostic } from '../config/diagnostics';
import type { HeldSockets } from '../os/held-sockets';
import type { LinuxProcessGroups } from '../os/process-groups';
import { openAppSockets, prepareFolders } from './app-setup';
import { viewOfTier, type AppView } from './host-api';
import { appFolders, type HostBases } from './host-paths';
import { planReload, sameRegistration, sameSockets, type ReloadAction } from './reload-plan';
import { sharedSocket, type RefusedRegistration, type RegistrationSet } from './registration';
import type { Registration } from './registration-model';
import { findTiers, killStaleTiers, stopStaleTier } from './stale-tier';
import { TierRunner } from './tier-runner';

export interface HostAppsDeps {
  readonly bases: HostBases;
  readonly environ: Readonly<Record<string, string | undefined>>;
  readonly groups: LinuxProcessGroups;
  readonly log: (text: string) => void;
  readonly mainJs: string;
}

type Desired =
  | { readonly kind: 'run'; readonly registration: Registration }
  | { readonly kind: 'refused'; readonly problem: string }
  | { readonly kind: 'gone' };

/** What is, for an app. */
type Entry =
  | { readonly kind: 'settingUp'; readonly registration: Registration; readonly since: number }
  | { readonly kind: 'running'; readonly registration: Registration; readonly runner: TierRunner; readonly sockets: HeldSockets }
  | { readonly kind: 'refused'; readonly user: string | null; readonly problem: string; readonly since: number }
  | { readonly kind: 'stopped'; readonly since: number };

interface Slot {
  readonly app: string;
  desired: Desired;
  entry: Entry;
  /** The registration that could not be set up (its problem is in `entry`): not tried again until
   * a reload asks for it again. */
  failed: Registration | null;
  /** Sockets of a tier just stopped, kept for the next one (same definitions). */
  kept: { readonly registration: Registration; readonly sockets: HeldSockets } | null;
  /** A newer registration that was refused while the app runs with the one it had. */
  refusedUpdate: string | null;
  /** The reconcile loop, while it runs. */
  loop: Promise<void> | null;
}

export class HostApps {
  private readonly slots = new Map<string, Slot>();
  private stopping = false;
  /** Setups waiting for another app to let go of a socket or of its app folder. */
  private waiters: Array<() => void> = [];

  constructor(private readonly deps: HostAppsDeps) {}

  /** Is this exactly the registration its app runs with? (loadRegistrations' `runsAsIs`.) */
  runsAsIs = (r: Registration): boolean => {
    const entry = this.slots.get(r.app)?.entry;
    return entry?.kind === 'running' && sameRegistration(entry.registration, r);
  };

  /** Plans the change from what the host wants now to `set`, sets the new wishes and returns the
   * plan at once; each app's loop carries it out. Nothing while the host stops. */
  apply(set: RegistrationSet): ReloadAction[] {
    if (this.stopping) return [];
    const wanted = new Map<string, Registration | null>();
    for (const slot of this.slots.values()) {
      if (slot.desired.kind === 'gone') continue;
      const r = slot.desired.kind === 'run' ? slot.desired.registration : null;
      wanted.set(slot.app, r !== null && r !== slot.failed ? r : null);
    }
    const plan = planReload(wanted, set);
    // Every wish first, then the loops: a loop must see the whole new picture (a renamed app's
    // new name waits for its old name only if it knows the old name is going).
    const moved = plan.map((action) => this.carryOut(action));
    for (const slot of moved) if (slot !== null) this.kick(slot);
    return plan;
  }

  /** Every tier stops gracefully (no time limit: each stops its processes with their own stop
   * timeouts), every socket is closed and unlinked, and the run folders go. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const slot of this.slots.values()) this.kick(slot);
    this.wakeWaiters();
    await Promise.all([...this.slots.values()].map((s) => s.loop));
  }

  /** The host's second signal: kill every tier and what it runs, and any stale tier being waited for. */
  forceKill(): void {
    killStaleTiers();
    for (const slot of this.slots.values()) if (slot.entry.kind === 'running') slot.entry.runner.forceKill();
  }

  view(): AppView[] {
    return [...this.slots.values()].sort((a, b) => a.app.localeCompare(b.app)).map((slot) => {
      const view = viewOfSlot(slot);
      if (slot.refusedUpdate === null) return view;
      const refused = `its registration as it is now is refused; the app goes on with the one accepted before: ${slot.refusedUpdate}`;
      return { ...view, problem: view.problem === null ? refused : `${view.problem}; ${refused}` };
    });
  }

  /** Sets the app's new wish; returns its slot when its loop has something to do. */
  private carryOut(action: ReloadAction): Slot | null {
    const { log } = this.deps;
    switch (action.kind) {
      case 'unchanged':
        this.slots.get(action.app)!.refusedUpdate = null;
        return null;
      case 'start':
      case 'restart': {
        const slot = this.slotFor(action.app);
        if (action.kind === 'restart') {
          log(`${action.app}: its registration changed: its tier restarts with it (${action.keepSockets ? 'its sockets are kept' : 'its sockets change: they are made again'})`);
        }
        slot.desired = { kind: 'run', registration: action.registration };
        slot.failed = null;
        slot.refusedUpdate = null;
        return slot;
      }
      case 'remove': {
        const slot = this.slots.get(action.app)!;
        log(`${action.app}: its registration is gone: its tier stops and its sockets are closed`);
        slot.desired = { kind: 'gone' };
        slot.refusedUpdate = null;
        return slot;
      }
      case 'keepDespite': {
        const slot = this.slots.get(action.app)!;
        slot.refusedUpdate = problemOf(action.refused);
        log(`${action.app}: its registration as it is now is refused; the app goes on with the one accepted before:\n${indent(action.refused)}`);
        return null;
      }
      case 'refuse': {
        const slot = this.slotFor(action.app);
        log(`${action.app}: registration refused, the app is not started:\n${indent(action.refused)}`);
        slot.desired = { kind: 'refused', problem: problemOf(action.refused) };
        slot.failed = null;
        return slot;
      }
      default: {
        const unreachable: never = action;
        return unreachable;
      }
    }
  }

  private slotFor(app: string): Slot {
    let slot = this.slots.get(app);
    if (slot === undefined) {
      slot = { app, desired: { kind: 'gone' }, entry: { kind: 'stopped', since: Date.now() }, failed: null, kept: null, refusedUpdate: null, loop: null };
      this.slots.set(app, slot);
    }
    return slot;
  }

  /** Starts the app's loop unless it runs (it reads the wish again after each step anyway). */
  private kick(slot: Slot): void {
    this.wakeWaiters();
    if (slot.loop !== null) return;
    slot.loop = this.reconcile(slot)
      .catch((error) => this.deps.log(`${slot.app}: internal error (the host keeps running): ${(error as Error).stack ?? error}`))
      .finally(() => {
        slot.loop = null;
        this.wakeWaiters();
      });
  }

  /** One step at a time until what is matches what is wanted. */
  private async reconcile(slot: Slot): Promise<void> {
    for (;;) {
      const desired = this.stopping ? null : slot.desired;
      const entry = slot.entry;
      if (entry.kind === 'running') {
        if (desired?.kind === 'run' && sameRegistration(entry.registration, desired.registration)) return;
        if (desired?.kind === 'run') {
          // Never stop an app for a registration that could not start: a socket another app keeps.
          const blocked = this.heldElsewhere(slot, desired.registration);
          if (blocked?.forever) {
            this.deps.log(`${slot.app}: its changed registration cannot run: ${blocked.why}; the app goes on with the one it runs with`);
            slot.refusedUpdate = blocked.why;
            slot.desired = { kind: 'run', registration: entry.registration };
            return;
          }
        }
        await entry.runner.stop();
        const keep = desired?.kind === 'run' && sameSockets(entry.registration, desired.registration);
        if (keep) slot.kept = { registration: entry.registration, sockets: entry.sockets };
        else entry.sockets.close();
        slot.entry = { kind: 'stopped', since: Date.now() };
        this.wakeWaiters();
        continue;
      }
      if (desired?.kind === 'run' && desired.registration !== slot.failed) {
        await this.setUp(slot, desired.registration);
        continue;
      }
      // Nothing runs, and nothing is to run.
      this.dropKept(slot);
      if (desired?.kind === 'refused') slot.entry = { kind: 'refused', user: null, problem: desired.problem, since: Date.now() };
      else if (slot.entry.kind === 'settingUp') slot.entry = { kind: 'stopped', since: Date.now() };
      if (desired === null || desired.kind === 'gone') {
        removeIfEmpty(appFolders(this.deps.bases, slot.app).run);
        if (desired !== null && this.slots.get(slot.app) === slot) {
          this.slots.delete(slot.app);
          this.deps.log(`${slot.app}: removed`);
        }
      }
      return;
    }
  }

  /** Folders, sockets (or the kept ones), then the tier; a problem here stops this app only. It
   * gives up (nothing started) as soon as the wish is no longer this registration. */
  private async setUp(slot: Slot, r: Registration): Promise<void> {
    const { bases, log } = this.deps;
    slot.entry = { kind: 'settingUp', registration: r, since: Date.now() };
    const stillWanted = () => !this.stopping && slot.desired.kind === 'run' && slot.desired.registration === r;
    const fail = (problem: string) => {
      this.dropKept(slot);
      log(`${r.app}: ${problem}; the app is not started`);
      slot.entry = { kind: 'refused', user: r.user.name, problem, since: Date.now() };
      slot.failed = r;
    };
    // Another app must let go first: its socket (moved to this app in the same reload), or its
    // app folder (an app renamed: the old name stops before the new one starts).
    for (;;) {
      const holder = this.heldElsewhere(slot, r);
      if (holder === null) break;
      if (holder.forever) return fail(holder.why);
      log(`${r.app}: waiting: ${holder.why}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      if (!stillWanted()) return;
    }
    const folders = appFolders(bases, r.app);
    try {
      for (const moved of prepareFolders(r, folders)) log(`${r.app}: ${moved}`);
    } catch (error) {
      return fail(`cannot prepare its folders: ${(error as Error).message}`);
    }
    // No duplicates: a tier a dead host (kill -9) left behind still runs every process of the app and
    // holds the old sockets. It stops before the new sockets are made.
    const tiers = findTiers(r.app, r.user.uid);
    const other = tiers.otherHost[0];
    if (other !== undefined) {
      return fail(`it already runs under another muster host (pid ${other.host}, its app tier pid ${other.tier}); one app never runs twice: stop that host first`);
    }
    await Promise.all(tiers.stale.map(async (stale) => {
      log(`${r.app}: an app tier of a previous host (pid ${stale}) still runs: SIGTERM to its process group, waiting for it to stop`);
      await stopStaleTier(stale, this.deps.groups, log);
      log(`${r.app}: the previous app tier (pid ${stale}) stopped`);
    }));
    if (!stillWanted()) return;
    let sockets: HeldSockets;
    if (slot.kept !== null && sameSockets(slot.kept.registration, r)) {
      sockets = slot.kept.sockets;
      slot.kept = null;
    } else {
      this.dropKept(slot);
      const opened = await openAppSockets(r, folders);
      if (!opened.ok) return fail(opened.message);
      sockets = opened.sockets;
      if (!stillWanted()) {
        slot.kept = { registration: r, sockets };
        return;
      }
    }
    const runner = new TierRunner({
      registration: r,
      folders,
      sockets,
      node: process.execPath,
      mainJs: this.deps.mainJs,
      hostEnv: this.deps.environ,
      groups: this.deps.groups,
      log,
    });
    log(`${r.app}: holding ${sockets.describe().join(', ')}; starting its tier as ${r.user.name} (output in ${folders.tierLog})`);
    slot.entry = { kind: 'running', registration: r, runner, sockets };
    runner.start();
  }

  /** Another app that holds what `r` needs: one of its sockets, or its app folder while that app
   * is going away. `forever`: it keeps holding it (its wish has it too), so waiting is pointless. */
  private heldElsewhere(slot: Slot, r: Registration): { why: string; forever: boolean } | null {
    for (const other of this.slots.values()) {
      if (other === slot) continue;
      const holds = other.entry.kind === 'running' || other.entry.kind === 'settingUp' ? other.entry.registration : other.kept?.registration ?? null;
      if (holds === null) continue;
      const wants = !this.stopping && other.desired.kind === 'run' ? other.desired.registration : null;
      const shared = sharedSocket(r, holds);
      if (shared !== null) {
        const forever = wants !== null && sharedSocket(r, wants) !== null;
        return { why: `app ${other.app} holds ${shared.theirs.config.kind === 'unix' ? shared.theirs.config.path : `[socket.${shared.theirs.config.name}]`}${forever ? ' and keeps it' : ' until its tier stopped'}`, forever };
      }
      if (holds.root === r.root && (wants === null || wants.root !== r.root)) {
        return { why: `app ${other.app} runs from the same app folder ${r.root} until its tier stopped`, forever: false };
      }
    }
    return null;
  }

  private dropKept(slot: Slot): void {
    slot.kept?.sockets.close();
    slot.kept = null;
  }

  private wakeWaiters(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

function viewOfSlot(slot: Slot): AppView {
  const entry = slot.entry;
  const base = { name: slot.app, pid: null, restarts: 0, last_exit: null };
  switch (entry.kind) {
    case 'running':
      return viewOfTier(slot.app, entry.registration.user.name, entry.runner.snapshot);
    case 'settingUp':
      // Its folders, sockets, another app letting go, or a previous host's tier still stopping.
      return { ...base, user: entry.registration.user.name, state: 'starting', since: entry.since, problem: 'being set up (waiting for what it needs to be free: see the host\'s log)' };
    case 'refused':
      return { ...base, user: entry.user, state: 'refused', since: entry.since, problem: entry.problem };
    case 'stopped':
      return { ...base, user: slot.desired.kind === 'run' ? slot.desired.registration.user.name : null, state: slot.desired.kind === 'run' ? 'starting' : 'stopped', since: entry.since, problem: null };
    default: {
      const unreachable: never = entry;
      return unreachable;
    }
  }
}

function problemOf(refused: RefusedRegistration): string {
  return refused.diagnostics.map(formatDiagnostic).join('; ');
}

function indent(refused: RefusedRegistration): string {
  return refused.diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n');
}

/** RUN/NAME once its sockets are gone (root's folder; nothing else is ever put there). */
function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    /* not empty, or already gone */
  }
}
