// Procfile + muster.toml + .env -> ProcessConfig[], with defaults, ports, dependencies and sockets.
// A Procfile entry and [process.NAME] of the same name are one process. Giving the command in
// both places is an error: silently preferring one would hide the other from whoever edits it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findCycle } from '../core/graph';
import { Diagnostic, diagnostic } from './diagnostics';
import { Environ, resolveEnvironment } from './environment';
import { DEFAULTS, DependencyCondition, ProcessConfig, ReadyProbe, SocketConfig } from './model';
import { ProcfileEntry } from './procfile';
import { isHostPort } from './ready';
import { heldSocketProbed, reportHeldSocketProbe, resolveProcessSockets } from './socket-use';
import { suggestionHint } from './suggest';
import { Located } from './toml';
import { TomlProcess } from './validate';

export interface MergeInput {
  readonly root: string;
  readonly environ: Environ;
  readonly procfile: readonly ProcfileEntry[];
  readonly dotenv: ReadonlyMap<string, string>;
  readonly toml: readonly TomlProcess[];
  /** The app's resolved sockets, and every [socket.NAME] written (including broken ones). */
  readonly sockets: readonly SocketConfig[];
  readonly declaredSockets: readonly string[];
  /** Under a host tier: the sockets it passed, which processes may list (host-sockets.ts). */
  readonly inheritedSockets?: readonly string[];
  readonly procfileName: string;
  readonly tomlName: string;
}

export function mergeProcesses(input: MergeInput, diagnostics: Diagnostic[]): ProcessConfig[] {
  const { root, tomlName } = input;
  const at = (where: Located, message: string, hint: string | null) =>
    diagnostics.push(diagnostic(tomlName, where.line, where.column, message, hint));
  const tomlByName = new Map(input.toml.map((t) => [t.name, t]));
  const procfileByName = new Map(input.procfile.map((e) => [e.name, e]));
  const names = [...input.procfile.map((e) => e.name), ...input.toml.map((t) => t.name).filter((n) => !procfileByName.has(n))];

  const built: ProcessConfig[] = [];
  names.forEach((name, index) => {
    const entry = procfileByName.get(name);
    const spec = tomlByName.get(name);
    let command = entry?.command;
    if (spec?.command !== undefined) {
      if (entry !== undefined) {
        at(spec.command.at, `process "${name}" has a command both here and in ${input.procfileName} (line ${entry.line})`,
          `keep one: remove command from [process.${name}], or remove line ${entry.line} of the ${input.procfileName}`);
      }
      command = spec.command.value;
    }
    if (command === undefined) {
      if (spec?.commandInvalid) return;
      at(spec!.at, `[process.${name}] has no command`, `add command = "..." to [process.${name}], or a line "${name}: <command>" to the ${input.procfileName}`);
      return;
    }
    const cwd = spec?.cwd === undefined ? root : path.resolve(root, spec.cwd.value);
    if (spec?.cwd !== undefined && !isDirectory(cwd)) {
      at(spec.cwd.at, `cwd "${spec.cwd.value}" of [process.${name}] is not a folder (looked for ${cwd})`, 'create the folder, or fix the path (it is relative to the app folder)');
    }
    const env = resolveEnvironment(root, input.dotenv, spec, input.environ, diagnostics, tomlName);
    const config: ProcessConfig = {
      name,
      command,
      cwd,
      env: Object.fromEntries(env),
      instances: spec?.instances ?? DEFAULTS.instances,
      basePort: env.has('PORT') ? null : DEFAULTS.firstPort + DEFAULTS.portStepPerProcess * index,
      dependsOn: {},
      ready: spec?.ready === undefined ? null : resolveReady(spec.ready, cwd),
      restart: spec?.restart ?? DEFAULTS.restart,
      stopSignal: spec?.stopSignal ?? DEFAULTS.stopSignal,
      stopTimeoutMs: spec?.stopTimeoutMs ?? DEFAULTS.stopTimeoutMs,
      stopScope: spec?.stopScope ?? DEFAULTS.stopScope,
      reloadSignal: spec?.reloadSignal ?? null,
      maxRestarts: spec?.maxRestarts ?? DEFAULTS.maxRestarts,
      restartWindowMs: spec?.restartWindowMs ?? DEFAULTS.restartWindowMs,
      sockets: resolveProcessSockets(name, spec?.sockets ?? [], input.sockets, input.declaredSockets, input.inheritedSockets, at),
    };
    const probed = heldSocketProbed(config, input.sockets);
    if (probed !== undefined) reportHeldSocketProbe(config, probed, spec!.ready!.at, at); // probed implies a ready from the toml
    built.push(config);
  });
  const byName = new Map(built.map((p) => [p.name, p]));
  const withDeps = built.map((p) => ({ ...p, dependsOn: resolveDependencies(p.name, tomlByName.get(p.name), byName, names, at) }));
  checkCycles(withDeps, tomlByName, at);
  return withDeps;
}

