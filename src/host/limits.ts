// The registration's [limits] table: resource limits the app tier (and so every process of the
// app) starts with, applied by prlimit(1) while still root, so a hard limit may also be raised.
//   [limits]
//   nofile = 4096              # soft = hard
//   nproc = [256, 512]         # [soft, hard]
//   core = 0
//   as = "unlimited"
import { FieldContext, Report } from '../config/fields';
import { suggestionHint } from '../config/suggest';
import { TomlEntry, TomlNode, describeNode } from '../config/toml';

/** prlimit's names; units as in prlimit(1): bytes, except cpu (seconds), nofile, nproc, locks (counts). */
export const LIMIT_RESOURCES = ['nofile', 'nproc', 'core', 'memlock', 'as', 'fsize', 'stack', 'cpu', 'data', 'rss', 'locks', 'msgqueue'] as const;
export type LimitResource = (typeof LIMIT_RESOURCES)[number];

export type LimitValue = number | 'unlimited';

export interface ResourceLimit {
  readonly resource: LimitResource;
  readonly soft: LimitValue;
  readonly hard: LimitValue;
}

const EXAMPLE = 'write nofile = 4096 (soft and hard), nofile = [1024, 4096] (soft, hard) or nofile = "unlimited"';

/** Every valid limit of the [limits] table, in file order. */
export function readLimits(entry: TomlEntry, report: Report): ResourceLimit[] {
  if (entry.node.kind !== 'table') {
    report(entry.node.at, `"limits" must be a table, got ${describeNode(entry.node)}`, 'write [limits] followed by nofile = 4096');
    return [];
  }
  const ctx: FieldContext = { report, where: '[limits]' };
  const limits: ResourceLimit[] = [];
  for (const e of entry.node.entries.values()) {
    const resource = LIMIT_RESOURCES.find((r) => r === e.key);
    if (resource === undefined) {
      report(e.keyAt, `unknown resource "${e.key}" in [limits]`, suggestionHint(e.key, LIMIT_RESOURCES, 'resources'));
      continue;
    }
    const limit = readLimit(resource, e, ctx);
    if (limit !== undefined) limits.push(limit);
  }
  return limits;
}

function readLimit(resource: LimitResource, e: TomlEntry, ctx: FieldContext): ResourceLimit | undefined {
  if (e.node.kind !== 'array') {
    const value = readValue(e.key, e.node, ctx);
    return value === undefined ? undefined : { resource, soft: value, hard: value };
  }
  if (e.node.items.length !== 2) {
    ctx.report(e.node.at, `${e.key} in [limits]: a list must hold two values, [soft, hard]; got ${e.node.items.length}`, EXAMPLE);
    return undefined;
  }
  const soft = readValue(e.key, e.node.items[0]!, ctx);
  const hard = readValue(e.key, e.node.items[1]!, ctx);
  if (soft === undefined || hard === undefined) return undefined;
  if (hard !== 'unlimited' && (soft === 'unlimited' || soft > hard)) {
    ctx.report(e.node.at, `${e.key} in [limits]: the soft limit (${soft}) is above the hard limit (${hard})`,
      `the soft limit can be at most the hard one: write ${e.key} = [${hard}, ${hard}]`);
    return undefined;
  }
  return { resource, soft, hard };
}

function readValue(key: string, node: TomlNode, ctx: FieldContext): LimitValue | undefined {
  if (node.kind === 'string') {
    const text = node.value.trim().toLowerCase();
    if (text === 'unlimited' || text === 'infinity') return 'unlimited';
    if (/^\d+$/.test(text)) {
      ctx.report(node.at, `${key} in [limits]: expected an integer or "unlimited", got ${describeNode(node)}`, `remove the quotes: ${key} = ${text}`);
      return undefined;
    }
  }
  if (node.kind !== 'integer') {
    ctx.report(node.at, `${key} in [limits]: expected an integer or "unlimited", got ${describeNode(node)}`, EXAMPLE);
    return undefined;
  }
  if (node.value < 0 || !Number.isSafeInteger(node.value)) {
    ctx.report(node.at, `${key} in [limits] must be from 0 to ${Number.MAX_SAFE_INTEGER}, got ${node.value}`, `write ${key} = "unlimited" for no limit`);
    return undefined;
  }
  return node.value;
}

/** prlimit's options: --nofile=4096:4096 --core=0:0 */
export function prlimitOptions(limits: readonly ResourceLimit[]): string[] {
  return limits.map((l) => `--${l.resource}=${l.soft}:${l.hard}`);
}
