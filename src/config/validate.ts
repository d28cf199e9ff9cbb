// muster.toml tree -> one TomlProcess per [process.NAME] table and one TomlSocket per
// [socket.NAME] (sockets.ts), checking keys and types. Values that need other files or the whole
// app are checked later: socket paths and collisions in sockets.ts (resolveSockets), env_file, cwd,
// dependency and socket names in merge.ts.
import { DependencyCondition, RestartPolicy, StopScope } from './model';
import { FieldContext, Report, readChoice, readDuration, readInteger, readSignal, readString } from './fields';
import { rejectHostKey } from './host-keys';
import { processNameProblem } from './names';
import { RawReady, readReady } from './ready';
import { readProcessSockets } from './socket-use';
import { TomlSocket, readSocketTables } from './sockets';
import { closest, suggestionHint } from './suggest';
import { Located, TomlEntry, TomlTable, describeNode } from './toml';

export interface Sited<T> {
  readonly value: T;
  readonly at: Located;
}

export interface TomlDependency {
  readonly name: string;
  /** null in the list form: "ready" if the dependency has a probe, else "started". */
  readonly condition: DependencyCondition | null;
  readonly at: Located;
}

export interface TomlProcess {
  readonly name: string;
  readonly at: Located;
  command?: Sited<string>;
  /** A `command` key was written but is not a usable string (reported where it is read). */
  commandInvalid?: boolean;
  cwd?: Sited<string>;
  env: { key: string; value: string; at: Located }[];
  envFiles: Sited<string>[];
  instances?: number;
  dependsOn?: { readonly items: TomlDependency[]; readonly at: Located };
  ready?: RawReady;
  restart?: RestartPolicy;
  stopSignal?: string;
  reloadSignal?: string;
  stopTimeoutMs?: number;
  stopScope?: StopScope;
  maxRestarts?: number;
  restartWindowMs?: number;
  /** Names of [socket.NAME] tables, each once, in order (fd 3 onwards). */
  sockets?: Sited<string>[];
}

export interface TomlApp {
  readonly processes: TomlProcess[];
  /** Valid [socket.NAME] tables, in file order. */
  readonly sockets: TomlSocket[];
  /** Every well-formed [socket.NAME] written, valid or not: naming a broken one is not reported twice. */
  readonly declaredSockets: string[];
}

export const PROCESS_KEYS: readonly string[] = [
  'command', 'cwd', 'env', 'env_file', 'instances', 'depends_on', 'ready', 'restart', 'stop_signal',
  'reload_signal', 'stop_timeout', 'stop_scope', 'max_restarts', 'restart_window', 'sockets',
];
const TOP_KEYS: readonly string[] = ['process', 'socket'];
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CONDITIONS: readonly DependencyCondition[] = ['started', 'ready', 'succeeded'];

export function validateToml(root: TomlTable, report: Report): TomlApp {
  const app: TomlApp = { processes: [], sockets: [], declaredSockets: [] };
  const processes = app.processes;
  for (const entry of root.entries.values()) {
    if (entry.key === 'process') {
      if (entry.node.kind !== 'table') {
        report(entry.node.at, `"process" must be a table of processes, got ${describeNode(entry.node)}`, 'write [process.web] followed by command = "..."');
        continue;
      }
      for (const p of entry.node.entries.values()) {
        const proc = validateProcess(p, report);
        if (proc !== undefined) processes.push(proc);
      }
    } else if (entry.key === 'socket') {
      app.sockets.push(...readSocketTables(entry, report, app.declaredSockets));
    } else if (entry.key === 'deploy') {
      report(entry.keyAt, '[deploy] is not supported yet', 'remove the [deploy] table for now');
    } else if (!rejectHostKey(entry, 'the top level', report)) {
      report(entry.keyAt, `unknown key "${entry.key}" at the top level of muster.toml`,
        entry.node.kind === 'table' && closest(entry.key, TOP_KEYS).length === 0 ? `processes go under [process.${entry.key}]` : suggestionHint(entry.key, TOP_KEYS));
    }
  }
  return app;
}