function resolveReady(raw: NonNullable<TomlProcess['ready']>, cwd: string): ReadyProbe {
  switch (raw.kind) {
    case 'connect':
      return { kind: 'connect', target: isHostPort(raw.value) ? raw.value : path.resolve(cwd, raw.value), timeoutMs: raw.timeoutMs };
    case 'http': return { kind: 'http', url: raw.value, timeoutMs: raw.timeoutMs };
    case 'exec': return { kind: 'exec', command: raw.value, timeoutMs: raw.timeoutMs };
    case 'log': return { kind: 'log', pattern: raw.value, timeoutMs: raw.timeoutMs };
  }
}

type At = (where: Located, message: string, hint: string | null) => void;

function resolveDependencies(
  name: string, spec: TomlProcess | undefined, byName: ReadonlyMap<string, ProcessConfig>, allNames: readonly string[], at: At,
): Record<string, DependencyCondition> {
  const result = new Map<string, DependencyCondition>();
  for (const dep of spec?.dependsOn?.items ?? []) {
    if (dep.name === name) {
      at(dep.at, `process "${name}" depends on itself`, `remove "${name}" from its depends_on`);
      continue;
    }
    if (!allNames.includes(dep.name)) {
      const others = allNames.filter((n) => n !== name);
      at(dep.at, `depends_on of [process.${name}] names "${dep.name}", which is not a process`,
        others.length === 0 ? 'there are no other processes; remove depends_on' : suggestionHint(dep.name, others, 'processes'));
      continue;
    }
    const target = byName.get(dep.name);
    if (target === undefined) continue; // its own problem (no command) is already reported
    if (result.has(dep.name)) {
      at(dep.at, `depends_on of [process.${name}] names "${dep.name}" twice`, 'remove the repeated name');
      continue;
    }
    const condition: DependencyCondition = dep.condition ?? (target.ready !== null ? 'ready' : 'started');
    if (condition === 'ready' && target.ready === null) {
      at(dep.at, `[process.${name}] waits for "${dep.name}" to be ready, but "${dep.name}" has no ready probe`,
        `add ready = { ... } to [process.${dep.name}], or write ${dep.name} = "started"`);
      continue;
    }
    if (condition === 'succeeded' && target.restart === 'always') {
      at(dep.at, `[process.${name}] waits for "${dep.name}" to exit successfully, but "${dep.name}" has restart = "always"`,
        `set restart = "never" (or "on-failure") in [process.${dep.name}]`);
      continue;
    }
    result.set(dep.name, condition);
  }
  return Object.fromEntries(result);
}

function checkCycles(processes: readonly ProcessConfig[], tomlByName: ReadonlyMap<string, TomlProcess>, at: At): void {
  const cycle = findCycle(new Map(processes.map((p) => [p.name, Object.keys(p.dependsOn)])));
  if (cycle === null) return;
  const first = tomlByName.get(cycle[0]!)?.dependsOn;
  if (first === undefined) return;
  at(first.at, `dependency cycle: ${cycle.join(' -> ')}`, `remove one of these dependencies, e.g. "${cycle[1]}" from depends_on of [process.${cycle[0]}]`);
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
