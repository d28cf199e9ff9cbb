// [socket.NAME] tables: listening sockets muster creates and holds, passed to the processes that
// list them. A socket is a unix path XOR a TCP address:
//   [socket.web]                      [socket.api]
//   path = "run/web.sock"             address = "127.0.0.1:8000"
//   mode = "0660"                     backlog = 512
// Reading checks keys and types; resolving (once the app folder is known) makes paths absolute and
// finds sockets that would collide when bound.
import * as net from 'node:net';
import * as path from 'node:path';
import { FieldContext, Report, readInteger, readString } from './fields';
import { SOCKET_HOST_KEYS, rejectHostKey } from './host-keys';
import { DEFAULTS, SocketConfig } from './model';
import { socketNameProblem } from './names';
import { suggestionHint } from './suggest';
import { Located, TomlEntry, describeNode } from './toml';
import type { Sited } from './validate';

export interface TcpAddress {
  readonly host: string;
  readonly port: number;
}

/** Checked but not yet resolved: the path is still relative to the app folder. */
export interface TomlSocket {
  readonly name: string;
  readonly at: Located;
  readonly endpoint: { readonly kind: 'unix'; readonly path: Sited<string> } | { readonly kind: 'tcp'; readonly address: Sited<TcpAddress> };
  readonly mode: number;
  readonly backlog: number;
}

export const SOCKET_KEYS: readonly string[] = ['path', 'address', 'mode', 'backlog'];
/** sun_path holds 108 bytes including the terminating NUL. */
export const MAX_UNIX_PATH_BYTES = 107;
const TABLE_EXAMPLE = 'write [socket.web] followed by path = "run/web.sock" (or address = "127.0.0.1:8000")';
const ENDPOINT_HINT = 'keep one: path = "run/web.sock" for a unix socket, or address = "127.0.0.1:8000" for TCP';
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** Keys a [socket.NAME] table may have beyond SOCKET_KEYS, read by its caller: the host
 * registration's owner and group. */
export interface ExtraSocketKeys {
  readonly keys: readonly string[];
  /** Reads one such key of [socket.`socket`]; false when it reported a problem. */
  read(socket: string, entry: TomlEntry): boolean;
}

/** Every valid [socket.NAME] of the top-level "socket" entry, in file order. `declared` gets every
 * well-formed name, valid or not, so a process naming a broken socket is not reported a second time.
 * Without `extra`, the registration's keys (owner, group) are refused as belonging to it. */
export function readSocketTables(entry: TomlEntry, report: Report, declared: string[], extra?: ExtraSocketKeys): TomlSocket[] {
  if (entry.node.kind !== 'table') {
    report(entry.node.at, `"socket" must be a table of sockets, got ${describeNode(entry.node)}`, TABLE_EXAMPLE);
    return [];
  }
  const sockets: TomlSocket[] = [];
  for (const e of entry.node.entries.values()) {
    const problem = socketNameProblem(e.key);
    if (problem !== null) {
      report(e.keyAt, `[socket.${e.key}]: ${problem.message}`, problem.hint);
      continue;
    }
    declared.push(e.key);
    const socket = readSocket(e, report, extra);
    if (socket !== undefined) sockets.push(socket);
  }
  return sockets;
}

