// What `muster apply` would change: a pure comparison of the running config with a new one.
// A process is "changed" (its instances restart) when what its processes are made of differs: the
// command, the folder, the resolved environment (PORT included). Settings muster applies itself
// (stop signal and timeout, probe, restart rules, dependencies) are "updated" in place: nothing
// restarts, they count from the next stop or start. Only its instance count differing makes it
// "scaled": instances are added or removed, the others keep running; except from or to one
// instance, which renames them (web <-> web.1), so the process is changed.

import type { AppConfig, ProcessConfig } from '../config/model';

export interface ApplyPlan {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** `why`: the keys that differ, `env NAME` for each environment variable; `instances` when its
   * instance count differs too (the restart then starts that many). */
  readonly changed: ReadonlyArray<{ readonly name: string; readonly why: readonly string[]; readonly instances?: { readonly from: number; readonly to: number } }>;
  /** Settings taken on without a restart. */
  readonly updated: ReadonlyArray<{ readonly name: string; readonly why: readonly string[] }>;
  readonly scaled: ReadonlyArray<{ readonly name: string; readonly from: number; readonly to: number }>;
  readonly unchanged: readonly string[];
  /** [socket.NAME] tables added (made before any process starts) and removed (closed and unlinked
   * once no process uses them). The processes that take or drop one are "changed" (key sockets). */
  readonly sockets: { readonly added: readonly string[]; readonly removed: readonly string[] };
}

export function isEmptyPlan(plan: ApplyPlan): boolean {
  return plan.added.length + plan.removed.length + plan.changed.length + plan.updated.length + plan.scaled.length +
    plan.sockets.added.length + plan.sockets.removed.length === 0;
}

/** The keys that make a process what it is: a change restarts it. Names as in muster.toml. */
const RESTART_KEYS: ReadonlyArray<readonly [keyof ProcessConfig, string]> = [
  ['command', 'command'],
  ['cwd', 'cwd'],
  ['basePort', 'PORT'],
  ['sockets', 'sockets'],
];

/** The keys muster itself applies: taken on in place. */
const IN_PLACE_KEYS: ReadonlyArray<readonly [keyof ProcessConfig, string]> = [
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
  const changed: Array<{ name: string; why: string[]; instances?: { from: number; to: number } }> = [];
  const updated: Array<{ name: string; why: string[] }> = [];
  const scaled: Array<{ name: string; from: number; to: number }> = [];
  const unchanged: string[] = [];
  for (const p of next.processes) {
    const old = before.get(p.name);
    if (!old) {
      added.push(p.name);
      continue;
    }
    const renamed = old.instances !== p.instances && (old.instances === 1 || p.instances === 1);
    const restart = [...differences(old, p, RESTART_KEYS), ...envDifferences(old, p), ...(renamed ? ['instances'] : [])];
    const inPlace = differences(old, p, IN_PLACE_KEYS);
    const count = old.instances !== p.instances ? { instances: { from: old.instances, to: p.instances } } : {};
    if (restart.length > 0) changed.push({ name: p.name, why: [...restart, ...inPlace], ...count });
    else {
      if (inPlace.length > 0) updated.push({ name: p.name, why: inPlace });
      if (old.instances !== p.instances) scaled.push({ name: p.name, from: old.instances, to: p.instances });
      if (inPlace.length === 0 && old.instances === p.instances) unchanged.push(p.name);
    }
  }
  const removed = current.processes.filter((p) => !after.has(p.name)).map((p) => p.name);
  const socketsBefore = new Set(current.sockets.map((s) => s.name));
  const socketsAfter = new Set(next.sockets.map((s) => s.name));
  const sockets = {
    added: [...socketsAfter].filter((name) => !socketsBefore.has(name)),
    removed: [...socketsBefore].filter((name) => !socketsAfter.has(name)),
  };
  return { added, removed, changed, updated, scaled, unchanged, sockets };
}

/** [socket.NAME] tables whose definition differs (path, address, mode, backlog): apply cannot
 * change those, since the socket would be a new one (a new inode, its backlog lost) while processes
 * still hold the old; that needs down and up. Added and removed ones are in the plan. */
export function changedSockets(current: AppConfig, next: AppConfig): string[] {
  const before = new Map(current.sockets.map((s) => [s.name, s]));
  return next.sockets.filter((s) => before.has(s.name) && !sameValue(before.get(s.name), s)).map((s) => s.name);
}

function differences(a: ProcessConfig, b: ProcessConfig, keys: ReadonlyArray<readonly [keyof ProcessConfig, string]>): string[] {
  return keys.filter(([key]) => !sameValue(a[key], b[key])).map(([, label]) => label);
}

function envDifferences(a: ProcessConfig, b: ProcessConfig): string[] {
  const names = new Set([...Object.keys(a.env), ...Object.keys(b.env)]);
  return [...names].sort().filter((name) => a.env[name] !== b.env[name]).map((name) => `env ${name}`);
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
