// The host tier's apps: for each one, what runs (its tier runner and held sockets) or why nothing
// does. A set of registrations is applied as a plan (reload-plan.ts): at the host's start (from
// nothing) and at every reload (SIGHUP, `muster host reload`). Each app's steps run one after the
// other on its own chain, and the apps in parallel: one app's tier taking hours to stop (a worker
// finishing its task) holds up nobody else.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic } from '../config/diagnostics';
import type { HeldSockets } from '../os/held-sockets';
import type { LinuxProcessGroups } from '../os/process-groups';
import { openAppSockets, prepareFolders } from './app-setup';
import { viewOfTier, type AppView } from './host-api';
import { appFolders, type HostBases } from './host-paths';
import { planReload, type ReloadAction } from './reload-plan';
import type { RegistrationSet } from './registration';
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

/** What runs for an app, or why nothing does. */
type Entry =
  | { readonly kind: 'settingUp'; readonly since: number }
  | { readonly kind: 'running'; readonly runner: TierRunner; readonly sockets: HeldSockets; readonly user: string }
  | { readonly kind: 'refused'; readonly user: string | null; readonly problem: string; readonly since: number };

interface Slot {
  readonly app: string;
  /** The registration the app runs (or is being set up) with; null when refused or not running. */
  wanted: Registration | null;
  entry: Entry;
  /** A newer registration that was refused while the app runs with its previous one. */
  refusedUpdate: string | null;
  /** Its registration is gone: the slot goes once its tier stopped (unless it comes back first). */
  removing: boolean;
  /** This app's steps, one after the other. */
  chain: Promise<void>;
}

export class HostApps {
  private readonly slots = new Map<string, Slot>();
  private stopping = false;

  constructor(private readonly deps: HostAppsDeps) {}

  /** Plans the change from what the host wants now to `set`, starts carrying it out (each app on
   * its own chain) and returns the plan at once. Nothing while the host stops. */
  apply(set: RegistrationSet): ReloadAction[] {
    if (this.stopping) return [];
    const wanted = new Map([...this.slots].filter(([, s]) => !s.removing).map(([app, s]) => [app, s.wanted] as const));
    const plan = planReload(wanted, set);
    for (const action of plan) this.carryOut(action);
    return plan;
  }

  /** Resolves once every step queued so far is done. */
  async settled(): Promise<void> {
    await Promise.all([...this.slots.values()].map((s) => s.chain));
  }

  /** Every tier stops gracefully (no time limit: each stops its processes with their own stop
   * timeouts), then every socket is closed and unlinked. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const slot of this.slots.values()) this.enqueue(slot, () => this.takeDown(slot));
    await this.settled();
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
      const refused = `its registration was changed and is refused; it runs with the previous one: ${slot.refusedUpdate}`;
      return { ...view, problem: view.problem === null ? refused : `${view.problem}; ${refused}` };
    });
  }

  private carryOut(action: ReloadAction): void {
    const { log } = this.deps;
    switch (action.kind) {
      case 'unchanged': {
        this.slots.get(action.app)!.refusedUpdate = null;
        return;
      }
      case 'start': {
        const slot = this.slotFor(action.app);
        slot.wanted = action.registration;
        slot.refusedUpdate = null;
        if (slot.entry.kind === 'refused') slot.entry = { kind: 'settingUp', since: Date.now() };
        this.enqueue(slot, () => this.setUp(slot, action.registration, null));
        return;
      }
      case 'restart': {
        const slot = this.slots.get(action.app)!;
        slot.wanted = action.registration;
        slot.refusedUpdate = null;
        log(`${action.app}: its registration changed: restarting its tier with it (${action.keepSockets ? 'the sockets are kept' : 'its sockets change: they are made again'})`);
        this.enqueue(slot, async () => {
          const kept = await this.takeDown(slot, action.keepSockets);
          await this.setUp(slot, action.registration, kept);
        });
        return;
      }
      case 'remove': {
        const slot = this.slots.get(action.app)!;
        slot.wanted = null;
        slot.removing = true;
        slot.refusedUpdate = null;
        log(`${action.app}: its registration is gone: stopping its tier and closing its sockets`);
        this.enqueue(slot, async () => {
          await this.takeDown(slot);
          if (!slot.removing) return; // registered again meanwhile: the next step sets it up
          this.slots.delete(slot.app);
          removeIfEmpty(appFolders(this.deps.bases, slot.app).run);
          log(`${slot.app}: removed`);
        });
        return;
      }
      case 'keepDespite': {
        const slot = this.slots.get(action.app)!;
        slot.refusedUpdate = action.refused.diagnostics.map(formatDiagnostic).join('; ');
        log(`${action.app}: its changed registration is refused; the app goes on with the previous one:\n${indent(action.refused)}`);
        return;
      }
      case 'refuse': {
        const slot = this.slotFor(action.app);
        const problem = action.refused.diagnostics.map(formatDiagnostic).join('; ');
        log(`${action.app}: registration refused, the app is not started:\n${indent(action.refused)}`);
        this.enqueue(slot, async () => {
          slot.entry = { kind: 'refused', user: null, problem, since: Date.now() };
        });
        return;
      }
      default: {
        const unreachable: never = action;
        return unreachable;
      }
    }
  }

  /** The app's slot; a new one (being set up) for an app the host did not know. An app whose
   * removal is still under way is registered again: its removal ends with its tier stopped. */
  private slotFor(app: string): Slot {
    let slot = this.slots.get(app);
    if (slot === undefined) {
      slot = { app, wanted: null, entry: { kind: 'settingUp', since: Date.now() }, refusedUpdate: null, removing: false, chain: Promise.resolve() };
      this.slots.set(app, slot);
    }
    slot.removing = false;
    return slot;
  }