function readSocket(entry: TomlEntry, report: Report, extra: ExtraSocketKeys | undefined): TomlSocket | undefined {
  const where = `[socket.${entry.key}]`;
  if (entry.node.kind !== 'table') {
    report(entry.node.at, `socket.${entry.key} must be a table, got ${describeNode(entry.node)}`, `write [socket.${entry.key}] followed by path = "run/${entry.key}.sock"`);
    return undefined;
  }
  const ctx: FieldContext = { report, where };
  let ok = true;
  let misspelt = false;
  let pathEntry: TomlEntry | undefined;
  let addressEntry: TomlEntry | undefined;
  let modeEntry: TomlEntry | undefined;
  let mode: number = DEFAULTS.socketMode;
  let backlog: number = DEFAULTS.socketBacklog;
  for (const e of entry.node.entries.values()) {
    switch (e.key) {
      case 'path': pathEntry = e; break;
      case 'address': addressEntry = e; break;
      case 'mode': {
        modeEntry = e;
        const v = readOctalMode(e, ctx, '0660');
        if (v === undefined) ok = false;
        else mode = v;
        break;
      }
      case 'backlog': {
        const v = readInteger(e, ctx, 1, 65535, DEFAULTS.socketBacklog);
        if (v === undefined) ok = false;
        else backlog = v;
        break;
      }
      default:
        if (extra !== undefined && extra.keys.includes(e.key)) {
          if (!extra.read(entry.key, e)) ok = false;
          break;
        }
        if (extra !== undefined || !rejectHostKey(e, where, report, SOCKET_HOST_KEYS)) {
          report(e.keyAt, `unknown key "${e.key}" in ${where}`, suggestionHint(e.key, [...SOCKET_KEYS, ...(extra?.keys ?? [])]));
          misspelt = true;
        }
        ok = false;
    }
  }
  if (pathEntry !== undefined && addressEntry !== undefined) {
    const second = pathEntry.keyAt.line > addressEntry.keyAt.line ? pathEntry : addressEntry;
    report(second.keyAt, `${where} has both path and address`, ENDPOINT_HINT);
    return undefined;
  }
  if (pathEntry === undefined && addressEntry === undefined) {
    // A misspelt "paht" was just reported with a suggestion; "neither path nor address" too is noise.
    if (misspelt) return undefined;
    report(entry.keyAt, `${where} has neither path nor address`,
      `add path = "run/${entry.key}.sock" (a unix socket, relative to the app folder) or address = "127.0.0.1:8000" (TCP)`);
    return undefined;
  }
  if (addressEntry !== undefined && modeEntry !== undefined) {
    report(modeEntry.keyAt, `mode in ${where}: a TCP socket has no file mode`, `remove mode, or use path = "run/${entry.key}.sock" for a unix socket, whose file mode it sets`);
    ok = false;
  }
  if (pathEntry !== undefined) {
    const p = readString(pathEntry, ctx, `"run/${entry.key}.sock"`);
    if (p === undefined || !ok) return undefined;
    return { name: entry.key, at: entry.keyAt, endpoint: { kind: 'unix', path: { value: p, at: pathEntry.node.at } }, mode, backlog };
  }
  const address = readAddress(addressEntry!, ctx);
  if (address === undefined || !ok) return undefined;
  return { name: entry.key, at: entry.keyAt, endpoint: { kind: 'tcp', address: { value: address, at: addressEntry!.node.at } }, mode, backlog };
}

/** "0660" -> 0o660 (a socket's mode, a umask). Integers are refused: 660 in TOML is decimal, which
 * is rarely what was meant. `example` is what the hints suggest writing. */
export function readOctalMode(e: TomlEntry, ctx: FieldContext, example: string): number | undefined {
  const n = e.node;
  const key = e.key;
  if (n.kind === 'integer') {
    ctx.report(n.at, `${key} in ${ctx.where}: expected an octal string like "${example}", got the integer ${n.value}`,
      /^[0-7]{1,4}$/.test(String(n.value)) ? `quote it: ${key} = "${String(n.value).padStart(example.length, '0')}"` : `write ${key} = "${example}"`);
    return undefined;
  }
  if (n.kind !== 'string') {
    ctx.report(n.at, `${key} in ${ctx.where}: expected an octal string like "${example}", got ${describeNode(n)}`, `write ${key} = "${example}"`);
    return undefined;
  }
  const text = n.value.trim();
  const prefixed = /^0o([0-7]{3,4})$/i.exec(text);
  if (!/^[0-7]{3,4}$/.test(text)) {
    ctx.report(n.at, `${key} in ${ctx.where}: "${n.value}" is not an octal mode of 3 or 4 digits`,
      prefixed !== null ? `write the digits only: ${key} = "${prefixed[1]!.padStart(example.length, '0')}"`
        : key === 'mode' ? 'write mode = "0660" (read and write for the owner and the group)' : `write ${key} = "${example}"`);
    return undefined;
  }
  const mode = parseInt(text, 8);
  if (mode > 0o777) {
    ctx.report(n.at, `${key} in ${ctx.where} must be at most 0777, got "${n.value}"`,
      key === 'mode' ? `setuid, setgid and sticky bits mean nothing on a socket: write mode = "${formatMode(mode & 0o777)}"` : `write ${key} = "${formatMode(mode & 0o777)}"`);
    return undefined;
  }
  return mode;
}

/** 0o660 -> "0660". */
export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

function readAddress(e: TomlEntry, ctx: FieldContext): TcpAddress | undefined {
  const text = readString(e, ctx, '"127.0.0.1:8000"');
  if (text === undefined) return undefined;
  const parsed = parseAddress(text);
  if ('problem' in parsed) {
    ctx.report(e.node.at, `address in ${ctx.where}: ${parsed.problem}`, parsed.hint);
    return undefined;
  }
  return parsed;
}

