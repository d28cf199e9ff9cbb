// The app: all instances, one serial event queue, the dependency gate and the ordered stop.
// Every event for every instance goes through `dispatch`; the queue is drained one event at a
// time, so a reaction to one event never interleaves with another (no restart-vs-stop races).
// Operator requests (start, stop, restart, apply) only queue events or mark stops as pending; the
// gate turns pending stops into events in dependency order, and waiters report when each
// instance got where the request wanted it.

import type { AppConfig, DependencyCondition, ProcessConfig } from '../config/model';
import type { SpawnRequest, TimerHandle } from '../os/ports';
import { Instance, type InstanceIO, type InstanceServices } from './instance';
import { transition, type InstanceRuntime } from './machine';
import { MIN_UPTIME_MS } from './restart-policy';
import type { ApplyPlan } from './plan';
import { RESTING_STATES, type InstanceEvent, type InstanceState } from './states';

export interface TransitionRecord {
  readonly instance: string;
  readonly from: InstanceState;
  readonly to: InstanceState;
  readonly pid: number | null;
  readonly event: InstanceEvent['type'];
}

export interface SupervisorOptions {
  readonly config: AppConfig;
  readonly services: InstanceServices;
  /** muster's own environment, inherited by every instance beneath the app's variables. */
  readonly inheritedEnv: Readonly<Record<string, string | undefined>>;
  readonly toArgv: (command: string) => readonly string[];
  readonly createIO: (instanceName: string, process: ProcessConfig) => InstanceIO;
  /** The sockets muster holds: name -> fd, passed to the processes that name them (fd 3 onwards). */
  readonly socketFds?: ReadonlyMap<string, number>;
  /** Whose instances these are, put in every instance's environment over the app's own variables
   * (MUSTER_APP, MUSTER_APP_ROOT, MUSTER_SUPERVISOR_PID), so that a later supervisor can tell its
   * app's leftovers from anyone else's processes (os/leftovers.ts), and a stop can find what an
   * instance started outside its process group (os/process-groups.ts). `root` is the app folder
   * with symlinks resolved: the same app given through another path is still the same app. */
  readonly owner?: { readonly app: string | null; readonly root: string; readonly supervisorPid: number };
}

/** The socket activation variables (sd_listen_fds(3)); only muster sets them for its children. */
const LISTEN_VARS = ['LISTEN_FDS', 'LISTEN_FDNAMES', 'LISTEN_PID', 'LISTEN_PIDFDID'] as const;

/** How one instance ended up after a request: got there, went fatal (or exited while it should
 * run), another request changed its course first, or the wait ran out. */
export type Outcome = 'done' | 'failed' | 'superseded' | 'timeout';

export interface InstanceResult {
  readonly instance: Instance;
  readonly outcome: Outcome;
  /** The instance as it was when its outcome was decided (a later request may have moved it on). */
  readonly runtime: InstanceRuntime;
  /** Why, when the runtime does not say it (a start that waits for a dependency nobody starts). */
  readonly detail?: string;
}

/** What a request waits for, per instance. */
type Goal =
  | { readonly kind: 'started'; readonly operation: number; readonly afterSpawn: number | null }
  | { readonly kind: 'stopped'; readonly operation: number }
  | { readonly kind: 'wait-ready' }
  | { readonly kind: 'wait-stopped' };

interface Waiter {
  readonly instance: Instance;
  goal: Goal;
  readonly settle: (outcome: Outcome, detail?: string) => void;
  /** Look again after `ms` (an instance without a probe must run a moment to count as started). */
  readonly recheckIn: (ms: number) => void;
}

type PendingStop = 'stop' | 'restart';

export function instanceNames(p: ProcessConfig): string[] {
  if (p.instances === 1) return [p.name];
  return Array.from({ length: p.instances }, (_, i) => `${p.name}.${i + 1}`);
}