  private enqueue(slot: Slot, step: () => Promise<unknown>): void {
    slot.chain = slot.chain.then(step).then(() => undefined, (error) => {
      this.deps.log(`${slot.app}: internal error (the host keeps running): ${(error as Error).stack ?? error}`);
    });
  }

  /** Stops the app's tier (if any) and closes its sockets, or hands them back when `keepSockets`. */
  private async takeDown(slot: Slot, keepSockets = false): Promise<HeldSockets | null> {
    const entry = slot.entry;
    if (entry.kind !== 'running') return null;
    await entry.runner.stop();
    if (keepSockets) return entry.sockets;
    entry.sockets.close();
    return null;
  }

  /** Folders, sockets (or the kept ones), then the tier; a problem here stops this app only. */
  private async setUp(slot: Slot, r: Registration, keptSockets: HeldSockets | null): Promise<void> {
    slot.entry = { kind: 'settingUp', since: Date.now() };
    const { bases, log } = this.deps;
    const folders = appFolders(bases, r.app);
    const fail = (problem: string) => {
      keptSockets?.close();
      log(`${r.app}: ${problem}; the app is not started`);
      slot.entry = { kind: 'refused', user: r.user.name, problem, since: Date.now() };
      // Not running: the next reload tries again, even with the same registration.
      if (slot.wanted === r) slot.wanted = null;
    };
    if (this.stopping) return fail('the host is stopping');
    try {
      prepareFolders(r, folders);
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
    if (this.stopping) return fail('the host is stopping');
    let sockets = keptSockets;
    if (sockets === null) {
      const opened = await openAppSockets(r, folders);
      if (!opened.ok) return fail(opened.message);
      sockets = opened.sockets;
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
    slot.entry = { kind: 'running', runner, sockets, user: r.user.name };
    runner.start();
  }
}

function viewOfSlot(slot: Slot): AppView {
  const entry = slot.entry;
  switch (entry.kind) {
    case 'running':
      return viewOfTier(slot.app, entry.user, entry.runner.snapshot);
    case 'settingUp':
      // Its folders, sockets, or a previous host's tier that is still stopping.
      return { name: slot.app, user: slot.wanted?.user.name ?? null, state: 'starting', pid: null, since: entry.since, restarts: 0, last_exit: null, problem: 'being set up (a previous host\'s tier may still be stopping)' };
    case 'refused':
      return { name: slot.app, user: entry.user, state: 'refused', pid: null, since: entry.since, restarts: 0, last_exit: null, problem: entry.problem };
    default: {
      const unreachable: never = entry;
      return unreachable;
    }
  }
}

function indent(refused: { readonly diagnostics: readonly Parameters<typeof formatDiagnostic>[0][] }): string {
  return refused.diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n');
}

/** RUN/NAME once its sockets are gone (root's folder; nothing else is ever put there). */
function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(path.resolve(dir));
  } catch {
    /* not empty, or already gone */
  }
}