/** "127.0.0.1:8000", "[::1]:8000", "localhost:8000" -> host (IPv6 without brackets) and port. */
export function parseAddress(text: string): TcpAddress | { problem: string; hint: string } {
  const shown = JSON.stringify(text);
  const fix = (problem: string, hint: string) => ({ problem, hint });
  if (text.includes('/')) return fix(`${shown} is not host:port`, 'a unix socket uses path = "run/web.sock" instead of address');
  if (/^\d+$/.test(text)) return fix(`${shown} has no host`, `write address = "127.0.0.1:${text}" (or "0.0.0.0:${text}" for every interface)`);
  const bracketed = /^\[([^\]]*)\]:(\d+)$/.exec(text);
  const plain = /^([^:[\]]*):(\d+)$/.exec(text);
  const m = bracketed ?? plain;
  if (m === null) {
    if (net.isIPv6(text)) {
      // "::1:8000" is itself an IPv6 address, but almost surely meant [::1]:8000.
      const split = /^(.*):(\d{1,5})$/.exec(text);
      const guess = split !== null && net.isIPv6(split[1]!) ? `[${split[1]}]:${split[2]}` : `[${text}]:8000`;
      return fix(`${shown} has no port (an IPv6 address goes in brackets, before the port)`, `write address = "${guess}"`);
    }
    if (text.split(':').length > 2) return fix(`${shown} is not host:port`, 'write an IPv6 address in brackets: address = "[::1]:8000"');
    return fix(`${shown} has no port`, `write address = "${text === '' ? '127.0.0.1' : text.replace(/:$/, '')}:8000"`);
  }
  const host = m[1]!;
  const port = Number(m[2]);
  if (bracketed !== null ? !net.isIPv6(host) : !(net.isIPv4(host) || HOSTNAME.test(host))) {
    return fix(`${shown}: "${host}" is not an IP address or a host name`,
      host === '' ? `write address = "127.0.0.1:${m[2]}" (or "0.0.0.0:${m[2]}" for every interface)` : 'write address = "127.0.0.1:8000" or "[::1]:8000"');
  }
  if (port === 0) return fix('port 0 (any free port) cannot be held: nginx and the clients must know the port', 'use a fixed port from 1 to 65535: address = "127.0.0.1:8000"');
  if (port < 1 || port > 65535) return fix(`port ${m[2]} is out of range`, 'use a port from 1 to 65535: address = "127.0.0.1:8000"');
  return { host, port };
}

/** "127.0.0.1:8000", "[::1]:8000". */
export function formatAddress(a: TcpAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Two TCP addresses that cannot both be bound, or where a connection to `b` reaches a socket on `a`. */
export function addressesOverlap(a: TcpAddress, b: TcpAddress): boolean {
  if (a.port !== b.port) return false;
  // "::" takes IPv4 too (dual stack, Linux's default); "0.0.0.0" every IPv4 address.
  const covers = (wild: string, other: string) => wild === '::' || (wild === '0.0.0.0' && !net.isIPv6(other));
  if (covers(a.host, b.host) || covers(b.host, a.host)) return true;
  const aliases = (h: string) => (h.toLowerCase() === 'localhost' ? ['127.0.0.1', '::1'] : [h.toLowerCase()]);
  return aliases(a.host).some((h) => aliases(b.host).includes(h));
}

/** Absolute paths, in file order; reports paths too long for a unix socket and sockets that collide. */
export function resolveSockets(raw: readonly TomlSocket[], root: string, report: Report): SocketConfig[] {
  const resolved: SocketConfig[] = [];
  const byPath = new Map<string, string>();
  const tcp: { name: string; address: TcpAddress }[] = [];
  const sameHint = 'give each socket its own; to share one socket, list it in the sockets of every process that needs it';
  for (const s of raw) {
    const where = `[socket.${s.name}]`;
    if (s.endpoint.kind === 'unix') {
      const at = s.endpoint.path.at;
      const abs = path.resolve(root, s.endpoint.path.value);
      const bytes = Buffer.byteLength(abs);
      if (bytes > MAX_UNIX_PATH_BYTES) {
        report(at, `path of ${where} is ${bytes} bytes long once resolved (${abs}); a unix socket path can have at most ${MAX_UNIX_PATH_BYTES}`,
          `use a shorter path, such as path = "run/${s.name}.sock" (the app folder alone takes ${Buffer.byteLength(root)} bytes), or an absolute one such as "/run/<app>/${s.name}.sock"`);
        continue;
      }
      const first = byPath.get(abs);
      if (first !== undefined) {
        report(at, `${where} has the same path as [socket.${first}]: ${abs}`, sameHint);
        continue;
      }
      byPath.set(abs, s.name);
      resolved.push({ name: s.name, kind: 'unix', path: abs, mode: s.mode, backlog: s.backlog });
    } else {
      const address = s.endpoint.address.value;
      const first = tcp.find((t) => addressesOverlap(t.address, address));
      if (first !== undefined) {
        const same = first.address.host === address.host;
        report(s.endpoint.address.at, same
          ? `${where} has the same address as [socket.${first.name}]: ${formatAddress(address)}`
          : `${where} address ${formatAddress(address)} overlaps [socket.${first.name}] (${formatAddress(first.address)}): both cannot be bound`, sameHint);
        continue;
      }
      tcp.push({ name: s.name, address });
      resolved.push({ name: s.name, kind: 'tcp', host: address.host, port: address.port, backlog: s.backlog });
    }
  }
  return resolved;
}