function validateProcess(entry: TomlEntry, report: Report): TomlProcess | undefined {
  const nameProblem = processNameProblem(entry.key);
  if (nameProblem !== null) {
    report(entry.keyAt, `[process.${entry.key}]: ${nameProblem.message}`, nameProblem.hint);
    return undefined;
  }
  const where = `[process.${entry.key}]`;
  if (entry.node.kind !== 'table') {
    report(entry.node.at, `process.${entry.key} must be a table, got ${describeNode(entry.node)}`, `write [process.${entry.key}] followed by command = "..."`);
    return undefined;
  }
  const ctx: FieldContext = { report, where };
  const p: TomlProcess = { name: entry.key, at: entry.keyAt, env: [], envFiles: [] };
  for (const e of entry.node.entries.values()) {
    switch (e.key) {
      case 'command': {
        const v = readString(e, ctx, '"python3 app.py"');
        if (v !== undefined) p.command = { value: v, at: e.node.at };
        else p.commandInvalid = true; // already reported; "has no command" would say it twice
        break;
      }
      case 'cwd': {
        const v = readString(e, ctx, '"backend"');
        if (v !== undefined) p.cwd = { value: v, at: e.node.at };
        break;
      }
      case 'env': readEnv(e, ctx, p); break;
      case 'env_file': readEnvFiles(e, ctx, p); break;
      case 'instances': p.instances = readInteger(e, ctx, 1, 1000); break;
      case 'depends_on': readDependsOn(e, ctx, p); break;
      case 'ready': p.ready = readReady(e, ctx); break;
      case 'restart': p.restart = readChoice<RestartPolicy>(e, ctx, ['always', 'on-failure', 'never']); break;
      case 'stop_signal':
        p.stopSignal = readSignal(e, ctx, { SIGSTOP: 'a stopped process never exits' });
        break;
      case 'reload_signal':
        p.reloadSignal = readSignal(e, ctx, { SIGKILL: 'it cannot be handled, so it never reloads', SIGSTOP: 'it cannot be handled, so it never reloads' });
        break;
      case 'stop_timeout': p.stopTimeoutMs = readDuration(e, ctx, 0); break;
      case 'stop_scope': p.stopScope = readChoice<StopScope>(e, ctx, ['main', 'group']); break;
      case 'max_restarts': p.maxRestarts = readInteger(e, ctx, 0, 1_000_000); break;
      case 'restart_window': p.restartWindowMs = readDuration(e, ctx, 1); break;
      case 'sockets': p.sockets = readProcessSockets(e, ctx); break;
      default:
        if (!rejectHostKey(e, where, report)) report(e.keyAt, `unknown key "${e.key}" in ${where}`, suggestionHint(e.key, PROCESS_KEYS));
    }
  }
  return p;
}

function readEnv(e: TomlEntry, ctx: FieldContext, p: TomlProcess): void {
  if (e.node.kind !== 'table') {
    ctx.report(e.node.at, `env in ${ctx.where}: expected a table of strings, got ${describeNode(e.node)}`, 'write env = { DEBUG = "1" }');
    return;
  }
  for (const v of e.node.entries.values()) {
    if (!ENV_KEY.test(v.key)) {
      ctx.report(v.keyAt, `env in ${ctx.where}: invalid variable name "${v.key}"`, 'use letters, digits and "_", not starting with a digit');
    } else if (v.node.kind === 'string') {
      if (v.node.value.includes('\0')) ctx.report(v.node.at, `env ${v.key} in ${ctx.where} contains a NUL character`, 'remove the \\u0000');
      else p.env.push({ key: v.key, value: v.node.value, at: v.node.at });
    } else {
      const n = v.node;
      const scalar = n.kind === 'integer' || n.kind === 'float' || n.kind === 'boolean' ? String(n.value) : null;
      ctx.report(n.at, `env ${v.key} in ${ctx.where}: expected a string, got ${describeNode(n)}`,
        scalar !== null ? `quote it: ${v.key} = "${scalar}"` : `write ${v.key} = "value"`);
    }
  }
}

function readEnvFiles(e: TomlEntry, ctx: FieldContext, p: TomlProcess): void {
  const items = e.node.kind === 'array' ? e.node.items.map((node) => ({ ...e, node })) : [e];
  for (const item of items) {
    const v = readString(item, ctx, '".env.production" (or a list: [".env.shared", ".env.web"])');
    if (v !== undefined) p.envFiles.push({ value: v, at: item.node.at });
  }
}

function readDependsOn(e: TomlEntry, ctx: FieldContext, p: TomlProcess): void {
  const items: TomlDependency[] = [];
  const example = 'write depends_on = ["redis"] or depends_on = { redis = "ready" }';
  if (e.node.kind === 'array') {
    for (const node of e.node.items) {
      if (node.kind === 'string') items.push({ name: node.value, condition: null, at: node.at });
      else ctx.report(node.at, `depends_on in ${ctx.where}: expected process names (strings), got ${describeNode(node)}`, example);
    }
  } else if (e.node.kind === 'table') {
    for (const d of e.node.entries.values()) {
      const condition = readChoice<DependencyCondition>(d, { ...ctx, where: `depends_on of ${ctx.where}` }, CONDITIONS);
      if (condition !== undefined) items.push({ name: d.key, condition, at: d.keyAt });
    }
  } else {
    ctx.report(e.node.at, `depends_on in ${ctx.where}: expected a list or a table, got ${describeNode(e.node)}`, example);
    return;
  }
  p.dependsOn = { items, at: e.keyAt };
}
