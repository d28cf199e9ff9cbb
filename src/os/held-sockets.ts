// The app's listening sockets, held by muster for as long as it runs: created once at start (by the
// socket-maker helper, see there why), or inherited from the host tier, which made them
// (docs/host-contract.md); passed to the processes that name them as fd 3 onwards, never accepted
// on here. While no instance runs, connections wait in the backlog instead of being refused; a
// restart never changes the socket (same inode). The unix socket files muster made are removed
// when it stops for good, and only if they are still the ones it made; inherited ones belong to the
// host tier and are never removed.

import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { SocketConfig } from '../config/model';
import { makeBlocking } from './blocking-fd';
import type { InheritedFd } from './listen-fds';
import { socketEndpoint } from './proc-net';
import type { SocketAnswer, SocketOwner, SocketRequest } from './socket-maker';

/** The longest the helper may take to make every socket (it is one short node process). */
const MAKE_TIMEOUT_MS = 30_000;
/** The helper leaves as soon as it is told; past this it is killed. */
const HELPER_EXIT_MS = 5_000;
/** How long a connect to a leftover socket file may take to tell live from stale. */
const PROBE_TIMEOUT_MS = 1_000;

interface Held {
  readonly name: string;
  /** Where it listens, for muster's lines: "/srv/app/run/web.sock", "127.0.0.1:8000". */
  readonly where: string;
  readonly handle: { readonly fd: number; close(): void };
  /** A socket file muster made, with its identity when made, so that close() never removes someone
   * else's file; null for TCP and for inherited sockets (not ours to remove). */
  readonly file: { readonly path: string; readonly dev: number; readonly ino: number } | null;
}

export type OpenResult = { readonly ok: true; readonly sockets: HeldSockets } | { readonly ok: false; readonly message: string };

export class HeldSockets {
  private closed = false;

  /** Use HeldSockets.open. */
  constructor(private held: readonly Held[]) {}

  /** No socket; a fresh set each time, since `apply` may add to it. */
  static none(): HeldSockets {
    return new HeldSockets([]);
  }

  /** Make every socket of `configs`, or none: on any problem, what was made is closed again.
   * `owners` (socket name -> uid/gid; the root host tier only) chowns a unix socket file right after bind. */
  static async open(configs: readonly SocketConfig[], environ: Readonly<Record<string, string | undefined>>,
    owners: ReadonlyMap<string, SocketOwner> = new Map()): Promise<OpenResult> {
    if (configs.length === 0) return { ok: true, sockets: HeldSockets.none() };
    for (const config of configs) {
      if (config.kind !== 'unix') continue;
      const problem = await clearStaleFile(config);
      if (problem !== null) return { ok: false, message: problem };
    }
    return makeSockets(configs, environ, owners);
  }

  /** The sockets a host tier passed (listen-fds.ts), checked: each fd must be a listening socket. */
  static inherit(fds: readonly InheritedFd[]): OpenResult {
    const held: Held[] = [];
    for (const { name, fd } of fds) {
      const seen = inspectInherited(name, fd);
      if (!seen.ok) return seen;
      held.push({ name, where: seen.where, handle: { fd, close: () => fs.closeSync(fd) }, file: null });
    }
    return { ok: true, sockets: new HeldSockets(held) };
  }

  /** name -> the fd to pass on (an fd of this process, close-on-exec). */
  get fds(): ReadonlyMap<string, number> {
    return new Map(this.held.map((h) => [h.name, h.handle.fd]));
  }

  get size(): number {
    return this.held.length;
  }

  /** Where each socket listens, for muster's own lines: "web at /srv/app/run/web.sock". */
  describe(): string[] {
    return this.held.map((h) => `${h.name} at ${h.where}`);
  }

  /** Take over the sockets of `more` (made by `apply` for added [socket.NAME] tables). */
  adopt(more: HeldSockets): void {
    this.held = [...this.held, ...more.held];
    more.held = [];
  }