export class Supervisor {
  /** In config order. */
  instances: Instance[] = [];
  private config: AppConfig;
  private byProcess = new Map<string, Instance[]>();
  /** For each process, the processes that depend on it directly. */
  private dependents = new Map<string, string[]>();
  private readonly queue: Array<[Instance, InstanceEvent]> = [];
  private draining = false;
  private readonly pendingStops = new Map<Instance, PendingStop>();
  /** Instances of removed processes (or instances scaled away): dropped once they rest. */
  private readonly retiring = new Set<Instance>();
  private readonly listeners = new Set<(t: TransitionRecord) => void>();
  private idleWaiters: Array<() => void> = [];
  private pendingNotes: Array<() => void> = [];
  private readonly waiters = new Map<Instance, Set<Waiter>>();
  /** Instances whose runtime changed during this drain: only their waiters are looked at. */
  private readonly touched = new Set<Instance>();

  /** muster's environment, copied once: reading process.env goes through getenv for every key. */
  private readonly inheritedEnv: Readonly<Record<string, string>>;

  constructor(private readonly options: SupervisorOptions) {
    const inherited: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.inheritedEnv)) if (v !== undefined) inherited[k] = v;
    this.inheritedEnv = inherited;
    this.config = options.config;
    for (const p of options.config.processes) this.byProcess.set(p.name, instanceNames(p).map((name, i) => this.createInstance(name, i + 1, p)));
    this.reindex();
  }

  get appConfig(): AppConfig {
    return this.config;
  }

  private createInstance(name: string, number: number, p: ProcessConfig): Instance {
    const io = this.deferNotes(this.options.createIO(name, p));
    const instance: Instance = new Instance(name, number, p, (i) => this.spawnRequest(i), io, this.options.services, (event) => this.dispatch(instance, event));
    return instance;
  }

  /** Rebuild the config-ordered list and the dependents map from `config` and `byProcess`. */
  private reindex(): void {
    const listed = this.config.processes.flatMap((p) => this.byProcess.get(p.name) ?? []);
    const extra = [...this.retiring].filter((i) => !listed.includes(i));
    this.instances = [...listed, ...extra];
    this.dependents = new Map();
    for (const p of this.config.processes) {
      for (const dep of Object.keys(p.dependsOn)) {
        const l = this.dependents.get(dep) ?? [];
        l.push(p.name);
        this.dependents.set(dep, l);
      }
    }
  }

  /** Lines noted while the queue drains are written once it is empty: the respawn of a crashed
   * instance then happens before muster spends time formatting and writing its lines about it.
   * Their order is kept. */
  private deferNotes(io: InstanceIO): InstanceIO {
    return {
      attachOutput: (stdout, stderr) => io.attachOutput(stdout, stderr),
      lastLines: (count) => io.lastLines(count),
      startProbe: (p, env, report) => io.startProbe(p, env, report),
      close: () => io.close(),
      note: (text) => {
        if (this.draining) this.pendingNotes.push(() => io.note(text));
        else io.note(text);
      },
    };
  }

  onTransition(listener: (t: TransitionRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  startAll(): void {
    for (const instance of this.instances) this.dispatch(instance, { type: 'start' });
  }

  /** Stop everything, dependents before what they depend on; resolves when every group is empty. */
  stopAll(): Promise<void> {
    for (const instance of this.instances) {
      this.beginOperation(instance, 'stopped');
      this.pendingStops.set(instance, 'stop');
      this.touched.add(instance);
    }
    return this.whenAllResting();
  }

  /** The second Ctrl-C: SIGKILL every group at once. */
  forceKillAll(): Promise<void> {
    this.pendingStops.clear();
    for (const instance of this.instances) this.dispatch(instance, { type: 'force-kill' });
    return this.whenAllResting();
  }

  whenAllResting(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      if (!this.draining) this.drain();
    });
  }

  instancesOf(processName: string): readonly Instance[] {
    return this.byProcess.get(processName) ?? [];
  }

  find(name: string): Instance | undefined {
    return this.instances.find((i) => i.name === name);
  }

  /** The instances `names` stand for (a process: all its instances; an instance; `all`), each
   * once, in config order; or the names that match nothing. */
  select(names: readonly string[]): { ok: true; instances: Instance[] } | { ok: false; unknown: string[]; valid: string[] } {
    const chosen = new Set<Instance>();
    const unknown: string[] = [];
    for (const name of names) {
      if (name === 'all') this.instances.forEach((i) => chosen.add(i));
      else if (this.byProcess.has(name)) this.byProcess.get(name)!.forEach((i) => chosen.add(i));
      else {
        const instance = this.instances.find((i) => i.name === name && !this.retiring.has(i));
        if (instance) chosen.add(instance);
        else unknown.push(name);
      }
    }
    if (unknown.length > 0) return { ok: false, unknown, valid: this.validNames() };
    return { ok: true, instances: this.instances.filter((i) => chosen.has(i)) };
  }

  validNames(): string[] {
    const names = ['all'];
    for (const p of this.config.processes) {
      names.push(p.name);
      const list = this.byProcess.get(p.name) ?? [];
      if (list.length > 1) names.push(...list.map((i) => i.name));
    }
    return names;
  }

  // ---- operator requests ----------------------------------------------------------------

  /** Start the instances, and whatever they depend on (directly or not) that would not meet their
   * condition by itself. Resolves when each named one is ready (or a one-shot exited 0), or failed. */
  start(targets: readonly Instance[]): Promise<InstanceResult[]> {
    const all = new Set(targets);
    for (const [name, conditions] of this.dependencyClosure(targets.map((i) => i.process.name))) {
      for (const i of this.byProcess.get(name) ?? []) if (this.needsStartFor(i, conditions)) all.add(i);
    }
    const chosen = this.instances.filter((i) => all.has(i));
    for (const i of chosen) {
      this.beginOperation(i, 'started');
      if (this.pendingStops.get(i) === 'stop') this.pendingStops.delete(i);
      this.queue.push([i, { type: 'start' }]);
    }
    const results = chosen.map((i) => this.waitFor(i, { kind: 'started', operation: i.operation, afterSpawn: null }));
    this.drain();
    return Promise.all(results);
  }

  /** Stop the instances (and, with `withDependents`, every instance that depends on them), each
   * only after its own dependents among them stopped. */
  stop(targets: readonly Instance[], withDependents: boolean): Promise<InstanceResult[]> {
    const all = withDependents ? this.withDependents(targets) : [...targets];
    const results = all.map((i) => this.waitFor(i, { kind: 'stopped', operation: this.beginOperation(i, 'stopped') }));
    for (const i of all) {
      this.pendingStops.set(i, 'stop');
      this.touched.add(i);
    }
    this.drain();
    return Promise.all(results);
  }

  /** Restart the instances: stop (in dependency order), then start again through the dependency
   * gate. With `withDependents`, running dependents are stopped first and started again once
   * what they depend on is back. */
  restart(targets: readonly Instance[], withDependents: boolean): Promise<InstanceResult[]> {
    const all = withDependents ? this.withDependents(targets, true) : [...targets];
    const results = all.map((i) => this.waitFor(i, { kind: 'started', operation: this.beginOperation(i, 'started'), afterSpawn: i.runtime.spawns }));
    for (const i of all) {
      this.pendingStops.set(i, 'restart');
      this.touched.add(i);
    }
    this.drain();
    return Promise.all(results);
  }

  /** Wait, without asking anything, until each instance is ready (or done) or stopped. */
  wait(targets: readonly Instance[], goal: 'ready' | 'stopped', timeoutMs: number): Promise<InstanceResult[]> {
    const results = targets.map((i) => this.waitFor(i, { kind: goal === 'ready' ? 'wait-ready' : 'wait-stopped' }, timeoutMs));
    this.drain();
    return Promise.all(results);
  }

  /** Carry out an `apply` plan computed against the current config (see plan.ts). */
  apply(next: AppConfig, plan: ApplyPlan): Promise<InstanceResult[]> {
    const nextByName = new Map(next.processes.map((p) => [p.name, p]));
    const results: Array<Promise<InstanceResult>> = [];
    const retire = (i: Instance) => {
      this.retiring.add(i);
      results.push(this.waitFor(i, { kind: 'stopped', operation: this.beginOperation(i, 'stopped') }));
      this.pendingStops.set(i, 'stop');
      this.touched.add(i);
    };
    const fresh: Instance[] = [];
    const add = (name: string, number: number, p: ProcessConfig) => {
      const i = this.createInstance(name, number, p);
      fresh.push(i);
      return i;
    };

    for (const name of plan.removed) {
      for (const i of this.byProcess.get(name) ?? []) retire(i);
      this.byProcess.delete(name);
    }
    for (const { name } of [...plan.changed, ...plan.scaled]) {
      const p = nextByName.get(name)!;
      const old = this.byProcess.get(name) ?? [];
      const names = instanceNames(p);
      const changed = plan.changed.some((c) => c.name === name);
      // 1 <-> N instances renames them (web <-> web.1): then none is kept.
      const keep = old.length > 0 && old[0]!.name === names[0] ? Math.min(old.length, names.length) : 0;
      const kept = old.slice(0, keep);
      for (const i of kept) {
        if (!changed) {
          this.takeOnNow(i, p);
          continue;
        }
        if (RESTING_STATES.has(i.state) && i.state !== 'fatal' && !this.pendingStops.has(i)) {
          i.adopt(p); // stopped on purpose or a finished one-shot: takes the config, stays put
          continue;
        }
        i.nextProcess = p;
        results.push(this.waitFor(i, { kind: 'started', operation: this.beginOperation(i, 'started'), afterSpawn: i.runtime.spawns }));
        this.pendingStops.set(i, 'restart');
        this.touched.add(i);
      }
      old.slice(keep).forEach(retire);
      for (let k = keep; k < names.length; k++) kept.push(add(names[k]!, k + 1, p));
      this.byProcess.set(name, kept);
    }
    for (const name of plan.added) {
      const p = nextByName.get(name)!;
      this.byProcess.set(name, instanceNames(p).map((n, k) => add(n, k + 1, p)));
    }
    // Updated settings count from now on; unchanged processes take on the new (equal) config object.
    for (const { name } of plan.updated) {
      if (plan.scaled.some((s) => s.name === name)) continue; // done with the scaling above
      for (const i of this.byProcess.get(name) ?? []) this.takeOnNow(i, nextByName.get(name)!);
    }
    for (const name of plan.unchanged) for (const i of this.byProcess.get(name) ?? []) this.takeOnNow(i, nextByName.get(name)!);

    this.config = next;
    this.reindex();
    for (const i of fresh) {
      results.push(this.waitFor(i, { kind: 'started', operation: this.beginOperation(i, 'started'), afterSpawn: null }));
      this.queue.push([i, { type: 'start' }]);
    }
    this.drain();
    return Promise.all(results);
  }

  /** A config that needs no restart (settings muster applies, the instance count, nothing):
   * taken on at once, the running process left alone; after a restart already asked for. */
  private takeOnNow(i: Instance, p: ProcessConfig): void {
    if (i.nextProcess) i.nextProcess = p;
    else i.adopt(p);
  }

  /** `targets` plus every live instance of a process that depends on theirs, directly or not. */
  private withDependents(targets: readonly Instance[], liveOnly = false): Instance[] {
    const set = new Set(targets);
    const names = new Set(targets.map((i) => i.process.name));
    for (let grew = true; grew;) {
      grew = false;
      for (const n of [...names]) {
        for (const d of this.dependents.get(n) ?? []) {
          if (names.has(d)) continue;
          names.add(d);
          grew = true;
          for (const i of this.byProcess.get(d) ?? []) if (!liveOnly || !RESTING_STATES.has(i.state)) set.add(i);
        }
      }
    }
    return this.instances.filter((i) => set.has(i));
  }

  /** Every process that `names` depend on, directly or not, with the conditions asked of it. */
  private dependencyClosure(names: readonly string[]): Map<string, Set<DependencyCondition>> {
    const byName = new Map(this.config.processes.map((p) => [p.name, p]));
    const found = new Map<string, Set<DependencyCondition>>();
    const visit = (n: string) => {
      for (const [d, condition] of Object.entries(byName.get(n)?.dependsOn ?? {})) {
        const conditions = found.get(d);
        if (conditions) {
          conditions.add(condition);
          continue;
        }
        found.set(d, new Set([condition]));
        visit(d);
      }
    };
    names.forEach(visit);
    return found;
  }

  /** Must a start pull in this dependency? Yes unless it is live or will be again by itself (a
   * pending restart, a backoff), or is a one-shot that already did what is asked of it. Stopped,
   * stopping (it starts again once stopped), about to stop, given up, or exited otherwise: nothing
   * else would bring it back, and what depends on it would wait for ever. */
  private needsStartFor(i: Instance, conditions: ReadonlySet<DependencyCondition>): boolean {
    if (this.pendingStops.get(i) === 'stop') return true;
    switch (i.state) {
      case 'stopped':
      case 'stopping':
      case 'fatal':
        return true;
      case 'exited':
        return [...conditions].some((c) => conditionVerdict(i, c) !== 'met');
      default:
        return false;
    }
  }

  /** A dependency this starting instance waits for that will not get there unless someone starts
   * it (another request stopped it after this start began, or `apply` added a dependent of a
   * process an operator stopped): the start request then fails rather than wait for ever. */
  private unmetForGood(i: Instance): string | null {
    for (const [dep, condition] of Object.entries(i.process.dependsOn)) {
      for (const d of this.byProcess.get(dep) ?? []) {
        if (this.pendingStops.has(d)) continue;
        if (d.state === 'stopped' || (d.state === 'exited' && conditionVerdict(d, condition) === 'waiting')) {
          return `waiting for ${d.name} (${condition}), which is ${d.state} and will not start by itself: start it too`;
        }
      }
    }
    return null;
  }

  /** A new operator request for this instance; returns its number. */
  private beginOperation(i: Instance, goal: 'started' | 'stopped'): number {
    i.operationGoal = goal;
    this.touched.add(i);
    return ++i.operation;
  }

  private waitFor(instance: Instance, goal: Goal, timeoutMs?: number): Promise<InstanceResult> {
    return new Promise((resolve) => {
      let timer: TimerHandle | null = null;
      let recheck: TimerHandle | null = null;
      const waiter: Waiter = {
        instance,
        goal,
        settle: (outcome, detail) => {
          timer?.cancel();
          recheck?.cancel();
          this.waiters.get(instance)?.delete(waiter);
          resolve({ instance, outcome, runtime: instance.runtime, ...(detail === undefined ? {} : { detail }) });
        },
        recheckIn: (ms) => {
          recheck?.cancel();
          recheck = this.options.services.timers.after(ms, () => {
            recheck = null;
            this.touched.add(instance);
            this.drain();
          });
        },
      };
      let set = this.waiters.get(instance);
      if (!set) this.waiters.set(instance, (set = new Set()));
      set.add(waiter);
      this.touched.add(instance);
      if (timeoutMs !== undefined) timer = this.options.services.timers.after(timeoutMs, () => waiter.settle('timeout'));
    });
  }

  /** Where `waiter` stands: settled with an outcome (and why, when the runtime does not say), or null (not yet). */
  private verdict(waiter: Waiter): Outcome | { readonly outcome: Outcome; readonly detail: string } | null {
    const { instance: i, goal } = waiter;
    const rt = i.runtime;
    const pending = this.pendingStops.has(i);
    switch (goal.kind) {
      case 'started':
        if (i.operation !== goal.operation) {
          // A later request merged with this one (restart twice): its end is ours. One that wants
          // it stopped changed its course.
          if (i.operationGoal !== 'started') return 'superseded';
          waiter.goal = { ...goal, operation: i.operation };
        }
        if (pending) return null;
        if (rt.state === 'starting') {
          const stuck = this.unmetForGood(i);
          if (stuck) return { outcome: 'failed', detail: stuck };
        }
        if (goal.afterSpawn !== null && rt.spawns <= goal.afterSpawn && rt.state !== 'fatal') return null;
        return this.startVerdict(waiter, rt.state === 'stopped' ? 'superseded' : null);
      case 'stopped':
        if (i.operation !== goal.operation) {
          if (i.operationGoal !== 'stopped') return 'superseded';
          waiter.goal = { ...goal, operation: i.operation };
        }
        return !pending && RESTING_STATES.has(rt.state) ? 'done' : null;
      case 'wait-ready':
        // Stopped and nobody asked to start it: it will not get there by waiting.
        return this.startVerdict(waiter, rt.state === 'stopped' && !pending && rt.stoppedByOperator ? 'failed' : null);
      case 'wait-stopped':
        return !pending && RESTING_STATES.has(rt.state) ? 'done' : null;
    }
  }

  /** Has it started? Ready (an instance without a probe: and still running a second after its
   * spawn, as the restart policy counts a stable start), or a one-shot that exited 0. */
  private startVerdict(waiter: Waiter, whenStopped: Outcome | null): Outcome | null {
    const { instance: i } = waiter;
    const rt = i.runtime;
    switch (rt.state) {
      case 'ready': {
        if (i.settings.hasProbe || rt.spawnedAt === null) return 'done';
        const young = MIN_UPTIME_MS - (this.options.services.clock.now() - rt.spawnedAt);
        if (young <= 0) return 'done';
        waiter.recheckIn(young);
        return null;
      }
      case 'fatal':
        return 'failed';
      case 'exited':
        return rt.lastExit?.code === 0 ? 'done' : 'failed';
      case 'stopped':
        return whenStopped;
      default:
        return null;
    }
  }

  dispatch(instance: Instance, event: InstanceEvent): void {
    this.queue.push([instance, event]);
    this.drain();
  }

  /** Run queued events one at a time; whenever the queue runs dry, let the gate add more. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      this.gate();
      while (this.queue.length > 0) {
        const [target, next] = this.queue.shift()!;
        this.step(target, next);
        if (this.queue.length === 0) this.gate();
      }
    } finally {
      this.draining = false;
    }
    const notes = this.pendingNotes;
    this.pendingNotes = [];
    for (const write of notes) write();
    this.settleWaiters();
    this.dropRetired();
    if (this.idleWaiters.length > 0 && this.allResting()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private settleWaiters(): void {
    if (this.touched.size === 0) return;
    const touched = new Set(this.touched);
    this.touched.clear();
    // A start also ends when a dependency will not come (see unmetForGood): look at its dependents.
    for (const instance of [...touched]) {
      for (const d of this.dependents.get(instance.process.name) ?? []) for (const i of this.byProcess.get(d) ?? []) if (this.waiters.has(i)) touched.add(i);
    }
    for (const instance of touched) {
      for (const waiter of [...(this.waiters.get(instance) ?? [])]) {
        const verdict = this.verdict(waiter);
        if (verdict === null) continue;
        if (typeof verdict === 'string') waiter.settle(verdict);
        else waiter.settle(verdict.outcome, verdict.detail);
      }
      if (this.waiters.get(instance)?.size === 0) this.waiters.delete(instance);
    }
  }

  private dropRetired(): void {
    if (this.retiring.size === 0) return;
    let dropped = false;
    for (const i of [...this.retiring]) {
      if (!RESTING_STATES.has(i.state) || this.pendingStops.has(i)) continue;
      this.retiring.delete(i);
      i.io.note('removed from the config; its log file stays');
      i.io.close();
      dropped = true;
    }
    if (dropped) this.reindex();
  }

  private step(instance: Instance, event: InstanceEvent): void {
    if (event.type === 'deps-met' || event.type === 'deps-failed') instance.gateQueued = false;
    const before = instance.runtime;
    const { runtime, effects } = transition(before, event, instance.settings);
    instance.runtime = runtime;
    if (runtime !== before) this.touched.add(instance);
    if (runtime.state !== 'starting') instance.waitingNoted = false;
    // A changed config is taken on between two runs, never by a process that is still running.
    if (instance.nextProcess && (runtime.state === 'starting' || RESTING_STATES.has(runtime.state))) instance.adopt(instance.nextProcess);

    const messages = effects.flatMap((e) => (e.type === 'log' ? [e.message] : []));
    if (before.state !== runtime.state) {
      const pid = runtime.pid ?? before.pid;
      let line = `${before.state} -> ${runtime.state}${pid !== null ? ` (pid ${pid})` : ''}`;
      if (messages.length > 0) line += `: ${messages.join('; ')}`;
      else if (event.type !== 'start' && event.type !== 'deps-met') line += ` [${event.type}]`;
      instance.io.note(line);
      if (runtime.state === 'fatal' && runtime.lastExit) {
        const tail = instance.io.lastLines(5);
        if (tail.length > 0) instance.io.note(`last output: ${tail.map((l) => JSON.stringify(l)).join(' ')}`);
      }
    } else {
      for (const m of messages) instance.io.note(m);
    }
    for (const effect of effects) {
      try {
        instance.perform(effect);
      } catch (error) {
        // A bug or an OS surprise in one effect must not stop supervision of everything else.
        instance.io.note(`internal error while doing ${effect.type}: ${(error as Error).message}`);
      }
    }

    if (before.state !== runtime.state) {
      const record: TransitionRecord = { instance: instance.name, from: before.state, to: runtime.state, pid: runtime.pid ?? before.pid, event: event.type };
      for (const l of this.listeners) l(record);
    }
  }

  /** Start what may start, stop what may stop. Runs whenever the queue runs dry. */
  private gate(): void {
    // Decide which stops are due before queueing any: a dependent whose stop is queued here is no
    // longer pending but not yet stopping, and would let its dependency stop with it.
    const due = [...this.pendingStops].filter(([instance]) => this.dependentsDone(instance));
    for (const [instance, kind] of due) {
      this.pendingStops.delete(instance);
      this.touched.add(instance);
      this.queue.push([instance, { type: kind }]);
    }
    // Let those stops happen first: a dependency that is about to restart must not look ready.
    if (due.length > 0) return;
    for (const instance of this.instances) {
      if (instance.state !== 'starting' || instance.gateQueued || this.pendingStops.has(instance)) continue;
      const verdict = this.dependencyVerdict(instance.process);
      if (verdict.kind === 'met') {
        instance.gateQueued = true;
        this.queue.push([instance, { type: 'deps-met' }]);
      } else if (verdict.kind === 'failed') {
        instance.gateQueued = true;
        this.queue.push([instance, { type: 'deps-failed', reason: verdict.reason }]);
      } else if (!instance.waitingNoted) {
        instance.waitingNoted = true;
        instance.io.note(`waiting for ${verdict.waitingFor}`);
      }
    }
  }

  /** May this instance's pending stop begin? Only once no instance depending on it is itself
   * waiting to stop or still stopping. */
  private dependentsDone(instance: Instance): boolean {
    const name = instance.process.name;
    const dependents = (this.dependents.get(name) ?? []).flatMap((d) => this.byProcess.get(d) ?? []);
    // Instances `apply` retires are in neither the new config nor byProcess, but still run with the
    // config they were started with: what they depend on stops after them.
    for (const i of this.retiring) if (Object.hasOwn(i.process.dependsOn, name)) dependents.push(i);
    return dependents.every((i) => !this.pendingStops.has(i) && i.state !== 'stopping');
  }

  private dependencyVerdict(p: ProcessConfig): { kind: 'met' } | { kind: 'failed'; reason: string } | { kind: 'waiting'; waitingFor: string } {
    const waiting: string[] = [];
    // Instances renamed by `apply` (web -> web.1) would share a port with the old ones.
    for (const old of this.retiring) {
      if (old.process.name === p.name && !RESTING_STATES.has(old.state)) {
        waiting.push(`the old instances of ${p.name} to stop`);
        break;
      }
    }
    for (const [dep, condition] of Object.entries(p.dependsOn)) {
      for (const d of this.byProcess.get(dep) ?? []) {
        const verdict = this.pendingStops.has(d) || d.state === 'stopping' ? 'waiting' : conditionVerdict(d, condition);
        if (verdict === 'failed') return { kind: 'failed', reason: `dependency ${d.name} is ${d.state}${d.runtime.lastExit ? ` (exit ${d.runtime.lastExit.signal ?? d.runtime.lastExit.code})` : ''}, needed ${condition}` };
        if (verdict === 'waiting') {
          waiting.push(`${dep} (${condition})`);
          break;
        }
      }
    }
    return waiting.length === 0 ? { kind: 'met' } : { kind: 'waiting', waitingFor: waiting.join(', ') };
  }

  private allResting(): boolean {
    return this.pendingStops.size === 0 && this.instances.every((i) => RESTING_STATES.has(i.state));
  }

  /** Starts so far, of all instances (MUSTER_RUN). */
  private runs = 0;

  private spawnRequest(instance: Instance): SpawnRequest {
    const p = instance.process;
    const env: Record<string, string> = { ...this.inheritedEnv, ...p.env };
    if (p.basePort !== null) env.PORT = String(p.basePort + instance.number - 1);
    env.MUSTER_PROCESS = p.name;
    env.MUSTER_INSTANCE = String(instance.number);
    // Each start its own: the processes of the run before (still being killed after a crash) and
    // of this one are told apart.
    env.MUSTER_RUN = String(++this.runs);
    const owner = this.options.owner;
    if (owner !== undefined) {
      env.MUSTER_SUPERVISOR_PID = String(owner.supervisorPid);
      env.MUSTER_APP_ROOT = owner.root;
      if (owner.app !== null) env.MUSTER_APP = owner.app;
      else delete env.MUSTER_APP;
    }
    // Inherited ones (muster itself socket-activated, or a variable in .env) would describe fds
    // this child does not have.
    for (const name of LISTEN_VARS) delete env[name];
    const request = { argv: this.options.toArgv(p.command), cwd: p.cwd, env };
    if (p.sockets.length === 0) return request;
    const fds = p.sockets.map((name) => {
      const fd = this.options.socketFds?.get(name);
      if (fd === undefined) throw new Error(`socket "${name}" is not held by muster (it was added after muster started: muster down, then up)`);
      return fd;
    });
    return { ...request, listen: { fds, names: p.sockets } };
  }
}

function conditionVerdict(d: Instance, condition: DependencyCondition): 'met' | 'waiting' | 'failed' {
  const s = d.state;
  if (s === 'fatal') return 'failed';
  switch (condition) {
    case 'started':
      return s === 'running' || s === 'ready' ? 'met' : 'waiting';
    case 'ready':
      return s === 'ready' ? 'met' : 'waiting';
    case 'succeeded':
      if (s === 'exited') return d.runtime.lastExit?.code === 0 ? 'met' : 'failed';
      return 'waiting';
  }
}
