// Typed readers for muster.toml values. Each reports "expected X, got Y" with what to write
// instead, and returns undefined on a problem so validation can go on with the other keys.
import { formatDuration, parseDuration } from './duration';
import { canonicalSignal } from './signals';
import { Located, TomlEntry, describeNode } from './toml';

export type Report = (at: Located, message: string, hint: string | null) => void;

export interface FieldContext {
  readonly report: Report;
  /** Where the key lives, for messages: "[process.web]". */
  readonly where: string;
}

function wrongType(e: TomlEntry, ctx: FieldContext, expected: string, hint: string | null): undefined {
  ctx.report(e.node.at, `${e.key} in ${ctx.where}: expected ${expected}, got ${describeNode(e.node)}`, hint);
  return undefined;
}

export function readString(e: TomlEntry, ctx: FieldContext, example: string, allowEmpty = false): string | undefined {
  if (e.node.kind !== 'string') return wrongType(e, ctx, 'a string', `write ${e.key} = ${example}`);
  if (!allowEmpty && e.node.value.trim() === '') {
    ctx.report(e.node.at, `${e.key} in ${ctx.where} is empty`, `write ${e.key} = ${example}, or remove the key`);
    return undefined;
  }
  if (e.node.value.includes('\0')) {
    ctx.report(e.node.at, `${e.key} in ${ctx.where} contains a NUL character`, 'remove the \\u0000');
    return undefined;
  }
  return e.node.value;
}

/** `example` is the value suggested when the type is wrong (default: 5 when 0 is allowed, else min). */
export function readInteger(e: TomlEntry, ctx: FieldContext, min: number, max: number, example?: number): number | undefined {
  const n = e.node;
  if (n.kind === 'string' && /^\s*-?\d+\s*$/.test(n.value)) {
    return wrongType(e, ctx, `an integer from ${min} to ${max}`, `remove the quotes: ${e.key} = ${n.value.trim()}`);
  }
  if (n.kind !== 'integer') return wrongType(e, ctx, `an integer from ${min} to ${max}`, `write ${e.key} = ${example ?? (min === 0 ? 5 : Math.max(min, 1))}`);
  if (n.value < min || n.value > max) {
    ctx.report(n.at, `${e.key} in ${ctx.where} must be from ${min} to ${max}, got ${n.value}`, `write ${e.key} = ${Math.min(Math.max(n.value, min), max)}`);
    return undefined;
  }
  return n.value;
}

/** The longest timer Node can set (about 24.8 days). */
export const MAX_DURATION_MS = 2 ** 31 - 1;

export function readDuration(e: TomlEntry, ctx: FieldContext, minMs: number): number | undefined {
  const n = e.node;
  if (n.kind === 'integer' || n.kind === 'float') {
    return wrongType(e, ctx, 'a duration string like "30s"', `write "${n.value}s" (or "${n.value}ms"); units are ms, s, m, h`);
  }
  if (n.kind !== 'string') return wrongType(e, ctx, 'a duration string like "30s"', 'write "500ms", "30s", "2m", "2h" or "1h30m"');
  const ms = parseDuration(n.value);
  if (ms === null) {
    const bare = /^\s*\d+(\.\d+)?\s*$/.test(n.value);
    ctx.report(n.at, `${e.key} in ${ctx.where}: "${n.value}" is not a duration`,
      bare ? `add a unit: "${n.value.trim()}s"` : 'write "500ms", "30s", "2m", "2h" or "1h30m"');
    return undefined;
  }
  if (ms > MAX_DURATION_MS) {
    // Node's timers hold at most 2^31-1 ms; a longer one would fire at once.
    ctx.report(n.at, `${e.key} in ${ctx.where} is too long: "${n.value}" (at most 24 days)`, 'write "24d" or less, e.g. "2h"');
    return undefined;
  }
  if (ms < minMs) {
    ctx.report(n.at, `${e.key} in ${ctx.where} must be at least ${formatDuration(minMs)}, got "${n.value}"`, `write "${formatDuration(minMs)}" or more`);
    return undefined;
  }
  return ms;
}

export function readChoice<T extends string>(e: TomlEntry, ctx: FieldContext, allowed: readonly T[]): T | undefined {
  const list = allowed.map((a) => `"${a}"`).join(', ');
  if (e.node.kind !== 'string') return wrongType(e, ctx, `one of ${list}`, `write ${e.key} = "${allowed[0]}"`);
  const value = e.node.value;
  const found = allowed.find((a) => a === value) ?? allowed.find((a) => a === value.trim().toLowerCase());
  if (found !== undefined) return found;
  ctx.report(e.node.at, `${e.key} in ${ctx.where}: "${value}" is not one of ${list}`, `write ${e.key} = "${allowed[0]}" (choices: ${list})`);
  return undefined;
}

/** A signal name in canonical form ('SIGTERM'); `refused` are names this key may not use, with why. */
export function readSignal(e: TomlEntry, ctx: FieldContext, refused: Readonly<Record<string, string>>): string | undefined {
  if (e.node.kind !== 'string') return wrongType(e, ctx, 'a signal name like "TERM"', `write ${e.key} = "TERM"`);
  const result = canonicalSignal(e.node.value);
  if (!result.ok) {
    ctx.report(e.node.at, `${e.key} in ${ctx.where}: ${result.message}`, result.hint);
    return undefined;
  }
  const why = refused[result.name];
  if (why !== undefined) {
    ctx.report(e.node.at, `${e.key} in ${ctx.where} cannot be ${result.name}: ${why}`, `write ${e.key} = "TERM" or another signal`);
    return undefined;
  }
  return result.name;
}
