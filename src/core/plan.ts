// What `muster apply` would change: a pure comparison of the running config with a new one.
// A process is changed when anything that shapes how it runs differs (its command, its resolved
// environment, its probe, its stop settings...); only its instance count differing makes it
// "scaled" (instances are added or removed, the others keep running).

import type { AppConfig, ProcessConfig } from '../config/model';

export interface ApplyPlan {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** `why`: the keys that differ, `env NAME` for each environment variable. */
  readonly changed: ReadonlyArray<{ readonly name: string; readonly why: readonly string[] }>;
  readonly scaled: ReadonlyArray<{ readonly name: string; readonly from: number; readonly to: number }>;
  readonly unchanged: readonly string[];
}

export function isEmptyPlan(plan: ApplyPlan): boolean {
  return plan.added.length + plan.removed.length + plan.changed.length + plan.scaled.length === 0;
}

/** The config keys compared, with the names the plan shows (as in muster.toml). */
const COMPARED: ReadonlyArray<readonly [keyof ProcessConfig, string]> = [
  ['command', 'command'],
  ['cwd', 'cwd'],
  ['basePort', 'PORT'],
  ['dependsOn', 'depends_on'],
  ['ready', 'ready'],
  ['restart', 'restart'],
  ['stopSignal', 'stop_signal'],
  ['stopTimeoutMs', 'stop_timeout'],
  ['stopScope', 'stop_scope'],
  ['reloadSignal', 'reload_signal'],
  ['maxRestarts', 'max_restarts'],
  ['restartWindowMs', 'restart_window'],
];

export function planApply(current: AppConfig, next: AppConfig): ApplyPlan {
  const before = new Map(current.processes.map((p) => [p.name, p]));
  const after = new Set(next.processes.map((p) => p.name));
  const added: string[] = [];
  const changed: Array<{ name: string; why: string[] }> = [];
  const scaled: Array<{ name: string; from: number; to: number }> = [];
  const unchanged: string[] = [];
  for (const p of next.processes) {
    const old = before.get(p.name);
    if (!old) {
      added.push(p.name);
      continue;
    }
    const why = differences(old, p);
    if (why.length > 0) changed.push({ name: p.name, why: old.instances !== p.instances ? [...why, 'instances'] : why });
    else if (old.instances !== p.instances) scaled.push({ name: p.name, from: old.instances, to: p.instances });
    else unchanged.push(p.name);
  }
  const removed = current.processes.filter((p) => !after.has(p.name)).map((p) => p.name);
  return { added, removed, changed, scaled, unchanged };
}

function differences(a: ProcessConfig, b: ProcessConfig): string[] {
  const why: string[] = [];
  for (const [key, label] of COMPARED) if (!sameValue(a[key], b[key])) why.push(label);
  const names = new Set([...Object.keys(a.env), ...Object.keys(b.env)]);
  for (const name of [...names].sort()) if (a.env[name] !== b.env[name]) why.push(`env ${name}`);
  return why;
}

/** Structural equality for the plain data a config holds (strings, numbers, null, flat objects). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