  /** Close the named sockets and remove their files (still ours): `apply` dropped their tables,
   * once no process uses them. Returns where each one listened, for muster's line. */
  closeNamed(names: readonly string[]): string[] {
    const closing = this.held.filter((h) => names.includes(h.name));
    this.held = this.held.filter((h) => !names.includes(h.name));
    for (const h of closing) closeHeld(h);
    return closing.map((h) => `${h.name} at ${h.where}`);
  }

  /** Close every socket and remove the files that are still ours. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.held) closeHeld(h);
  }
}

function where(config: SocketConfig): string {
  return config.kind === 'unix' ? config.path : `${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
}

function closeHeld(h: Held): void {
  try {
    h.handle.close();
  } catch {
    /* already closed */
  }
  if (h.file === null) return;
  try {
    const now = fs.lstatSync(h.file.path);
    if (now.dev === h.file.dev && now.ino === h.file.ino) fs.unlinkSync(h.file.path);
  } catch {
    /* gone already */
  }
}

/** An inherited fd must be an open, listening socket; where it listens comes from /proc/net. */
export function inspectInherited(name: string, fd: number): { ok: true; where: string } | { ok: false; message: string } {
  const what = `the inherited socket ${name} (fd ${fd})`;
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(fd);
  } catch (error) {
    return { ok: false, message: `${what} is not open (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): the host tier must pass it` };
  }
  if (!stat.isSocket()) return { ok: false, message: `${what} is not a socket` };
  const endpoint = socketEndpoint(stat.ino);
  if (endpoint === null) return { ok: true, where: `fd ${fd}` };
  const where = endpoint.kind === 'unix' ? endpoint.path : endpoint.address;
  if (!endpoint.listening) return { ok: false, message: `${what} at ${where} is not listening` };
  return { ok: true, where: `${where} (fd ${fd}, from the host tier)` };
}

/** A socket file left by a program that died is removed; a live listener, or a file that is not a
 * socket, is an error and is left alone. Returns the problem, or null when the path is free. */
async function clearStaleFile(config: Extract<SocketConfig, { kind: 'unix' }>): Promise<string | null> {
  const file = config.path;
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return `[socket.${config.name}]: cannot look at ${file}: ${(error as Error).message}`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
    } catch (mkdirError) {
      return `[socket.${config.name}]: cannot create the folder ${path.dirname(file)}: ${(mkdirError as Error).message}`;
    }
    return null;
  }
  if (!stat.isSocket()) {
    return `[socket.${config.name}]: ${file} exists and is not a socket (${kindOf(stat)}); muster leaves it alone: move it away, or choose another path`;
  }
  const state = await probeSocketFile(file);
  if (state === 'live') {
    return `[socket.${config.name}]: a program already listens on ${file}; muster does not take over a live socket: stop that program (ss -xlp shows it), or choose another path`;
  }
  if (state !== 'stale') return `[socket.${config.name}]: cannot tell whether ${file} is in use: ${state}`;
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return `[socket.${config.name}]: cannot remove the stale socket ${file}: ${(error as Error).message}`;
  }
  return null;
}

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isFile()) return 'a regular file';
  if (stat.isFIFO()) return 'a FIFO';
  return 'a special file';
}

/** 'live': something accepts (or queues) connections; 'stale': nobody listens (ECONNREFUSED);
 * anything else is the reason we cannot tell. */
function probeSocketFile(file: string): Promise<'live' | 'stale' | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: file });
    const timer = setTimeout(() => finish('no answer to a connect within 1 s'), PROBE_TIMEOUT_MS);
    const finish = (state: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(state);
    };
    socket.once('connect', () => finish('live'));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') finish('stale');
      else if (error.code === 'ENOENT') finish('stale');
      else finish(`${error.code ?? ''} ${error.message}`.trim());
    });
  });
}

