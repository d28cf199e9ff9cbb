// The `ready` probe of a process: ready = { connect = "run/redis.sock", timeout = "30s" }.
import { DEFAULTS } from './model';
import { FieldContext, readDuration, readString } from './fields';
import { suggestionHint } from './suggest';
import { Located, TomlEntry, describeNode } from './toml';

export type ReadyKind = 'connect' | 'http' | 'exec' | 'log';
const KINDS: readonly ReadyKind[] = ['connect', 'http', 'exec', 'log'];
const KEYS: readonly string[] = [...KINDS, 'timeout'];
const EXAMPLE = 'ready = { connect = "run/app.sock" } (or http = "http://127.0.0.1:5000/health", exec = "...", log = "listening")';

/** Checked but not yet resolved: a relative connect path becomes absolute once the cwd is known. */
export interface RawReady {
  readonly kind: ReadyKind;
  readonly value: string;
  readonly timeoutMs: number;
  readonly at: Located;
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d+)$/;

/** "host:port" when the connect target is TCP; otherwise it is a unix socket path. */
export function isHostPort(target: string): boolean {
  return !target.includes('/') && HOST_PORT.test(target);
}

export function readReady(e: TomlEntry, parent: FieldContext): RawReady | undefined {
  if (e.node.kind !== 'table') {
    parent.report(e.node.at, `ready in ${parent.where}: expected a table, got ${describeNode(e.node)}`, `write ${EXAMPLE}`);
    return undefined;
  }
  const ctx: FieldContext = { report: parent.report, where: `the ready table of ${parent.where}` };
  let ok = true;
  let timeoutMs: number = DEFAULTS.readyTimeoutMs;
  const kinds: TomlEntry[] = [];
  for (const entry of e.node.entries.values()) {
    if ((KINDS as readonly string[]).includes(entry.key)) {
      kinds.push(entry);
    } else if (entry.key === 'timeout') {
      const ms = readDuration(entry, ctx, 1);
      if (ms === undefined) ok = false;
      else timeoutMs = ms;
    } else {
      ctx.report(entry.keyAt, `unknown key "${entry.key}" in ${ctx.where}`, suggestionHint(entry.key, KEYS));
      ok = false;
    }
  }
  if (kinds.length === 0) {
    // A misspelt probe ("conect") was just reported with a suggestion; saying "no probe" too is noise.
    if (!ok) return undefined;
    parent.report(e.keyAt, `ready in ${parent.where} names no probe`, `write ${EXAMPLE}`);
    return undefined;
  }
  if (kinds.length > 1) {
    parent.report(kinds[1]!.keyAt, `ready in ${parent.where} has both "${kinds[0]!.key}" and "${kinds[1]!.key}"`, 'keep exactly one of connect, http, exec, log');
    return undefined;
  }
  const probe = kinds[0]!;
  const kind = probe.key as ReadyKind;
  const value = readString(probe, ctx, kindExample(kind));
  if (value === undefined || !ok || !checkValue(kind, value, probe, ctx)) return undefined;
  return { kind, value, timeoutMs, at: probe.node.at };
}

function checkValue(kind: ReadyKind, written: string, e: TomlEntry, ctx: FieldContext): boolean {
  // ${VAR} is expanded per instance when the probe runs (so "http://127.0.0.1:${PORT}/health"
  // follows each instance's PORT); check the shape with a stand-in value.
  const value = kind === 'log' || kind === 'exec' ? written : written.replace(/\$\{[^}]*\}/g, '1');
  const bad = (message: string, hint: string) => {
    ctx.report(e.node.at, `${kind} in ${ctx.where}: ${message}`, hint);
    return false;
  };
  switch (kind) {
    case 'connect': {
      const m = HOST_PORT.exec(value);
      if (isHostPort(value) && m !== null) {
        const port = Number(m[2]);
        if (port < 1 || port > 65535) return bad(`port ${m[2]} is out of range`, 'use a port from 1 to 65535: "127.0.0.1:6379"');
      }
      return true;
    }
    case 'http': {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return bad(`"${value}" is not a URL`, value.startsWith('/') ? `write the whole URL: "http://127.0.0.1:5000${value}"` : 'write a URL like "http://127.0.0.1:5000/health"');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return bad(`"${url.protocol}" URLs cannot be probed`, 'use an http:// or https:// URL');
      return true;
    }
    case 'exec':
      return true;
    case 'log':
      try {
        new RegExp(value);
        return true;
      } catch (err) {
        return bad(`invalid regular expression: ${(err as Error).message}`, 'fix the pattern; escape special characters such as ( [ . with a backslash (\\\\ in TOML basic strings)');
      }
  }
}

function kindExample(kind: ReadyKind): string {
  switch (kind) {
    case 'connect': return '"run/app.sock"';
    case 'http': return '"http://127.0.0.1:5000/health"';
    case 'exec': return '"redis-cli ping"';
    case 'log': return '"listening on"';
  }
}
