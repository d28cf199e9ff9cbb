// The app: all instances, one serial event queue, the dependency gate and the ordered stop.
// Every event for every instance goes through `dispatch`; the queue is drained one event at a
// time, so a reaction to one event never interleaves with another (no restart-vs-stop races).

import type { AppConfig, DependencyCondition, ProcessConfig } from '../config/model';
import type { SpawnRequest } from '../os/ports';
import { Instance, type InstanceIO, type InstanceServices } from './instance';
import { transition } from './machine';
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
}

export function instanceNames(p: ProcessConfig): string[] {
  if (p.instances === 1) return [p.name];
  return Array.from({ length: p.instances }, (_, i) => `${p.name}.${i + 1}`);
}

export class Supervisor {
  readonly instances: Instance[] = [];
  private readonly byProcess = new Map<string, Instance[]>();
  /** For each process, the processes that depend on it. */
  private readonly dependents = new Map<string, string[]>();
  private readonly queue: Array<[Instance, InstanceEvent]> = [];
  private draining = false;
  private readonly pendingStops = new Set<Instance>();
  private readonly listeners = new Set<(t: TransitionRecord) => void>();
  private idleWaiters: Array<() => void> = [];
  private pendingNotes: Array<() => void> = [];

  /** muster's environment, copied once: reading process.env goes through getenv for every key. */
  private readonly inheritedEnv: Readonly<Record<string, string>>;

  constructor(private readonly options: SupervisorOptions) {
    const inherited: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.inheritedEnv)) if (v !== undefined) inherited[k] = v;
    this.inheritedEnv = inherited;
    for (const p of options.config.processes) {
      const list: Instance[] = [];
      instanceNames(p).forEach((name, i) => {
        const number = i + 1;
        const io = this.deferNotes(options.createIO(name, p));
        const instance: Instance = new Instance(name, number, p, () => this.spawnRequest(p, number), io, options.services, (event) => this.dispatch(instance, event));
        list.push(instance);
        this.instances.push(instance);
      });
      this.byProcess.set(p.name, list);
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
      startProbe: (env, report) => io.startProbe(env, report),
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
    for (const instance of this.instances) this.pendingStops.add(instance);
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

  find(name: string): Instance | undefined {
    return this.instances.find((i) => i.name === name);
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
    if (this.idleWaiters.length > 0 && this.allResting()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private step(instance: Instance, event: InstanceEvent): void {
    if (event.type === 'deps-met' || event.type === 'deps-failed') instance.gateQueued = false;
    const before = instance.runtime;
    const { runtime, effects } = transition(before, event, instance.settings);
    instance.runtime = runtime;
    if (runtime.state !== 'starting') instance.waitingNoted = false;

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
    for (const instance of this.pendingStops) {
      if (this.dependentsResting(instance.process.name)) {
        this.pendingStops.delete(instance);
        this.queue.push([instance, { type: 'stop' }]);
      }
    }
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

  private dependentsResting(processName: string): boolean {
    for (const dependent of this.dependents.get(processName) ?? []) {
      for (const i of this.byProcess.get(dependent) ?? []) if (!RESTING_STATES.has(i.state)) return false;
    }
    return true;
  }

  private dependencyVerdict(p: ProcessConfig): { kind: 'met' } | { kind: 'failed'; reason: string } | { kind: 'waiting'; waitingFor: string } {
    const waiting: string[] = [];
    for (const [dep, condition] of Object.entries(p.dependsOn)) {
      for (const d of this.byProcess.get(dep) ?? []) {
        const verdict = conditionVerdict(d, condition);
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

  private spawnRequest(p: ProcessConfig, number: number): SpawnRequest {
    const env: Record<string, string> = { ...this.inheritedEnv, ...p.env };
    if (p.basePort !== null) env.PORT = String(p.basePort + number - 1);
    env.MUSTER_PROCESS = p.name;
    env.MUSTER_INSTANCE = String(number);
    return { argv: this.options.toArgv(p.command), cwd: p.cwd, env };
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