function makeSockets(configs: readonly SocketConfig[], environ: Readonly<Record<string, string | undefined>>,
  owners: ReadonlyMap<string, SocketOwner>): Promise<OpenResult> {
  return new Promise((resolve) => {
    // A plain node: no inspector or loaders of ours, and no NODE_EXTRA_CA_CERTS (it makes node's
    // start 70-95 ms slower; the helper makes no TLS connection).
    const env = { ...environ };
    delete env.NODE_EXTRA_CA_CERTS;
    delete env.NODE_OPTIONS;
    // Its stdin is a pipe we never write to: it ends when we die, which is how the helper knows.
    const helper = fork(path.join(__dirname, 'socket-maker.js'), [], { execArgv: [], env, stdio: ['pipe', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    helper.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    const held: Held[] = [];
    const failures: string[] = [];
    let answered = 0;
    let settled = false;
    const settle = (result: OpenResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (helper.connected) helper.send('done');
      helper.disconnect?.();
      if (!result.ok) {
        for (const h of held) closeHeld(h);
        return resolve(result);
      }
      // Blocking mode only once the helper is gone: its libuv still listens until then, and would
      // block in accept() on a blocking socket.
      const blockingOnceGone = () => {
        const failed = makeBlocking(held.map((h) => h.handle.fd));
        if (failed.length > 0) process.emitWarning(`muster: could not make ${failed.length} socket(s) blocking; they are passed non-blocking`);
        resolve(result);
      };
      if (helper.exitCode !== null || helper.signalCode !== null) return blockingOnceGone();
      helper.removeAllListeners('exit');
      const stuck = setTimeout(() => helper.kill('SIGKILL'), HELPER_EXIT_MS);
      helper.once('exit', () => {
        clearTimeout(stuck);
        blockingOnceGone();
      });
    };
    const timer = setTimeout(() => {
      helper.kill('SIGKILL');
      settle({ ok: false, message: `the sockets were not made within ${MAKE_TIMEOUT_MS / 1000} s` });
    }, MAKE_TIMEOUT_MS);
    helper.on('message', (answer: SocketAnswer, handle: unknown) => {
      const config = configs.find((c) => c.name === answer.name);
      if (config === undefined) return;
      answered++;
      if (answer.ok && isHandle(handle)) {
        held.push({ name: config.name, where: where(config), handle, file: config.kind === 'unix' ? identity(config.path) : null });
      } else if (answer.ok) {
        failures.push(`[socket.${config.name}]: the helper sent no handle for ${where(config)}`);
      } else {
        failures.push(`[socket.${config.name}]: cannot listen on ${where(config)}: ${explain(answer.code, answer.message)}`);
      }
      if (answered < configs.length) return;
      if (failures.length > 0) settle({ ok: false, message: failures.join('; ') });
      else settle({ ok: true, sockets: new HeldSockets(held) });
    });
    helper.on('error', (error) => settle({ ok: false, message: `cannot start the helper that makes the sockets: ${error.message}` }));
    helper.on('exit', (code, signal) => {
      settle({ ok: false, message: `the helper that makes the sockets exited early (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim()}` : ''}` });
    });
    const requests: SocketRequest[] = configs.map((c) => {
      const owner = owners.get(c.name);
      return c.kind === 'unix' && owner !== undefined ? { ...c, owner } : { ...c };
    });
    helper.send(requests);
  });
}

function isHandle(handle: unknown): handle is Held['handle'] {
  return typeof handle === 'object' && handle !== null && typeof (handle as { fd?: unknown }).fd === 'number' && (handle as { fd: number }).fd >= 0;
}

function identity(file: string): Held['file'] {
  try {
    const stat = fs.lstatSync(file);
    return { path: file, dev: stat.dev, ino: stat.ino };
  } catch {
    return null;
  }
}

function explain(code: string, message: string): string {
  switch (code) {
    case 'EADDRINUSE': return 'the address is in use (another program listens there)';
    case 'EACCES': return `permission denied (${message})`;
    case 'EADDRNOTAVAIL': return 'this machine has no such address';
    default: return message;
  }
}
